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
    assert!(matches!(
        new(&["v_rest", "gna"], Protocol::notebook(5.0)).unwrap_err(),
        Error::UnknownParameter { name, known } if name == "gna" && known.contains("g_na")
    ));
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

/// A channel declaring one gate but listing two: the model refuses it.
#[derive(Debug, Clone, Copy)]
struct Miscounted;

impl hh_model::Channel for Miscounted {
    const GATES: usize = 1;
    const PARAMS: usize = 1;
    fn name(&self) -> &'static str {
        "miscounted"
    }
    fn parameters(&self) -> Vec<hh_model::ParameterSpec> {
        vec![hh_model::ParameterSpec::conductance("g_x", 1.0, "x")]
    }
    fn gates(&self) -> Vec<&'static str> {
        vec!["a", "b"]
    }
    fn kinetics<T: hh_model::Real, E: hh_model::Exp<T>>(
        &self,
        _v: T,
        _p: &[T],
        _out: &mut [hh_model::Gate<T>],
    ) {
    }
    fn conductance<T: hh_model::Real, E: hh_model::Exp<T>>(&self, p: &[T], _x: &[T], _v: T) -> T {
        p[0]
    }
    fn reversal<T: hh_model::Real>(&self, _p: &[T]) -> T {
        T::c(0.0)
    }
}

#[test]
fn bad_model_input_is_an_error_naming_the_field() {
    use hh_model::channels::{Leak, pospischil};
    use hh_model::{Model, ModelSimulator};
    let named = |e: Error, field: &str| {
        let text = e.to_string();
        assert!(text.contains(field), "`{text}` does not name {field}");
    };
    // Defaults out of range.
    for (name, value) in [
        ("g_na", -1.0),
        ("g_m", -0.01),
        ("tau_max", 0.0),
        ("tau_max", -5.0),
        ("v0", f64::NAN),
        ("e_k", f64::NAN),
        ("e_leak", f64::INFINITY),
        ("c_m", 0.0),
    ] {
        let e = Model::pospischil().with_default(name, value).unwrap_err();
        assert!(matches!(&e, Error::InvalidValue { .. }), "{e}");
        named(e, name);
    }
    named(
        Model::pospischil().with_default("g_nax", 1.0).unwrap_err(),
        "g_nax",
    );
    // The same through θ: every item fails alone, with an error naming the field, and no
    // trace comes out (never a NaN trace).
    let sim = ModelSimulator::for_model(
        Model::pospischil(),
        Protocol::goncalves(),
        Scheme::ExpStaggered,
        &["g_k", "tau_max", "-v_t", "e_leak"],
    )
    .unwrap();
    let rows = [
        [5.0, 600.0, 60.0, -70.0],
        [-5.0, 600.0, 60.0, -70.0],
        [5.0, 0.0, 60.0, -70.0],
        [5.0, 600.0, 60.0, f64::NAN],
    ];
    let out = sim
        .simulate_batch_each(&RowMatrix::from_rows(&rows).unwrap(), 0, 0)
        .unwrap();
    assert!(
        out[0]
            .as_ref()
            .unwrap()
            .values()
            .iter()
            .all(|v| v.is_finite())
    );
    named(out[1].clone().unwrap_err(), "g_k");
    named(out[2].clone().unwrap_err(), "tau_max");
    assert!(out[3].is_err());
    named(
        sim.simulate(&[5.0, -1.0, 60.0, -70.0], &mut rng())
            .unwrap_err(),
        "tau_max",
    );
    // Unknown θ names list the model's names, a negated name reports as given.
    let e = ModelSimulator::for_model(
        Model::pospischil(),
        Protocol::goncalves(),
        Scheme::ExpStaggered,
        &["-V_T"],
    )
    .unwrap_err();
    assert!(matches!(&e, Error::UnknownParameter { name, known }
        if name == "-V_T" && known.contains("v_t") && known.contains("noise_sigma")));
    // Channels that do not fit together: a miscounted user channel, a name the membrane
    // uses, one shared name with two defaults.
    named(Model::new("x", (Miscounted,)).unwrap_err(), "declare");
    let e = Model::new("x", (pospischil::Na, Leak::new("c_m", 1.0, "e", 0.0))).unwrap_err();
    assert!(matches!(&e, Error::InvalidModel { .. }), "{e}");
    named(e, "c_m");
    let e = Model::new("x", (pospischil::Kd, Leak::new("g", 1.0, "e_k", -90.0))).unwrap_err();
    named(e, "e_k");
}

/// θ's `noise_sigma` is a density (µA/cm²·√ms) with an area too: σ in θ gives the trace the
/// protocol's total noise σ·area gives, on the scalar and the batch path alike; and the
/// density a user passes for a 2·10⁻⁵ cm² cell (0.5) does not blow the model up (as a total
/// it was 25,000 times the density, and every simulation diverged).
#[test]
fn noise_sigma_in_theta_is_a_density_with_an_area() {
    use hh_model::{Model, ModelSimulator};
    let area = 2e-5;
    let protocol = Protocol::notebook(5.0 * area);
    let model = || Model::classic().with_area_cm2(area).unwrap();
    let by_theta = ModelSimulator::for_model(
        model(),
        protocol.clone(),
        Scheme::PyhhEuler,
        &["noise_sigma"],
    )
    .unwrap();
    let by_protocol = ModelSimulator::for_model(
        model(),
        protocol.with_noise_sigma(0.5 * area),
        Scheme::PyhhEuler,
        &[],
    )
    .unwrap();
    let a = by_theta.simulate(&[0.5], &mut rng()).unwrap();
    let b = by_protocol.simulate(&[], &mut rng()).unwrap();
    assert_eq!(a.values(), b.values());
    assert!(a.values().iter().all(|v| v.is_finite()));
    let theta = RowMatrix::from_rows(&[[0.5], [1.0]]).unwrap();
    let batch = by_theta.simulate_batch(&theta, 3).unwrap();
    assert!(
        batch
            .iter()
            .all(|t| t.values().iter().all(|v| v.is_finite()))
    );
    assert_eq!(
        batch[0].values(),
        by_protocol
            .simulate_batch(&RowMatrix::zeros(2, 0).unwrap(), 3)
            .unwrap()[0]
            .values()
    );
}
