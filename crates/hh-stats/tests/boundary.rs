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

/// Spiky traces: a resting level, random spikes of random shape, noise.
fn spiky() -> impl Strategy<Value = Vec<f64>> {
    (
        -90.0..-40.0f64,
        prop::collection::vec((0usize..300, 2usize..30, -40.0..80.0f64), 0..8),
        prop::collection::vec(-3.0..3.0f64, 3..300),
    )
        .prop_map(|(rest, spikes, noise)| {
            let mut v: Vec<f64> = noise.iter().map(|e| rest + e).collect();
            let n = v.len();
            for (at, width, peak) in spikes {
                for k in 0..width {
                    if let Some(x) = v.get_mut((at + k) % n) {
                        let phase = k as f64 / width as f64;
                        *x += (peak - rest) * (std::f64::consts::PI * phase).sin();
                    }
                }
            }
            v
        })
}

proptest! {
    #![proptest_config(config(256))]

    /// eFEL's index arithmetic (backward searches from peaks, pairings of begins with peaks,
    /// windows at the trace's edges) on random spiky traces, windows and settings: values or
    /// `UndefinedFeature`, never a panic; every value is finite.
    #[test]
    fn efel_features_of_random_traces(v in spiky(), dt in 0.005..0.5f64, t0 in -5.0..5.0f64,
                                      a in -10.0..200.0f64, len in 0.01..200.0f64,
                                      threshold in -60.0..20.0f64, window in 1usize..12,
                                      step in 0.01..1.0f64, strict in any::<bool>(),
                                      ignore_first in any::<bool>(),
                                      base_from in 0.0..1.2f64, current in -1.0..1.0f64) {
        use hh_stats::efel::{EfelFeature, EfelSettings, EfelValues};
        let settings = EfelSettings::default()
            .set("Threshold", threshold).unwrap()
            .set("DerivativeWindow", window as f64).unwrap()
            .set("interp_step", step).unwrap()
            .set("strict_stiminterval", f64::from(u8::from(strict))).unwrap()
            .set("ignore_first_ISI", f64::from(u8::from(ignore_first))).unwrap()
            .set("voltage_base_start_perc", base_from).unwrap();
        let Ok(trace) = Trace::new(dt, t0, v) else { return Ok(()) };
        let w = TimeWindow::new(a, a + len).unwrap();
        let Ok(values) = EfelValues::new(&trace, Some(w), &settings, Some(current)) else {
            return Ok(());
        };
        for f in EfelFeature::ALL {
            match values.get(f) {
                Ok(x) => prop_assert!(x.iter().all(|x| x.is_finite()), "{}: {x:?}", f.name()),
                Err(hh_stats::Error::UndefinedFeature { .. }) => {}
                Err(e) => prop_assert!(false, "{}: {e}", f.name()),
            }
        }
        // The summary: finite values or an error, never a panic.
        let summary = hh_stats::efel::EfelFeatures::all().with_settings(settings).with_stimulus_window(w);
        if let Ok(x) = summary.summarize(&trace) {
            prop_assert!(x.iter().all(|x| x.is_finite()));
        }
    }
}
