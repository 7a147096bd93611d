//! Golden values on pyHH's reference traces (the copies kept as hh-model's test data, `crates/hh-model/tests/data/pyhh`).

use hh_stats::FeatureSet;
use sbi_core::{SummaryStatistics, TimeWindow, Trace};

fn reference(amplitude: u32) -> (Trace, Vec<f64>) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../hh-model/tests/data/pyhh/pyhh_euler_stim_{amplitude}.csv"
    ));
    let trace = Trace::read_csv(&path)
        .unwrap_or_else(|e| panic!("{e}"))
        .with_stimulus(TimeWindow::new(70.0, 130.0).unwrap());
    // The potentials straight from the file, parsed independently of `Trace::read_csv`.
    let raw: Vec<f64> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    (trace, raw)
}

#[test]
fn notebook_features_match_an_independent_two_pass_computation() {
    for amplitude in [3, 5, 7] {
        let (trace, raw) = reference(amplitude);
        let n = raw.len() as f64;
        let max = raw.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let mean = raw.iter().sum::<f64>() / n;
        let std = (raw.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        let x = FeatureSet::notebook().summarize(&trace).unwrap();
        for (got, want) in x.iter().zip([max, mean, std]) {
            assert!(
                (got - want).abs() <= 1e-9,
                "A = {amplitude}: {got} vs {want}"
            );
        }
    }
}

#[test]
fn spike_counts_are_1_1_4() {
    for (amplitude, count) in [(3, 1.0), (5, 1.0), (7, 4.0)] {
        let (trace, _) = reference(amplitude);
        let x = FeatureSet::from_names(&["spike_count"])
            .unwrap()
            .summarize(&trace)
            .unwrap();
        assert_eq!(x[0], count, "A = {amplitude}");
    }
}

#[test]
fn spike_shape_features_are_physiological() {
    let (trace, _) = reference(7);
    let spikes = FeatureSet::all().spikes(&trace).unwrap();
    assert_eq!(spikes.len(), 4);
    for s in &spikes {
        // HH action potential: ≈ 90–110 mV above rest, ≈ 1–3 ms wide at half height.
        assert!((85.0..115.0).contains(&s.peak_mv), "{s:?}");
        assert!((0.8..3.0).contains(&s.half_width_ms), "{s:?}");
        assert!(s.peak_time_ms > s.time_ms);
    }
    let all = FeatureSet::all();
    let x = all.summarize(&trace).unwrap();
    let get = |name: &str| x[all.names().iter().position(|n| n == name).unwrap()];
    // First spike within a few ms of onset; regular train at ≈ 17 ms intervals.
    assert!((1.0..5.0).contains(&get("first_spike_latency")));
    assert!(
        (14.0..20.0).contains(&get("mean_isi")),
        "{}",
        get("mean_isi")
    );
    assert!(get("isi_cv") < 0.1);
    assert!(get("resting_mean").abs() < 1e-3);
    assert!(get("stimulus_mean") > get("resting_mean"));
}
