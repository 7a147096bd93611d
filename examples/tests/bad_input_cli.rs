//! The reproductions of the bad-input report, run against the examples: each must end quickly
//! with exit code 2 and a message that says what is wrong — no panic (101), no abort (a
//! signal), no hang (killed after a minute), no garbage.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{example, temp_dir};

/// Runs `name args`, killing it after `limit`; returns (exit code, stderr).
fn run_bounded(name: &str, args: &[&str], limit: Duration) -> (Option<i32>, String) {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let k = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = temp_dir(&format!("bad-input-{name}-{k}"));
    let mut child = Command::new(example(name))
        .args(args)
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start example");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            std::fs::remove_dir_all(&dir).ok();
            return (status.code(), err);
        }
        if start.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            panic!("{name} {args:?} did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn assert_clear_error(name: &str, args: &[&str], needle: &str) {
    let (code, err) = run_bounded(name, args, Duration::from_secs(60));
    assert_eq!(code, Some(2), "{name} {args:?}: {err}");
    assert!(
        err.contains(needle),
        "{name} {args:?}: expected `{needle}` in\n{err}"
    );
    assert!(!err.contains("panicked"), "{name} {args:?}: {err}");
}

#[test]
fn counts_that_would_exhaust_memory_are_refused_at_once() {
    for (args, needle) in [
        (
            &["--num-simulations", "10000000000"][..],
            "--num-simulations takes 1 to 100000000 simulations",
        ),
        (
            &["--num-samples", "9223372036854775808"],
            "--num-samples takes 2 to 10000000 posterior samples",
        ),
        (
            &["--num-samples", "18446744073709551615"],
            "--num-samples takes 2 to",
        ),
        (&["--validate", "100000000000"], "--validate takes 1 to"),
        // `--rounds 1000000000` aborted allocating 8 GB; the largest u64 panicked.
        (
            &["--rounds", "1000000000"],
            "--rounds takes 1 to 100 sequential rounds",
        ),
        (
            &["--rounds", "18446744073709551615"],
            "--rounds takes 1 to 100",
        ),
        (
            &["--rounds", "99999999999999999999999"],
            "--rounds takes 1 to 100",
        ),
    ] {
        assert_clear_error("hh_posterior", args, needle);
    }
    assert_clear_error(
        "npe_gaussian_linear",
        &["--x-obs", "0", "0", "--ensemble", "100000000000"],
        "--ensemble takes 1 to 1000 networks",
    );
    assert_clear_error(
        "npe_gaussian_linear",
        &["--x-obs", "0", "0", "--rounds", "1000000000"],
        "--rounds takes 1 to 100",
    );
    let recording = common::fixture("steps3_abf2.abf");
    for args in [
        &["--rounds", "1000000000"][..],
        &["--rounds", "18446744073709551615"],
    ] {
        let mut all = vec!["--recording", recording.as_str()];
        all.extend_from_slice(args);
        assert_clear_error("infer_recording", &all, "--rounds takes 1 to 100");
    }
    // 10⁸ simulations of 12 features and 3 parameters exceed the bound: refused before anything is allocated
    // (the size check used to assume 3 features, after 2.3 GB were taken).
    assert_clear_error(
        "infer_recording",
        &[
            "--model",
            "classic",
            "--recording",
            &recording,
            "--area",
            "2e-5",
            "--sweeps",
            "all",
            "--features",
            "efel:voltage_base,steady_state_voltage_stimend,maximum_voltage,minimum_voltage",
            "--num-simulations",
            "100000000",
        ],
        "--num-simulations 100000000 with 15 numbers each",
    );
    // A million threads took 40 s to create and could exhaust the system's thread limit.
    assert_clear_error(
        "campaign",
        &["--threads", "1000000"],
        "--threads takes 1 to 1024",
    );
    assert_clear_error(
        "throughput",
        &["--threads", "1000000"],
        "--threads takes 1 to 1024",
    );
    assert_clear_error(
        "synthesize_recording",
        &["--num-samples", "1000000000000"],
        "--num-samples takes 2 to 100000000 samples per trace",
    );
    assert_clear_error("spike_grid", &["--points", "1000000000000"], "--points");
    for t_end in ["1e6", "1e30", "inf"] {
        assert_clear_error("predict_spikes", &["--t-end", t_end], "--t-end");
    }
}

#[test]
fn messages_name_the_real_cause() {
    // A run shorter than the pulse: said so, not "invalid parameter num_steps".
    assert_clear_error(
        "predict_spikes",
        &["--t-end", "0.1"],
        "longer than the pulse",
    );
    // Every simulation diverges because of the noise: the first failure says so.
    assert_clear_error(
        "hh_posterior",
        &["--noise", "1e6", "--num-simulations", "40"],
        "noise current is too strong",
    );
}

#[test]
fn data_far_outside_the_models_range_end_with_an_error() {
    let dir = temp_dir("bad-data");
    let data = dir.join("far.csv");
    std::fs::write(
        &data,
        "relative_stimulus,spiking_trials,trials\n0.95e17,200,1000\n1e17,500,1000\n1.05e17,800,1000\n",
    )
    .unwrap();
    let tiny = dir.join("tiny.csv");
    std::fs::write(
        &tiny,
        "relative_stimulus,spiking_trials,trials\n0.95e-300,200,1000\n1e-300,500,1000\n1.05e-300,800,1000\n",
    )
    .unwrap();
    for path in [data.to_str().unwrap(), tiny.to_str().unwrap()] {
        for method in ["grid", "nelder-mead", "threshold"] {
            assert_clear_error(
                "fit_spikes",
                &["--data", path, "--method", method, "--trials", "20"],
                "is outside 0.001…1000",
            );
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_saved_posterior_is_refused_for_another_setting() {
    let dir = temp_dir("trained-on");
    let saved = dir.join("p.json");
    let saved = saved.to_str().unwrap();
    let (code, err) = run_bounded(
        "hh_posterior",
        &[
            "--num-simulations",
            "200",
            "--save-posterior",
            saved,
            "--json",
        ],
        Duration::from_secs(120),
    );
    assert_eq!(code, Some(0), "{err}");
    for (args, needle) in [
        (&["--noise", "1"][..], "noise_sigma"),
        (&["--features", "sbi7"], "features"),
    ] {
        let mut all = vec!["--load-posterior", saved];
        all.extend_from_slice(args);
        assert_clear_error("hh_posterior", &all, needle);
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// `campaign --out <an existing folder>` passed the up-front check, ran every simulation and
/// then failed to save; now it fails before the first simulation (as does a posterior save).
#[test]
fn outputs_that_cannot_be_saved_are_refused_before_the_work() {
    let dir = temp_dir("bad-input-out-folder");
    let folder = dir.display().to_string();
    assert_clear_error(
        "campaign",
        &["--num-simulations", "100000", "--out", &folder],
        "is an existing folder",
    );
    assert_clear_error(
        "hh_posterior",
        &["--save-posterior", &folder],
        "--save-posterior",
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// docs/reliability.md lists every count flag with the range the code enforces.
#[test]
fn the_count_table_is_documented() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/reliability.md"
    ))
    .unwrap();
    let commas = |n: usize| {
        let digits = n.to_string();
        if n < 10_000 {
            return digits;
        }
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    for (flag, count) in hh_sbi_examples::cli::counts::ALL {
        let row = format!("| `{flag}` | {}–{} |", commas(count.min), commas(count.max));
        assert!(doc.contains(&row), "docs/reliability.md lacks `{row}`");
    }
}

/// Errors while working are printed alone (the usage used to follow every one and bury it),
/// in the user's terms: a sweep without a stimulus names the flag that picks another, not
/// the library call that would attach a window. A flag error still shows the usage.
#[test]
fn runtime_errors_say_what_to_change_without_the_usage() {
    let dir = temp_dir("bad-input-flat");
    let flat = dir.join("flat.csv");
    let mut text = String::from("t_ms,vm_mv,i_pa\n");
    for i in 0..4000 {
        text.push_str(&format!("{:.2},-65,0\n", f64::from(i) * 0.05));
    }
    std::fs::write(&flat, text).unwrap();
    let (code, err) = run_bounded(
        "infer_recording",
        &["--recording", flat.to_str().unwrap(), "--area", "2e-5"],
        Duration::from_secs(60),
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("no step away") && err.contains("--sweep N"),
        "{err}"
    );
    assert!(
        !err.contains("with_stimulus_window") && !err.contains("usage:"),
        "{err}"
    );
    let (code, err) = run_bounded(
        "infer_recording",
        &["--rounds", "0"],
        Duration::from_secs(60),
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("--rounds takes 1 to 100") && err.contains("usage:"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
