//! The pyHH-order Euler scheme against traces produced by pyHH itself
//! (copies kept as this crate's test data in `tests/data/pyhh`).

use hh_model::{HhParams, Protocol, Scheme, simulate};
use rand::SeedableRng;
use sbi_core::{SeedRng, Trace};

fn read_reference(amplitude: u32) -> Trace {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/data/pyhh/pyhh_euler_stim_{amplitude}.csv"));
    Trace::read_csv(&path).unwrap_or_else(|e| panic!("reference trace: {e}"))
}

#[test]
fn pyhh_euler_reproduces_every_reference_trace_to_1e_6_mv() {
    let mut rng = SeedRng::seed_from_u64(0);
    for amplitude in [3, 5, 7] {
        let reference = read_reference(amplitude);
        assert_eq!(reference.len(), 20_000);
        let trace = simulate(
            &HhParams::default(),
            &Protocol::notebook(f64::from(amplitude)),
            Scheme::PyhhEuler,
            &mut rng,
        )
        .unwrap();
        assert_eq!(trace.len(), reference.len());
        let mut worst = 0.0f64;
        for (i, (v_ref, v)) in reference.values().iter().zip(trace.values()).enumerate() {
            assert!(
                (trace.time_ms(i) - reference.time_ms(i)).abs() < 1e-9,
                "row {i}"
            );
            worst = worst.max((v - v_ref).abs());
        }
        assert!(worst <= 1e-6, "A = {amplitude}: max |Δv| = {worst:e} mV");
        // The comparison is not vacuous: these traces spike.
        assert!(reference.values().iter().any(|v| *v > 90.0));
    }
}
