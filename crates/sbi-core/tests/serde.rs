//! With the `serde` feature: the shared types round-trip through JSON, and a file that would
//! break a type's invariant is a deserialisation error, not a panic later.
#![cfg(feature = "serde")]

use sbi_core::{Bounds, RowMatrix, TimeWindow, Trace};

fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(v: &T) -> T {
    serde_json::from_str(&serde_json::to_string(v).unwrap()).unwrap()
}

#[test]
fn shared_types_round_trip() {
    let m = RowMatrix::from_rows(&[[1.0, 2.0], [3.0, 4.5], [-0.1, 1e-300]]).unwrap();
    assert_eq!(round_trip(&m), m);
    let t = Trace::new(0.01, 5.0, vec![0.0, 1.5, -2.0])
        .unwrap()
        .with_stimulus(TimeWindow::new(5.0, 5.02).unwrap());
    assert_eq!(round_trip(&t), t);
    // The formats the invalid cases below are written in.
    let small = RowMatrix::from_rows(&[[1.0, 2.0]]).unwrap();
    assert_eq!(
        serde_json::to_string(&small).unwrap(),
        r#"{"data":[1.0,2.0],"nrows":1,"ncols":2}"#
    );
    let short = Trace::new(0.5, 0.0, vec![1.0]).unwrap();
    assert_eq!(
        serde_json::to_string(&short).unwrap(),
        r#"{"dt_ms":0.5,"t0_ms":0.0,"v_mv":[1.0],"stimulus":null}"#
    );
    let b = Bounds {
        low: vec![0.0, -1.0],
        high: vec![1.0, 2.0],
    };
    assert_eq!(round_trip(&b), b);
}

#[test]
fn files_that_break_an_invariant_are_errors() {
    for bad in [
        // 2 numbers for a 5 × 5 matrix: rows would be read out of bounds.
        r#"{"data":[1.0,2.0],"nrows":5,"ncols":5}"#,
        // nrows · ncols overflows.
        r#"{"data":[],"nrows":18446744073709551615,"ncols":2}"#,
    ] {
        assert!(serde_json::from_str::<RowMatrix>(bad).is_err(), "{bad}");
    }
    for bad in [
        r#"{"dt_ms":0.0,"t0_ms":0.0,"v_mv":[1.0],"stimulus":null}"#,
        r#"{"dt_ms":-0.01,"t0_ms":0.0,"v_mv":[1.0],"stimulus":null}"#,
        r#"{"dt_ms":0.01,"t0_ms":0.0,"v_mv":[1.0],"stimulus":{"start_ms":2.0,"end_ms":1.0}}"#,
    ] {
        assert!(serde_json::from_str::<Trace>(bad).is_err(), "{bad}");
    }
    assert!(serde_json::from_str::<TimeWindow>(r#"{"start_ms":5.0,"end_ms":5.0}"#).is_err());
}
