//! With the `serde` feature: priors and the logit transform round-trip through JSON, and a file
//! that describes an invalid prior is a deserialisation error (it goes through the
//! constructors).
#![cfg(feature = "serde")]

use sbi_prior::{BoxUniform, IndependentPrior, LogitTransform, Marginal, MultivariateNormal};

fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(v: &T) -> T {
    serde_json::from_str(&serde_json::to_string(v).unwrap()).unwrap()
}

#[test]
fn priors_round_trip() {
    let b = BoxUniform::new(vec![40.0, 3.0], vec![60.0, 7.0]).unwrap();
    assert_eq!(round_trip(&b), b);
    // The format the invalid cases below are written in.
    let text = r#"{"low":[40.0,3.0],"high":[60.0,7.0]}"#;
    assert_eq!(serde_json::to_string(&b).unwrap(), text);
    let p = IndependentPrior::new(vec![
        Marginal::Uniform {
            low: 40.0,
            high: 60.0,
        },
        Marginal::Normal {
            mean: 5.0,
            std: 1.0,
        },
        Marginal::LogNormal {
            mu: 0.0,
            sigma: 0.5,
        },
    ])
    .unwrap();
    assert_eq!(round_trip(&p), p);
    let t = LogitTransform::for_box(&b);
    assert_eq!(round_trip(&t), t);
    assert_eq!(serde_json::to_string(&t).unwrap(), text);
}

#[test]
fn invalid_priors_in_files_are_errors() {
    for bad in [
        r#"{"low":[1.0],"high":[0.0]}"#,
        r#"{"low":[0.0,0.0],"high":[1.0]}"#,
        r#"{"low":[],"high":[]}"#,
    ] {
        assert!(serde_json::from_str::<BoxUniform>(bad).is_err(), "{bad}");
        assert!(
            serde_json::from_str::<LogitTransform>(bad).is_err(),
            "{bad}"
        );
    }
    for bad in [
        r#"[]"#,
        r#"[{"kind":"normal","mean":0.0,"std":-1.0}]"#,
        r#"[{"kind":"uniform","low":2.0,"high":2.0}]"#,
    ] {
        assert!(
            serde_json::from_str::<IndependentPrior>(bad).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn a_multivariate_normal_round_trips_and_an_invalid_one_is_refused() {
    let p = MultivariateNormal::new(vec![1.0, -1.0], vec![4.0, 1.2, 1.2, 1.0]).unwrap();
    assert_eq!(round_trip(&p), p);
    assert_eq!(
        serde_json::to_string(&p).unwrap(),
        r#"{"mean":[1.0,-1.0],"covariance":[4.0,1.2,1.2,1.0]}"#
    );
    for bad in [
        r#"{"mean":[0.0,0.0],"covariance":[1.0,2.0,2.0,1.0]}"#,
        r#"{"mean":[0.0,0.0],"covariance":[1.0,0.5,0.4,1.0]}"#,
        r#"{"mean":[0.0],"covariance":[1.0,0.0]}"#,
    ] {
        assert!(
            serde_json::from_str::<MultivariateNormal>(bad).is_err(),
            "{bad}"
        );
    }
}
