//! The membrane model: scaling, deterministic thresholds, monotonicity, reproducibility.

use rand::SeedableRng;
use sbi_core::{SeedRng, Simulator};
use spike_fit::{AREA_UNIT, Mode, SpikeModel};

fn density_threshold(mode: Mode, area_factor: f64) -> f64 {
    let m = SpikeModel::new(mode).with_k_noise(0.0);
    m.threshold_current(area_factor, &[]).unwrap().unwrap() / (AREA_UNIT * area_factor)
}

#[test]
fn deterministic_threshold_current_densities() {
    let up = density_threshold(Mode::Upstream, 0.1);
    let co = density_threshold(Mode::Corrected, 0.1);
    eprintln!("thresholds: upstream {up:.4}, corrected {co:.4} µA/cm²");
    assert!((up / 88.26 - 1.0).abs() < 1e-3, "upstream {up}");
    assert!((co / 68.98 - 1.0).abs() < 1e-3, "corrected {co}");
}

#[test]
fn without_noise_only_the_current_density_matters() {
    for mode in [Mode::Corrected, Mode::Upstream] {
        let m = SpikeModel::new(mode).with_k_noise(0.0);
        let base = density_threshold(mode, 0.1);
        for scale in [0.01, 0.3, 7.0, 250.0] {
            let t = density_threshold(mode, 0.1 * scale);
            assert!(
                (t / base - 1.0).abs() < 1e-5,
                "{mode}: {t} vs {base} at ×{scale}"
            );
            for rel in [0.9, 0.99, 1.01, 1.1] {
                let a = 0.1 * scale;
                let i = rel * base * AREA_UNIT * a;
                assert_eq!(
                    m.spikes_with(i, a, &[]).unwrap(),
                    rel > 1.0,
                    "{mode} ×{scale} at {rel}"
                );
            }
        }
    }
}

#[test]
fn noise_is_reproducible_and_spiking_monotone_in_the_stimulus() {
    let m = SpikeModel::new(Mode::Corrected);
    let area = 0.1;
    let mut thresholds = Vec::new();
    for t in 0..200u64 {
        let mut xi = Vec::new();
        m.draw_noise(&mut sbi_core::stream_rng(1, 0, t), &mut xi);
        let thr = m.threshold_current(area, &xi).unwrap().unwrap();
        // Below the threshold: no spike; at and above: spikes, at every level tried. (A
        // threshold of 0 means the noise alone fires this trial.)
        for rel in [0.5, 0.9, 0.999].into_iter().filter(|_| thr > 0.0) {
            assert!(
                !m.spikes_with(thr * rel, area, &xi).unwrap(),
                "trial {t}: thr {thr:e}, rel {rel}"
            );
        }
        for rel in [1.0, 1.01, 1.5, 3.0] {
            assert!(m.spikes_with(thr * rel, area, &xi).unwrap());
        }
        thresholds.push(thr);
    }
    // The noise spreads the thresholds around the noise-free one (≈ 69 µA/cm² here).
    thresholds.sort_by(f64::total_cmp);
    let (q10, q90) = (thresholds[20], thresholds[180]);
    let noise_free = m
        .with_k_noise(0.0)
        .threshold_current(area, &[])
        .unwrap()
        .unwrap();
    assert!(
        q10 < noise_free && noise_free < q90,
        "{q10:e} {noise_free:e} {q90:e}"
    );
    assert!(
        q90 / q10 > 1.05,
        "noise spreads thresholds: {q10:e}..{q90:e}"
    );
    let a = m
        .simulate(&[1e-7, 0.1], &mut SeedRng::seed_from_u64(3))
        .unwrap();
    let b = m
        .simulate(&[1e-7, 0.1], &mut SeedRng::seed_from_u64(3))
        .unwrap();
    assert_eq!(a, b);
}

#[test]
fn lockstep_fraction_with_per_step_noise_agrees_with_single_trials() {
    // spike_fraction runs four trials in lockstep and draws each trial's noise step by step;
    // spikes_with runs one trial on noise drawn beforehand from the same stream.
    for mode in [Mode::Corrected, Mode::Upstream] {
        let m = SpikeModel::new(mode);
        let area = 0.35;
        for density in [60.0, 68.0, 70.0, 75.0] {
            let current = density * AREA_UNIT * area;
            let trials = 30; // not a multiple of 4: the last chunk has idle lanes
            let single = (0..trials as u64)
                .filter(|&t| {
                    let mut xi = Vec::new();
                    m.draw_noise(&mut sbi_core::stream_rng(5, 1, t), &mut xi);
                    m.spikes_with(current, area, &xi).unwrap()
                })
                .count();
            let f = m.spike_fraction(current, area, trials, 5, 1).unwrap();
            assert_eq!(f, single as f64 / trials as f64, "{mode} at {density}");
        }
    }
}

#[test]
fn bad_inputs_are_errors() {
    let m = SpikeModel::new(Mode::Corrected);
    let mut rng = SeedRng::seed_from_u64(0);
    assert!(m.simulate(&[1e-7], &mut rng).is_err());
    assert!(m.simulate(&[f64::NAN, 0.1], &mut rng).is_err());
    assert!(m.simulate(&[1e-7, 0.0], &mut rng).is_err());
    assert!(m.simulate(&[1e-7, -1.0], &mut rng).is_err());
    assert!(m.with_k_noise(-1.0).validate().is_err());
    assert!(m.with_num_steps(50).validate().is_err());
    // The longest run is bounded (predict_spikes --t-end 1e30 asked for usize::MAX steps).
    assert!(m.with_num_steps(spike_fit::MAX_STEPS).validate().is_ok());
    assert!(
        m.with_num_steps(spike_fit::MAX_STEPS + 1)
            .validate()
            .is_err()
    );
    assert!(
        m.with_num_steps(usize::MAX)
            .spike_fraction(1e-7, 0.1, 10, 0, 0)
            .is_err()
    );
    // Area 0 or NaN, a NaN current, zero trials: errors from every public entry point.
    for area in [0.0, -0.1, f64::NAN, f64::INFINITY] {
        assert!(m.spikes_with(1e-7, area, &[]).is_err(), "{area}");
        assert!(m.spike_fraction(1e-7, area, 10, 0, 0).is_err(), "{area}");
        assert!(m.threshold_current(area, &[]).is_err(), "{area}");
    }
    assert!(m.spikes_with(f64::NAN, 0.1, &[]).is_err());
    assert!(m.spike_fraction(f64::INFINITY, 0.1, 10, 0, 0).is_err());
    assert!(m.spike_fraction(1e-7, 0.1, 0, 0, 0).is_err());
    // usize::MAX trials was an endless loop (found by the boundary suite).
    assert!(m.spike_fraction(1e-7, 0.1, usize::MAX, 0, 0).is_err());
    assert!("sideways".parse::<Mode>().is_err());
}
