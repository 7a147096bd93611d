//! Batch reproducibility across thread counts, and errors (never panics) on bad input.

use hh_model::{Error, HhParams, HhSimulator, Kernel, Protocol, Scheme, Stimulus, simulate};
use rand::SeedableRng;
use sbi_core::{RowMatrix, SeedRng, Simulator, Trace};

fn thetas(n: usize) -> RowMatrix {
    let rows: Vec<[f64; 2]> = (0..n)
        .map(|i| {
            let u = i as f64 / n as f64;
            [
                40.0 + 20.0 * u,
                3.0 + 4.0 * ((i * 7919) % n) as f64 / n as f64,
            ]
        })
        .collect();
    RowMatrix::from_rows(&rows).unwrap()
}

fn in_pool(threads: usize, f: impl FnOnce() -> Vec<Trace> + Send) -> Vec<Trace> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn batch_of_1000_is_bit_identical_with_one_and_two_threads() {
    // Noise on, so each item's random stream matters.
    let sim = HhSimulator::notebook().with_noise_sigma(0.5).unwrap();
    let th = thetas(1000);
    let one = in_pool(1, || sim.simulate_batch(&th, 2024).unwrap());
    let two = in_pool(2, || sim.simulate_batch(&th, 2024).unwrap());
    assert_eq!(one.len(), 1000);
    for (a, b) in one.iter().zip(&two) {
        assert!(
            a.values()
                .iter()
                .zip(b.values())
                .all(|(x, y)| x.to_bits() == y.to_bits())
        );
    }
    // With the scalar kernel, item i is the single simulation with item_rng(seed, i), to the
    // bit (the SIMD kernels: tests/simd_batch.rs).
    let i = 617;
    let single = sim
        .simulate(th.row(i), &mut sbi_core::item_rng(2024, i as u64))
        .unwrap();
    let scalar = in_pool(2, || {
        sim.clone()
            .with_kernel(Kernel::Scalar)
            .simulate_batch(&th, 2024)
            .unwrap()
    });
    assert_eq!(single, scalar[i]);
    // A different seed changes the noise.
    let other = sim
        .simulate(th.row(i), &mut sbi_core::item_rng(2025, i as u64))
        .unwrap();
    assert_ne!(other, one[i]);
}

fn rng() -> SeedRng {
    SeedRng::seed_from_u64(0)
}

#[test]
fn bad_time_steps_are_errors() {
    for dt in [0.0, -0.01, f64::NAN, f64::INFINITY] {
        let err = simulate(
            &HhParams::default(),
            &Protocol::new(dt, 10),
            Scheme::Rk4,
            &mut rng(),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            Error::Core(sbi_core::Error::InvalidParameter { name: "dt_ms", .. })
        ));
    }
    assert!(
        simulate(
            &HhParams::default(),
            &Protocol::new(0.01, 0),
            Scheme::Rk4,
            &mut rng()
        )
        .is_err()
    );
}

#[test]
fn nan_parameters_are_errors() {
    let p = HhParams {
        g_na: f64::NAN,
        ..HhParams::default()
    };
    assert!(simulate(&p, &Protocol::notebook(5.0), Scheme::PyhhEuler, &mut rng()).is_err());
    let p = HhParams {
        c_m: 0.0,
        ..HhParams::default()
    };
    assert!(simulate(&p, &Protocol::notebook(5.0), Scheme::PyhhEuler, &mut rng()).is_err());
    let sim = HhSimulator::notebook();
    assert!(matches!(
        sim.simulate(&[f64::NAN, 5.0], &mut rng()),
        Err(Error::Core(sbi_core::Error::NonFinite { index: 0 }))
    ));
    assert!(matches!(
        sim.simulate(&[50.0], &mut rng()),
        Err(Error::Core(sbi_core::Error::DimensionMismatch {
            expected: 2,
            found: 1
        }))
    ));
    let bad_pulse = Protocol::notebook(f64::NAN);
    assert!(simulate(&HhParams::default(), &bad_pulse, Scheme::Rk4, &mut rng()).is_err());
    let inverted = Protocol::new(0.01, 100).with_stimulus(Stimulus::pulse(5.0, 1.0, 1.0));
    assert!(simulate(&HhParams::default(), &inverted, Scheme::Rk4, &mut rng()).is_err());
    assert!(
        Protocol::notebook(5.0)
            .with_noise_sigma(-1.0)
            .validate()
            .is_err()
    );
    // θ that makes the model invalid is an error too.
    let sim = HhSimulator::new(
        HhParams::default(),
        Protocol::notebook(5.0),
        Scheme::PyhhEuler,
        &["c_m"],
    )
    .unwrap();
    assert!(sim.simulate(&[-1.0], &mut rng()).is_err());
}

#[test]
fn waveform_length_must_match_steps() {
    let p = Protocol::new(0.01, 100).with_stimulus(Stimulus::Waveform(vec![1.0; 99]));
    assert_eq!(
        simulate(&HhParams::default(), &p, Scheme::ExpEuler, &mut rng()).unwrap_err(),
        Error::WaveformLength {
            expected: 100,
            found: 99
        }
    );
    // A matching waveform equals the same pulse.
    let mut w = vec![0.0; 20_000];
    w[7000..13_000].iter_mut().for_each(|x| *x = 5.0);
    let wave = Protocol::new(0.01, 20_000).with_stimulus(Stimulus::Waveform(w));
    let a = simulate(&HhParams::default(), &wave, Scheme::PyhhEuler, &mut rng()).unwrap();
    let b = simulate(
        &HhParams::default(),
        &Protocol::notebook(5.0),
        Scheme::PyhhEuler,
        &mut rng(),
    )
    .unwrap();
    assert_eq!(a.values(), b.values());
    assert_eq!(a.stimulus(), b.stimulus());
}

#[test]
fn unknown_or_misused_parameter_names_are_errors() {
    let new = |names: &[&str], protocol: Protocol| {
        HhSimulator::new(HhParams::default(), protocol, Scheme::PyhhEuler, names)
    };
    assert_eq!(
        new(&["v_rest", "gna"], Protocol::notebook(5.0)).unwrap_err(),
        Error::UnknownParameter("gna".into())
    );
    assert!(new(&["v_rest", "v_rest"], Protocol::notebook(5.0)).is_err());
    assert!(new(&["stim_amplitude"], Protocol::new(0.01, 100)).is_err());
    let ok = new(&["g_na", "phi", "noise_sigma"], Protocol::notebook(5.0)).unwrap();
    assert_eq!(ok.theta_names(), vec!["g_na", "phi", "noise_sigma"]);
    assert!(ok.simulate(&[120.0, 1.0, -0.5], &mut rng()).is_err());
    assert!("nope".parse::<Scheme>().is_err());
}

#[test]
fn diverging_integration_is_an_error() {
    // Forward Euler is unstable at dt = 0.5 ms once the neuron spikes.
    let p = Protocol::new(0.5, 400).with_stimulus(Stimulus::pulse(10.0, 190.0, 20.0));
    let err = simulate(&HhParams::default(), &p, Scheme::PyhhEuler, &mut rng()).unwrap_err();
    assert!(matches!(err, Error::Diverged { .. }), "{err}");
    assert!(err.to_string().contains("smaller dt"), "{err}");
    // At a stable dt, a divergence caused by the noise says so (dt is not what to change).
    let noisy = Protocol::notebook(5.0).with_noise_sigma(1e6);
    let err = simulate(&HhParams::default(), &noisy, Scheme::PyhhEuler, &mut rng()).unwrap_err();
    assert!(matches!(err, Error::Diverged { .. }), "{err}");
    assert!(err.to_string().contains("noise"), "{err}");
    assert!(!err.to_string().contains("smaller dt"), "{err}");
    // Exponential Euler keeps the gates bounded, but a huge current still diverges v.
    let p = Protocol::new(0.5, 400).with_stimulus(Stimulus::pulse(10.0, 190.0, 1e5));
    assert!(simulate(&HhParams::default(), &p, Scheme::ExpEuler, &mut rng()).is_err());
}

#[test]
fn huge_step_counts_are_errors_not_aborts() {
    for n in [usize::MAX / 4, usize::MAX, hh_model::MAX_STEPS + 1] {
        let p = Protocol::new(0.01, n);
        assert!(p.validate().is_err(), "{n}");
        assert!(simulate(&HhParams::default(), &p, Scheme::Rk4, &mut rng()).is_err());
    }
    assert!(Protocol::new(0.01, 0).validate().is_err());
}
