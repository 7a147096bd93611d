//! Recordings as observations: `infer_recording` on the fixtures simulated at known θ
//! (crates/hh-io/tests/data, from scripts/make_recording_fixtures.py), `hh_posterior
//! --observed` on the same trace in every format, `synthesize_recording` reproducing the
//! fixtures, and the errors a wrong file or setting gives.

mod common;

use std::process::Command;

use common::{assert_success, example, fixture, temp_dir};

/// Runs an example. Every fixture here was simulated with the classic model, so
/// `infer_recording` runs name it (its default is Pospischil's, for real cells:
/// tests/real_recordings_cli.rs).
fn run(name: &str, args: &[&str]) -> std::process::Output {
    let classic: &[&str] = match name {
        "infer_recording" => &["--model", "classic"],
        _ => &[],
    };
    Command::new(example(name))
        .args(classic)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {name}: {e}"))
}

fn json(out: &std::process::Output) -> serde_json::Value {
    assert_success(out);
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

fn arr(v: &serde_json::Value, key: &str) -> Vec<f64> {
    serde_json::from_value(v[key].clone()).unwrap_or_else(|_| panic!("{key}: {v}"))
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The cell fixture's truth and prior: g_na 110 in [60, 180], g_k 40 in [12, 60], v_rest -68
/// in [-75, -55] (synthesized with area 2e-5 cm², noise 0.5, 2 sub-steps of exp-Euler).
const TRUTH: [f64; 3] = [110.0, 40.0, -68.0];
const LOW: [f64; 3] = [60.0, 12.0, -75.0];
const HIGH: [f64; 3] = [180.0, 60.0, -55.0];

fn infer(file: &str, sweep: &str, out_dir: &str) -> serde_json::Value {
    json(&run(
        "infer_recording",
        &[
            "--recording",
            &fixture(file),
            "--sweep",
            sweep,
            "--area",
            "2e-5",
            "--noise",
            "0.5",
            "--substeps",
            "2",
            "--parameters",
            "g_na:60:180,g_k:12:60,v_rest:-75:-55",
            "--truth",
            "g_na=110,g_k=40,v_rest=-68",
            "--model-check",
            "mmd",
            "--out-dir",
            out_dir,
            "--json",
        ],
    ))
}

#[test]
fn infer_recording_finds_the_known_parameters_of_a_noisy_fixture() {
    // The ABF 2 fixture holds no current channel: its stimulus is rebuilt from the epoch
    // table. Default budget (2,000 simulations, all 15 features, the MDN): a few seconds.
    let dir = temp_dir("infer-recording");
    let pics = dir.join("pics");
    let v = infer("cell_abf2.abf", "1", pics.to_str().unwrap());
    assert_eq!(v["format"], "abf2");
    // The fixture is the model's own output under these settings: the MMD check passes.
    assert_eq!(v["misspecification"]["verdict"], "consistent", "{v}");
    assert!(v["misspecification"]["density_p"].is_null(), "{v}");
    assert_eq!(
        v["parameters"],
        serde_json::json!(["g_na", "g_k", "v_rest"])
    );
    let (mean, q05, q95) = (arr(&v, "mean"), arr(&v, "q05"), arr(&v, "q95"));
    for j in 0..3 {
        assert!(
            (q05[j]..=q95[j]).contains(&TRUTH[j]),
            "parameter {j}: truth {} outside [{}, {}]",
            TRUTH[j],
            q05[j],
            q95[j]
        );
        let err = (mean[j] - TRUTH[j]).abs() / (HIGH[j] - LOW[j]);
        assert!(
            err < 0.05,
            "parameter {j}: mean {} is {err:.3} of the prior width off",
            mean[j]
        );
        // Informative: the 90 % interval is a small part of the prior.
        assert!(q95[j] - q05[j] < 0.25 * (HIGH[j] - LOW[j]), "parameter {j}");
    }
    for name in ["recording.svg", "stimulus.svg", "posterior.svg"] {
        let svg = std::fs::read_to_string(pics.join(name)).unwrap();
        assert!(svg.starts_with("<svg") && svg.len() > 5000, "{name}");
    }
    // The same sweep from ABF 1 (recorded current channel), NWB and CSV: the same posterior.
    for file in ["cell_abf1.abf", "cell.nwb", "cell_sweep1.csv"] {
        let sweep = if file.ends_with(".csv") { "0" } else { "1" };
        let w = infer(file, sweep, pics.to_str().unwrap());
        assert_eq!(arr(&w, "mean"), mean, "{file}");
        assert_eq!(arr(&w, "q95"), q95, "{file}");
    }
}

#[test]
fn hh_posterior_observed_gives_one_posterior_from_csv_abf_and_nwb() {
    // One simulated notebook trace (V_rest 50 mV, 5 µA/cm², noise 1) in four files.
    let dir = temp_dir("hh-posterior-observed");
    let mut first: Option<serde_json::Value> = None;
    for file in [
        "notebook_sweep0.csv",
        "notebook_abf1.abf",
        "notebook_abf2.abf",
        "notebook.nwb",
    ] {
        let v = json(&run(
            "hh_posterior",
            &[
                "--noise",
                "1",
                "--observed",
                &fixture(file),
                "--v-rest",
                "50",
                "--stim",
                "5",
                "--num-simulations",
                "300",
                "--num-samples",
                "400",
                "--out-dir",
                dir.to_str().unwrap(),
                "--json",
            ],
        ));
        // --observed runs the full model check by default: the trace is the model's own.
        assert_eq!(
            v["misspecification"]["verdict"], "consistent",
            "{file}: {v}"
        );
        let (q05, q95) = (arr(&v, "q05"), arr(&v, "q95"));
        for (j, t) in [50.0, 5.0].into_iter().enumerate() {
            assert!(
                (q05[j]..=q95[j]).contains(&t),
                "{file}: {t} outside [{}, {}]",
                q05[j],
                q95[j]
            );
        }
        match &first {
            None => first = Some(v),
            Some(f) => {
                for key in ["x_observed", "mean", "std", "q05", "q95"] {
                    assert_eq!(arr(&v, key), arr(f, key), "{file}: {key}");
                }
            }
        }
    }
    // Without --v-rest/--stim the truth of a recording is unknown. (The recording is noisy:
    // simulations without noise cannot explain it, and 100 of them give a posterior that
    // leaks out of the prior entirely, an error.)
    let v = json(&run(
        "hh_posterior",
        &[
            "--noise",
            "1",
            "--observed",
            &fixture("notebook.nwb"),
            "--num-simulations",
            "100",
            "--num-samples",
            "50",
            "--out-dir",
            dir.to_str().unwrap(),
            "--json",
        ],
    ));
    assert!(v["truth"].is_null(), "{v}");
}

#[test]
fn synthesize_recording_reproduces_the_fixture() {
    // The committed cell sweep 1 is this command's output on the ABF grid (2^-7 mV).
    let dir = temp_dir("synthesize");
    let out = dir.join("cell1.csv");
    assert_success(&run(
        "synthesize_recording",
        &[
            "--dt-ms",
            "0.05",
            "--num-samples",
            "3000",
            "--pulse",
            "20:120:500",
            "--area",
            "2e-5",
            "--set",
            "g_na=110,g_k=40,v_rest=-68",
            "--noise",
            "0.5",
            "--scheme",
            "exp-euler",
            "--substeps",
            "2",
            "--seed",
            "12",
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    let made = hh_io::read_csv(&out).unwrap();
    let committed = hh_io::read_csv(std::path::Path::new(&fixture("cell_sweep1.csv"))).unwrap();
    assert_eq!(
        made.current().unwrap().values,
        committed.current().unwrap().values
    );
    let diffs: Vec<f64> = made
        .voltage_mv()
        .iter()
        .zip(committed.voltage_mv())
        .map(|(a, b)| (a - b).abs())
        .collect();
    let worst = diffs.iter().cloned().fold(0.0, f64::max);
    assert!(
        worst <= 2f64.powi(-8) + 1e-12,
        "max |Δ| {worst} mV: more than rounding to the grid"
    );
}

#[test]
fn wrong_files_and_settings_fail_with_a_clear_message() {
    let dir = temp_dir("recordings-errors");
    let d = dir.to_str().unwrap();
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "hh_posterior",
            vec!["--observed".into(), fixture("cell_abf2.abf")],
            "sampling interval is 0.05 ms",
        ),
        (
            "hh_posterior",
            vec!["--observed".into(), format!("{d}/none.abf")],
            "none.abf",
        ),
        (
            "infer_recording",
            vec!["--recording".into(), fixture("cell_abf1.abf")],
            "membrane area",
        ),
        (
            "infer_recording",
            vec![
                "--recording".into(),
                fixture("cell.nwb"),
                "--sweep".into(),
                "7".into(),
                "--area".into(),
                "2e-5".into(),
            ],
            "sweep numbers are 0, 1",
        ),
        (
            "infer_recording",
            vec![
                "--recording".into(),
                fixture("cell.nwb"),
                "--parameters".into(),
                "g_na:60:180,bogus:0:1".into(),
            ],
            "unknown parameter `bogus`",
        ),
        (
            "infer_recording",
            vec![
                "--recording".into(),
                fixture("cell.nwb"),
                "--parameters".into(),
                "stim_amplitude:1:2".into(),
            ],
            "stim_scale",
        ),
        ("infer_recording", vec![], "--recording FILE is required"),
    ];
    for (name, args, needle) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(name, &[&args[..], &["--out-dir", d, "--json"]].concat());
        assert_eq!(
            out.status.code(),
            Some(2),
            "{name} {args:?}: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains(needle),
            "{name} {args:?}: {}",
            stderr(&out)
        );
    }
}

/// `infer_recording` on the three-sweep fixture (steps of −100, 150 and 400 pA at the cell
/// fixture's θ), with `sweep_args`, 4,000 simulations and seed 2.
fn infer_steps(sweep_args: &[&str], out_dir: &str) -> serde_json::Value {
    let file = fixture("steps3_abf2.abf");
    let mut args = vec!["--recording", &file];
    args.extend_from_slice(sweep_args);
    args.extend_from_slice(&[
        "--area",
        "2e-5",
        "--noise",
        "0.5",
        "--substeps",
        "2",
        "--num-simulations",
        "4000",
        "--seed",
        "2",
        "--truth",
        "g_na=110,g_k=40,v_rest=-68",
        "--model-check",
        "mmd",
        "--out-dir",
        out_dir,
        "--json",
    ]);
    json(&run("infer_recording", &args))
}

#[test]
fn three_sweeps_of_one_cell_are_one_observation() {
    // Seed 2: with seeds 0 and 1 the truth of g_na lies on the upper edge of its 90 %
    // interval (110.0 against 109.99 and 110.0): this observation's noise pulls g_na's
    // posterior about one standard deviation low (docs/recordings.md).
    let dir = temp_dir("infer-sweeps");
    let pics = dir.join("pics").display().to_string();
    let all = infer_steps(&["--sweeps", "all"], &pics);
    assert_eq!(all["sweeps"], serde_json::json!([0, 1, 2]));
    // Each sweep's 15 features, with its own stimulus window, concatenated.
    assert_eq!(arr(&all, "x_observed").len(), 45);
    let (q05, q95, std) = (arr(&all, "q05"), arr(&all, "q95"), arr(&all, "std"));
    for j in 0..3 {
        assert!(
            (q05[j]..=q95[j]).contains(&TRUTH[j]),
            "parameter {j}: truth {} outside [{}, {}]",
            TRUTH[j],
            q05[j],
            q95[j]
        );
    }
    // The joint posterior is sharper than any single sweep's: the product of its marginal
    // standard deviations (the volume it occupies) is below each sweep's own. Parameter by
    // parameter the comparison is within the estimator's run-to-run noise where one sweep
    // already pins a parameter (v_rest by every baseline, g_na by the strong step).
    let volume = |s: &[f64]| s.iter().product::<f64>();
    for sweep in ["0", "1", "2"] {
        let one = arr(&infer_steps(&["--sweep", sweep], &pics), "std");
        assert!(
            volume(&std) < volume(&one),
            "three sweeps: std {std:?}; sweep {sweep} alone: {one:?}"
        );
    }
    // The same run again: the same numbers (seeded, whatever the thread count).
    let again = infer_steps(&["--sweeps", "0,1,2"], &pics);
    assert_eq!(arr(&again, "mean"), arr(&all, "mean"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_sweep_lists_and_features_fail_clearly() {
    let file = fixture("steps3_abf2.abf");
    for (args, needle) in [
        (vec!["--sweeps", "0,0"], "sweep 0 twice"),
        (vec!["--sweeps", "0,x"], "--sweeps"),
        (vec!["--sweeps", "0,7"], "sweep"),
        (vec!["--features", "notebook"], "rest-relative"),
        (vec!["--features", "efel:Spikecont"], "unknown eFEL feature"),
        (
            vec!["--sweeps", "all", "--features", "0=efel:sag_amplitude"],
            "no features for sweep 1",
        ),
        (vec!["--features", "x=all"], "not a sweep number"),
    ] {
        let mut a = vec!["--recording", file.as_str(), "--area", "2e-5"];
        a.extend(args.iter().copied());
        let out = run("infer_recording", &a);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn the_input_resistance_divides_by_the_files_step() {
    // Sweep 0 of the three-step fixture: a −100 pA step rebuilt from the ABF epoch table, so
    // eFEL's stimulus_current is −0.1 nA and ohmic_input_resistance = deflection / −0.1 (MΩ).
    let dir = temp_dir("infer-ohmic");
    let file = fixture("steps3_abf2.abf");
    let out_dir = dir.join("pics").display().to_string();
    let v = json(&run(
        "infer_recording",
        &[
            "--recording",
            &file,
            "--sweep",
            "0",
            "--area",
            "2e-5",
            "--features",
            "efel:voltage_deflection,ohmic_input_resistance,sag_amplitude",
            "--num-simulations",
            "20",
            "--out-dir",
            &out_dir,
            "--json",
        ],
    ));
    let x = arr(&v, "x_observed");
    assert!(x[0] < -1.0, "a hyperpolarising deflection: {x:?}");
    assert!((x[1] - x[0] / -0.1).abs() < 1e-9 * x[1].abs(), "{x:?}");
    assert!(x[2] > 0.0, "a sag: {x:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn each_sweep_can_have_its_own_features() {
    // The sag and the decay from the hyperpolarising sweep, spike timing from the others.
    let dir = temp_dir("infer-per-sweep");
    let file = fixture("steps3_abf2.abf");
    let out_dir = dir.join("pics").display().to_string();
    let v = json(&run(
        "infer_recording",
        &[
            "--recording",
            &file,
            "--sweeps",
            "all",
            "--area",
            "2e-5",
            "--features",
            "0=efel:voltage_base,sag_amplitude,decay_time_constant_after_stim;\
             *=efel:Spikecount,time_to_first_spike",
            "--num-simulations",
            "200",
            "--out-dir",
            &out_dir,
            "--json",
        ],
    ));
    let x = arr(&v, "x_observed");
    assert_eq!(x.len(), 3 + 2 + 2, "{x:?}");
    assert!(x[1] > 0.0 && x[3] >= 1.0 && x[5] > x[3], "{x:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn sequential_rounds_on_a_recording() {
    // Two rounds of 300 simulations on the strong step: the second round's proposal is the
    // first posterior restricted to its support, and the run reports both rounds.
    let dir = temp_dir("infer-rounds");
    let file = fixture("steps3_abf2.abf");
    let out_dir = dir.join("pics").display().to_string();
    let args = [
        "--recording",
        &file,
        "--sweep",
        "2",
        "--area",
        "2e-5",
        "--noise",
        "0.5",
        "--substeps",
        "2",
        "--num-simulations",
        "300",
        "--rounds",
        "2",
        "--out-dir",
        &out_dir,
        "--json",
    ];
    let v = json(&run("infer_recording", &args));
    let rounds = v["rounds"].as_array().expect("rounds reported");
    assert_eq!(rounds.len(), 2, "{v}");
    let out = run("infer_recording", &["--recording", &file, "--rounds", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--rounds takes 1 to 100"));
    std::fs::remove_dir_all(&dir).ok();
}

/// A recording the model cannot produce under the prior (a spiking sweep, a sodium
/// conductance that never lets the model spike) names the features beyond every simulation,
/// before training and with the verdict, instead of only "samples leak out of the prior
/// support".
#[test]
fn a_recording_outside_the_model_names_the_features() {
    let file = fixture("steps3_abf2.abf");
    let dir = temp_dir("infer-outside");
    let out_dir = dir.display().to_string();
    let out = std::process::Command::new(example("infer_recording"))
        .args([
            "--model",
            "classic",
            "--recording",
            &file,
            "--sweep",
            "2",
            "--area",
            "2e-5",
            "--parameters",
            "g_na:1:2,g_k:12:60,v_rest:-75:-55",
            "--num-simulations",
            "300",
            "--num-samples",
            "100",
            "--out-dir",
            &out_dir,
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("lies outside what the model produced under the prior")
            && err.contains("spike_count = 8 is 8 above every simulation (0 in every one)"),
        "{err}"
    );
    // The same, said before the network is trained: no simulation in this box spikes.
    let before = err
        .find("warning (before training)")
        .unwrap_or_else(|| panic!("{err}"));
    assert!(before < err.find("trained in").unwrap(), "{err}");
    assert!(
        err[before..].contains(
            "spike_count = 8 is 8 above every simulation (0 in every one): no simulation varied it"
        ),
        "{err}"
    );
    // 300 simulations hold out 60: no p-value below 1/61 (doubled, 0.033), and the report
    // says how many simulations an "outside" needs.
    assert!(
        err.contains("Model check: the recording is rare among what the model produces")
            && err.contains("with 60 held-out simulations no p-value can fall below 0.033")
            && err.contains("simulate at least 1000"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The full model check (MMD and the density of x) on the cell fixture: with the settings it
/// was made with the recording is consistent with the model; with a wrong area and no
/// current noise the model cannot produce it, and the run says so with both p-values and the
/// features furthest out (1,000 simulations: p-values down to 1/201, doubled for two tests).
#[test]
fn the_model_check_tells_a_fitting_model_from_a_wrong_one() {
    let dir = temp_dir("infer-model-check");
    let out_dir = dir.display().to_string();
    let file = fixture("cell_abf2.abf");
    let args = |area: &'static str, noise: &'static str| {
        vec![
            "--recording".to_owned(),
            file.clone(),
            "--sweep".into(),
            "1".into(),
            "--substeps".into(),
            "2".into(),
            "--area".into(),
            area.into(),
            "--noise".into(),
            noise.into(),
            "--num-simulations".into(),
            "1000".into(),
            "--out-dir".into(),
            out_dir.clone(),
            "--json".into(),
        ]
    };
    let right: Vec<String> = args("2e-5", "0.5");
    let v = json(&run(
        "infer_recording",
        &right.iter().map(String::as_str).collect::<Vec<_>>(),
    ));
    let m = &v["misspecification"];
    assert_eq!(m["verdict"], "consistent", "{m}");
    assert!(m["mmd_p"].as_f64().unwrap() > 0.05 && m["density_p"].as_f64().unwrap() > 0.05);
    assert_eq!(m["furthest"].as_array().unwrap().len(), 15, "{m}");
    // With the wrong settings every posterior draw leaks out of the prior: the run samples
    // the posterior's density inside the prior by importance sampling instead, and the
    // verdict says the model cannot produce the recording.
    let wrong: Vec<String> = args("1e-5", "0");
    let v = json(&run(
        "infer_recording",
        &wrong.iter().map(String::as_str).collect::<Vec<_>>(),
    ));
    let m = &v["misspecification"];
    assert_eq!(m["verdict"], "outside", "{m}");
    assert!(m["density_p"].as_f64().unwrap() < 0.01, "{m}");
    assert!(v["importance_sampling_ess"].as_f64().unwrap() >= 5.0, "{v}");
    std::fs::remove_dir_all(&dir).ok();
}

/// `--voltage-channel` / `--current-channel` reach the reader: a name the file lacks is an
/// error listing its channels; the right names give the default run's observation.
#[test]
fn channels_are_named_on_the_command_line() {
    let file = fixture("cell_abf1.abf");
    let dir = temp_dir("infer-channels");
    let out_dir = dir.display().to_string();
    let base = [
        "--recording",
        file.as_str(),
        "--sweep",
        "0",
        "--area",
        "2e-5",
        "--num-simulations",
        "20",
        "--model-check",
        "off",
        "--out-dir",
        out_dir.as_str(),
        "--json",
    ];
    let with = |extra: &[&str]| {
        let mut a: Vec<&str> = base.to_vec();
        a.extend_from_slice(extra);
        run("infer_recording", &a)
    };
    let out = with(&["--voltage-channel", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`nope` is none of"),
        "{}",
        stderr(&out)
    );
    let named = json(&with(&[
        "--voltage-channel",
        "Vm",
        "--current-channel",
        "Im",
    ]));
    let default = json(&with(&[]));
    assert_eq!(arr(&named, "x_observed"), arr(&default, "x_observed"));
    std::fs::remove_dir_all(&dir).ok();
}

/// `hh_posterior --observed` takes `--voltage-channel` too: a name the file lacks is an error
/// listing its channels; position 0 is the default's membrane channel, the same observation.
#[test]
fn hh_posterior_names_the_voltage_channel() {
    let dir = temp_dir("hh-posterior-channel");
    let file = fixture("notebook_abf1.abf");
    let with = |channel: Option<&str>| {
        let mut a = vec![
            "--noise",
            "1",
            "--observed",
            file.as_str(),
            "--num-simulations",
            "50",
            "--model-check",
            "off",
            "--out-dir",
            dir.to_str().unwrap(),
            "--json",
        ];
        if let Some(c) = channel {
            a.extend(["--voltage-channel", c]);
        }
        run("hh_posterior", &a)
    };
    let out = with(Some("nope"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`nope` is none of"),
        "{}",
        stderr(&out)
    );
    let default = json(&with(None));
    let named = json(&with(Some("0")));
    assert_eq!(default["x_observed"], named["x_observed"]);
    std::fs::remove_dir_all(&dir).ok();
}

/// `hh_posterior --observed` on the notebook's trace shifted up 40 mV (a wrong junction or
/// offset): before training the run names the features beyond every simulation and the
/// parameter bound to widen (V_rest's upper bound: it moves them up); the posterior comes
/// from importance sampling inside the prior and sits at that bound.
#[test]
fn hh_posterior_says_before_training_what_to_widen() {
    let dir = temp_dir("hh-posterior-shifted");
    let text = std::fs::read_to_string(fixture("notebook_sweep0.csv")).unwrap();
    let mut shifted = String::new();
    for (k, line) in text.lines().enumerate() {
        let mut cols: Vec<String> = line.split(',').map(str::to_owned).collect();
        if k > 0 {
            cols[1] = format!("{:?}", cols[1].parse::<f64>().unwrap() + 40.0);
        }
        shifted.push_str(&cols.join(","));
        shifted.push('\n');
    }
    let file = dir.join("shifted.csv");
    std::fs::write(&file, shifted).unwrap();
    let out = run(
        "hh_posterior",
        &[
            "--observed",
            &file.display().to_string(),
            "--num-simulations",
            "300",
            "--model-check",
            "off",
            "--out-dir",
            &dir.display().to_string(),
        ],
    );
    let err = stderr(&out);
    let before = err
        .find("warning (before training)")
        .unwrap_or_else(|| panic!("{err}"));
    assert!(before < err.find("trained in").unwrap(), "{err}");
    assert!(
        err[before..].contains("mean = 91.34 is 28.81 above every simulation")
            && err[before..].contains(
                "moved most by V_rest (mV) (rank correlation +1.00: raise its upper bound)"
            ),
        "{err}"
    );
    // Every posterior draw leaks out of the prior: importance sampling inside it stands in
    // (as in infer_recording), and the posterior piles up at V_rest's upper bound.
    assert_success(&out);
    assert!(
        err.contains("sampled instead by importance sampling"),
        "{err}"
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("V_rest (mV)                  ?     59.9"),
        "{table}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
