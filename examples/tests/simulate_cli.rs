//! The `simulate` example as a user runs it: good flags write the trace (and picture), bad
//! flags fail with a message and exit status 2.

mod common;

use std::process::Command;

use common::{example, temp_dir};

#[test]
fn writes_the_notebook_trace_and_a_picture() {
    let dir = temp_dir("simulate");
    let csv = dir.join("trace.csv");
    let svg = dir.join("trace.svg");
    let out = Command::new(example("simulate"))
        .args([
            "--v-rest",
            "50",
            "--stim",
            "5",
            "--scheme",
            "pyhh-euler",
            "--out",
        ])
        .arg(&csv)
        .arg("--plot")
        .arg(&svg)
        .output()
        .expect("run simulate");
    common::assert_success(&out);
    let text = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], "t_ms,vm_mv");
    assert_eq!(rows.len(), 20_001);
    assert!(rows[1].starts_with("0.00,"), "{}", rows[1]);
    assert!(rows[7001].starts_with("70.00,"), "{}", rows[7001]);
    // v_rest shifts the trace: the first sample is ≈ 50 mV, the spike peaks ≈ 104 mV above.
    let v: Vec<f64> = rows[1..]
        .iter()
        .map(|r| r.split_once(',').unwrap().1.parse().unwrap())
        .collect();
    assert!((v[0] - 50.0).abs() < 1e-3);
    let peak = v.iter().cloned().fold(f64::MIN, f64::max);
    assert!(peak > 150.0 && peak < 160.0, "peak {peak}");
    let picture = std::fs::read_to_string(&svg).unwrap();
    assert!(picture.starts_with("<svg") && picture.contains("<polyline"));
    assert!(picture.contains("stimulus 5"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_published_pospischil_model_under_its_protocol() {
    let dir = temp_dir("simulate-pospischil");
    let csv = dir.join("trace.csv");
    let svg = dir.join("trace.svg");
    let out = Command::new(example("simulate"))
        .args(["--model", "pospischil", "--protocol", "goncalves"])
        .args([
            "--param",
            "g_na=50",
            "--param",
            "g_k=5",
            "--param",
            "g_leak=0.1",
        ])
        .args([
            "--param",
            "g_m=0.07",
            "--param",
            "tau_max=600",
            "--param",
            "v_t=-60",
        ])
        .args(["--param", "e_leak=-70", "--out"])
        .arg(&csv)
        .arg("--plot")
        .arg(&svg)
        .output()
        .expect("run simulate");
    common::assert_success(&out);
    let text = std::fs::read_to_string(&csv).unwrap();
    let v: Vec<f64> = text
        .lines()
        .skip(1)
        .map(|r| r.split_once(',').unwrap().1.parse().unwrap())
        .collect();
    // 12,001 samples from t = 0 at V0 = −70 mV; θ* fires five spikes during the step
    // (crates/hh-model/tests/pospischil_reference.rs checks the trace to 1e-6 mV).
    assert_eq!(v.len(), 12_001);
    assert!((v[0] + 70.0).abs() < 1e-3, "{}", v[0]);
    let spikes = (1..v.len())
        .filter(|&i| v[i - 1] < 0.0 && v[i] >= 0.0)
        .count();
    assert_eq!(spikes, 5);
    assert!(
        std::fs::read_to_string(&svg)
            .unwrap()
            .contains("stimulus 3.248")
    );
    // The classic model is still the default, and --model classic names it.
    let classic = Command::new(example("simulate"))
        .args([
            "--model", "classic", "--param", "g_na=100", "--stim", "7", "--out",
        ])
        .arg(&csv)
        .output()
        .unwrap();
    common::assert_success(&classic);
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap().lines().count(),
        20_001
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_model_input_names_the_field() {
    let dir = temp_dir("simulate-bad-model");
    let csv = dir.join("t.csv");
    let cases: [(&[&str], &str); 7] = [
        (&["--model", "hh2"], "unknown model `hh2`"),
        (&["--protocol", "ramp"], "unknown protocol `ramp`"),
        (&["--model", "pospischil", "--param", "g_nA=5"], "g_nA"),
        (&["--model", "pospischil", "--param", "g_k"], "name=value"),
        (&["--model", "pospischil", "--param", "g_k=-1"], "g_k"),
        (
            &["--model", "pospischil", "--param", "tau_max=0"],
            "tau_max",
        ),
        (
            &["--model", "pospischil", "--param", "e_leak=nan"],
            "--param",
        ),
    ];
    for (args, needle) in cases {
        let out = Command::new(example("simulate"))
            .arg("--out")
            .arg(&csv)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    // An unknown name lists the model's names.
    let out = Command::new(example("simulate"))
        .args(["--model", "pospischil", "--param", "gna=5", "--out"])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("tau_max"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_flags_fail_clearly() {
    let dir = temp_dir("simulate-bad");
    let csv = dir.join("t.csv");
    let cases: [(&[&str], &str); 5] = [
        (&["--stim", "abc"], "--stim expects a finite number"),
        (&["--scheme", "euler"], "unknown scheme `euler`"),
        (&["--frobnicate"], "invalid option '--frobnicate'"),
        (&["--noise", "-1"], "--noise is the current noise"),
        (&["--v-rest"], "missing argument"),
    ];
    for (args, needle) in cases {
        let out = Command::new(example("simulate"))
            .arg("--out")
            .arg(&csv)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(err.contains("usage: simulate"));
    }
    let out = Command::new(example("simulate")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--out"));
    std::fs::remove_dir_all(&dir).ok();
}
