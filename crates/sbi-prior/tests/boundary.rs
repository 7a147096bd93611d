//! Boundary suite (proptest, fixed seed): the priors' and the logit transform's
//! constructors, fed random finite and non-finite values and wrong lengths, give an `Err` or
//! a prior whose draws are finite, inside the support and of finite log-density.

use proptest::prelude::*;
use rand::SeedableRng;
use sbi_core::testing::boundary::{config, mostly};
use sbi_core::{Prior, SeedRng};
use sbi_prior::{BoxUniform, IndependentPrior, LogitTransform, Marginal, MultivariateNormal};

fn number() -> impl Strategy<Value = f64> {
    mostly(-1e3..1e3, 4)
}

fn check_prior<P: Prior>(p: &P) -> Result<(), TestCaseError> {
    let mut rng = SeedRng::seed_from_u64(1);
    let s = p.sample_batch(50, &mut rng).unwrap();
    let b = p.bounds();
    for row in s.rows() {
        prop_assert!(row.iter().all(|v| v.is_finite()), "draw {row:?}");
        prop_assert!(b.contains(row), "draw {row:?} outside {b:?}");
        let lp = p.log_prob(row).unwrap();
        prop_assert!(
            lp > f64::NEG_INFINITY && !lp.is_nan(),
            "log_prob {lp} at {row:?}"
        );
    }
    prop_assert!(
        p.log_prob(&vec![f64::NAN; p.dim()]).is_err()
            || p.log_prob(&vec![f64::NAN; p.dim()]).unwrap() == f64::NEG_INFINITY
    );
    prop_assert!(p.log_prob(&vec![0.0; p.dim() + 1]).is_err());
    Ok(())
}

fn marginal() -> impl Strategy<Value = Marginal> {
    prop_oneof![
        (number(), number()).prop_map(|(low, high)| Marginal::Uniform { low, high }),
        (number(), number()).prop_map(|(mean, std)| Marginal::Normal { mean, std }),
        (number(), number()).prop_map(|(mu, sigma)| Marginal::LogNormal { mu, sigma }),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn boxes((low, high) in (0usize..4, prop_oneof![9 => Just(0usize), 1 => 1..3usize]).prop_flat_map(|(n, extra)| {
        // Mostly equal lengths (so that many boxes are valid), sometimes not.
        (prop::collection::vec(number(), n), prop::collection::vec(number(), n + extra))
    })) {
        let ordered = low.len() == high.len() && !low.is_empty()
            && low.iter().zip(&high).all(|(l, h)| l.is_finite() && h.is_finite() && l < h && (h - l).is_finite());
        match BoxUniform::new(low.clone(), high.clone()) {
            Ok(p) => check_prior(&p)?,
            // Every finite, ordered box of finite width is a valid prior.
            Err(e) => prop_assert!(!ordered, "{e} for {low:?}, {high:?}"),
        }
        if let Ok(t) = LogitTransform::new(low.clone(), high.clone()) {
            let mid: Vec<f64> = low.iter().zip(&high).map(|(l, h)| l + 0.5 * (h - l)).collect();
            let z = t.forward(&mid).unwrap();
            prop_assert!(z.iter().all(|v| v.is_finite()));
            let back = t.inverse(&z).unwrap();
            prop_assert!(back.iter().all(|v| v.is_finite()));
            prop_assert!(t.log_abs_det_jacobian(&z).unwrap().is_finite());
            prop_assert!(t.forward(&vec![0.0; mid.len() + 1]).is_err());
        }
    }

    #[test]
    fn products(ms in prop::collection::vec(marginal(), 0..4)) {
        if let Ok(p) = IndependentPrior::new(ms) {
            check_prior(&p)?;
        }
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// Random means and covariances (symmetric or not, singular or not, some non-finite, some
    /// of the wrong size): an error, or a prior whose draws are finite with finite density. A
    /// covariance built as BBᵀ + I is always accepted.
    #[test]
    fn multivariate_normals(
        (mean, cov, b) in (1usize..4, prop_oneof![9 => Just(0usize), 1 => 1..3usize])
            .prop_flat_map(|(d, extra)| (
                prop::collection::vec(number(), d),
                // Mostly d × d entries, sometimes more.
                prop::collection::vec(number(), d * d + extra),
                prop::collection::vec(-3.0..3.0f64, d * d),
            ))
    ) {
        if let Ok(p) = MultivariateNormal::new(mean.clone(), cov) {
            check_prior(&p)?;
        }
        let d = mean.len();
        let bbt: Vec<f64> = (0..d * d)
            .map(|k| {
                let (i, j) = (k / d, k % d);
                (0..d).map(|l| b[i * d + l] * b[j * d + l]).sum::<f64>() + f64::from(u8::from(i == j))
            })
            .collect();
        // Finite means of moderate size: a valid covariance is a valid prior.
        if mean.iter().all(|m| m.is_finite()) {
            let p = MultivariateNormal::new(mean, bbt);
            prop_assert!(p.is_ok(), "{p:?}");
            check_prior(&p.unwrap())?;
        }
    }
}
