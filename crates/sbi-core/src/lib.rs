//! # sbi-core — the shared traits of hh-sbi
//!
//! A tiny crate every other hh-sbi crate depends on: the traits that let simulators, summary
//! statistics, priors, density estimators and optimisers compose, plus the few types they
//! exchange.
//!
//! | trait | role | implemented in |
//! |---|---|---|
//! | [`Simulator`] | θ → output (e.g. a voltage [`Trace`]) | `hh-model`, `spike-fit` |
//! | [`SummaryStatistics`] | output → feature vector x | `hh-stats` |
//! | [`Prior`] | p(θ): sample, log-density, bounds | `sbi-prior` |
//! | [`Posterior`] | p(θ \| x): sample, log-density | `sbi-npe` |
//! | [`DensityEstimator`] | [`TrainingData`] → [`Fitted`] [`Posterior`] | `sbi-npe` |
//! | [`Objective`] | deterministic cost for parameter searches | `spike-fit` |
//! | [`Progress`] | receives stages, counts and epochs of long runs | the examples (terminal) |
//!
//! Consumers: `sbi_inference::Npe` drives any prior, simulator, summary and density estimator;
//! `spike_fit::run` drives any solver over an objective. [`Identity`] is the summary for a
//! simulator that returns its features itself. [`sweeps::Sweeps`] and [`sweeps::PerSweep`]
//! make several sweeps of one cell one observation, for any simulator and summary;
//! [`resample`] brings any time base onto a uniform grid as eFEL does.
//!
//! Conventions: f64 everywhere; one item is a slice and a batch is a [`RowMatrix`] (one row per
//! item); randomness is passed in as `&mut R` with `R: Rng + ?Sized`, and batch methods take a
//! `seed` and give item *i* its own generator [`item_rng`]`(seed, i)`, so batches are
//! reproducible whatever the thread count. Each crate has its own error enum; trait errors
//! convert from this crate's [`enum@Error`].
//!
//! ## Quick start
//!
//! The linear-Gaussian toy (feature `testing`) is a [`Simulator`] with an exact posterior:
//!
//! ```
//! # #[cfg(feature = "testing")] {
//! use rand::SeedableRng;
//! use sbi_core::{RowMatrix, SeedRng, Simulator, testing::LinearGaussian};
//!
//! let sim = LinearGaussian::new(2, 0.5)?;
//! let thetas = RowMatrix::from_rows(&[[0.0, 0.0], [1.0, -1.0]])?;
//! let xs = sim.simulate_batch(&thetas, 7)?; // parallel, reproducible
//! assert_eq!(xs.len(), 2);
//! let (mean, std) = sim.posterior_moments(&xs[1], &[-3.0, -3.0], &[3.0, 3.0])?;
//! println!("posterior mean {mean:?}, std {std:?}");
//! # }
//! # Ok::<(), sbi_core::Error>(())
//! ```
#![deny(missing_docs)]

mod atomic;
mod bounds;
mod error;
pub mod fast_exp;
mod identity;
mod matrix;
mod progress;
pub mod resample;
mod rng;
pub mod stats;
mod stream;
pub mod streams;
pub mod sweeps;
mod table;
mod trace;
mod training;
mod traits;

#[cfg(feature = "testing")]
pub mod testing;

pub use atomic::{check_writable, write_atomic};
pub use bounds::Bounds;
pub use error::{Error, Result, check_dim, check_finite, invalid};
pub use identity::Identity;
pub use matrix::{MAX_ENTRIES, RowMatrix, check_size};
pub use progress::{EpochReport, Progress};
pub use rng::{SeedRng, draw_seed, item_rng, item_seed, stream_rng};
pub use stream::{SampleStream, StreamEnd, TraceLayout};
pub use table::Table;
pub use trace::{TimeWindow, Trace};
pub use training::{Fitted, StopReason, TrainingData, TrainingReport};
pub use traits::{
    BatchResults, DensityEstimator, ItemError, Objective, Posterior, Prior, Simulator,
    SummarizedResults, SummaryStatistics, TraitError,
};

/// Re-export of the `rand` this workspace is built on, so users name the same `Rng` trait.
pub use rand;

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}
    #[test]
    fn public_types_are_send_sync() {
        assert_send_sync::<crate::RowMatrix>();
        assert_send_sync::<crate::Trace>();
        assert_send_sync::<crate::Error>();
        assert_send_sync::<crate::SeedRng>();
        assert_send_sync::<crate::Bounds>();
    }
}
