//! [`Sequential`]: truncated sequential neural posterior estimation (TSNPE, Deistler et al.
//! 2022) for one observation.

use std::time::Instant;

use rand::SeedableRng;
use sbi_core::{
    DensityEstimator, EpochReport, Prior, Progress, SeedRng, Simulator, SummaryStatistics,
    check_dim, item_seed,
};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::pipeline::Npe;
use crate::restricted::{RestrictedPrior, RestrictionConfig, Sampler};

/// Rounds, budget and truncation of a sequential run.
#[derive(Debug, Clone, PartialEq)]
pub struct SequentialConfig {
    /// Simulations of each round, one entry per round (default 4 rounds of 1,000); one
    /// round is plain amortised NPE.
    pub budgets: Vec<usize>,
    /// How each round's truncated prior is found and sampled.
    pub restriction: RestrictionConfig,
    /// Rounds after the first continue training from the previous round's posterior
    /// ([`DensityEstimator::fit_from`]: its weights and round 0's standardisation) instead of
    /// retraining from scratch (default false, as sbi's TSNPE).
    pub warm_start: bool,
}

impl Default for SequentialConfig {
    fn default() -> Self {
        Self {
            budgets: vec![1000; 4],
            restriction: RestrictionConfig::default(),
            warm_start: false,
        }
    }
}

impl SequentialConfig {
    /// `num_rounds` rounds of `simulations_per_round` simulations, default truncation.
    pub fn new(num_rounds: usize, simulations_per_round: usize) -> Self {
        Self::with_budgets(vec![simulations_per_round; num_rounds])
    }

    /// One round per entry of `budgets`, with that many simulations (e.g. a larger first
    /// round, then smaller ones), default truncation.
    pub fn with_budgets(budgets: Vec<usize>) -> Self {
        Self {
            budgets,
            ..Self::default()
        }
    }

    /// Continues each round's training from the previous posterior (`true`) or retrains
    /// from scratch (`false`, the default).
    pub fn with_warm_start(mut self, warm_start: bool) -> Self {
        self.warm_start = warm_start;
        self
    }

    /// The number of rounds.
    pub fn num_rounds(&self) -> usize {
        self.budgets.len()
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
}

/// Every round's posterior and simulations, and the rounds' reports.
#[derive(Debug, Clone)]
pub struct SequentialRun<Q> {
    /// The posterior after the last round, trained on all simulations: the result.
    pub posterior: Q,
    /// The posteriors after the earlier rounds (one fewer than the rounds): round r + 1's
    /// truncated prior was built from entry r, with stream `item_seed(seed, 2000 + r + 1)`.
    pub earlier: Vec<Q>,
    /// All simulations, round by round.
    pub dataset: Dataset,
    /// One report per round.
    pub rounds: Vec<RoundReport>,
}

/// TSNPE for one observation `x_o`: round 0 simulates from the prior and trains; each later
/// round truncates the prior to the region where the current posterior's density at `x_o`
/// is above its own 10⁻⁴ quantile ([`RestrictedPrior`]), simulates from that truncated
/// prior, and retrains the estimator (from scratch, or from the previous round's posterior
/// with [`SequentialConfig::with_warm_start`]) on all simulations so far (plain maximum
/// likelihood: no proposal correction is needed, because the truncation keeps the prior's
/// shape where the posterior has its mass).
///
/// Seeds: round 0 is exactly [`Npe`] with `seed`; round r ≥ 1 simulates as `Npe` with
/// `item_seed(seed, 1000 + r)`, truncates with stream `item_seed(seed, 2000 + r)`, and every
/// round trains with `Npe`'s training seed for `seed`. One seed fixes the whole run.
///
/// ```
/// use sbi_core::{Identity, testing::LinearGaussian};
/// use sbi_npe::{MdnEstimator, Sequential, SequentialConfig};
/// use sbi_prior::BoxUniform;
///
/// let prior = BoxUniform::new(vec![-3.0, -3.0], vec![3.0, 3.0])?;
/// let sim = LinearGaussian::new(2, 0.1)?;
/// let est = MdnEstimator::new();
/// let x_o = [0.5, -1.0];
/// let run = Sequential::new(&prior, &sim, &Identity::new(2), &x_o)
///     .config(SequentialConfig::new(2, 300))
///     .seed(3)
///     .run(&est)?;
/// assert_eq!(run.rounds.len(), 2);
/// assert_eq!(run.dataset.len(), 600);
/// // Round 2 simulated a small part of the box.
/// assert!(run.rounds[1].prior_mass < 0.2, "{}", run.rounds[1].prior_mass);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Sequential<'a, P, S, F> {
    prior: &'a P,
    simulator: &'a S,
    summary: &'a F,
    x_o: &'a [f64],
    config: SequentialConfig,
    seed: u64,
    progress: Option<&'a mut dyn Progress>,
}

/// Forwards to the caller's progress, keeping the best validation loss it saw.
struct Tap<'p> {
    inner: Option<&'p mut dyn Progress>,
    best: f64,
}

impl Progress for Tap<'_> {
    fn stage(&mut self, label: &str) {
        if let Some(p) = self.inner.as_deref_mut() {
            p.stage(label);
        }
    }
    fn items(&mut self, done: usize, total: usize) {
        if let Some(p) = self.inner.as_deref_mut() {
            p.items(done, total);
        }
    }
    fn epoch(&mut self, report: &EpochReport) {
        self.best = report.best_validation_loss;
        if let Some(p) = self.inner.as_deref_mut() {
            p.epoch(report);
        }
    }
    fn finish(&mut self, message: &str) {
        if let Some(p) = self.inner.as_deref_mut() {
            p.finish(message);
        }
    }
}

impl<'a, P, S, F> Sequential<'a, P, S, F>
where
    P: Prior,
    S: Simulator,
    F: SummaryStatistics<S::Output>,
{
    /// A sequential run for `x_o` with the default [`SequentialConfig`] and seed 0.
    pub fn new(prior: &'a P, simulator: &'a S, summary: &'a F, x_o: &'a [f64]) -> Self {
        Self {
            prior,
            simulator,
            summary,
            x_o,
            config: SequentialConfig::default(),
            seed: 0,
            progress: None,
        }
    }

    /// Sets rounds, budget and truncation.
    pub fn config(mut self, config: SequentialConfig) -> Self {
        self.config = config;
        self
    }

    /// Sets the seed that fixes every round.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
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
    /// No round or fewer than 2 simulations per round ([`Error::Empty`]); an `x_o` of
    /// another width than the summary; the pipeline's and the estimator's errors; a
    /// truncated prior that cannot be sampled ([`Error::Truncation`]).
    pub fn run<E>(&mut self, estimator: &E) -> Result<SequentialRun<E::Posterior>>
    where
        E: DensityEstimator,
        Error: From<E::Error>,
    {
        let rounds = self.config.num_rounds();
        if rounds == 0 {
            return Err(Error::Empty {
                what: "a sequential run needs at least one round".into(),
            });
        }
        check_dim(self.summary.dim(), self.x_o.len())?;
        let mut tap = Tap {
            inner: self.progress.take(),
            best: f64::NAN,
        };
        let mut reports = Vec::with_capacity(rounds);
        let mut dataset: Option<Dataset> = None;
        let mut posteriors: Vec<E::Posterior> = Vec::with_capacity(rounds);
        for (r, &n) in self.config.budgets.clone().iter().enumerate() {
            tap.stage(&format!("round {}/{rounds}", r + 1));
            let t = Instant::now();
            let (new, prior_mass, sampler) = match posteriors.last() {
                None => (
                    Npe::new(self.prior, self.simulator, self.summary)
                        .num_simulations(n)
                        .seed(self.seed)
                        .progress(&mut tap)
                        .simulate()?,
                    1.0,
                    None,
                ),
                Some(q) => {
                    let mut rng = SeedRng::seed_from_u64(item_seed(self.seed, 2000 + r as u64));
                    let region = RestrictedPrior::new(
                        self.prior,
                        q,
                        self.x_o,
                        &self.config.restriction,
                        &mut rng,
                    )?;
                    let data = Npe::new(&region, self.simulator, self.summary)
                        .num_simulations(n)
                        .seed(item_seed(self.seed, 1000 + r as u64))
                        .progress(&mut tap)
                        .simulate()?;
                    (data, region.acceptance(), Some(region.sampler()))
                }
            };
            let simulate_seconds = t.elapsed().as_secs_f64();
            let all = match dataset.take() {
                None => new,
                Some(d) => d.concat(&new)?,
            };
            let t = Instant::now();
            tap.best = f64::NAN;
            let mut npe = Npe::new(self.prior, self.simulator, self.summary)
                .seed(self.seed)
                .progress(&mut tap);
            let q = match posteriors.last() {
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
                validation_loss: tap.best,
                simulate_seconds,
                train_seconds: t.elapsed().as_secs_f64(),
            };
            tap.finish(&format!(
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
            posteriors.push(q);
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
