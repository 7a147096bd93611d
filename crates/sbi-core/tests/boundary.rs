//! Boundary suite (proptest, fixed seed): every public constructor and reader of sbi-core,
//! fed random finite and non-finite values, wrong lengths and mangled files, gives an `Err`
//! or a valid value — never a panic, never a non-finite output for valid input.

use proptest::prelude::*;

// The shared helpers, compiled into this test (the crate cannot depend on itself).
#[path = "../src/testing/boundary.rs"]
#[allow(dead_code)] // the strategies serve the other crates
mod support;
use sbi_core::{RowMatrix, TimeWindow, Trace, check_size};
use support::{config, mostly};

/// Any f64 (NaN, ±∞, subnormals, extremes) mixed with ordinary values.
fn number() -> impl Strategy<Value = f64> {
    mostly(-1e3..1e3, 4)
}

fn size() -> impl Strategy<Value = usize> {
    prop_oneof![
        0..40usize,
        Just(usize::MAX),
        Just(1 << 31),
        Just(1 << 63),
        any::<usize>()
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn matrices(nrows in size(), ncols in size(), data in prop::collection::vec(number(), 0..50)) {
        if let Ok(m) = RowMatrix::from_vec(nrows, ncols, data.clone()) {
            prop_assert_eq!(m.nrows() * m.ncols(), data.len());
            prop_assert_eq!(m.rows().count(), nrows);
        }
        if let Ok(m) = RowMatrix::zeros(nrows, ncols) {
            prop_assert!(check_size("m", nrows, ncols).is_ok());
            prop_assert!(m.as_slice().iter().all(|v| *v == 0.0));
        }
        let rows: Vec<Vec<f64>> = data.chunks(ncols.clamp(1, 7)).map(<[f64]>::to_vec).collect();
        if let Ok(m) = RowMatrix::from_rows(&rows) {
            prop_assert_eq!(m.nrows(), rows.len());
            if m.check_finite().is_ok() && m.nrows() >= 2 {
                let c = m.covariance().unwrap();
                let finite_input_is_moderate = m.as_slice().iter().all(|v| v.abs() < 1e100);
                if finite_input_is_moderate {
                    prop_assert!(c.as_slice().iter().all(|v| v.is_finite()));
                }
            }
        }
    }

    #[test]
    fn windows_and_traces(a in number(), b in number(), dt in number(), t0 in number(),
                          v in prop::collection::vec(number(), 0..60)) {
        if let Ok(w) = TimeWindow::new(a, b) {
            prop_assert!(w.start_ms.is_finite() && w.end_ms.is_finite() && w.start_ms < w.end_ms);
            if let Ok(t) = Trace::new(0.5, 0.0, vec![0.0; 10]) {
                let r = t.index_range(w);
                prop_assert!(r.start <= r.end && r.end <= 10);
            }
        }
        if let Ok(t) = Trace::new(dt, t0, v.clone()) {
            prop_assert!(t.dt_ms().is_finite() && t.dt_ms() > 0.0 && t.t0_ms().is_finite());
            prop_assert_eq!(t.len(), v.len());
        }
    }
}

proptest! {
    #![proptest_config(config(128))]

    /// A written trace reads back; a mangled file is an error or a valid trace.
    #[test]
    fn csv_files(v in prop::collection::vec(-200.0..200.0f64, 2..40), dt in 0.001..2.0f64,
                 cut in 0usize..2000, flip in 0usize..2000, byte in any::<u8>()) {
        let dir = std::env::temp_dir().join(format!("sbi-core-boundary-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(format!("t{cut}-{flip}-{byte}.csv"));
        let t = Trace::new(dt, 0.0, v.clone()).unwrap();
        t.write_csv(&p).unwrap();
        let back = Trace::read_csv(&p).unwrap();
        prop_assert_eq!(back.values(), t.values());
        let mut bytes = std::fs::read(&p).unwrap();
        let n = bytes.len();
        bytes[flip % n] = byte;
        bytes.truncate(cut.max(1).min(n));
        std::fs::write(&p, &bytes).unwrap();
        if let Ok(t) = Trace::read_csv(&p) {
            prop_assert!(t.dt_ms().is_finite() && t.dt_ms() > 0.0 && t.len() >= 2);
        }
        std::fs::remove_file(&p).ok();
    }
}
