//! `user_channel`: a channel defined outside hh-model runs through the batch path (SIMD lanes,
//! streamed features) and the scalar path alike, and does what an A-current does.

mod common;

use std::process::Command;

use common::example;

#[test]
fn an_a_current_defined_outside_hh_model_delays_firing_on_every_path() {
    let out = Command::new(example("user_channel"))
        .arg("--json")
        .output()
        .expect("run user_channel");
    common::assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    // The user's parameter joins the model's; `e_k` stays one parameter.
    assert!(names.contains(&"g_a") && names.contains(&"tau_max"));
    assert_eq!(names.iter().filter(|n| **n == "e_k").count(), 1);
    let sweep = v["sweep"].as_array().unwrap();
    assert_eq!(sweep.len(), 5);
    let (mut counts, mut latencies) = (Vec::new(), Vec::new());
    for row in sweep {
        let (count, latency) = (
            row["spike_count"].as_f64().unwrap(),
            row["first_spike_latency_ms"].as_f64().unwrap(),
        );
        // The batch (f64 lanes, polynomial exp, streamed features) and the scalar path (libm
        // exp, whole trace) agree: same spikes, latency within one sample (0.01 ms).
        let scalar = row["scalar"].as_array().unwrap();
        assert_eq!(count, scalar[0].as_f64().unwrap(), "{row}");
        assert!(
            (latency - scalar[1].as_f64().unwrap()).abs() <= 0.0101,
            "{row}"
        );
        counts.push(count);
        latencies.push(latency);
    }
    // Without the A-current the model is Pospischil's at θ*: five spikes, the first 9.34 ms
    // into the step (the published simulator's trace: pospischil_reference.rs).
    assert_eq!(counts[0], 5.0);
    assert!((latencies[0] - 9.34).abs() < 0.02, "{latencies:?}");
    // More A-current, later first spike and no more spikes: the delayed firing it is known for.
    assert!(latencies.windows(2).all(|w| w[1] > w[0]), "{latencies:?}");
    assert!(counts.windows(2).all(|w| w[1] <= w[0]), "{counts:?}");
    assert!(latencies[4] > 50.0, "{latencies:?}");
}

#[test]
fn bad_flags_fail_with_a_message() {
    let out = Command::new(example("user_channel"))
        .args(["--g-a", "1,x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--g-a"));
    // A negative conductance is the model's error, naming the parameter.
    let out = Command::new(example("user_channel"))
        .args(["--g-a", "-1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("g_a"));
}
