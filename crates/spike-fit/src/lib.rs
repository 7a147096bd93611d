//! # spike-fit — spike probability of a noisy HH membrane, and fitting it to data
//!
//! The second Python original (neuron_spike_simulation): a patch of fast, dense HH membrane
//! ([`SpikeModel`]: rates ×12, conductances ×10, membrane noise) is hit by a 0.1 ms current
//! pulse; the fraction of trials that spike depends on the stimulus and the membrane area. The
//! study fits the stimulus scale δv and the area δa that reproduce measured spike fractions
//! ([`SpikeData`]): stimulus = 10⁻⁷ µA · x · (1 + δv), area factor = 0.1 · (1 + δa).
//!
//! * [`Study`] predicts fractions with common random numbers (trial t of point p always gets
//!   the same noise), so the loss ([`Loss::Mse`] or [`Loss::BinomialNll`], as an
//!   [`sbi_core::Objective`] through [`StudyObjective`]) is a deterministic function of
//!   (δv, δa) — piecewise constant, which is why gradient-based optimisers stall on it.
//! * Solvers ([`Solver`]: `init` / `next_iter` / `terminate`), driven by one loop ([`run`],
//!   which owns the iteration count, history and [`Observer`] calls) over a [`Problem`] (which
//!   counts evaluations and keeps the best point); [`fit`] runs one on a study:
//!   [`GridSearch`] (coarse-to-fine) and [`NelderMead`] (with restarts) for any two-parameter
//!   [`sbi_core::Objective`], and [`ThresholdSearch`] (exact in δv: per-trial threshold
//!   currents by bisection turn the prediction into an empirical CDF) for the study, all in
//!   the well-conditioned coordinates (ln s, ln a).
//! * [`Mode::Upstream`] reproduces the original code's slip (gates frozen during the pulse);
//!   [`Mode::Corrected`] is the default.
//!
//! ## Quick start
//!
//! ```no_run
//! use spike_fit::{Loss, Mode, SpikeData, SpikeModel, Study, ThresholdSearch, fit};
//! let data = SpikeData::measured(); // or SpikeData::read_csv(path)?
//! let study = Study::new(SpikeModel::new(Mode::Corrected), data)?;
//! let result = fit(&study, &ThresholdSearch::default(), Loss::Mse, (0.0, 0.0), &mut ())?;
//! println!("δv = {:.4}, δa = {:.4}, MSE {:.2e}", result.delta_v, result.delta_area, result.cost);
//! # Ok::<(), spike_fit::Error>(())
//! ```
//!
//! A runnable version: `cargo run --release --example fit_spikes`.
#![deny(missing_docs)]

mod data;
mod error;
mod model;
mod solve;
mod study;

pub use data::{RELATIVE_STIMULUS_RANGE, SpikeData};
pub use error::{Error, Result};
pub use model::{AREA_UNIT, DT, MAX_STEPS, Mode, PULSE_STEPS, SPIKE_MV, SpikeModel};
pub use solve::{
    FitResult, GridSearch, GridState, IterState, MAX_ITERATIONS, NelderMead, Observer,
    PrintObserver, Problem, RunOutcome, SimplexState, Solver, StudySolver, Termination,
    ThresholdSearch, ThresholdState, fit, from_coords, run, solve, to_coords,
};
pub use study::{AREA_REF, Loss, MAX_DELTA, MAX_TRIALS, Study, StudyObjective, V_REF, mse};

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}
    #[test]
    fn public_types_are_send_sync() {
        assert_send_sync::<crate::Study>();
        assert_send_sync::<crate::SpikeModel>();
        assert_send_sync::<crate::Error>();
    }
}
