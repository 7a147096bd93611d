//! The `summarize` example on pyHH's reference traces.

mod common;

use std::process::Command;

use common::{example, temp_dir};

fn summarize(args: &[&str]) -> std::process::Output {
    Command::new(example("summarize"))
        .args(args)
        .output()
        .expect("run summarize")
}

fn reference(a: u32) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!(
            "../crates/hh-model/tests/data/pyhh/pyhh_euler_stim_{a}.csv"
        ))
        .display()
        .to_string()
}

#[test]
fn json_of_the_sbi7_features() {
    for (a, spikes) in [(3, 1.0), (7, 4.0)] {
        let out = summarize(&[&reference(a), "--features", "sbi7", "--json"]);
        common::assert_success(&out);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let obj = v.as_object().unwrap();
        let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 7);
        assert_eq!(obj["spike_count"].as_f64(), Some(spikes));
        assert!(obj["resting_mean"].as_f64().unwrap().abs() < 1e-3);
        assert!(obj["stimulus_kurtosis"].as_f64().unwrap().is_finite());
    }
}

#[test]
fn plain_output_lists_names_and_values_and_the_window_matters() {
    let out = summarize(&[&reference(5), "--features", "all"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 15);
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("spike_count  1"))
    );
    // A window before the pulse: no response inside it.
    let out = summarize(&[
        &reference(5),
        "--features",
        "sbi7",
        "--json",
        "--stim-window",
        "10",
        "60",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["stimulus_variance"].as_f64().unwrap() < 1e-6);
}

#[test]
fn bad_input_fails_clearly() {
    let dir = temp_dir("summarize");
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "t_ms,vm_mv\n0,1\n0.01,nan?\n").unwrap();
    let bad = bad.display().to_string();
    let r5 = reference(5);
    let cases: [(&[&str], &str); 9] = [
        (&[], "trace file"),
        (&[&r5, "--features", "sbi9"], "unknown features"),
        (
            &[&r5, "--features", "efel:Spikecont"],
            "unknown eFEL feature `Spikecont`",
        ),
        (
            &[&r5, "--features", "efel:voltage_base@first"],
            "per-spike features only",
        ),
        (&[&r5, "--efel-setting", "Treshold=-30"], "not a setting"),
        (
            &[&r5, "--efel-setting", "interp_step=0"],
            "must be positive",
        ),
        (&[&r5, "--stim-window", "130", "70"], "--stim-window"),
        (&[&bad], "line 3"),
        (&["/nonexistent/trace.csv"], "nonexistent"),
    ];
    for (args, needle) in cases {
        let out = summarize(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A trace on the Pospischil model's scale, written with time stamps rounded to two decimals
/// (0.025 ms steps become 0.02/0.03, as text exports do).
fn jittered_cortical_trace(dir: &std::path::Path) -> String {
    let clean = dir.join("clean.csv");
    let out = Command::new(example("simulate"))
        .args(["--model", "pospischil", "--out"])
        .arg(&clean)
        .output()
        .unwrap();
    common::assert_success(&out);
    let text = std::fs::read_to_string(&clean).unwrap();
    let mut jittered = String::from("t_ms,vm_mv\n");
    for (i, line) in text.lines().skip(1).enumerate() {
        let (_, v) = line.split_once(',').unwrap();
        // Rows 0, 2, 5, 7, 10, … of the 0.01 ms trace: 0.00, 0.02, 0.05, 0.07, 0.10 ms, a
        // 0.025 ms step as a two-decimal export writes it.
        if i % 5 == 0 || i % 5 == 2 {
            jittered.push_str(&format!("{:.2},{v}\n", i as f64 * 0.01));
        }
    }
    let path = dir.join("jittered.csv");
    std::fs::write(&path, jittered).unwrap();
    path.display().to_string()
}

#[test]
fn efel_features_of_a_jittered_trace_are_reported_not_refused() {
    let dir = temp_dir("summarize-efel");
    let path = jittered_cortical_trace(&dir);
    let out = summarize(&[
        &path,
        "--stim-window",
        "10",
        "110",
        "--features",
        "efel:Spikecount,mean_frequency,AP_amplitude@first,AP_amplitude@last,voltage_base",
        "--json",
    ]);
    common::assert_success(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("resampled") || err.contains("interpolated"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Gonçalves et al.'s protocol on the default cell: five spikes, rest at -70 mV.
    assert_eq!(v["Spikecount"].as_f64(), Some(5.0));
    assert!(
        (v["voltage_base"].as_f64().unwrap() + 70.0).abs() < 0.5,
        "{v}"
    );
    let (first, last) = (
        v["AP_amplitude@first"].as_f64().unwrap(),
        v["AP_amplitude@last"].as_f64().unwrap(),
    );
    assert!(first > 60.0 && last > 60.0 && first != last, "{v}");
    // Every feature's values, as eFEL's get_feature_values gives them.
    let out = summarize(&[&path, "--stim-window", "10", "110", "--efel-values"]);
    common::assert_success(&out);
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(all["peak_voltage"].as_array().unwrap().len(), 5);
    assert!(
        all["sag_amplitude"].is_null(),
        "a depolarising step has no sag"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_undefined_efel_feature_fails_naming_it() {
    // pyHH's rest-relative trace never falls below eFEL's -20 mV threshold: no spike, so no
    // spike shape; the count is 0.
    let out = summarize(&[&reference(7), "--features", "efel:Spikecount", "--json"]);
    common::assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["Spikecount"].as_f64(), Some(0.0));
    let out = summarize(&[&reference(7), "--features", "efel:AP_width"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`AP_width` is undefined"), "{err}");
}
