//! The `throughput` example as a user runs it: JSON with the speed and the spike-count
//! histogram, the same histogram on every kernel, and clear errors on bad flags.

mod common;

use std::process::Command;

use common::example;

fn run(args: &[&str]) -> serde_json::Value {
    let out = Command::new(example("throughput"))
        .args(args)
        .arg("--json")
        .output()
        .expect("run throughput");
    common::assert_success(&out);
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[test]
fn reports_speed_and_the_spike_count_histogram_the_same_on_every_kernel() {
    let simd = run(&["--traces", "400", "--threads", "2"]);
    assert!(simd["ns_per_neuron_step"].as_f64().unwrap() > 0.0);
    assert!(simd["traces_per_second"].as_f64().unwrap() > 0.0);
    let hist = simd["spike_count_histogram"].as_object().unwrap();
    let total: u64 = hist.values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(total, 400);
    // 3..7 µA/cm² spans one to four spikes in 200 ms (the notebook's pulse of 60 ms).
    let keys: Vec<&str> = hist.keys().map(String::as_str).collect();
    assert_eq!(keys, ["1", "2", "3", "4"]);
    for kernel in ["portable", "scalar"] {
        let other = run(&["--traces", "400", "--kernel", kernel]);
        assert_eq!(
            other["spike_count_histogram"], simd["spike_count_histogram"],
            "{kernel}"
        );
    }
    for scheme in ["exp-euler", "rk4"] {
        let other = run(&["--traces", "64", "--scheme", scheme, "--precision", "f32"]);
        assert_eq!(other["precision"], "f32");
        assert_eq!(other["scheme"], scheme);
    }
}

#[test]
fn bad_flags_fail_with_a_message() {
    for args in [
        &["--traces", "0"][..],
        &["--precision", "f16"],
        &["--threads", "0"],
        &["--scheme", "euler"],
        &["--kernel", "gpu"],
        &["--bogus"],
    ] {
        let out = Command::new(example("throughput"))
            .args(args)
            .output()
            .expect("run throughput");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}
