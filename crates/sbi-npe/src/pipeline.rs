//! End to end: prior → simulate (parallel) → summarise → train → posterior.

use std::time::Instant;

use rand::SeedableRng;
use rayon::prelude::*;
use sbi_core::{Prior, RowMatrix, SeedRng, Simulator, SummaryStatistics, item_rng, item_seed};

use crate::ensemble::MdnEnsemble;
use crate::error::{Error, Result};
use crate::estimator::{MdnEstimator, member_seed};
use crate::posterior::{MdnPosterior, TrainedOn};
use crate::progress::TerminalProgress;
use crate::train::{EpochReport, TrainingReport};

/// Receives progress of an end-to-end run. Every method has a no-op default; `()` reports
/// nothing and [`TerminalProgress`] prints to standard error.
pub trait Progress {
    /// A new stage starts (`"simulating"`, `"training"`).
    fn stage(&mut self, _label: &str) {}
    /// `done` of `total` items finished in the current stage.
    fn items(&mut self, _done: usize, _total: usize) {}
    /// A training epoch finished.
    fn epoch(&mut self, _report: &EpochReport) {}
    /// The current stage finished.
    fn finish(&mut self, _message: &str) {}
}

impl Progress for () {}

impl Progress for TerminalProgress {
    fn stage(&mut self, label: &str) {
        TerminalProgress::stage(self, label);
    }
    fn items(&mut self, done: usize, total: usize) {
        TerminalProgress::items(self, done, total);
    }
    fn epoch(&mut self, report: &EpochReport) {
        TerminalProgress::epoch(self, report);
    }
    fn finish(&mut self, message: &str) {
        TerminalProgress::finish(self, message);
    }
}

/// Counts and timings of an end-to-end run.
#[derive(Debug, Clone, PartialEq)]
pub struct NpeReport {
    /// Simulations run.
    pub num_simulations: usize,
    /// Simulations (or summaries) that failed; their rows are dropped from training.
    pub num_failed: usize,
    /// What the first failed simulation (lowest index) said, if any failed.
    pub first_failure: Option<String>,
    /// Wall-clock time of simulation and summarising, s.
    pub simulate_seconds: f64,
    /// The training report.
    pub training: TrainingReport,
}

/// The result of [`run_npe`]: the posterior and the simulated data it was trained on.
#[derive(Debug, Clone)]
pub struct NpeRun {
    /// The trained posterior.
    pub posterior: MdnPosterior,
    /// θ drawn from the prior, one row per simulation.
    pub theta: RowMatrix,
    /// Their summary features (NaN rows for failed simulations).
    pub x: RowMatrix,
    /// Counts and timings.
    pub report: NpeReport,
}

/// Runs neural posterior estimation end to end: draws `num_simulations` θ from `prior`,
/// simulates them in parallel (item i with `item_rng(seed′, i)`: identical for any thread
/// count), summarises the outputs, trains `estimator` and returns the posterior restricted to
/// the prior's bounds. One `seed` fixes everything: prior draws, simulation noise and the
/// network's training seed.
///
/// ```
/// use sbi_core::testing::{Identity, LinearGaussian};
/// use sbi_npe::{MdnEstimator, TrainConfig, run_npe};
/// use sbi_prior::BoxUniform;
///
/// let prior = BoxUniform::new(vec![-3.0, -3.0], vec![3.0, 3.0])?;
/// let est = MdnEstimator::new(sbi_core::Prior::bounds(&prior))
///     .with_train(TrainConfig::new().with_max_epochs(5));
/// let run = run_npe(&prior, &LinearGaussian::new(2, 0.5)?, &Identity::new(2), 300, &est, 1, &mut ())?;
/// assert_eq!(run.theta.nrows(), 300);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// `num_simulations < 2`, a summary dimension of 0, more simulations than
/// [`sbi_core::MAX_ENTRIES`] allows, or training errors. Failed simulations are counted, not
/// fatal, unless fewer than two succeed: then [`Error::SimulationsFailed`] says what the first
/// failure was.
pub fn run_npe<P, S, F>(
    prior: &P,
    simulator: &S,
    summary: &F,
    num_simulations: usize,
    estimator: &MdnEstimator,
    seed: u64,
    progress: &mut dyn Progress,
) -> Result<NpeRun>
where
    P: Prior,
    S: Simulator,
    F: SummaryStatistics<S::Output>,
{
    let pairs = simulate_pairs(prior, simulator, summary, num_simulations, seed, progress)?;
    let est = estimator.clone().with_support(prior.bounds());
    let posterior = train_stage(&est, &pairs, item_seed(seed, 2), "training", progress)?
        .with_trained_on(TrainedOn::default().with_feature_names(summary.names()));
    let training = posterior
        .training_report()
        .cloned()
        .ok_or_else(|| Error::Backend("training report missing".into()))?;
    Ok(NpeRun {
        posterior,
        theta: pairs.theta,
        x: pairs.x,
        report: NpeReport {
            num_simulations,
            num_failed: pairs.num_failed,
            first_failure: pairs.first_failure,
            simulate_seconds: pairs.seconds,
            training,
        },
    })
}

/// The result of [`run_npe_ensemble`]: the ensemble and the simulated data it was trained on.
#[derive(Debug, Clone)]
pub struct NpeEnsembleRun {
    /// The trained ensemble (each member carries its own training report).
    pub ensemble: MdnEnsemble,
    /// θ drawn from the prior, one row per simulation.
    pub theta: RowMatrix,
    /// Their summary features (NaN rows for failed simulations).
    pub x: RowMatrix,
    /// Simulations that failed; their rows are dropped from training.
    pub num_failed: usize,
    /// Wall-clock time of simulation and summarising, s.
    pub simulate_seconds: f64,
}

/// [`run_npe`] with an ensemble of `num_members` networks
/// ([`MdnEstimator::fit_ensemble`]) instead of one. The simulations are the same as
/// `run_npe`'s for the same seed, and the members are those
/// [`MdnEstimator::fit_ensemble`] trains (member 0 is the network `run_npe` would train).
///
/// ```
/// use sbi_core::testing::{Identity, LinearGaussian};
/// use sbi_npe::{MdnEstimator, TrainConfig, run_npe_ensemble};
/// use sbi_prior::BoxUniform;
///
/// let prior = BoxUniform::new(vec![-3.0, -3.0], vec![3.0, 3.0])?;
/// let est = MdnEstimator::new(sbi_core::Prior::bounds(&prior))
///     .with_train(TrainConfig::new().with_max_epochs(5));
/// let sim = LinearGaussian::new(2, 0.5)?;
/// let run = run_npe_ensemble(&prior, &sim, &Identity::new(2), 300, &est, 3, 1, &mut ())?;
/// assert_eq!(run.ensemble.num_members(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`run_npe`]; `num_members == 0`.
#[allow(clippy::too_many_arguments)]
pub fn run_npe_ensemble<P, S, F>(
    prior: &P,
    simulator: &S,
    summary: &F,
    num_simulations: usize,
    estimator: &MdnEstimator,
    num_members: usize,
    seed: u64,
    progress: &mut dyn Progress,
) -> Result<NpeEnsembleRun>
where
    P: Prior,
    S: Simulator,
    F: SummaryStatistics<S::Output>,
{
    crate::ensemble::check_num_members(num_members)?;
    let pairs = simulate_pairs(prior, simulator, summary, num_simulations, seed, progress)?;
    let est = estimator.clone().with_support(prior.bounds());
    let mut members = Vec::with_capacity(num_members);
    for k in 0..num_members {
        let label = if num_members == 1 {
            "training".to_owned()
        } else {
            format!("training {}/{num_members}", k + 1)
        };
        let member_seed = member_seed(item_seed(seed, 2), k);
        members.push(
            train_stage(&est, &pairs, member_seed, &label, progress)?
                .with_trained_on(TrainedOn::default().with_feature_names(summary.names())),
        );
    }
    Ok(NpeEnsembleRun {
        ensemble: MdnEnsemble::new(members)?,
        theta: pairs.theta,
        x: pairs.x,
        num_failed: pairs.num_failed,
        simulate_seconds: pairs.seconds,
    })
}

/// Trains one network on `pairs` with training seed `seed`, as progress stage `label`.
fn train_stage(
    estimator: &MdnEstimator,
    pairs: &Pairs,
    seed: u64,
    label: &str,
    progress: &mut dyn Progress,
) -> Result<MdnPosterior> {
    progress.stage(label);
    let posterior = estimator
        .clone()
        .with_train(estimator.train.clone().with_seed(seed))
        .fit_with_progress(&pairs.theta, &pairs.x, &mut |r| progress.epoch(r))?;
    if let Some(t) = posterior.training_report() {
        progress.finish(&format!(
            "{} epochs, best validation loss {:.4} at epoch {}",
            t.epochs, t.best_validation_loss, t.best_epoch
        ));
    }
    Ok(posterior)
}

/// Simulated training pairs, with counts and timing.
struct Pairs {
    theta: RowMatrix,
    x: RowMatrix,
    num_failed: usize,
    first_failure: Option<String>,
    seconds: f64,
}

/// Prior draws (stream `item_seed(seed, 0)`), simulated and summarised in parallel (item i
/// with `item_rng(item_seed(seed, 1), i)`); failed items become NaN rows.
fn simulate_pairs<P, S, F>(
    prior: &P,
    simulator: &S,
    summary: &F,
    num_simulations: usize,
    seed: u64,
    progress: &mut dyn Progress,
) -> Result<Pairs>
where
    P: Prior,
    S: Simulator,
    F: SummaryStatistics<S::Output>,
{
    if num_simulations < 2 {
        return Err(Error::EmptyTrainingSet(format!(
            "need at least 2 simulations, got {num_simulations}"
        )));
    }
    sbi_core::check_dim(prior.dim(), simulator.theta_dim())?;
    let start = Instant::now();
    let mut rng = SeedRng::seed_from_u64(item_seed(seed, 0));
    let theta = prior
        .sample_batch(num_simulations, &mut rng)
        .map_err(|e| Error::PriorSampling(e.to_string()))?;
    let sim_seed = item_seed(seed, 1);
    let dx = summary.dim();
    if dx == 0 {
        return Err(Error::EmptyTrainingSet("the summary has no feature".into()));
    }
    progress.stage("simulating");
    let mut x = RowMatrix::zeros(num_simulations, dx)?;
    let chunk = (64 * rayon::current_num_threads()).max(64);
    let mut done = 0;
    // The lowest-index failure, whatever the thread count.
    let mut first_failure: Option<(usize, String)> = None;
    for (c, out) in x.as_mut_slice().chunks_mut(chunk * dx).enumerate() {
        let first = c * chunk;
        let failure = out
            .par_chunks_mut(dx)
            .enumerate()
            .filter_map(|(k, row)| {
                let i = first + k;
                let th = theta.row(i);
                let result = simulator
                    .simulate(th, &mut item_rng(sim_seed, i as u64))
                    .map_err(|e| format!("simulator: {e}"))
                    .and_then(|o| {
                        summary
                            .summarize_into(&o, row)
                            .map_err(|e| format!("summary: {e}"))
                    });
                let message = match result {
                    Ok(()) if row.iter().all(|v| v.is_finite()) => return None,
                    Ok(()) => "summary: a feature is not finite".to_owned(),
                    Err(m) => m,
                };
                row.fill(f64::NAN);
                Some((i, format!("simulation {i} at θ = {th:?}: {message}")))
            })
            .min_by_key(|(i, _)| *i);
        if first_failure.is_none() {
            first_failure = failure;
        }
        done += out.len() / dx;
        progress.items(done, num_simulations);
    }
    let num_failed = x
        .rows()
        .filter(|r| r.iter().any(|v| !v.is_finite()))
        .count();
    let simulate_seconds = start.elapsed().as_secs_f64();
    progress.finish(&format!(
        "{num_simulations} simulations, {num_failed} failed"
    ));
    let first_failure = first_failure.map(|(_, m)| m);
    if num_simulations - num_failed < 2 {
        return Err(Error::SimulationsFailed {
            failed: num_failed,
            total: num_simulations,
            first: first_failure.unwrap_or_default(),
        });
    }
    Ok(Pairs {
        theta,
        x,
        num_failed,
        first_failure,
        seconds: simulate_seconds,
    })
}
