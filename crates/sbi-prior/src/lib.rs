//! # sbi-prior — priors for simulation-based inference
//!
//! * [`BoxUniform`]: uniform on a box, sbi's default prior (closed-box convention, mean,
//!   variance);
//! * [`IndependentPrior`]: a product of independent one-dimensional [`Marginal`]s (uniform,
//!   normal, log-normal);
//! * [`MultivariateNormal`]: a Gaussian with a full covariance (sbi's `MultivariateNormal`);
//! * [`LogitTransform`]: the bijection between a box and ℝⁿ, with its log-Jacobian.
//!
//! Priors implement [`sbi_core::Prior`] (sample, batch sample, log-density, bounds) and rand's
//! [`Distribution`](rand_distr::Distribution)`<Vec<f64>>`. Constructors validate: mismatched
//! lengths, `low ≥ high`, NaN or infinite bounds and non-positive scales are errors.
//!
//! ## Quick start
//!
//! ```
//! use rand::SeedableRng;
//! use sbi_core::{Prior, SeedRng};
//! use sbi_prior::BoxUniform;
//!
//! let prior = BoxUniform::new(vec![40.0, 3.0], vec![60.0, 7.0])?;
//! let mut rng = SeedRng::seed_from_u64(42);
//! let thetas = prior.sample_batch(500, &mut rng)?; // 500 × 2
//! assert_eq!(thetas.nrows(), 500);
//! let lp = prior.log_prob_batch(&thetas)?;
//! assert!(lp.iter().all(|l| (l + 80f64.ln()).abs() < 1e-12));
//! // rand's Distribution interface works too:
//! use rand_distr::Distribution;
//! let theta: Vec<f64> = prior.sample_iter(&mut rng).next().unwrap();
//! assert_eq!(theta.len(), 2);
//! # Ok::<(), sbi_prior::Error>(())
//! ```
#![deny(missing_docs)]

mod boxuniform;
mod error;
mod mvn;
mod product;
mod transform;

pub use boxuniform::BoxUniform;
pub use error::{Error, Result};
pub use mvn::MultivariateNormal;
pub use product::{IndependentPrior, Marginal};
pub use transform::LogitTransform;

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}
    #[test]
    fn public_types_are_send_sync() {
        assert_send_sync::<crate::BoxUniform>();
        assert_send_sync::<crate::IndependentPrior>();
        assert_send_sync::<crate::LogitTransform>();
        assert_send_sync::<crate::MultivariateNormal>();
        assert_send_sync::<crate::Error>();
    }
}
