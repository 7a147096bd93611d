//! The pipeline's simulation step in pieces: θ drawn from the prior, and any contiguous block
//! of rows simulated and summarised by global index, so that rows simulated apart (on several
//! machines, in chunks, in any order) join into the dataset one run would make.

use rand::SeedableRng;
use sbi_core::{ItemError, Prior, RowMatrix, SeedRng, Simulator, SummaryStatistics, item_seed};

use crate::dataset::{Failure, FailureStage};
use crate::error::{Error, Result};

/// The simulations run before a run that has not had one success stops: when the first
/// `FAIL_FAST_AFTER` simulations all failed at the same stage, the rest would too (a wrong
/// summary for this simulator, a θ dimension the model rejects).
pub const FAIL_FAST_AFTER: usize = 256;

/// Rows `first … first + x.nrows()` of a run: their features (a NaN row where a simulation
/// failed) and their failures, indexed globally.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatedRows {
    /// The global index of the first row.
    pub first: usize,
    /// The features, one row per simulation.
    pub x: RowMatrix,
    /// The failed simulations, sorted by their global index.
    pub failures: Vec<Failure>,
}

impl SimulatedRows {
    /// The number of rows.
    pub fn len(&self) -> usize {
        self.x.nrows()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.x.nrows() == 0
    }
}

/// The θ of a run of `n` simulations with `seed`: `n` draws from `prior` with the stream
/// `item_seed(seed, 0)`, in order (row i is draw i, so any block of rows is the same whoever
/// draws it).
///
/// # Errors
/// [`Error::PriorSampling`] for a failed draw.
pub fn prior_draws<P: Prior + ?Sized>(prior: &P, n: usize, seed: u64) -> Result<RowMatrix> {
    let mut rng = SeedRng::seed_from_u64(item_seed(seed, 0));
    prior
        .sample_batch(n, &mut rng)
        .map_err(|e| Error::PriorSampling(e.to_string()))
}

/// Simulates and summarises the rows `theta` (a block of a run's θ whose first row has global
/// index `first`), in parallel: simulation `first + i` uses the stream
/// `item_rng(item_seed(seed, 1), first + i)`, so the result depends on the global index only,
/// never on the block, thread or machine. Failed simulations are kept with their cause (a
/// non-finite feature counts as failed).
///
/// # Errors
/// A summary with no feature ([`Error::Empty`]); a batch-level simulator error (e.g. a wrong θ
/// width).
pub fn simulate_rows<S, F>(
    simulator: &S,
    summary: &F,
    theta: &RowMatrix,
    first: usize,
    seed: u64,
) -> Result<SimulatedRows>
where
    S: Simulator,
    F: SummaryStatistics<S::Output>,
{
    let dx = summary.dim();
    if dx == 0 {
        return Err(Error::Empty {
            what: "the summary has no feature".into(),
        });
    }
    let mut x = RowMatrix::zeros(theta.nrows(), dx)?;
    let results = simulator
        .simulate_summarize_each(
            theta,
            item_seed(seed, 1),
            first as u64,
            summary,
            x.as_mut_slice(),
        )
        .map_err(|e| Error::Simulator(Box::new(e)))?;
    let mut failures = Vec::new();
    for (k, (result, row)) in results
        .into_iter()
        .zip(x.as_mut_slice().chunks_mut(dx))
        .enumerate()
    {
        let (stage, message) = match result {
            Err(ItemError::Simulator(e)) => (FailureStage::Simulator, e.to_string()),
            Err(ItemError::Summary(e)) => (FailureStage::Summary, e.to_string()),
            Ok(()) if row.iter().all(|v| v.is_finite()) => continue,
            Ok(()) => (FailureStage::NonFinite, "a feature is not finite".into()),
        };
        row.fill(f64::NAN);
        failures.push(Failure {
            index: first + k,
            stage,
            message,
        });
    }
    Ok(SimulatedRows { first, x, failures })
}

/// Whether a run (or one machine's share of it) of `total` simulations should stop after
/// `done`, of which `failures` failed: every one of at least [`FAIL_FAST_AFTER`] failed, at the
/// same stage, with more to come.
pub fn fails_fast(failures: &[Failure], done: usize, total: usize) -> bool {
    done >= FAIL_FAST_AFTER
        && done < total
        && failures.len() == done
        && failures.iter().all(|f| f.stage == failures[0].stage)
}

/// [`Error::SimulationsFailed`] for `done` simulations of which `failures` failed, naming the
/// first failure with its θ (a row of `theta`, the run's θ by global index).
pub fn simulations_failed(failures: &[Failure], theta: &RowMatrix, done: usize) -> Error {
    let first = failures
        .first()
        .map(|f| {
            let at = if f.index < theta.nrows() {
                format!("{:?}", theta.row(f.index))
            } else {
                "?".into()
            };
            format!(
                "simulation {} at θ = {at}: {}: {}",
                f.index,
                f.stage.name(),
                f.message
            )
        })
        .unwrap_or_default();
    Error::SimulationsFailed {
        failed: failures.len(),
        total: done,
        first,
    }
}
