//! The `npe_gaussian_linear` example: JSON shape and sanity of the result.

mod common;

use std::process::Command;

use common::example;

/// Runs the example with `args` and parses its JSON output.
fn run_json(args: &[&str]) -> serde_json::Value {
    let out = Command::new(example("npe_gaussian_linear"))
        .args(args)
        .output()
        .unwrap();
    common::assert_success(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn json_has_mean_and_covariance_near_the_truth() {
    let v = run_json(&[
        "--x-obs",
        "1.0",
        "-0.5",
        "--num-simulations",
        "3000",
        "--seed",
        "2",
        "--json",
    ]);
    let mean: Vec<f64> = serde_json::from_value(v["mean"].clone()).unwrap();
    let cov: Vec<Vec<f64>> = serde_json::from_value(v["cov"].clone()).unwrap();
    assert_eq!((mean.len(), cov.len(), cov[0].len()), (2, 2, 2));
    // Posterior N((1, −0.5), 0.25·I) (the box hardly truncates it): generous bounds, this
    // checks the plumbing; accuracy is tested in sbi-npe.
    assert!(
        (mean[0] - 1.0).abs() < 0.15 && (mean[1] + 0.5).abs() < 0.15,
        "{mean:?}"
    );
    for j in 0..2 {
        assert!((cov[j][j] / 0.25 - 1.0).abs() < 0.35, "{cov:?}");
    }
    assert!(cov[0][1].abs() < 0.06);
}

#[test]
fn missing_or_bad_flags_fail() {
    for args in [
        &["--json"][..],
        &["--x-obs", "1"],
        &["--x-obs", "1", "2", "--num-simulations", "5"],
        &["--x-obs", "1", "2", "--ensemble", "0"],
        &["--x-obs", "1", "2", "--estimator", "flow"],
    ] {
        let out = Command::new(example("npe_gaussian_linear"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn every_estimator_trains_through_the_flag() {
    for name in ["nsf", "maf"] {
        let v = run_json(&[
            "--x-obs",
            "1.0",
            "-0.5",
            "--num-simulations",
            "2000",
            "--estimator",
            name,
            "--json",
        ]);
        assert_eq!(v["estimator"], name);
        let mean: Vec<f64> = serde_json::from_value(v["mean"].clone()).unwrap();
        let cov: Vec<Vec<f64>> = serde_json::from_value(v["cov"].clone()).unwrap();
        assert!(
            (mean[0] - 1.0).abs() < 0.15 && (mean[1] + 0.5).abs() < 0.15,
            "{name}: {mean:?}"
        );
        for j in 0..2 {
            assert!((cov[j][j] / 0.25 - 1.0).abs() < 0.35, "{name}: {cov:?}");
        }
    }
    let out = Command::new(example("npe_gaussian_linear"))
        .args(["--x-obs", "1", "2", "--estimator", "flow"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--estimator") && err.contains("mdn, nsf or maf"),
        "{err}"
    );
}

#[test]
fn ensemble_flag_trains_several_networks() {
    let v = run_json(&[
        "--x-obs",
        "-1.0",
        "0.5",
        "--num-simulations",
        "2000",
        "--ensemble",
        "2",
        "--json",
    ]);
    assert_eq!(v["ensemble"], 2);
    let epochs: Vec<usize> = serde_json::from_value(v["epochs"].clone()).unwrap();
    assert_eq!(epochs.len(), 2);
    let mean: Vec<f64> = serde_json::from_value(v["mean"].clone()).unwrap();
    assert!(
        (mean[0] + 1.0).abs() < 0.15 && (mean[1] - 0.5).abs() < 0.15,
        "{mean:?}"
    );
}

/// `--save-dataset` then `--dataset`: training on the saved simulations gives the same
/// posterior as training on them when they were made; a file that is not a dataset is a clear
/// error.
#[test]
fn a_saved_dataset_trains_the_same_posterior() {
    let dir = std::env::temp_dir().join(format!("hh-sbi-npe-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sims.npz");
    let path_s = path.to_str().unwrap();
    let base = [
        "--x-obs",
        "0.5",
        "-0.5",
        "--num-simulations",
        "400",
        "--seed",
        "4",
    ];
    let made = run_json(&[&base[..], &["--save-dataset", path_s, "--json"]].concat());
    let again = run_json(&[&base[..], &["--dataset", path_s, "--json"]].concat());
    assert_eq!(made["mean"], again["mean"]);
    assert_eq!(made["cov"], again["cov"]);
    assert_eq!(again["num_simulations"], 400);
    std::fs::write(&path, b"not an archive").unwrap();
    let out = Command::new(example("npe_gaussian_linear"))
        .args([&base[..], &["--dataset", path_s]].concat())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a NumPy .npz"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn rounds_run_tsnpe_on_a_narrow_posterior() {
    // σ = 0.05: the posterior N((0.3, −1.2), 0.05²·I) covers 0.1 % of the box.
    let v = run_json(&[
        "--x-obs",
        "0.3",
        "-1.2",
        "--sigma",
        "0.05",
        "--num-simulations",
        "300",
        "--rounds",
        "3",
        "--seed",
        "1",
        "--json",
    ]);
    let rounds = v["rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 3);
    assert_eq!(v["num_simulations"], 900);
    assert_eq!(rounds[0]["prior_mass"], 1.0);
    for r in &rounds[1..] {
        let mass = r["prior_mass"].as_f64().unwrap();
        assert!(mass > 0.0 && mass < 0.1, "{r}");
    }
    let mean: Vec<f64> = serde_json::from_value(v["mean"].clone()).unwrap();
    assert!(
        (mean[0] - 0.3).abs() < 0.03 && (mean[1] + 1.2).abs() < 0.03,
        "{mean:?}"
    );
    // Warm-started rounds: the same plumbing, continuing from each round's network.
    let w = run_json(&[
        "--x-obs",
        "0.3",
        "-1.2",
        "--sigma",
        "0.05",
        "--num-simulations",
        "300",
        "--rounds",
        "3",
        "--warm-start",
        "--seed",
        "1",
        "--json",
    ]);
    let wm: Vec<f64> = serde_json::from_value(w["mean"].clone()).unwrap();
    assert!(
        (wm[0] - 0.3).abs() < 0.03 && (wm[1] + 1.2).abs() < 0.03,
        "{wm:?}"
    );
    assert_ne!(wm, mean, "a warm start trains differently");
    // One network, simulated data: --ensemble and --dataset do not combine with --rounds.
    let out = Command::new(example("npe_gaussian_linear"))
        .args(["--x-obs", "0", "0", "--rounds", "2", "--ensemble", "2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--rounds"));
}
