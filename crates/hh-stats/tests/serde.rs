//! With the `serde` feature: feature sets round-trip through JSON and summarise a trace
//! identically; a file with an empty or repeated feature list or an invalid spike detection is
//! a deserialisation error (it goes through the constructors).
#![cfg(feature = "serde")]

use hh_stats::{Feature, FeatureSet, SpikeDetection, Threshold};
use sbi_core::{SummaryStatistics, TimeWindow, Trace};

fn round_trip(set: &FeatureSet) -> FeatureSet {
    serde_json::from_str(&serde_json::to_string(set).unwrap()).unwrap()
}

#[test]
fn feature_sets_round_trip() {
    let custom = FeatureSet::new(&[Feature::SpikeCount, Feature::Max, Feature::StimulusMean])
        .unwrap()
        .with_spike_detection(SpikeDetection {
            threshold: Threshold::Absolute(0.0),
            hysteresis_mv: 10.0,
        })
        .unwrap()
        .with_stimulus_window(TimeWindow::new(1.0, 3.0).unwrap());
    for set in [
        FeatureSet::notebook(),
        FeatureSet::sbi7(),
        FeatureSet::all(),
        custom,
    ] {
        let back = round_trip(&set);
        assert_eq!(back, set);
        let v: Vec<f64> = (0..500)
            .map(|i| (f64::from(i) * 0.1).sin() * 60.0)
            .collect();
        let trace = Trace::new(0.01, 0.0, v)
            .unwrap()
            .with_stimulus(TimeWindow::new(1.0, 3.0).unwrap());
        let (a, b) = (
            set.summarize(&trace).unwrap(),
            back.summarize(&trace).unwrap(),
        );
        assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
    }
}

#[test]
fn invalid_feature_sets_in_files_are_errors() {
    let good = serde_json::to_value(FeatureSet::notebook()).unwrap();
    let max = good["features"][0].clone();
    let mut cases = Vec::new();
    let mut empty = good.clone();
    empty["features"] = serde_json::json!([]);
    cases.push(empty);
    let mut repeated = good.clone();
    repeated["features"] = serde_json::json!([max.clone(), max]);
    cases.push(repeated);
    let mut hysteresis = good.clone();
    hysteresis["spikes"]["hysteresis_mv"] = serde_json::json!(-1.0);
    cases.push(hysteresis);
    let mut window = good.clone();
    window["window"] = serde_json::json!({"start_ms": 3.0, "end_ms": 1.0});
    cases.push(window);
    for bad in cases {
        assert!(
            serde_json::from_value::<FeatureSet>(bad.clone()).is_err(),
            "{bad}"
        );
    }
    assert_eq!(
        serde_json::from_value::<FeatureSet>(good).unwrap(),
        FeatureSet::notebook()
    );
}

#[test]
fn goncalves_features_round_trip_and_check_their_count() {
    use hh_stats::{GoncalvesFeatures, TraceFeatures};
    let set = TraceFeatures::parse("goncalves4")
        .unwrap()
        .with_stimulus_window(TimeWindow::new(1.0, 3.0).unwrap());
    let text = serde_json::to_string(&set).unwrap();
    let back: TraceFeatures = serde_json::from_str(&text).unwrap();
    assert_eq!(back, set);
    let v: Vec<f64> = (0..500)
        .map(|i| (f64::from(i) * 0.1).sin() * 60.0)
        .collect();
    let trace = Trace::new(0.01, 0.0, v).unwrap();
    assert_eq!(
        set.summarize(&trace).unwrap(),
        back.summarize(&trace).unwrap()
    );
    // A count outside 1…7 in a file goes through the constructor.
    let mut bad = serde_json::to_value(GoncalvesFeatures::new(7).unwrap()).unwrap();
    bad["num"] = serde_json::json!(9);
    assert!(serde_json::from_value::<GoncalvesFeatures>(bad).is_err());
}
