//! # sbi-npe — neural posterior estimation with a mixture-density network
//!
//! Learns the posterior p(θ | x) from simulated pairs (θ, x) and samples it, as Python `sbi`'s
//! NPE with its MDN density estimator:
//!
//! * network ([`MdnConfig`]): two hidden layers of 50 ReLU units, K = 10 full-covariance
//!   Gaussian components, each with precision AᵀA + 10⁻⁴·I (A upper triangular, softplus
//!   diagonal), trained with [burn](https://burn.dev) on the CPU;
//! * standardisation of θ and x with training-split statistics, inside the estimator (users see
//!   raw units);
//! * training ([`TrainConfig`]): Adam (lr 5·10⁻⁴, ε 10⁻⁸), minibatches of 200, 10 % validation,
//!   early stopping after 20 epochs without improvement with the best weights restored, global
//!   gradient-norm clipping at 5; seeded, so the same seed gives the same network; rows with
//!   non-finite x are dropped and counted; progress per epoch through a callback
//!   ([`TerminalProgress`] prints it);
//! * [`MdnPosterior`] implements [`sbi_core::Posterior`]: sampling with leakage rejection,
//!   leakage-corrected log-density, MAP, batches over many x, [`save`](MdnPosterior::save) /
//!   [`load`](MdnPosterior::load) to bit-identical samples;
//! * [`MdnEnsemble`]: the equal-weight mixture of several networks trained with different seeds
//!   (sbi's `NeuralPosteriorEnsemble`), which averages out their training noise;
//! * diagnostics: simulation-based calibration and expected coverage ([`Calibration`]), and a
//!   classifier two-sample test ([`c2st`]);
//! * [`run_npe`]: prior → simulate (parallel) → summarise → train → posterior, for any
//!   [`sbi_core::Simulator`] + [`sbi_core::SummaryStatistics`] + [`sbi_core::Prior`];
//!   [`run_npe_ensemble`] trains an ensemble instead.
//!
//! Backend: burn's `flex` CPU backend by default (cargo feature `flex`); `ndarray`
//! (burn-ndarray, deprecated upstream) is selectable with `--no-default-features --features
//! ndarray`. The model code does not depend on the choice. Training uses f32 tensors;
//! inference (sampling, densities) runs on the host in f64 from the trained weights.
//!
//! ## Quick start
//!
//! ```
//! use rand::SeedableRng;
//! use sbi_core::{Posterior, Prior, SeedRng, testing::{Identity, LinearGaussian}};
//! use sbi_npe::{MdnEstimator, TrainConfig, run_npe};
//! use sbi_prior::BoxUniform;
//!
//! // x = θ + N(0, 0.5²), θ uniform on [−3, 3]².
//! let prior = BoxUniform::new(vec![-3.0, -3.0], vec![3.0, 3.0])?;
//! let simulator = LinearGaussian::new(2, 0.5)?;
//! let estimator = MdnEstimator::new(prior.bounds())
//!     .with_train(TrainConfig::new().with_max_epochs(30));
//! let run = run_npe(&prior, &simulator, &Identity::new(2), 1000, &estimator, 7, &mut ())?;
//! let samples = run.posterior.sample(&[1.0, -1.0], 1000, &mut SeedRng::seed_from_u64(0))?;
//! let mean = samples.column_means();
//! assert!((mean[0] - 1.0).abs() < 0.3 && (mean[1] + 1.0).abs() < 0.3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod config;
mod diagnostics;
mod ensemble;
mod error;
mod estimator;
mod host;
mod network;
mod pipeline;
mod posterior;
mod progress;
mod train;

pub use config::{MdnConfig, TrainConfig};
pub use diagnostics::{Calibration, c2st};
pub use ensemble::{MAX_MEMBERS, MdnEnsemble};
pub use error::{Error, Result};
pub use estimator::MdnEstimator;
pub use pipeline::{NpeEnsembleRun, NpeReport, NpeRun, Progress, run_npe, run_npe_ensemble};
pub use posterior::{MdnPosterior, TrainedOn};
pub use progress::TerminalProgress;
pub use train::{EpochReport, TrainingReport, ZScore};

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}
    #[test]
    fn public_types_are_send_sync() {
        assert_send_sync::<crate::MdnPosterior>();
        assert_send_sync::<crate::MdnEnsemble>();
        assert_send_sync::<crate::MdnEstimator>();
        assert_send_sync::<crate::Error>();
    }
}
