//! The `npe_gaussian_linear` example: JSON shape and sanity of the result.

mod common;

use std::process::Command;

use common::example;

#[test]
fn json_has_mean_and_covariance_near_the_truth() {
    let out = Command::new(example("npe_gaussian_linear"))
        .args([
            "--x-obs",
            "1.0",
            "-0.5",
            "--num-simulations",
            "3000",
            "--seed",
            "2",
            "--json",
        ])
        .output()
        .unwrap();
    common::assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
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
    ] {
        let out = Command::new(example("npe_gaussian_linear"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}
