//! The pyHH-order Euler scheme against traces produced by pyHH itself
//! (`../shared/reference/pyhh`, next to the repository; override with `HH_SBI_REFERENCE_DIR`).

use std::path::PathBuf;

use hh_model::{HhParams, Protocol, Scheme, simulate};
use rand::SeedableRng;
use sbi_core::SeedRng;

fn reference_dir() -> PathBuf {
    std::env::var_os("HH_SBI_REFERENCE_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference"),
        PathBuf::from,
    )
}

/// Reads a `t_ms,vm_mv` CSV.
fn read_reference(amplitude: u32) -> Vec<(f64, f64)> {
    let path = reference_dir().join(format!("pyhh/pyhh_euler_stim_{amplitude}.csv"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reference file {} missing: {e}", path.display()));
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("t_ms,vm_mv"));
    lines
        .map(|l| {
            let (t, v) = l.split_once(',').expect("two columns");
            (t.parse().expect("t"), v.parse().expect("v"))
        })
        .collect()
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
        for (i, ((t, v_ref), v)) in reference.iter().zip(trace.values()).enumerate() {
            assert!((trace.time_ms(i) - t).abs() < 1e-9, "time label of row {i}");
            worst = worst.max((v - v_ref).abs());
        }
        assert!(worst <= 1e-6, "A = {amplitude}: max |Δv| = {worst:e} mV");
        // The comparison is not vacuous: these traces spike.
        assert!(reference.iter().any(|(_, v)| *v > 90.0));
    }
}
