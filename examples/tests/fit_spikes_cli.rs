//! The `fit_spikes` example, on a small budget: JSON shape, flags that take effect, errors.

mod common;

use std::process::Command;

use common::example;

fn run(args: &[&str]) -> std::process::Output {
    Command::new(example("fit_spikes"))
        .args(args)
        .output()
        .expect("run fit_spikes")
}

#[test]
fn small_fit_reports_json_and_flags_take_effect() {
    let args = ["--trials", "60", "--fresh-trials", "200", "--json"];
    let out = run(&args);
    common::assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["delta_v", "delta_area", "mse_in_sample", "mse_fresh"] {
        assert!(v[key].as_f64().unwrap().is_finite(), "{key}");
    }
    assert!(v["simulations"].as_u64().unwrap() > 0);
    assert_eq!(v["method"], "grid");
    assert_eq!(v["mode"], "corrected");
    // The mode flag changes the model, hence the fit.
    let mut up = args.to_vec();
    up.extend(["--mode", "upstream"]);
    let w: serde_json::Value = serde_json::from_slice(&run(&up).stdout).unwrap();
    assert_eq!(w["mode"], "upstream");
    assert_ne!(w["delta_v"], v["delta_v"]);
}

#[test]
fn bad_flags_fail() {
    for args in [
        &["--method", "bfgs"][..],
        &["--mode", "sideways"],
        &["--trials", "0"],
        &["--loss", "l1"],
        &["--data", "/nonexistent.csv"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}
