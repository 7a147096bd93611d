//! Boundary suite (proptest, fixed seed): feature sets and spike detection built from random
//! settings, applied to random traces (finite or not, any scale, any window) give an `Err` or
//! finite features — never a panic, never NaN or ∞.

use hh_stats::{Feature, FeatureSet, SpikeDetection, Threshold};
use proptest::prelude::*;
use sbi_core::testing::boundary::{config, mostly};
use sbi_core::{SummaryStatistics, TimeWindow, Trace};

fn samples() -> impl Strategy<Value = Vec<f64>> {
    prop_oneof![
        // Plausible membrane potentials, with spikes.
        4 => prop::collection::vec(-90.0..60.0f64, 0..400),
        // Any scale, with the odd non-finite value.
        1 => prop::collection::vec(mostly(-1e6..1e6, 12), 0..100),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn features_of_random_traces(features in prop::sample::subsequence(Feature::ALL.to_vec(), 0..16),
                                 threshold in mostly(-20.0..80.0, 12), absolute in any::<bool>(),
                                 hysteresis in mostly(0.0..20.0, 12),
                                 v in samples(), dt in mostly(0.001..1.0, 12), t0 in mostly(-50.0..50.0, 12),
                                 a in mostly(-50.0..300.0, 12), b in mostly(-50.0..300.0, 12),
                                 attach in any::<bool>()) {
        let Ok(set) = FeatureSet::new(&features) else { return Ok(()) };
        prop_assert!(!features.is_empty());
        let detection = SpikeDetection {
            threshold: if absolute { Threshold::Absolute(threshold) } else { Threshold::AboveRest(threshold) },
            hysteresis_mv: hysteresis,
        };
        let set = match set.with_spike_detection(detection) {
            Ok(s) => s,
            Err(_) => return Ok(()),
        };
        let Ok(trace) = Trace::new(dt, t0, v) else { return Ok(()) };
        let trace = match TimeWindow::new(a, b) {
            Ok(w) if attach => trace.with_stimulus(w),
            _ => trace,
        };
        if let Ok(x) = set.summarize(&trace) {
            prop_assert_eq!(x.len(), set.dim());
            prop_assert!(x.iter().all(|v| v.is_finite()), "{x:?} from {:?}", set.names());
        }
    }
}
