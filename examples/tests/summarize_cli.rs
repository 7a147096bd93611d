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
    let cases: [(&[&str], &str); 5] = [
        (&[], "trace file"),
        (&[&r5, "--features", "sbi9"], "unknown preset"),
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
