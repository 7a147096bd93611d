//! [`Sequential`]: truncated sequential neural posterior estimation (TSNPE, Deistler et al.
//! 2022) for one observation.

use std::time::Instant;

use sbi_core::{
    DensityEstimator, Prior, Progress, Simulator, SummaryStatistics, TrainingReport, check_dim,
    streams,
};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::pipeline::{Npe, NpeReport};
use crate::problem::Problem;
use crate::restricted::{RestrictedPrior, RestrictionConfig, Sampler};

/// The most rounds a sequential run takes (each is a simulation campaign and a training).
pub const MAX_ROUNDS: usize = 100;

/// Rounds, budget and truncation of a sequential run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SequentialConfig {
    /// Simulations of each round, one entry per round; one round is plain amortised NPE.
    /// `None` (the default): four rounds of the problem's `num_simulations`.
    pub budgets: Option<Vec<usize>>,
    /// How each round's truncated prior is found and sampled.
    pub restriction: RestrictionConfig,
    /// Rounds after the first continue training from the previous round's posterior
    /// ([`DensityEstimator::fit_from`]: its weights and round 0's standardisation) instead of
    /// retraining from scratch (default false, as sbi's TSNPE).
    pub warm_start: bool,
}

impl SequentialConfig {
    /// `num_rounds` rounds of `simulations_per_round` simulations, default truncation.
    ///
    /// More than [`MAX_ROUNDS`] rounds are kept as `MAX_ROUNDS + 1` (a run refuses them
    /// either way), so that no count can make this allocate.
    pub fn new(num_rounds: usize, simulations_per_round: usize) -> Self {
        Self::with_budgets(vec![simulations_per_round; num_rounds.min(MAX_ROUNDS + 1)])
    }

    /// One round per entry of `budgets`, with that many simulations (e.g. a larger first
    /// round, then smaller ones), default truncation.
    pub fn with_budgets(budgets: Vec<usize>) -> Self {
        Self {
            budgets: Some(budgets),
            ..Self::default()
        }
    }

    /// Continues each round's training from the previous posterior (`true`) or retrains
    /// from scratch (`false`, the default).
    pub fn with_warm_start(mut self, warm_start: bool) -> Self {
        self.warm_start = warm_start;
        self
    }

    /// The number of rounds (4 when no budget is set).
    pub fn num_rounds(&self) -> usize {
        self.budgets.as_ref().map_or(4, Vec::len)
    }

    /// Sets the truncation.
    pub fn with_restriction(mut self, restriction: RestrictionConfig) -> Self {
        self.restriction = restriction;
        self
    }
}

/// What one round did.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundReport {
    /// The round, from 0.
    pub round: usize,
    /// Simulations so far, all rounds.
    pub num_simulations: usize,
    /// Prior mass of the region this round's θ were drawn from (1 in round 0): the volume
    /// fraction of the truncated box under a uniform prior.
    pub prior_mass: f64,
    /// How this round's θ were drawn (`None` in round 0: the prior itself).
    pub sampler: Option<Sampler>,
    /// The best validation loss of this round's training.
    pub validation_loss: f64,
    /// Wall-clock time of this round's simulations, s.
    pub simulate_seconds: f64,
    /// Wall-clock time of this round's training, s.
    pub train_seconds: f64,
    /// This round's training report (`None` for an estimator that makes none).
    pub training: Option<TrainingReport>,
}

/// Every round's posterior and simulations, and the rounds' reports.
#[derive(Debug, Clone)]
pub struct SequentialRun<Q> {
    /// The posterior after the last round, trained on all simulations: the result.
    pub posterior: Q,
    /// The posteriors after the earlier rounds (one fewer than the rounds): round r + 1's
    /// truncated prior was built from entry r, with stream
    /// [`streams::round_truncation`]`(r + 1)`.
    pub earlier: Vec<Q>,
    /// All simulations, round by round.
    pub dataset: Dataset,
    /// One report per round.
    pub rounds: Vec<RoundReport>,
}

impl<Q> SequentialRun<Q> {
    /// The run as one pipeline report: every round's simulation and training time, and each
    /// round's training report in order.
    pub fn report(&self) -> NpeReport {
        NpeReport {
            simulate_seconds: self.rounds.iter().map(|r| r.simulate_seconds).sum(),
            train_seconds: self.rounds.iter().map(|r| r.train_seconds).sum(),
            training: self
                .rounds
                .iter()
                .filter_map(|r| r.training.clone())
                .collect(),
        }
    }
}

/// TSNPE for one observation `x_o`: round 0 simulates from the prior and trains; each later
/// round truncates the prior to the region where the current posterior's density at `x_o`
/// is above its own 10⁻⁴ quantile ([`RestrictedPrior`]), simulates from that truncated
/// prior, and retrains the estimator (from scratch, or from the previous round's posterior
/// with [`SequentialConfig::with_warm_start`]) on all simulations so far (plain maximum
/// likelihood: no proposal correction is needed, because the truncation keeps the prior's
/// shape where the posterior has its mass).
///
/// Seeds: round 0 is exactly [`Npe`] with the problem's seed; round r ≥ 1 simulates as `Npe`
/// with the seed of stream [`streams::round_simulations`]`(r)`, truncates with stream
/// [`streams::round_truncation`]`(r)`, and every round trains with `Npe`'s training seed for
/// the problem's seed. One seed fixes the whole run.
///
/// ```
/// use sbi_core::{Identity, testing::{LinearGaussian, LinearRegression}};
/// use sbi_inference::{Problem, Sequential, SequentialConfig};
/// use sbi_prior::BoxUniform;
///
/// let prior = BoxUniform::new(vec![-3.0, -3.0], vec![3.0, 3.0])?;
/// let sim = LinearGaussian::new(2, 0.1)?;
/// let summary = Identity::new(2);
/// let x_o = [0.5, -1.0];
/// // Any density estimator: here a closed-form regression (sbi-npe's networks in practice).
/// let run = Sequential::new(Problem::new(&prior, &sim, &summary).seed(3), &x_o)
///     .config(SequentialConfig::new(2, 300))
///     .run(&LinearRegression::new())?;
/// assert_eq!(run.rounds.len(), 2);
/// assert_eq!(run.dataset.len(), 600);
/// // Round 2 simulated a small part of the box.
/// assert!(run.rounds[1].prior_mass < 0.2, "{}", run.rounds[1].prior_mass);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Sequential<'a, P, S, F> {
    problem: Problem<'a, P, S, F>,
    x_o: &'a [f64],
    config: SequentialConfig,
    progress: Option<&'a mut dyn Progress>,
}

impl<'a, P, S, F> Sequential<'a, P, S, F>
where
    P: Prior,
    S: Simulator,
    F: SummaryStatistics<S::Output>,
{
    /// A sequential run of `problem` for `x_o` with the default [`SequentialConfig`] (four
    /// rounds of the problem's `num_simulations`).
    pub fn new(problem: Problem<'a, P, S, F>, x_o: &'a [f64]) -> Self {
        Self {
            problem,
            x_o,
            config: SequentialConfig::default(),
            progress: None,
        }
    }

    /// Sets rounds, budget and truncation.
    pub fn config(mut self, config: SequentialConfig) -> Self {
        self.config = config;
        self
    }

    /// Reports each round (a stage `round r/R`, its simulations and epochs, and a closing
    /// line with the truncated prior's mass and the validation loss) to `progress`.
    pub fn progress(mut self, progress: &'a mut dyn Progress) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Runs the rounds with `estimator`.
    ///
    /// # Errors
    /// No round, more than [`MAX_ROUNDS`], or fewer than 2 simulations per round
    /// ([`Error::Empty`], [`sbi_core::Error::InvalidParameter`]); an `x_o` of another width
    /// than the summary; the pipeline's and the estimator's errors; a truncated prior that
    /// cannot be sampled ([`Error::Truncation`]).
    pub fn run<E: DensityEstimator>(
        &mut self,
        estimator: &E,
    ) -> Result<SequentialRun<E::Posterior>> {
        let rounds = self.config.num_rounds();
        if rounds > MAX_ROUNDS {
            return Err(sbi_core::invalid(
                "rounds",
                rounds as f64,
                "a sequential run takes at most 100 rounds",
            ));
        }
        if rounds == 0 {
            return Err(Error::Empty {
                what: "a sequential run needs at least one round".into(),
            });
        }
        let budgets = match &self.config.budgets {
            None => vec![self.problem.num_simulations; rounds],
            Some(b) => b.clone(),
        };
        check_dim(self.problem.summary.dim(), self.x_o.len())?;
        let mut silent = ();
        let progress: &mut dyn Progress = match self.progress.take() {
            Some(p) => p,
            None => &mut silent,
        };
        let mut reports = Vec::with_capacity(rounds);
        let mut dataset: Option<Dataset> = None;
        let mut posteriors: Vec<E::Posterior> = Vec::with_capacity(rounds);
        for (r, &n) in budgets.iter().enumerate() {
            progress.stage(&format!("round {}/{rounds}", r + 1));
            let t = Instant::now();
            let base = self.problem.num_simulations(n);
            let (new, prior_mass, sampler) = match posteriors.last() {
                None => (
                    Npe::new(base).progress(&mut *progress).simulate()?,
                    1.0,
                    None,
                ),
                Some(q) => {
                    let mut rng = streams::round_truncation(r).rng(base.seed);
                    let region = RestrictedPrior::new(
                        base.prior,
                        q,
                        self.x_o,
                        &self.config.restriction,
                        &mut rng,
                    )?;
                    let problem = base
                        .with_prior(&region)
                        .seed(streams::round_simulations(r).seed(base.seed));
                    let data = Npe::new(problem).progress(&mut *progress).simulate()?;
                    (data, region.acceptance(), Some(region.sampler()))
                }
            };
            let simulate_seconds = t.elapsed().as_secs_f64();
            let all = match dataset.take() {
                None => new,
                Some(d) => d.concat(&new)?,
            };
            let t = Instant::now();
            let mut npe = Npe::new(base).progress(&mut *progress);
            let fitted = match posteriors.last() {
                Some(previous) if self.config.warm_start => {
                    npe.train_from(&all, estimator, previous)?
                }
                _ => npe.train_on(&all, estimator)?,
            };
            let report = RoundReport {
                round: r,
                num_simulations: all.len(),
                prior_mass,
                sampler,
                validation_loss: fitted
                    .report
                    .as_ref()
                    .map_or(f64::NAN, |t| t.best_validation_loss),
                simulate_seconds,
                train_seconds: t.elapsed().as_secs_f64(),
                training: fitted.report,
            };
            progress.finish(&format!(
                "round {}/{rounds}: {} simulations in all, drawn from {:.3} % of the prior's \
                 mass{}, validation loss {:.4}",
                r + 1,
                report.num_simulations,
                100.0 * prior_mass,
                match sampler {
                    Some(Sampler::Sir) => " (SIR)",
                    _ => "",
                },
                report.validation_loss
            ));
            reports.push(report);
            posteriors.push(fitted.posterior);
            dataset = Some(all);
        }
        match (posteriors.pop(), dataset) {
            (Some(posterior), Some(dataset)) => Ok(SequentialRun {
                posterior,
                earlier: posteriors,
                dataset,
                rounds: reports,
            }),
            _ => Err(Error::Empty {
                what: "no round ran".into(),
            }),
        }
    }
}
