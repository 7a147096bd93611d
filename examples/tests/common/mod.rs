//! Helpers shared by the example tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// `target/<profile>/examples/<name>`: cargo builds the examples before running tests.
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target/<profile>");
    dir.join("examples").join(name)
}

/// A fresh temporary folder for one test.
pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hh-sbi-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Asserts that a run of an example succeeded, showing its standard error if not.
pub fn assert_success(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The dataset `campaign` and `hh_posterior` make for these settings, made here with the
/// library's pipeline (`Npe::simulate`) and saved: the reference a campaign file must equal
/// byte for byte.
pub fn pipeline_dataset(num_simulations: usize, seed: u64, preset: &str, noise: f64) -> Vec<u8> {
    use hh_sbi_examples::notebook::{HIGH, LOW, dataset_settings};
    let prior = sbi_prior::BoxUniform::new(LOW.to_vec(), HIGH.to_vec()).unwrap();
    let sim = hh_model::HhSimulator::notebook()
        .with_noise_sigma(noise)
        .unwrap();
    let features = hh_stats::FeatureSet::preset_named(preset).unwrap();
    let data = sbi_inference::Npe::new(
        sbi_inference::Problem::new(&prior, &sim, &features)
            .num_simulations(num_simulations)
            .seed(seed),
    )
    .simulate()
    .unwrap()
    .with_settings(dataset_settings(&sim, &features, noise, seed));
    let path = temp_dir("pipeline").join(format!("{num_simulations}-{seed}-{preset}-{noise}.npz"));
    data.save_npz(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).ok();
    bytes
}

/// `mpirun -np <np> [--oversubscribe]` with Open MPI kept on loopback and working as root
/// in a container (the settings docs/scaling.md explains).
pub fn mpirun(np: usize) -> std::process::Command {
    let mut c = std::process::Command::new("mpirun");
    c.args(["-np", &np.to_string(), "--oversubscribe"])
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("OMPI_MCA_btl", "self,vader")
        .env("OMPI_MCA_oob_tcp_if_include", "lo")
        .env("OMPI_MCA_btl_vader_single_copy_mechanism", "none");
    c
}

/// A recording fixture of hh-io's test data (crates/hh-io/tests/data), as a path string.
pub fn fixture(name: &str) -> String {
    let p: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "crates",
        "hh-io",
        "tests",
        "data",
        name,
    ]
    .iter()
    .collect();
    p.display().to_string()
}
