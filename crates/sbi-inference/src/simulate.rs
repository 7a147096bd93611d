//! The simulation loop — the one every run uses, in one process or on many machines: θ drawn
//! from the prior, contiguous blocks of rows simulated and summarised by global index (so
//! that rows simulated apart, in chunks, in any order, on any number of machines, join into
//! the dataset one run makes), failures kept with their cause, a run that fails alike from
//! the start stopped early, progress reported.

use std::ops::Range;
use std::time::Instant;

use sbi_core::{ItemError, Prior, Progress, RowMatrix, Simulator, SummaryStatistics, streams};

use crate::dataset::{Dataset, Failure, FailureStage};
use crate::error::{Error, Result};
use crate::problem::Problem;

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

/// Simulates and summarises the rows `theta` (a block of a run's θ whose first row has global
/// index `first`), in parallel: simulation `first + i` uses item `first + i` of the stream
/// [`streams::SIMULATIONS`], so the result depends on the global index only,
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
            streams::SIMULATIONS.seed(seed),
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

/// A block of rows cut into the chunks simulated one after the other (each chunk in
/// parallel): `chunk` rows each, the last one shorter.
///
/// ```
/// let mut c = sbi_inference::Chunks::new(0..10, 4);
/// assert_eq!((c.next(), c.next(), c.next(), c.next()), (Some(0..4), Some(4..8), Some(8..10), None));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunks {
    range: Range<usize>,
    chunk: usize,
}

impl Chunks {
    /// `range` in chunks of `chunk` rows (at least 1).
    pub fn new(range: Range<usize>, chunk: usize) -> Self {
        Self {
            range,
            chunk: chunk.max(1),
        }
    }

    /// `range` in the pipeline's chunks: 64 rows per thread of rayon's pool (memory holds one
    /// chunk of simulator outputs at a time).
    pub fn per_thread(range: Range<usize>) -> Self {
        Self::new(range, (64 * rayon::current_num_threads()).max(64))
    }

    /// The rows of each chunk (the last may be shorter).
    pub fn chunk_size(&self) -> usize {
        self.chunk
    }
}

impl Iterator for Chunks {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        if self.range.is_empty() {
            return None;
        }
        let end = (self.range.start + self.chunk).min(self.range.end);
        let out = self.range.start..end;
        self.range.start = end;
        Some(out)
    }
}

/// The pieces one process simulated, in the order it ran them, and its time.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulated {
    /// The pieces.
    pub pieces: Vec<SimulatedRows>,
    /// Wall-clock time simulating and summarising, s.
    pub seconds: f64,
}

impl Simulated {
    /// The number of simulations run.
    pub fn num_simulations(&self) -> usize {
        self.pieces.iter().map(SimulatedRows::len).sum()
    }

    /// The number that failed.
    pub fn num_failed(&self) -> usize {
        self.pieces.iter().map(|p| p.failures.len()).sum()
    }
}

/// The simulation loop: simulates the rows of `theta` (the run's θ, by global index) that
/// `ranges` hands out, one range after another, until it ends (each range in parallel, by
/// [`simulate_rows`]), reporting stage `simulating`, the count of simulations done out of
/// `expected`, and a closing line to `progress`.
///
/// It stops, as every run does, when it ran the run's first [`FAIL_FAST_AFTER`] simulations
/// (global indices from 0, contiguous: whoever holds them, so the rule does not depend on how
/// the run is shared out) and all failed at the same stage.
///
/// # Errors
/// A batch-level simulator error; [`Error::SimulationsFailed`] when the run fails fast.
pub fn simulate_ranges<P, S, F>(
    problem: &Problem<'_, P, S, F>,
    theta: &RowMatrix,
    ranges: impl IntoIterator<Item = Range<usize>>,
    expected: usize,
    progress: &mut dyn Progress,
) -> Result<Simulated>
where
    P: Prior,
    S: Simulator,
    F: SummaryStatistics<S::Output>,
{
    let start = Instant::now();
    let d = theta.ncols();
    let n = theta.nrows();
    let mut pieces: Vec<SimulatedRows> = Vec::new();
    // The run's first simulations, while this process holds them from index 0 on.
    let mut prefix: Option<(usize, Vec<Failure>)> = Some((0, Vec::new()));
    let (mut done, mut failed) = (0, 0);
    progress.stage("simulating");
    for range in ranges {
        let block = RowMatrix::from_vec(
            range.len(),
            d,
            theta.as_slice()[range.start * d..range.end * d].to_vec(),
        )?;
        let rows = simulate_rows(
            problem.simulator,
            problem.summary,
            &block,
            range.start,
            problem.seed,
        )?;
        done += rows.len();
        failed += rows.failures.len();
        if let Some((held, failures)) = &mut prefix {
            if *held == range.start {
                *held = range.end;
                failures.extend(rows.failures.iter().cloned());
                if fails_fast(failures, *held, n) {
                    return Err(simulations_failed(failures, theta, *held));
                }
            } else {
                prefix = None;
            }
        }
        pieces.push(rows);
        progress.items(done, expected);
    }
    progress.finish(&format!("{done} simulations, {failed} failed"));
    Ok(Simulated {
        pieces,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// The dataset of a run whose pieces, in order, are every row of `theta` once: the features
/// and failures joined, with `feature_names`.
///
/// # Errors
/// [`Error::InvalidDataset`] for pieces that do not tile the rows in order;
/// [`Error::SimulationsFailed`] when fewer than two simulations succeeded.
pub fn join(
    theta: RowMatrix,
    pieces: Vec<SimulatedRows>,
    feature_names: Vec<String>,
) -> Result<Dataset> {
    let n = theta.nrows();
    let dx = feature_names.len();
    let mut x = Vec::with_capacity(n.saturating_mul(dx));
    let mut failures = Vec::new();
    for p in pieces {
        if p.first * dx != x.len() || p.x.ncols() != dx {
            return Err(Error::InvalidDataset(format!(
                "a piece of {} × {} starting at row {} does not follow row {}",
                p.x.nrows(),
                p.x.ncols(),
                p.first,
                x.len() / dx.max(1)
            )));
        }
        x.extend_from_slice(p.x.as_slice());
        failures.extend(p.failures);
    }
    if x.len() != n * dx {
        return Err(Error::InvalidDataset(format!(
            "the pieces hold {} rows of {n}",
            x.len() / dx.max(1)
        )));
    }
    if n - failures.len() < 2 {
        return Err(simulations_failed(&failures, &theta, n));
    }
    let x = RowMatrix::from_vec(n, dx, x)?;
    Dataset::from_parts(theta, x, failures, feature_names)
}
