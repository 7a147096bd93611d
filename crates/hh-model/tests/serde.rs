//! With the `serde` feature: parameters, protocols and schemes round-trip through JSON, and a
//! simulation from a loaded protocol is the same trace. Deserialised values are plain data
//! (public fields); invalid ones are caught where they are used, by `validate` (tested).
#![cfg(feature = "serde")]

use hh_model::{HhParams, Protocol, Scheme, Stimulus, simulate};
use rand::SeedableRng;
use sbi_core::SeedRng;

fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(v: &T) -> T {
    serde_json::from_str(&serde_json::to_string(v).unwrap()).unwrap()
}

#[test]
fn model_configuration_round_trips_to_the_same_trace() {
    let params = HhParams {
        v_rest: 50.0,
        ..HhParams::default()
    };
    let mut protocol = Protocol::notebook(5.0);
    protocol.noise_sigma = 0.5;
    assert_eq!(round_trip(&params), params);
    assert_eq!(round_trip(&protocol), protocol);
    let waveform = Protocol {
        stimulus: Stimulus::Waveform(vec![0.0, 1.0, 2.0]),
        ..Protocol::new(0.01, 3)
    };
    assert_eq!(round_trip(&waveform), waveform);
    for s in Scheme::ALL {
        assert_eq!(round_trip(&s), s);
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            format!("\"{}\"", s.name())
        );
    }
    let (p2, q2) = (round_trip(&params), round_trip(&protocol));
    let a = simulate(
        &params,
        &protocol,
        Scheme::Rk4,
        &mut SeedRng::seed_from_u64(1),
    )
    .unwrap();
    let b = simulate(&p2, &q2, Scheme::Rk4, &mut SeedRng::seed_from_u64(1)).unwrap();
    assert_eq!(a, b);
}

#[test]
fn invalid_loaded_values_are_caught_by_validate() {
    let mut text = serde_json::to_value(Protocol::notebook(5.0)).unwrap();
    text["dt_ms"] = serde_json::json!(-0.01);
    let protocol: Protocol = serde_json::from_value(text).unwrap();
    assert!(protocol.validate().is_err());
    let mut p = serde_json::to_value(HhParams::default()).unwrap();
    p["c_m"] = serde_json::json!(0.0);
    let params: HhParams = serde_json::from_value(p).unwrap();
    assert!(params.validate().is_err());
    assert!(
        simulate(
            &params,
            &Protocol::notebook(5.0),
            Scheme::Rk4,
            &mut SeedRng::seed_from_u64(1)
        )
        .is_err()
    );
}
