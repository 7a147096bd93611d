//! The SIMD batch simulator against the scalar path, and its reproducibility.
//!
//! Tolerances, from measurements on a 2,000-amplitude sweep (docs/performance.md): in f64 the
//! lanes differ from the scalar path only through the polynomial exp and fused multiply-adds,
//! ≤ 2.5·10⁻⁸ mV over a whole trace for every scheme; the tests allow 10⁻⁶ mV. A wrong rate,
//! a lost singularity or an exp off by 10⁻¹² moves traces by far more.

use hh_model::{HhSimulator, Kernel, Precision, Scheme};
use hh_stats::{Feature, FeatureSet, SpikeDetection, Threshold};
use sbi_core::{RowMatrix, Simulator, SummaryStatistics, Trace};

/// θ = (v_rest 0, amplitude) for `n` amplitudes evenly spaced over 3..7 µA/cm².
fn sweep(n: usize) -> RowMatrix {
    let rows: Vec<[f64; 2]> = (0..n)
        .map(|i| [0.0, 3.0 + 4.0 * i as f64 / (n - 1) as f64])
        .collect();
    RowMatrix::from_rows(&rows).unwrap()
}

/// Varied θ = (v_rest, amplitude) for noisy runs.
fn varied(n: usize) -> RowMatrix {
    let rows: Vec<[f64; 2]> = (0..n)
        .map(|i| {
            [
                40.0 + 20.0 * i as f64 / n as f64,
                3.0 + 4.0 * ((i * 37) % n) as f64 / n as f64,
            ]
        })
        .collect();
    RowMatrix::from_rows(&rows).unwrap()
}

fn spike_counts(sim: &HhSimulator, th: &RowMatrix) -> Vec<f64> {
    let set = FeatureSet::new(&[Feature::SpikeCount]).unwrap();
    let mut out = vec![0.0; th.nrows()];
    let res = sim
        .simulate_summarize_each(th, 0, 0, &set, &mut out)
        .unwrap();
    assert!(res.iter().all(|r| r.is_ok()));
    out
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

fn max_diff(a: &[Trace], b: &[Trace]) -> f64 {
    a.iter()
        .zip(b)
        .flat_map(|(x, y)| {
            x.values()
                .iter()
                .zip(y.values())
                .map(|(p, q)| (p - q).abs())
        })
        .fold(0.0, f64::max)
}

fn bits(t: &[Trace]) -> Vec<Vec<u64>> {
    t.iter()
        .map(|x| x.values().iter().map(|v| v.to_bits()).collect())
        .collect()
}

#[test]
fn f64_lanes_give_the_scalar_spike_counts_on_a_10000_amplitude_sweep() {
    let th = sweep(10_000);
    let sim = HhSimulator::notebook();
    let simd = spike_counts(&sim, &th);
    let scalar = spike_counts(&sim.clone().with_kernel(Kernel::Scalar), &th);
    assert_eq!(simd, scalar);
    // The sweep crosses every regime: 1 to 4 spikes.
    let (lo, hi) = simd
        .iter()
        .fold((f64::MAX, 0.0f64), |(a, b), &c| (a.min(c), b.max(c)));
    assert_eq!((lo, hi), (1.0, 4.0));
}

#[test]
fn every_scheme_and_kernel_agrees_with_the_scalar_traces() {
    let th = sweep(96);
    for scheme in Scheme::ALL {
        let base = HhSimulator::notebook().with_scheme(scheme);
        let scalar = base
            .clone()
            .with_kernel(Kernel::Scalar)
            .simulate_batch(&th, 0)
            .unwrap();
        for kernel in [Kernel::Simd, Kernel::Portable] {
            let lanes = base
                .clone()
                .with_kernel(kernel)
                .simulate_batch(&th, 0)
                .unwrap();
            let d = max_diff(&scalar, &lanes);
            assert!(d < 1e-6, "{scheme} {kernel}: {d} mV");
        }
    }
}

#[test]
fn the_portable_fallback_gives_the_dispatched_spike_counts() {
    // The baseline build (what a CPU without AVX2 runs), exercised wherever the tests run.
    let th = sweep(2000);
    let sim = HhSimulator::notebook();
    assert_eq!(
        spike_counts(&sim.clone().with_kernel(Kernel::Portable), &th),
        spike_counts(&sim, &th)
    );
}

#[test]
fn f32_lanes_keep_spike_counts_and_features_close_to_f64() {
    // Measured: 0 of 2,000 spike counts differ; max/mean/std within 0.016 mV.
    let th = sweep(2000);
    let f64_sim = HhSimulator::notebook();
    let f32_sim = f64_sim.clone().with_precision(Precision::F32);
    let a = spike_counts(&f64_sim, &th);
    let b = spike_counts(&f32_sim, &th);
    let differ = a.iter().zip(&b).filter(|(x, y)| x != y).count();
    assert!(differ <= 2, "{differ} of 2000 spike counts differ");
    let set = FeatureSet::notebook();
    let mut fa = vec![0.0; 2000 * 3];
    let mut fb = vec![0.0; 2000 * 3];
    f64_sim
        .simulate_summarize_each(&th, 0, 0, &set, &mut fa)
        .unwrap();
    f32_sim
        .simulate_summarize_each(&th, 0, 0, &set, &mut fb)
        .unwrap();
    let worst = fa
        .iter()
        .zip(&fb)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    assert!(worst < 0.05, "features differ by {worst} mV");
    assert!(worst > 0.0, "f32 really runs in single precision");
}

#[test]
fn results_do_not_depend_on_threads_splits_or_lane_positions() {
    let sim = HhSimulator::notebook().with_noise_sigma(0.5).unwrap();
    for precision in [Precision::F64, Precision::F32] {
        let sim = sim.clone().with_precision(precision);
        let th = varied(70);
        let one = in_pool(1, || sim.simulate_batch(&th, 7).unwrap());
        let two = in_pool(2, || sim.simulate_batch(&th, 7).unwrap());
        assert_eq!(bits(&one), bits(&two), "{precision}: threads");
        // Rows 13.. as their own batch: every item moves to another lane and group.
        let tail = RowMatrix::from_rows(
            &(13..70)
                .map(|i| [th.row(i)[0], th.row(i)[1]])
                .collect::<Vec<_>>(),
        )
        .unwrap();
        let moved: Vec<Trace> = sim
            .simulate_batch_each(&tail, 7, 13)
            .unwrap()
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(bits(&one[13..]), bits(&moved), "{precision}: split");
        // A different seed changes the noise.
        assert_ne!(
            bits(&one[..1]),
            bits(&sim.simulate_batch(&th, 8).unwrap()[..1])
        );
    }
}

#[test]
fn streamed_features_equal_whole_trace_features_to_the_bit() {
    let sim = HhSimulator::notebook().with_noise_sigma(1.0).unwrap();
    let th = varied(40);
    let traces = sim.simulate_batch(&th, 3).unwrap();
    let mut all = Feature::ALL.to_vec();
    all.retain(|f| *f != Feature::ApHalfWidth);
    // Absolute threshold below rest: every prefix reaches it, so every lane asks for its
    // trace; `all` has ap_half_width and cannot stream at all.
    let low = FeatureSet::sbi7()
        .with_spike_detection(SpikeDetection {
            threshold: Threshold::Absolute(30.0),
            hysteresis_mv: 5.0,
        })
        .unwrap();
    for set in [
        FeatureSet::notebook(),
        FeatureSet::sbi7(),
        FeatureSet::new(&all).unwrap(),
        FeatureSet::all(),
        low,
    ] {
        for precision in [Precision::F64, Precision::F32] {
            let sim = sim.clone().with_precision(precision);
            let traces = if precision == Precision::F64 {
                traces.clone()
            } else {
                sim.simulate_batch(&th, 3).unwrap()
            };
            let whole = set.summarize_batch(&traces).unwrap();
            let mut streamed = vec![0.0; th.nrows() * set.dim()];
            let res = sim
                .simulate_summarize_each(&th, 3, 0, &set, &mut streamed)
                .unwrap();
            assert!(res.iter().all(|r| r.is_ok()));
            let a: Vec<u64> = whole.as_slice().iter().map(|x| x.to_bits()).collect();
            let b: Vec<u64> = streamed.iter().map(|x| x.to_bits()).collect();
            assert_eq!(a, b, "{:?} {precision}", set.names());
        }
    }
}

#[test]
fn a_diverging_or_invalid_item_fails_alone_with_the_scalar_paths_error() {
    let sim = HhSimulator::new(
        Default::default(),
        hh_model::Protocol::notebook(5.0),
        Scheme::PyhhEuler,
        &["stim_amplitude", "noise_sigma"],
    )
    .unwrap();
    let th = RowMatrix::from_rows(&[[5.0, 0.0], [5.0, 1e7], [f64::NAN, 0.0], [4.0, 0.2]]).unwrap();
    let set = FeatureSet::notebook();
    for kernel in Kernel::ALL {
        let sim = sim.clone().with_kernel(kernel);
        let mut out = vec![0.0; 4 * 3];
        let res = sim
            .simulate_summarize_each(&th, 1, 0, &set, &mut out)
            .unwrap();
        assert!(res[0].is_ok() && res[3].is_ok(), "{kernel}");
        let err = res[1].as_ref().unwrap_err().to_string();
        assert!(
            err.contains("diverged") && err.contains("noise"),
            "{kernel}: {err}"
        );
        assert!(res[2].is_err());
        let traces = sim.simulate_batch_each(&th, 1, 0).unwrap();
        match (&traces[1], kernel) {
            (Err(hh_model::Error::Diverged { step, .. }), _) => assert!(*step < 10, "{step}"),
            (other, _) => panic!("{kernel}: {other:?}"),
        }
        assert_eq!(traces[0].as_ref().unwrap().len(), 20_000);
    }
}

#[test]
fn stim_scale_multiplies_a_waveform_alike_in_every_kernel() {
    // A recorded-current protocol (a waveform), θ = (stim_scale, g_k): scale 2 on the
    // waveform is the doubled waveform at scale 1, on the scalar path and in the batch.
    let wave: Vec<f64> = (0..3000)
        .map(|i| if (500..2500).contains(&i) { 3.5 } else { 0.0 })
        .collect();
    let protocol = |w: Vec<f64>| {
        hh_model::Protocol::new(0.01, 3000).with_stimulus(hh_model::Stimulus::Waveform(w))
    };
    let scaled = HhSimulator::new(
        Default::default(),
        protocol(wave.clone()),
        Scheme::ExpEuler,
        &["stim_scale", "g_k"],
    )
    .unwrap();
    let doubled = HhSimulator::new(
        Default::default(),
        protocol(wave.iter().map(|x| 2.0 * x).collect()),
        Scheme::ExpEuler,
        &["g_k"],
    )
    .unwrap();
    let mut rng = <sbi_core::SeedRng as rand::SeedableRng>::seed_from_u64(0);
    let a = scaled.simulate(&[2.0, 36.0], &mut rng).unwrap();
    let b = doubled.simulate(&[36.0], &mut rng).unwrap();
    assert_eq!(a.values(), b.values());
    let peak = a.values().iter().cloned().fold(f64::MIN, f64::max);
    assert!(peak > 60.0, "7 µA/cm² spikes (peak {peak})");
    let th = RowMatrix::from_rows(&[[2.0, 36.0], [0.5, 30.0]]).unwrap();
    for kernel in Kernel::ALL {
        let batch = scaled
            .clone()
            .with_kernel(kernel)
            .simulate_batch_each(&th, 0, 0)
            .unwrap();
        let batch: Vec<Trace> = batch.into_iter().map(|r| r.unwrap()).collect();
        let one = scaled
            .simulate(&[0.5, 30.0], &mut sbi_core::item_rng(0, 1))
            .unwrap();
        assert!(
            max_diff(&batch[..1], std::slice::from_ref(&a)) < 1e-6,
            "{kernel}"
        );
        assert!(max_diff(&batch[1..], &[one]) < 1e-6, "{kernel}");
    }
}
