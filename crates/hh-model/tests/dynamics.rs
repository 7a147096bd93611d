//! Scheme agreement, order of convergence, physiology of the notebook protocol, v_rest.

use hh_model::{HhParams, HhSimulator, InitialState, Protocol, Scheme, State, Stimulus, simulate};
use rand::SeedableRng;
use sbi_core::{SeedRng, Simulator, Trace};

/// Upward crossings of `threshold` (mV, absolute), re-armed after falling 10 mV below it;
/// times linearly interpolated between samples.
fn spike_times(trace: &Trace, threshold: f64) -> Vec<f64> {
    let v = trace.values();
    let mut armed = true;
    let mut out = Vec::new();
    for i in 1..v.len() {
        if armed && v[i - 1] < threshold && v[i] >= threshold {
            let frac = (threshold - v[i - 1]) / (v[i] - v[i - 1]);
            out.push(trace.time_ms(i - 1) + frac * trace.dt_ms());
            armed = false;
        } else if !armed && v[i] < threshold - 10.0 {
            armed = true;
        }
    }
    out
}

fn pulse_protocol(dt: f64, amplitude: f64) -> Protocol {
    Protocol::new(dt, (200.0 / dt).round() as usize)
        .with_stimulus(Stimulus::pulse(70.0, 130.0, amplitude))
}

fn run(p: &Protocol, scheme: Scheme) -> Trace {
    simulate(
        &HhParams::default(),
        p,
        scheme,
        &mut SeedRng::seed_from_u64(0),
    )
    .unwrap()
}

#[test]
fn schemes_agree_on_spike_times_at_small_dt() {
    let dt = 0.002;
    let p = pulse_protocol(dt, 7.0);
    let times: Vec<Vec<f64>> = Scheme::ALL
        .iter()
        .map(|s| spike_times(&run(&p, *s), 50.0))
        .collect();
    assert_eq!(
        times[0].len(),
        4,
        "A = 7 gives a train of 4 spikes: {times:?}"
    );
    for t in &times[1..] {
        assert_eq!(t.len(), times[0].len());
    }
    // Euler-type schemes are first order: at dt = 0.002 ms spike times agree with RK4 to a
    // small fraction of a millisecond (the 4th spike accumulates three inter-spike errors).
    for (a, b) in times[2].iter().zip(&times[0]) {
        assert!((a - b).abs() < 0.05, "rk4 {a} vs pyhh-euler {b}");
    }
    for (a, b) in times[2].iter().zip(&times[1]) {
        assert!((a - b).abs() < 0.05, "rk4 {a} vs exp-euler {b}");
    }
    // And the first-order error does shrink with dt (a wrong scheme would not converge to RK4).
    let coarse = spike_times(&run(&pulse_protocol(0.02, 7.0), Scheme::ExpEuler), 50.0);
    let err_coarse = (coarse[3] - times[2][3]).abs();
    let err_fine = (times[1][3] - times[2][3]).abs();
    assert!(err_fine < err_coarse / 4.0, "{err_fine} vs {err_coarse}");
}

#[test]
fn rk4_converges_at_fourth_order_on_a_smooth_window() {
    // 2 ms of the transient from a displaced, non-equilibrium state under a constant current:
    // smooth, so RK4's global error scales as dt⁴.
    let mut y0 = State::steady(0.0);
    y0.v = 4.0;
    let end_v = |dt: f64| {
        let n = (2.0 / dt).round() as usize;
        let p = Protocol::new(dt, n)
            .with_stimulus(Stimulus::pulse(0.0, 10.0, 3.0))
            .with_initial(InitialState::Given(y0));
        *run(&p, Scheme::Rk4).values().last().unwrap()
    };
    let dts = [0.1, 0.05, 0.025, 0.0125];
    let v: Vec<f64> = dts.iter().map(|&dt| end_v(dt)).collect();
    let reference = end_v(0.001);
    let errors: Vec<f64> = v.iter().map(|x| (x - reference).abs()).collect();
    for w in errors.windows(2) {
        let order = (w[0] / w[1]).log2();
        assert!(
            (3.6..=4.4).contains(&order),
            "observed order {order} (errors {errors:?})"
        );
    }
    // Euler on the same window is first order, for contrast.
    let euler = |dt: f64| {
        let n = (2.0 / dt).round() as usize;
        let p = Protocol::new(dt, n)
            .with_stimulus(Stimulus::pulse(0.0, 10.0, 3.0))
            .with_initial(InitialState::Given(y0));
        *run(&p, Scheme::PyhhEuler).values().last().unwrap()
    };
    let order = ((euler(0.02) - reference).abs() / (euler(0.01) - reference).abs()).log2();
    assert!((0.8..=1.2).contains(&order), "euler order {order}");
}

#[test]
fn spike_count_grows_sensibly_with_amplitude() {
    let sim = HhSimulator::notebook();
    let mut rng = SeedRng::seed_from_u64(0);
    let amplitudes = [3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0];
    let counts: Vec<usize> = amplitudes
        .iter()
        .map(|a| spike_times(&sim.simulate(&[0.0, *a], &mut rng).unwrap(), 50.0).len())
        .collect();
    // One onset spike for weak currents, a repetitive train above the rheobase (≈ 6.3).
    assert_eq!(counts[0], 1, "{counts:?}");
    assert_eq!(*counts.last().unwrap(), 4, "{counts:?}");
    assert!(
        counts.windows(2).all(|w| w[0] <= w[1]),
        "monotone: {counts:?}"
    );
    // No stimulus, no spike.
    assert!(spike_times(&sim.simulate(&[0.0, 0.0], &mut rng).unwrap(), 50.0).is_empty());
}

#[test]
fn v_rest_only_shifts_the_trace() {
    let sim = HhSimulator::notebook();
    let mut rng = SeedRng::seed_from_u64(0);
    for scheme in Scheme::ALL {
        let sim = sim.clone().with_scheme(scheme);
        let base = sim.simulate(&[0.0, 7.0], &mut rng).unwrap();
        for v_rest in [-65.0, 40.0, 60.0] {
            let shifted = sim.simulate(&[v_rest, 7.0], &mut rng).unwrap();
            for (a, b) in shifted.values().iter().zip(base.values()) {
                assert!(
                    (a - b - v_rest).abs() < 1e-9,
                    "{scheme}: {a} vs {b} + {v_rest}"
                );
            }
            assert_eq!(shifted.stimulus(), base.stimulus());
        }
    }
}

#[test]
fn noise_is_seeded_and_dt_independent_in_strength() {
    let sigma = 1.0;
    let params = HhParams::default();
    // Sub-threshold: the membrane's stationary std scales with sigma, not with dt.
    let std_at = |dt: f64| {
        let p = Protocol::new(dt, (400.0 / dt) as usize).with_noise_sigma(sigma);
        let tr = simulate(
            &params,
            &p,
            Scheme::ExpEuler,
            &mut SeedRng::seed_from_u64(9),
        )
        .unwrap();
        let v = &tr.values()[tr.len() / 4..];
        let m = v.iter().sum::<f64>() / v.len() as f64;
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
    };
    let (a, b) = (std_at(0.01), std_at(0.0025));
    assert!(a > 0.05, "noise visible: {a}");
    // Two independent 300 ms noise realisations: correlation time ~ a few ms, so ~100
    // independent stretches; their std estimates agree within ~25 %.
    assert!(
        (a / b - 1.0).abs() < 0.25,
        "std {a} at dt=0.01 vs {b} at dt=0.0025"
    );
    let p = Protocol::notebook(5.0).with_noise_sigma(sigma);
    let r1 = simulate(
        &params,
        &p,
        Scheme::PyhhEuler,
        &mut SeedRng::seed_from_u64(3),
    )
    .unwrap();
    let r2 = simulate(
        &params,
        &p,
        Scheme::PyhhEuler,
        &mut SeedRng::seed_from_u64(3),
    )
    .unwrap();
    let r3 = simulate(
        &params,
        &p,
        Scheme::PyhhEuler,
        &mut SeedRng::seed_from_u64(4),
    )
    .unwrap();
    assert_eq!(r1, r2);
    assert_ne!(r1, r3);
}

#[test]
fn membrane_area_turns_currents_into_totals() {
    let area = 1e-3;
    let dens = run(&Protocol::notebook(5.0), Scheme::PyhhEuler);
    let total = simulate(
        &HhParams::default().with_membrane_area_cm2(area),
        &Protocol::notebook(5.0 * area),
        Scheme::PyhhEuler,
        &mut SeedRng::seed_from_u64(0),
    )
    .unwrap();
    for (a, b) in dens.values().iter().zip(total.values()) {
        assert!((a - b).abs() < 1e-9);
    }
}

#[test]
fn temperature_speeds_up_the_spike() {
    // Warmer: faster gating, a narrower and earlier spike.
    let p = Protocol::notebook(7.0);
    let mut rng = SeedRng::seed_from_u64(0);
    let cold = simulate(&HhParams::default(), &p, Scheme::Rk4, &mut rng).unwrap();
    let warm = simulate(
        &HhParams::default().with_temperature_celsius(16.3),
        &p,
        Scheme::Rk4,
        &mut rng,
    )
    .unwrap();
    let (tc, tw) = (spike_times(&cold, 50.0), spike_times(&warm, 50.0));
    assert!(!tw.is_empty() && tw[0] < tc[0], "{tw:?} vs {tc:?}");
}
