//! # sbi-inference — simulation-based inference, without a tensor library
//!
//! Everything between a simulator and a density estimator, for any of either (the traits of
//! `sbi-core`), and nothing that needs burn — the layout of Python sbi's `inference/` and
//! `diagnostics/`:
//!
//! * **the problem** ([`Problem`]): prior, simulator, summary, number of simulations, seed —
//!   what the pipeline, sequential rounds and campaigns (`sbi-campaign`) share;
//! * **the simulation loop** ([`simulate_ranges`], with [`prior_draws`], [`simulate_rows`],
//!   [`join`]): rows keyed by global index, so data simulated in chunks, threads or on many
//!   machines are the same bits; failures kept with their cause; early stop when every
//!   simulation fails alike;
//! * **data** ([`Dataset`]): θ, x and every failure, saved and loaded as NumPy `.npz`
//!   (readable by numpy and Python sbi); checked against the run that uses it
//!   ([`Dataset::check_fits`]);
//! * **the pipeline** ([`Npe`]): simulate, then train any [`sbi_core::DensityEstimator`]
//!   (sbi-npe's MDN, NSF and MAF, or your own) into a posterior or an [`Ensemble`], with each
//!   network's training report ([`NpeReport`]);
//! * **sequential rounds** ([`Sequential`], TSNPE) with the [`RestrictedPrior`];
//! * **diagnostics** for any posterior: SBC and coverage ([`Calibration`]), held-out
//!   validation ([`validate`]), a k-nearest-neighbour classifier two-sample test ([`c2st`]),
//!   a posterior predictive check ([`PredictiveCheck`]), TARP ([`Tarp`]) and the local C2ST at
//!   one observation ([`LocalC2st`]);
//! * **misspecification**: can the model produce this observation at all?
//!   ([`Misspecification`]: a density of x ([`XDensity`]) and an MMD test ([`MmdTest`]), with
//!   a p-value, a [`Verdict`] and the features furthest out).
//!
//! ## Quick start
//!
//! ```
//! use rand::SeedableRng;
//! use sbi_core::{Identity, Posterior, SeedRng, testing::{LinearGaussian, LinearRegression}};
//! use sbi_inference::{Npe, Problem};
//! use sbi_prior::BoxUniform;
//!
//! // x = θ + N(0, 0.5²), θ uniform on [−3, 3]²; a closed-form estimator stands in for
//! // sbi-npe's networks (`sbi_npe::NeuralEstimator::from_name("mdn")`).
//! let prior = BoxUniform::new(vec![-3.0, -3.0], vec![3.0, 3.0])?;
//! let simulator = LinearGaussian::new(2, 0.5)?;
//! let summary = Identity::new(2);
//! let problem = Problem::new(&prior, &simulator, &summary).num_simulations(1000).seed(7);
//! let run = Npe::new(problem).train(&LinearRegression::new())?;
//! let samples = run.posterior.sample(&[1.0, -1.0], 1000, &mut SeedRng::seed_from_u64(0))?;
//! let mean = samples.column_means();
//! assert!((mean[0] - 1.0).abs() < 0.3 && (mean[1] + 1.0).abs() < 0.3);
//! assert_eq!((run.dataset.len(), run.dataset.num_failed()), (1000, 0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod dataset;
mod diagnostics;
mod ensemble;
mod error;
mod importance;
mod npz;
mod pipeline;
mod problem;
mod restricted;
mod sequential;
mod simulate;

pub use dataset::{Dataset, Failure, FailureKind, FailureStage};
pub use diagnostics::{
    Calibration, DENSITY_JITTER, DOUBTFUL_LEVEL, FeaturePlacement, Influence, LocalC2st,
    MAX_PERMUTATIONS, MAX_REFERENCE, MAX_VALIDATION, MIN_SIMULATIONS, Misspecification, MmdTest,
    OUTSIDE_LEVEL, OutlierTest, PredictiveCheck, TARP_GRID, TIE_TOLERANCE, Tarp, Validation,
    Verdict, XDensity, c2st, furthest_out, influences, place_observation, validate,
};
pub use ensemble::{Ensemble, MAX_MEMBERS, member_seed};
pub use error::{BoxedError, Error, Result};
pub use importance::{
    IMPORTANCE_ROUNDS, ImportanceSamples, MAX_IMPORTANCE_PROPOSALS, MIN_EFFECTIVE_SAMPLE_SIZE,
    importance_sample,
};
pub use npz::{NPZ_EXPANSION, NPZ_MIN_BUDGET};
pub use pipeline::{Npe, NpeReport, NpeRun};
pub use problem::{Problem, prior_draws};
pub use restricted::{RestrictedPrior, RestrictionConfig, Sampler};
pub use sequential::{MAX_ROUNDS, RoundReport, Sequential, SequentialConfig, SequentialRun};
pub use simulate::{
    Chunks, FAIL_FAST_AFTER, Simulated, SimulatedRows, fails_fast, join, simulate_ranges,
    simulate_rows, simulations_failed,
};

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}
    #[test]
    fn public_types_are_send_sync() {
        assert_send_sync::<crate::Dataset>();
        assert_send_sync::<crate::Error>();
        assert_send_sync::<crate::NpeReport>();
        assert_send_sync::<crate::Validation>();
        assert_send_sync::<crate::Calibration>();
    }
}
