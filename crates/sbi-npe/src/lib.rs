//! # sbi-npe — neural posterior estimation for any simulator and any density estimator
//!
//! Learns the posterior p(θ | x) from simulated pairs (θ, x) and samples it, as Python `sbi`'s
//! NPE. The layers, bottom up:
//!
//! * **pipeline** ([`Npe`]): prior → simulate (parallel, seeded per item) → summarise →
//!   [`Dataset`] → any [`sbi_core::DensityEstimator`] → posterior, or an [`Ensemble`] of
//!   posteriors; for any [`sbi_core::Prior`], [`sbi_core::Simulator`] and
//!   [`sbi_core::SummaryStatistics`] (simulators that return the features themselves use
//!   [`sbi_core::Identity`]);
//! * **data** ([`Dataset`]): θ, x and every failed simulation's cause; saved and loaded as
//!   NumPy `.npz` (readable by numpy and Python sbi);
//! * **estimator** ([`MdnEstimator`]): sbi's mixture-density network. Two hidden layers of 50
//!   ReLU units ([`MdnConfig`]), K = 10 full-covariance Gaussian components, each with
//!   precision AᵀA + 10⁻⁴·I (A upper triangular, softplus diagonal), trained with
//!   [burn](https://burn.dev) on the CPU ([`TrainConfig`]: Adam 5·10⁻⁴, minibatches of 200,
//!   10 % validation, early stopping after 20 epochs with the best weights restored, global
//!   gradient-norm clipping at 5), θ and x standardised inside ([`ZScore`]);
//! * **posterior** ([`DirectPosterior`]): implements [`sbi_core::Posterior`]; [`DirectPosterior::at`]
//!   gives the posterior at one x ([`DirectConditional`]: samples with leakage rejection,
//!   leakage-corrected log-density, MAP); save/load to bit-identical samples;
//! * **diagnostics** for any posterior: simulation-based calibration and expected coverage
//!   ([`Calibration`]), a classifier two-sample test ([`c2st`]);
//! * **progress** ([`Progress`], [`TerminalProgress`]) for long runs.
//!
//! Backend: burn's `flex` CPU backend by default (cargo feature `flex`); `ndarray`
//! (burn-ndarray, deprecated upstream) is selectable with `--no-default-features --features
//! ndarray`. The model code does not depend on the choice. Training uses f32 tensors;
//! inference (sampling, densities) runs on the host in f64 from the trained weights (the two
//! densities agree to 10⁻⁴ for the same weights: a unit test pins it).
//!
//! ## Quick start
//!
//! ```
//! use rand::SeedableRng;
//! use sbi_core::{Identity, Posterior, SeedRng, testing::LinearGaussian};
//! use sbi_npe::{MdnEstimator, Npe, TrainConfig};
//! use sbi_prior::BoxUniform;
//!
//! // x = θ + N(0, 0.5²), θ uniform on [−3, 3]².
//! let prior = BoxUniform::new(vec![-3.0, -3.0], vec![3.0, 3.0])?;
//! let simulator = LinearGaussian::new(2, 0.5)?;
//! let estimator = MdnEstimator::new().with_train(TrainConfig::new().with_max_epochs(30));
//! let run = Npe::new(&prior, &simulator, &Identity::new(2))
//!     .num_simulations(1000)
//!     .seed(7)
//!     .train(&estimator)?;
//! let at = run.posterior.at(&[1.0, -1.0])?; // the posterior at one observation
//! let samples = at.sample(1000, &mut SeedRng::seed_from_u64(0))?;
//! let mean = samples.column_means();
//! assert!((mean[0] - 1.0).abs() < 0.3 && (mean[1] + 1.0).abs() < 0.3);
//! assert!(at.log_prob(&mean)? > at.log_prob(&[-2.0, 2.0])?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod architecture;
mod c2st_mlp;
mod config;
mod dataset;
mod density;
mod diagnostics;
mod ensemble;
mod error;
mod estimator;
mod flow;
#[cfg(test)]
mod flow_accuracy_tests;
mod flow_net;
mod mixture;
mod mlp;
mod mode;
mod network;
pub mod persist;
mod pipeline;
mod posterior;
mod progress;
mod restricted;
mod sequential;
mod simulated_rows;
mod spline;
mod standardize;
mod tensor_ops;
mod train;

pub use c2st_mlp::c2st_mlp;
pub use config::{FlowConfig, FlowKind, MdnConfig, TrainConfig};
pub use dataset::{Dataset, Failure, FailureKind, FailureStage};
pub use diagnostics::{Calibration, c2st};
pub use ensemble::{DirectEnsemble, Ensemble, MAX_MEMBERS};
pub use error::{Error, Result};
pub use estimator::{FlowEstimator, MdnEstimator, NeuralEstimator};
pub use pipeline::{Npe, NpeReport, NpeRun, member_seed};
pub use posterior::{DirectConditional, DirectPosterior, TrainedOn};
pub use progress::{EpochReport, Progress, TerminalProgress};
pub use restricted::{RestrictedPrior, RestrictionConfig, Sampler};
pub use sequential::{RoundReport, Sequential, SequentialConfig, SequentialRun};
pub use simulated_rows::{
    FAIL_FAST_AFTER, SimulatedRows, fails_fast, prior_draws, simulate_rows, simulations_failed,
};
pub use standardize::ZScore;
pub use train::TrainingReport;

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}
    #[test]
    fn public_types_are_send_sync() {
        assert_send_sync::<crate::DirectPosterior>();
        assert_send_sync::<crate::DirectEnsemble>();
        assert_send_sync::<crate::MdnEstimator>();
        assert_send_sync::<crate::Dataset>();
        assert_send_sync::<crate::DirectConditional<'static>>();
        assert_send_sync::<crate::Error>();
    }
}
