//! The membrane model: scaling, deterministic thresholds, monotonicity, reproducibility.

use rand::SeedableRng;
use sbi_core::{SeedRng, Simulator};
use spike_fit::{AREA_UNIT, Mode, SpikeModel};

fn density_threshold(mode: Mode, area_factor: f64) -> f64 {
    let m = SpikeModel::new(mode).with_k_noise(0.0);
    m.threshold_current(area_factor, &[]).unwrap() / (AREA_UNIT * area_factor)
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
                    m.spikes_with(i, a, &[]),
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
        let thr = m.threshold_current(area, &xi).unwrap();
        // Below the threshold: no spike; at and above: spikes, at every level tried. (A
        // threshold of 0 means the noise alone fires this trial.)
        for rel in [0.5, 0.9, 0.999].into_iter().filter(|_| thr > 0.0) {
            assert!(
                !m.spikes_with(thr * rel, area, &xi),
                "trial {t}: thr {thr:e}, rel {rel}"
            );
        }
        for rel in [1.0, 1.01, 1.5, 3.0] {
            assert!(m.spikes_with(thr * rel, area, &xi));
        }
        thresholds.push(thr);
    }
    // The noise spreads the thresholds around the noise-free one (≈ 69 µA/cm² here).
    thresholds.sort_by(f64::total_cmp);
    let (q10, q90) = (thresholds[20], thresholds[180]);
    let noise_free = m.with_k_noise(0.0).threshold_current(area, &[]).unwrap();
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
fn lanes_agree_with_single_trials() {
    for mode in [Mode::Corrected, Mode::Upstream] {
        let m = SpikeModel::new(mode);
        let noise: Vec<Vec<f64>> = (0..4u64)
            .map(|t| {
                let mut xi = Vec::new();
                m.draw_noise(&mut sbi_core::stream_rng(5, 1, t), &mut xi);
                xi
            })
            .collect();
        let area = 0.35;
        let currents = [0.6, 0.68, 0.7, 0.75].map(|d| d * 1e2 * AREA_UNIT * area);
        let lanes = m.spikes_lanes(currents, area, std::array::from_fn(|k| noise[k].as_slice()));
        for k in 0..4 {
            assert_eq!(
                lanes[k],
                m.spikes_with(currents[k], area, &noise[k]),
                "{mode} lane {k}"
            );
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
    assert!("sideways".parse::<Mode>().is_err());
}
