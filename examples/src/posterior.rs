//! Where the examples' posteriors come from ([`train`]): fresh simulations (amortised, one
//! network or an ensemble), a dataset file made elsewhere (checked against the run), or
//! truncated sequential rounds for one observation — the same calls in every example.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use sbi_core::{Prior, Progress, Simulator, SummaryStatistics};
use sbi_inference::{
    Dataset, Ensemble, Npe, NpeReport, Problem, RoundReport, Sequential, SequentialConfig,
};
use sbi_npe::{DirectEnsemble, NeuralEstimator};

use crate::cli::CliError;

/// How to get the posterior.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// Simulate the problem and train (amortised).
    Simulate,
    /// Train on a dataset file, which must fit the problem: its parameters, feature names,
    /// prior box, and every one of `settings` it records.
    Dataset {
        /// The `.npz` file.
        path: &'a Path,
        /// What this run simulates with (simulator, θ, noise, prior, …).
        settings: &'a BTreeMap<String, String>,
    },
    /// Truncated sequential NPE for `x_obs`: `rounds` rounds of the problem's budget.
    Rounds {
        /// The observation.
        x_obs: &'a [f64],
        /// The number of rounds.
        rounds: usize,
        /// Continue each round from the previous network.
        warm_start: bool,
    },
}

/// A trained posterior with what the run did.
pub struct Trained {
    /// The posterior: an ensemble (of one network unless asked otherwise; an ensemble of one
    /// samples exactly as its member).
    pub posterior: DirectEnsemble,
    /// The simulations it was trained on.
    pub dataset: Dataset,
    /// Timings and training reports.
    pub report: NpeReport,
    /// The rounds of a sequential run (empty otherwise).
    pub rounds: Vec<RoundReport>,
}

impl Trained {
    /// The simulations drawn from the prior itself: all of them, or a sequential run's first
    /// round (later rounds draw from truncated priors) — what a model check compares an
    /// observation with.
    pub fn prior_simulations(&self) -> Result<Dataset, CliError> {
        match self.rounds.first() {
            Some(first) if self.rounds.len() > 1 => {
                let keep = |i: usize| i < first.num_simulations;
                Ok(Dataset::new(
                    self.dataset.theta().select_rows(keep),
                    self.dataset.x().select_rows(keep),
                    self.dataset.feature_names().to_vec(),
                )?)
            }
            _ => Ok(self.dataset.clone()),
        }
    }
}

/// Trains `estimator` (`members` networks) on what `source` gives for `problem`.
///
/// # Errors
/// A dataset file that cannot be read or does not fit the run (the message names both sides,
/// and for a noise level, the flag to pass); the pipeline's errors; `members` > 1 with
/// sequential rounds.
pub fn train<P, S, F>(
    problem: Problem<'_, P, S, F>,
    source: Source<'_>,
    estimator: &NeuralEstimator,
    members: usize,
    progress: &mut dyn Progress,
) -> Result<Trained, CliError>
where
    P: Prior,
    S: Simulator,
    F: SummaryStatistics<S::Output>,
{
    match source {
        Source::Simulate => {
            let run = Npe::new(problem)
                .progress(progress)
                .train_ensemble(estimator, members)?;
            Ok(Trained {
                posterior: run.posterior,
                dataset: run.dataset,
                report: run.report,
                rounds: Vec::new(),
            })
        }
        Source::Dataset { path, settings } => {
            let start = Instant::now();
            let dataset = load_checked(path, &problem, settings)?;
            let simulate_seconds = start.elapsed().as_secs_f64();
            let start = Instant::now();
            let (posterior, training) = Npe::new(problem)
                .progress(progress)
                .train_ensemble_on(&dataset, estimator, members)?;
            Ok(Trained {
                posterior,
                dataset,
                report: NpeReport {
                    simulate_seconds,
                    train_seconds: start.elapsed().as_secs_f64(),
                    training,
                },
                rounds: Vec::new(),
            })
        }
        Source::Rounds {
            x_obs,
            rounds,
            warm_start,
        } => {
            if members > 1 {
                return Err(CliError(
                    "sequential rounds train one network, not an ensemble".into(),
                ));
            }
            let config =
                SequentialConfig::new(rounds, problem.num_simulations).with_warm_start(warm_start);
            let run = Sequential::new(problem, x_obs)
                .config(config)
                .progress(progress)
                .run(estimator)?;
            Ok(Trained {
                report: run.report(),
                posterior: Ensemble::new(vec![run.posterior])?,
                dataset: run.dataset,
                rounds: run.rounds,
            })
        }
    }
}

/// A dataset file checked against the run: `problem`'s parameters, features and prior box, and
/// `settings`.
fn load_checked<P, S, F>(
    path: &Path,
    problem: &Problem<'_, P, S, F>,
    settings: &BTreeMap<String, String>,
) -> Result<Dataset, CliError>
where
    P: Prior,
    S: Simulator,
    F: SummaryStatistics<S::Output>,
{
    let at = |m: String| CliError(format!("{}: {m}", path.display()));
    let data = Dataset::load_npz(path).map_err(|e| at(e.to_string()))?;
    let names = problem.summary.names();
    let fits = data.check_fits(
        problem.prior.dim(),
        &names,
        settings,
        &problem.prior.bounds(),
    );
    match fits {
        Err(sbi_inference::Error::SettingMismatch { name, dataset, run }) => {
            let hint = match name.as_str() {
                "noise_sigma" => format!(" (pass --noise {dataset})"),
                _ => String::new(),
            };
            Err(at(format!(
                "the dataset was simulated with {name} = {dataset}; this run has {run}{hint}"
            )))
        }
        Err(e) => Err(at(e.to_string())),
        Ok(()) => Ok(data),
    }
}

/// The observed features that lie beyond every simulation (furthest first, at most 5), each
/// with its value, the simulated range of mean ± std and its z-score; `None` when every
/// feature lies among the simulations.
///
/// ```
/// use sbi_core::RowMatrix;
/// use sbi_inference::Dataset;
/// let theta = RowMatrix::from_rows(&[[0.0], [1.0], [2.0]])?;
/// let x = RowMatrix::from_rows(&[[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]])?;
/// let data = Dataset::new(theta, x, vec!["spikes".into(), "rest".into()])?;
/// let note = hh_sbi_examples::posterior::outside_note(&data, &[2.0, 60.0]).unwrap();
/// assert!(note.contains("rest = 60") && !note.contains("spikes"), "{note}");
/// assert!(hh_sbi_examples::posterior::outside_note(&data, &[2.0, 5.0]).is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn outside_note(dataset: &Dataset, x_obs: &[f64]) -> Option<String> {
    let placed = sbi_inference::place_observation(dataset, x_obs).ok()?;
    let out: Vec<String> = sbi_inference::furthest_out(placed)
        .into_iter()
        .filter(|p| p.outside())
        .take(5)
        .map(|p| {
            format!(
                "{} = {:.4} ({} every simulation; simulated {:.4} ± {:.4}, z = {})",
                p.name,
                p.value,
                if p.quantile == 0.0 { "below" } else { "above" },
                p.mean,
                p.std,
                if p.z.abs() < 1e4 {
                    format!("{:.1}", p.z)
                } else {
                    format!("{:.0e}", p.z)
                }
            )
        })
        .collect();
    (!out.is_empty()).then(|| out.join("; "))
}
