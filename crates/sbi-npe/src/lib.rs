//! # sbi-npe — neural density estimators for simulation-based inference, on burn
//!
//! The networks that learn the posterior p(θ | x) from simulated pairs, as Python `sbi`'s
//! `neural_nets`: each is a [`sbi_core::DensityEstimator`], so the pipeline of
//! `sbi-inference` ([`sbi_inference::Npe`], sequential rounds, ensembles, diagnostics) trains
//! and checks any of them. Three estimators, one training loop, one posterior type:
//!
//! | estimator | name | what it is for |
//! |---|---|---|
//! | [`MdnEstimator`] | `mdn` | mixture of 10 full-covariance Gaussians: fastest to train, exact for near-Gaussian posteriors (the notebook's; the default) |
//! | [`FlowEstimator::nsf`] | `nsf` | neural spline flow: curved, bounded, multimodal posteriors (the SBI benchmark's best) |
//! | [`FlowEstimator::maf`] | `maf` | masked autoregressive flow: sbi's classic flow |
//!
//! Choose one by name at run time with [`NeuralEstimator::from_name`]; docs/npe.md has
//! their measured accuracy beside Python sbi's and how to choose.
//!
//! * **training** ([`TrainConfig`], sbi's defaults): Adam 5·10⁻⁴, minibatches of 200, 10 %
//!   validation, early stopping after 20 epochs without improvement with the best weights
//!   restored, global gradient-norm clipping at 5, recovery from non-finite losses; θ and x
//!   standardised inside ([`ZScore`]); every fit returns its [`sbi_core::TrainingReport`]
//!   (epochs, best epoch, validation losses, stop reason, skipped steps, learning-rate
//!   halvings);
//! * **posterior** ([`DirectPosterior`], for every estimator): [`DirectPosterior::at`] gives
//!   the posterior at one x ([`DirectConditional`]: samples with leakage rejection,
//!   leakage-corrected log-density, MAP); save/load to bit-identical samples, one file format;
//!   ensembles of them ([`DirectEnsemble`], with MAP and files through [`EnsembleExt`]);
//! * **C2ST** as the SBI benchmark defines it ([`c2st_mlp`]).
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
//! use sbi_inference::{Npe, Problem};
//! use sbi_npe::{NeuralEstimator, TrainConfig};
//! use sbi_prior::BoxUniform;
//!
//! // x = θ + N(0, 0.5²), θ uniform on [−3, 3]².
//! let prior = BoxUniform::new(vec![-3.0, -3.0], vec![3.0, 3.0])?;
//! let simulator = LinearGaussian::new(2, 0.5)?;
//! let summary = Identity::new(2);
//! let estimator = NeuralEstimator::from_name("mdn")?
//!     .with_train(TrainConfig::new().with_max_epochs(30));
//! let problem = Problem::new(&prior, &simulator, &summary).num_simulations(1000).seed(7);
//! let run = Npe::new(problem).train(&estimator)?;
//! let training = run.report.training().expect("networks report their training");
//! println!("{} epochs, best {}: {:?}", training.epochs, training.best_epoch, training.stop);
//! let at = run.posterior.at(&[1.0, -1.0])?; // the posterior at one observation
//! let samples = at.sample(1000, &mut SeedRng::seed_from_u64(0))?;
//! let mean = samples.column_means();
//! assert!((mean[0] - 1.0).abs() < 0.3 && (mean[1] + 1.0).abs() < 0.3);
//! assert!(at.log_prob(&mean)? > at.log_prob(&[-2.0, 2.0])?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod architecture;
mod backend;
mod c2st_mlp;
mod dense;
mod error;
mod estimator;
mod flow;
mod math;
mod mdn;
mod posterior;
mod tensor_ops;
mod train;
mod zscore;

pub use c2st_mlp::c2st_mlp;
pub use error::{Error, Result};
pub use estimator::{Estimator, FlowEstimator, MdnEstimator, NeuralEstimator};
pub use flow::{FlowConfig, FlowKind};
pub use mdn::MdnConfig;
pub use posterior::{DirectConditional, DirectEnsemble, DirectPosterior, EnsembleExt, TrainedOn};
pub use train::TrainConfig;
pub use zscore::ZScore;

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}
    #[test]
    fn public_types_are_send_sync() {
        assert_send_sync::<crate::DirectPosterior>();
        assert_send_sync::<crate::DirectEnsemble>();
        assert_send_sync::<crate::MdnEstimator>();
        assert_send_sync::<crate::FlowEstimator>();
        assert_send_sync::<crate::NeuralEstimator>();
        assert_send_sync::<crate::DirectConditional<'static>>();
        assert_send_sync::<crate::Error>();
    }
}
