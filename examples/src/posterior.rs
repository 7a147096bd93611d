//! Where the examples' posteriors come from ([`train`]): fresh simulations (amortised, one
//! network or an ensemble), a dataset file made elsewhere (checked against the run), or
//! truncated sequential rounds for one observation — the same calls in every example.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use sbi_core::{Posterior, Prior, Progress, RowMatrix, Simulator, SummaryStatistics};
use sbi_inference::{
    Dataset, Ensemble, Npe, NpeReport, Problem, RoundReport, Sequential, SequentialConfig,
};
use sbi_npe::{DirectEnsemble, DirectPosterior, NeuralEstimator};

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
    train_inspected(problem, source, estimator, members, progress, &mut |_| {})
}

/// [`train`], showing `inspect` the simulations drawn from the prior before the network is
/// trained on them (say, to place the observation among them while there is still time to
/// stop): the fresh simulations or the dataset file; for sequential rounds, the first
/// round's, once the rounds are done (they run as one call).
///
/// # Errors
/// As [`train`].
pub fn train_inspected<P, S, F>(
    problem: Problem<'_, P, S, F>,
    source: Source<'_>,
    estimator: &NeuralEstimator,
    members: usize,
    progress: &mut dyn Progress,
    inspect: &mut dyn FnMut(&Dataset),
) -> Result<Trained, CliError>
where
    P: Prior,
    S: Simulator,
    F: SummaryStatistics<S::Output>,
{
    let start = Instant::now();
    let dataset = match source {
        Source::Simulate => Npe::new(problem).progress(progress).simulate()?,
        Source::Dataset { path, settings } => load_checked(path, &problem, settings)?,
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
            let trained = Trained {
                report: run.report(),
                posterior: Ensemble::new(vec![run.posterior])?,
                dataset: run.dataset,
                rounds: run.rounds,
            };
            inspect(&trained.prior_simulations()?);
            return Ok(trained);
        }
    };
    let simulate_seconds = start.elapsed().as_secs_f64();
    inspect(&dataset);
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

/// `n` posterior samples at `x`: drawn and kept inside the prior's support (rejection), or,
/// when every draw leaks out of it (total leakage: the estimator extrapolates at `x`),
/// drawn by importance sampling of the posterior's density inside the prior
/// ([`sbi_inference::importance_sample`]) with a warning on stderr unless `quiet`. Returns
/// the samples and, for the fallback, its effective sample size.
///
/// # Errors
/// The posterior's errors; on total leakage, [`sbi_npe::Error::Degenerate`] naming both the
/// rejection's acceptance and why importance sampling failed too.
pub fn sample_within_prior<P: Prior, R: rand::Rng + ?Sized>(
    posterior: &DirectPosterior,
    prior: &P,
    x: &[f64],
    n: usize,
    rng: &mut R,
    quiet: bool,
) -> Result<(RowMatrix, Option<f64>), sbi_npe::Error> {
    match posterior.sample(x, n, rng) {
        Err(sbi_npe::Error::LowAcceptance { accepted, proposed }) => {
            let f = sbi_inference::importance_sample(posterior, prior, x, n, rng).map_err(|e| {
                sbi_npe::Error::Degenerate(format!(
                    "posterior samples leak out of the prior support ({accepted} of \
                     {proposed} proposals accepted), and {e}"
                ))
            })?;
            if !quiet {
                eprintln!(
                    "warning: {accepted} of {proposed} posterior draws fell inside the prior; \
                     sampled instead by importance sampling of the posterior's density inside \
                     the prior ({} proposals, effective sample size {:.0}): the estimator \
                     extrapolates here, read the posterior with the model check below",
                    f.num_proposals, f.effective_sample_size
                );
            }
            Ok((f.samples, Some(f.effective_sample_size)))
        }
        other => other.map(|s| (s, None)),
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

/// The observed features that lie beyond every simulation (furthest first, at most 5), one
/// line each: its value, how far beyond the simulated range it lies, the simulated mean ± std,
/// and what to widen — the parameter (named by `parameters`, θ's columns) that moves the
/// feature most over the simulations ([`sbi_inference::influences`]) and which of its
/// bounds. Empty when every feature lies among the simulations.
///
/// ```
/// use sbi_core::RowMatrix;
/// use sbi_inference::Dataset;
/// use hh_sbi_examples::posterior::outside_features;
/// let theta = RowMatrix::from_rows(&[[0.0, 5.0], [1.0, 3.0], [2.0, 4.0]])?;
/// let x = RowMatrix::from_rows(&[[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]])?;
/// let data = Dataset::new(theta, x, vec!["spikes".into(), "rest".into()])?;
/// let names = ["g_na", "g_k"];
/// let out = outside_features(&data, &[2.0, 60.0], &names);
/// assert_eq!(out.len(), 1);
/// assert!(out[0].starts_with("rest = 60 is 54 above every simulation (highest 6"), "{out:?}");
/// assert!(out[0].contains("g_na (rank correlation +1.00: raise its upper bound)"), "{out:?}");
/// let out = outside_features(&data, &[2.0, 0.0], &names);
/// assert!(out[0].contains("g_na (rank correlation +1.00: lower its lower bound)"), "{out:?}");
/// assert!(outside_features(&data, &[2.0, 5.0], &names).is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn outside_features(dataset: &Dataset, x_obs: &[f64], parameters: &[&str]) -> Vec<String> {
    let Ok(placed) = sbi_inference::place_observation(dataset, x_obs) else {
        return Vec::new();
    };
    let index = |name: &str| dataset.feature_names().iter().position(|n| n == name);
    sbi_inference::furthest_out(placed)
        .into_iter()
        .filter(|p| p.outside())
        .take(5)
        .map(|p| {
            let above = p.beyond() > 0.0;
            // Constant up to rounding: no correlation to read.
            let constant =
                p.highest - p.lowest <= sbi_inference::TIE_TOLERANCE * (1.0 + p.mean.abs());
            let widen = match constant {
                true => ": no simulation varied it; widen the whole box, or it is beyond this \
                         model"
                    .to_owned(),
                false => index(&p.name)
                    .and_then(|j| sbi_inference::influences(dataset, j).ok())
                    .map_or(String::new(), |inf| widen_advice(&inf, parameters, above)),
            };
            let range = if !constant {
                format!(
                    "{} {}; simulated {} ± {}",
                    if above { "highest" } else { "lowest" },
                    short(if above { p.highest } else { p.lowest }),
                    short(p.mean),
                    short(p.std)
                )
            } else {
                format!("{} in every one", short(p.mean))
            };
            format!(
                "{} = {} is {} {} every simulation ({range}){widen}",
                p.name,
                short(p.value),
                short(p.beyond().abs()),
                if above { "above" } else { "below" },
            )
        })
        .collect()
}

/// A value in 4 significant digits, without trailing zeros.
fn short(v: f64) -> String {
    if v != 0.0 && (v.abs() >= 1e5 || v.abs() < 1e-3) {
        return format!("{v:.3e}");
    }
    let digits = (3 - v.abs().max(1e-3).log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{v:.digits$}");
    match s.contains('.') {
        true => s.trim_end_matches('0').trim_end_matches('.').to_owned(),
        false => s,
    }
}

/// Rank correlations weaker than this move a feature too little to name what to widen.
pub const WEAK_INFLUENCE: f64 = 0.1;

/// What to widen for a feature that must go up (`above`) or down: the (at most two)
/// parameters that move it most, each with the bound to move — ": moved most by g_k (rank
/// correlation −0.81: raise its upper bound), then v_rest (+0.45: lower its lower bound)" —
/// or what to say when nothing moves it.
fn widen_advice(
    influences: &[sbi_inference::Influence],
    parameters: &[&str],
    above: bool,
) -> String {
    let movers: Vec<String> = influences
        .iter()
        .filter(|i| i.rank_correlation.abs() >= WEAK_INFLUENCE)
        .take(2)
        .enumerate()
        .map(|(k, i)| {
            let name = parameters.get(i.parameter).copied().unwrap_or("?");
            // The feature must move up when it lies above: with the parameter if they rise
            // together, against it otherwise.
            let up = above == (i.rank_correlation > 0.0);
            let bound = if up {
                "raise its upper bound"
            } else {
                "lower its lower bound"
            };
            match k {
                0 => format!(
                    "{name} (rank correlation {:+.2}: {bound})",
                    i.rank_correlation
                ),
                _ => format!("{name} ({:+.2}: {bound})", i.rank_correlation),
            }
        })
        .collect();
    match movers.is_empty() {
        false => format!(": moved most by {}", movers.join(", then ")),
        true => format!(
            ": no parameter moves it (rank correlations below {WEAK_INFLUENCE}); widen the \
             whole box, or it is beyond this model"
        ),
    }
}
