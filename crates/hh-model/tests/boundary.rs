//! Boundary suite (proptest, fixed seed): parameters, protocols and θ from random finite and
//! non-finite values give an `Err` or a trace that is finite everywhere — never a panic,
//! never a NaN trace.

use hh_model::{HhParams, HhSimulator, Model, Protocol, Scheme, Stimulus, simulate};
use proptest::prelude::*;
use rand::SeedableRng;
use sbi_core::testing::boundary::{config, mostly};
use sbi_core::{SeedRng, Simulator};

fn scheme() -> impl Strategy<Value = Scheme> {
    prop_oneof![
        Just(Scheme::PyhhEuler),
        Just(Scheme::ExpEuler),
        Just(Scheme::Rk4)
    ]
}

fn assert_finite(trace: &sbi_core::Trace) -> Result<(), TestCaseError> {
    prop_assert!(
        trace.values().iter().all(|v| v.is_finite()),
        "a non-finite sample"
    );
    Ok(())
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn protocols_and_parameters(dt in mostly(0.001..0.2, 18), n in prop_oneof![9 => 0usize..2000, 1 => Just(usize::MAX)],
                                a in mostly(-5.0..20.0, 18), b in mostly(0.0..40.0, 18), amp in mostly(-50.0..100.0, 18),
                                noise in mostly(0.0..2.0, 18), g_na in mostly(0.0..400.0, 18),
                                v_rest in mostly(-90.0..60.0, 18), phi in mostly(0.1..10.0, 18),
                                area in prop_oneof![3 => Just(None), 1 => mostly(0.01..1.0, 18).prop_map(Some)],
                                scheme in scheme(), seed in any::<u64>()) {
        let protocol = Protocol::new(dt, n)
            .with_stimulus(Stimulus::pulse(a, b, amp))
            .with_noise_sigma(noise);
        let params = HhParams { g_na, v_rest, phi, membrane_area_cm2: area, ..HhParams::default() };
        let r = simulate(&params, &protocol, scheme, &mut SeedRng::seed_from_u64(seed));
        if let Ok(trace) = r {
            prop_assert_eq!(trace.len(), n);
            assert_finite(&trace)?;
        }
    }

    #[test]
    fn simulators_and_theta(names in prop::sample::subsequence(
                                [Model::classic().parameter_names(), vec!["stim_amplitude", "stim_scale", "noise_sigma"]].concat(), 0..4),
                            theta in prop::collection::vec(mostly(0.0..100.0, 18), 0..5), seed in any::<u64>()) {
        let protocol = Protocol::new(0.05, 400).with_stimulus(Stimulus::pulse(5.0, 15.0, 8.0));
        if let Ok(sim) = HhSimulator::new(HhParams::default(), protocol, Scheme::ExpEuler, &names)
            && let Ok(trace) = sim.simulate(&theta, &mut SeedRng::seed_from_u64(seed))
        {
            prop_assert_eq!(theta.len(), names.len());
            assert_finite(&trace)?;
        }
    }
}
