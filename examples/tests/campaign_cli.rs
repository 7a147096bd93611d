//! The `campaign` example in one process (any build): its file equals the library pipeline's
//! dataset byte for byte, whatever the schedule and thread count; `hh_posterior --dataset`
//! trains on it exactly as on its own simulations; and bad settings are clear errors. The
//! runs across MPI ranks are in campaign_mpi.rs (feature `mpi`).

mod common;

use std::path::Path;
use std::process::Command;

use common::{assert_success, example, pipeline_dataset, temp_dir};

fn campaign(args: &[&str]) -> std::process::Output {
    Command::new(example("campaign"))
        .args(args)
        // A test run under mpirun must not look like one rank of several.
        .env_remove("OMPI_COMM_WORLD_SIZE")
        .env_remove("PMI_SIZE")
        .output()
        .expect("run campaign")
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn one_process_campaigns_equal_the_pipeline_byte_for_byte() {
    let dir = temp_dir("campaign-local");
    let reference = pipeline_dataset(700, 5, "notebook", 1.0);
    for (k, extra) in [
        vec!["--threads", "1"],
        vec!["--threads", "2"],
        vec!["--schedule", "dynamic", "--chunk", "37", "--threads", "2"],
    ]
    .into_iter()
    .enumerate()
    {
        let out = dir.join(format!("c{k}.npz"));
        let mut args = vec![
            "--num-simulations",
            "700",
            "--seed",
            "5",
            "--noise",
            "1",
            "--json",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend(extra.iter().copied());
        let run = campaign(&args);
        assert_success(&run);
        let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        assert_eq!(report["num_simulations"], 700, "{report}");
        assert_eq!(report["size"], 1);
        assert_eq!(report["ranks"][0]["num_simulations"], 700);
        assert!(report["throughput"].as_f64().unwrap() > 0.0);
        let bytes = std::fs::read(&out).unwrap();
        assert!(
            bytes == reference,
            "run {k} ({extra:?}) differs from the pipeline"
        );
    }
    // Another seed or noise gives another file (the comparison can fail).
    assert!(pipeline_dataset(700, 6, "notebook", 1.0) != reference);
    std::fs::remove_dir_all(dir).ok();
}

fn posterior_json(args: &[&str]) -> serde_json::Value {
    let out = Command::new(example("hh_posterior"))
        .args(args)
        .output()
        .expect("run hh_posterior");
    assert_success(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn hh_posterior_trains_on_a_campaign_as_on_its_own_simulations() {
    let dir = temp_dir("campaign-posterior");
    let data = dir.join("data.npz");
    let data_s = data.to_str().unwrap();
    let made = campaign(&[
        "--num-simulations",
        "600",
        "--seed",
        "2",
        "--noise",
        "1",
        "--out",
        data_s,
    ]);
    assert_success(&made);
    let pics = dir.join("pics");
    let common = [
        "--noise",
        "1",
        "--seed",
        "2",
        "--json",
        "--out-dir",
        pics.to_str().unwrap(),
    ];
    let own = posterior_json(&[&common[..], &["--num-simulations", "600"]].concat());
    let from_file = posterior_json(&[&common[..], &["--dataset", data_s]].concat());
    for key in ["mean", "std", "q05", "q95", "x_observed"] {
        assert_eq!(own[key], from_file[key], "{key}");
    }
    assert_eq!(from_file["num_simulations"], 600);
    assert_eq!(from_file["dataset"], data_s);

    // A file of other settings is refused, naming what differs.
    let run = |args: &[&str]| {
        Command::new(example("hh_posterior"))
            .args(args)
            .args(["--out-dir", pics.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let wrong_noise = run(&["--dataset", data_s]);
    assert!(!wrong_noise.status.success());
    assert!(
        stderr(&wrong_noise).contains("noise_sigma = 1"),
        "{}",
        stderr(&wrong_noise)
    );
    assert!(stderr(&wrong_noise).contains("--noise 1"));
    let wrong_features = run(&["--dataset", data_s, "--noise", "1", "--features", "sbi7"]);
    assert!(
        stderr(&wrong_features).contains("features"),
        "{}",
        stderr(&wrong_features)
    );
    let with_rounds = run(&["--dataset", data_s, "--noise", "1", "--rounds", "2"]);
    assert!(
        stderr(&with_rounds).contains("--rounds"),
        "{}",
        stderr(&with_rounds)
    );
    let missing = run(&["--dataset", dir.join("none.npz").to_str().unwrap()]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("none.npz"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn bad_settings_are_clear_errors_and_write_nothing() {
    let dir = temp_dir("campaign-errors");
    let out = dir.join("x.npz");
    let out_s = out.to_str().unwrap();
    let cases: [(&[&str], &str); 7] = [
        (&["--out", "/nonexistent-folder/x.npz"], "does not exist"),
        (&["--num-simulations", "10"], "--out"),
        (
            &["--out", out_s, "--schedule", "round-robin"],
            "unknown schedule",
        ),
        (
            &["--out", out_s, "--schedule", "dynamic", "--chunk", "0"],
            "chunk",
        ),
        (&["--out", out_s, "--num-simulations", "1"], "at least 2"),
        (&["--out", out_s, "--threads", "0"], "--threads"),
        (&["--out", out_s, "--features", "fancy"], "fancy"),
    ];
    for (args, message) in cases {
        let run = campaign(args);
        assert!(!run.status.success(), "{args:?} succeeded");
        assert!(stderr(&run).contains(message), "{args:?}: {}", stderr(&run));
        assert!(!Path::new(&out).exists(), "{args:?} wrote a file");
    }
    std::fs::remove_dir_all(dir).ok();
}

/// Launched as one of several ranks, a build without MPI refuses rather than have every copy
/// run the whole campaign.
#[cfg(not(feature = "mpi"))]
#[test]
fn a_build_without_mpi_refuses_to_be_one_of_several_ranks() {
    let dir = temp_dir("campaign-no-mpi");
    let out = dir.join("x.npz");
    let run = Command::new(example("campaign"))
        .args(["--out", out.to_str().unwrap()])
        .env("OMPI_COMM_WORLD_SIZE", "2")
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(
        stderr(&run).contains("--features hh-sbi-examples/mpi"),
        "{}",
        stderr(&run)
    );
    assert!(!out.exists());
    std::fs::remove_dir_all(dir).ok();
}
