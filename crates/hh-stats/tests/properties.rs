//! Invariants over many random traces (seeded): totality, time-shift invariance, invariance
//! of shape features under a change of resting potential; and errors on bad input.

use hh_model::HhSimulator;
use hh_stats::{Error, Feature, FeatureSet, SpikeDetection, Threshold};
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Normal};
use sbi_core::{SeedRng, Simulator, SummaryStatistics, TimeWindow, Trace};

/// Random valid traces of several kinds: flat, random walks, noise, noisy HH simulations.
fn random_traces(n: usize, seed: u64) -> Vec<Trace> {
    let mut rng = SeedRng::seed_from_u64(seed);
    let sim = HhSimulator::notebook().with_noise_sigma(2.0).unwrap();
    (0..n)
        .map(|k| {
            let len = rng.random_range(1..3000);
            let dt = rng.random_range(0.005..0.5);
            let level = rng.random_range(-80.0..80.0);
            let v: Vec<f64> = match k % 4 {
                0 => vec![level; len],
                1 => {
                    let mut x = level;
                    (0..len)
                        .map(|_| {
                            x += rng.random_range(-5.0..5.0);
                            x
                        })
                        .collect()
                }
                2 => {
                    let noise = Normal::new(level, rng.random_range(0.0..30.0)).unwrap();
                    (0..len).map(|_| noise.sample(&mut rng)).collect()
                }
                _ => {
                    let theta = [rng.random_range(40.0..60.0), rng.random_range(0.0..10.0)];
                    return sim.simulate(&theta, &mut rng).unwrap();
                }
            };
            // A window that overlaps the trace's span (one that misses it is an error, tested in
            // `bad_input_is_an_error`).
            let t_end = len as f64 * dt;
            let t0 = rng.random_range(-10.0..10.0);
            let last = t0 + (len - 1) as f64 * dt;
            let a = t0 + rng.random_range(-0.2 * t_end..t_end).min(last - t0);
            let b = (a + rng.random_range(0.01..t_end)).max(t0 + 0.01 * dt);
            Trace::new(dt, t0, v)
                .unwrap()
                .with_stimulus(TimeWindow::new(a, b).unwrap())
        })
        .collect()
}

#[test]
fn every_feature_is_finite_on_random_valid_traces() {
    let all = FeatureSet::all();
    for (i, tr) in random_traces(200, 1).iter().enumerate() {
        let x = all.summarize(tr).unwrap();
        assert!(x.iter().all(|v| v.is_finite()), "trace {i}: {x:?}");
        assert!(x[3] >= 0.0 && x[3].fract() == 0.0, "spike count");
    }
}

#[test]
fn features_are_invariant_to_a_shift_of_the_time_axis() {
    let all = FeatureSet::all();
    let mut rng = SeedRng::seed_from_u64(2);
    for tr in random_traces(60, 3) {
        let shift = rng.random_range(-100.0..100.0);
        let w = tr.stimulus().unwrap();
        let shifted = Trace::new(tr.dt_ms(), tr.t0_ms() + shift, tr.values().to_vec())
            .unwrap()
            .with_stimulus(TimeWindow::new(w.start_ms + shift, w.end_ms + shift).unwrap());
        let (a, b) = (
            all.summarize(&tr).unwrap(),
            all.summarize(&shifted).unwrap(),
        );
        for ((x, y), name) in a.iter().zip(&b).zip(all.names()) {
            // Labels i·dt + t0 round differently after the shift: compare at 1e-6 relative.
            assert!(
                (x - y).abs() <= 1e-6 * (1.0 + x.abs()),
                "{name}: {x} vs {y}"
            );
        }
    }
}

#[test]
fn shape_features_do_not_depend_on_the_resting_potential() {
    // The same HH trace at v_rest = 40 and 60 mV: levels shift by 20 mV, everything else is
    // the same — the spike threshold is relative to rest.
    let sim = HhSimulator::notebook();
    let mut rng = SeedRng::seed_from_u64(0);
    let all = FeatureSet::all();
    for amplitude in [3.0, 5.0, 7.0] {
        let a = all
            .summarize(&sim.simulate(&[40.0, amplitude], &mut rng).unwrap())
            .unwrap();
        let b = all
            .summarize(&sim.simulate(&[60.0, amplitude], &mut rng).unwrap())
            .unwrap();
        for (f, (x, y)) in all.features().iter().zip(a.iter().zip(&b)) {
            let expected = match f {
                Feature::Max | Feature::Mean | Feature::RestingMean | Feature::StimulusMean => 20.0,
                _ => 0.0,
            };
            assert!((y - x - expected).abs() < 1e-9, "{}: {x} vs {y}", f.name());
        }
    }
}

#[test]
fn absolute_threshold_is_an_option() {
    let sim = HhSimulator::notebook();
    let trace = sim
        .simulate(&[-65.0, 7.0], &mut SeedRng::seed_from_u64(0))
        .unwrap();
    let count = |t| {
        FeatureSet::new(&[Feature::SpikeCount])
            .unwrap()
            .with_spike_detection(SpikeDetection {
                threshold: t,
                hysteresis_mv: 20.0,
            })
            .unwrap()
            .summarize(&trace)
            .unwrap()[0]
    };
    assert_eq!(count(Threshold::Absolute(-10.0)), 4.0);
    assert_eq!(count(Threshold::Absolute(100.0)), 0.0);
    assert_eq!(count(Threshold::AboveRest(50.0)), 4.0);
}

#[test]
fn hysteresis_ignores_noise_around_the_threshold() {
    // Rest 0; a noisy plateau hovering around 50 mV is one crossing, not dozens.
    let mut v = vec![0.0; 50];
    v.extend((0..200).map(|i| 50.0 + if i % 2 == 0 { 1.0 } else { -1.0 }));
    v.extend(vec![0.0; 50]);
    let tr = Trace::new(0.1, 0.0, v).unwrap();
    assert_eq!(FeatureSet::all().spikes(&tr).unwrap().len(), 1);
}

#[test]
fn no_spike_fill_values() {
    let tr = Trace::new(0.1, 0.0, vec![-65.0; 1000])
        .unwrap()
        .with_stimulus(TimeWindow::new(20.0, 80.0).unwrap());
    let all = FeatureSet::all();
    let x = all.summarize(&tr).unwrap();
    let get = |name: &str| x[all.names().iter().position(|n| n == name).unwrap()];
    assert_eq!(get("spike_count"), 0.0);
    assert!((get("first_spike_latency") - (99.9 - 20.0)).abs() < 1e-9);
    assert_eq!(get("mean_isi"), 0.0);
    assert_eq!(get("isi_cv"), 0.0);
    assert_eq!(get("ap_amplitude"), 0.0);
    assert_eq!(get("ap_half_width"), 0.0);
    assert_eq!(get("stimulus_kurtosis"), 0.0);
}

#[test]
fn bad_input_is_an_error() {
    let all = FeatureSet::all();
    let w = TimeWindow::new(1.0, 2.0).unwrap();
    let empty = Trace::new(0.1, 0.0, vec![]).unwrap().with_stimulus(w);
    assert_eq!(all.summarize(&empty), Err(Error::EmptyTrace));
    let nan = Trace::new(0.1, 0.0, vec![1.0, f64::NAN])
        .unwrap()
        .with_stimulus(w);
    assert_eq!(all.summarize(&nan), Err(Error::NonFinite { index: 1 }));
    let inf = Trace::new(0.1, 0.0, vec![f64::INFINITY])
        .unwrap()
        .with_stimulus(w);
    assert!(all.summarize(&inf).is_err());
    // Window-based features need a window; the notebook's three do not.
    let no_window = Trace::new(0.1, 0.0, vec![1.0, 2.0]).unwrap();
    assert!(matches!(
        FeatureSet::sbi7().summarize(&no_window),
        Err(Error::MissingStimulusWindow { .. })
    ));
    assert!(FeatureSet::notebook().summarize(&no_window).is_ok());
    let long = Trace::new(0.1, 0.0, vec![1.0; 30]).unwrap();
    assert!(
        FeatureSet::sbi7()
            .with_stimulus_window(w)
            .summarize(&long)
            .is_ok()
    );
    // A window that misses the trace (times in seconds, window in ms) is an error, not a
    // negative latency and zero stimulus variance.
    let in_seconds = Trace::new(1e-5, 0.0, vec![0.0; 20_000])
        .unwrap()
        .with_stimulus(TimeWindow::new(70.0, 130.0).unwrap());
    assert!(matches!(
        FeatureSet::sbi7().summarize(&in_seconds),
        Err(Error::WindowOutsideTrace { .. })
    ));
    assert!(matches!(
        FeatureSet::sbi7()
            .with_stimulus_window(w)
            .summarize(&no_window),
        Err(Error::WindowOutsideTrace { .. })
    ));
    // The notebook's features do not use the window.
    assert!(FeatureSet::notebook().summarize(&in_seconds).is_ok());
    // Moments of huge (finite) values overflow: an error naming the feature, never a 0.
    let huge = Trace::new(
        0.1,
        0.0,
        (0..40)
            .map(|i| if i % 2 == 0 { 1e160 } else { -1e160 })
            .collect(),
    )
    .unwrap()
    .with_stimulus(TimeWindow::new(1.0, 3.0).unwrap());
    for set in [FeatureSet::notebook(), FeatureSet::all()] {
        assert!(
            matches!(set.summarize(&huge), Err(Error::Overflow { .. })),
            "{:?}",
            set.summarize(&huge)
        );
    }
    let mut out = vec![0.0; 2];
    assert!(matches!(
        FeatureSet::notebook().summarize_into(&no_window, &mut out),
        Err(Error::Core(sbi_core::Error::DimensionMismatch {
            expected: 3,
            found: 2
        }))
    ));
    assert!(FeatureSet::new(&[]).is_err());
    assert!(FeatureSet::new(&[Feature::Max, Feature::Max]).is_err());
    assert!(FeatureSet::preset_named("sbi8").is_err());
    let bad = SpikeDetection {
        threshold: Threshold::AboveRest(f64::NAN),
        hysteresis_mv: 1.0,
    };
    assert!(FeatureSet::all().with_spike_detection(bad).is_err());
    let bad = SpikeDetection {
        threshold: Threshold::AboveRest(50.0),
        hysteresis_mv: 0.0,
    };
    assert!(FeatureSet::all().with_spike_detection(bad).is_err());
}

#[test]
fn batch_summaries_match_single_ones() {
    let traces = random_traces(40, 9);
    let all = FeatureSet::all();
    let m = all.summarize_batch(&traces).unwrap();
    for (i, tr) in traces.iter().enumerate() {
        assert_eq!(m.row(i), all.summarize(tr).unwrap().as_slice());
    }
}
