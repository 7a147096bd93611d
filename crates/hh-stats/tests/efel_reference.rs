//! hh-stats' eFEL-compatible features against eFEL 5.7.34's own values on real recordings
//! (eFEL's and pyABF's test data; `tests/data/efel/README.md`). The values in
//! `tests/data/efel/expected.json` are eFEL's, written by
//! `scripts/efel_compare.py --write-expected`, which also compares simulated traces and the
//! hh-io fixtures with eFEL live.
//!
//! Spike counts must be equal; every other value within 1e-6 relative (1e-9 absolute near 0);
//! "no value" (eFEL's `None` or an empty array) on the same side.

use std::path::{Path, PathBuf};

use hh_stats::efel::{EfelFeature, EfelFeatures, EfelSettings, EfelValues};
use sbi_core::{SummaryStatistics, TimeWindow, Trace};
use serde_json::Value;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/efel")
        .join(name)
}

fn expected() -> serde_json::Map<String, Value> {
    let text = std::fs::read_to_string(data("expected.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["efel_version"], "5.7.34");
    v["cases"].as_object().unwrap().clone()
}

/// A case's times and voltage, built as the comparison script gives them to eFEL.
fn trace_of(case: &str) -> (Vec<f64>, Vec<f64>) {
    if case.starts_with("efel_95810005") {
        // Voltage only, 10 kHz; eFEL's tests use numpy.arange(n) * 0.1.
        let text = std::fs::read_to_string(data("95810005.txt")).unwrap();
        let v: Vec<f64> = text
            .split_whitespace()
            .map(|x| x.parse().unwrap())
            .collect();
        ((0..v.len()).map(|i| i as f64 * 0.1).collect(), v)
    } else if case == "efel_sagtrace_1" {
        let text = std::fs::read_to_string(data("sagtrace_1.txt")).unwrap();
        let cols: Vec<Vec<f64>> = text
            .lines()
            .map(|l| l.split_whitespace().map(|x| x.parse().unwrap()).collect())
            .collect();
        (
            cols.iter().map(|c| c[0]).collect(),
            cols.iter().map(|c| c[1]).collect(),
        )
    } else if let Some(sweep) = case.strip_prefix("pyabf_17o05027_ic_ramp_sweep") {
        let rec = hh_io::read(&data("17o05027_ic_ramp.abf"), sweep.parse().unwrap()).unwrap();
        // pyABF's sweepX: i * (1 / rate), in seconds.
        let rate = (1e3 / rec.dt_ms()).round();
        let t = (0..rec.len())
            .map(|i| i as f64 * (1.0 / rate) * 1000.0)
            .collect();
        (t, rec.voltage_mv().to_vec())
    } else {
        panic!("unknown case {case}")
    }
}

fn settings_of(case: &Value) -> EfelSettings {
    let mut s = EfelSettings::default();
    for (name, value) in case["settings"].as_object().unwrap() {
        s = s.set(name, value.as_f64().unwrap()).unwrap();
    }
    s
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= (1e-6 * a.abs().max(b.abs())).max(1e-9)
}

#[test]
fn every_feature_matches_efel_on_real_recordings() {
    let cases = expected();
    assert_eq!(cases.len(), 5);
    let mut compared = 0;
    for (name, case) in &cases {
        let (t, v) = trace_of(name);
        let stim = case["stim"].as_array().unwrap();
        let (start, end) = (stim[0].as_f64().unwrap(), stim[1].as_f64().unwrap());
        let current = case["stimulus_current"].as_f64();
        let ours = EfelValues::from_times(&t, &v, start, end, &settings_of(case), current).unwrap();
        for f in EfelFeature::ALL {
            let theirs: Option<Vec<f64>> = match &case["values"][f.name()] {
                Value::Null => None,
                a => Some(
                    a.as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_f64().unwrap())
                        .collect(),
                ),
            };
            let mine = ours.get(f).ok().filter(|v| !v.is_empty());
            match (&mine, &theirs) {
                (None, None) => {}
                (Some(a), Some(b)) => {
                    assert_eq!(
                        a.len(),
                        b.len(),
                        "{name}: {}: {a:?} vs eFEL {b:?}",
                        f.name()
                    );
                    for (x, y) in a.iter().zip(b) {
                        let same = if f.name().starts_with("Spikecount") {
                            x == y
                        } else {
                            close(*x, *y)
                        };
                        assert!(same, "{name}: {}: {a:?} vs eFEL {b:?}", f.name());
                    }
                    compared += 1;
                }
                _ => panic!("{name}: {}: hh-stats {mine:?}, eFEL {theirs:?}", f.name()),
            }
        }
    }
    // Most features are defined on these traces: the comparison is not vacuous.
    assert!(compared >= 100, "{compared} feature values compared");
}

#[test]
fn a_variable_step_trace_gives_efels_features_through_a_trace() {
    // NEURON's variable-step output (with a repeated stamp at the stimulus onset): read as a
    // Trace, resampled onto eFEL's grid, summarised — eFEL's numbers, not an error.
    let case = &expected()["efel_sagtrace_1"];
    let (t, v) = trace_of("efel_sagtrace_1");
    assert!(
        t.windows(2).any(|w| w[0] == w[1]),
        "the file repeats a stamp"
    );
    let (trace, resampled) = Trace::from_times(&t, &v, 0.1).unwrap();
    let report = resampled.expect("variable steps are resampled");
    assert_eq!(report.samples_in, t.len());
    let features = EfelFeatures::parse(
        "voltage_base,steady_state_voltage_stimend,sag_amplitude,sag_ratio1,minimum_voltage,\
         decay_time_constant_after_stim,voltage_deflection,Spikecount",
    )
    .unwrap()
    .with_stimulus_window(TimeWindow::new(800.0, 3800.0).unwrap());
    let x = features.summarize(&trace).unwrap();
    for (name, value) in features.names().iter().zip(&x) {
        let want = case["values"][name][0].as_f64().unwrap();
        assert!(close(*value, want), "{name}: {value} vs eFEL {want}");
    }
    // Decreasing times remain an error, naming the stamp.
    let mut bad = t.clone();
    bad.swap(10, 11);
    let err = Trace::from_times(&bad, &v, 0.1).unwrap_err().to_string();
    assert!(err.contains("must not decrease"), "{err}");
}
