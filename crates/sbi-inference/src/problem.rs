//! [`Problem`]: what a run simulates — prior, simulator, summary, budget and seed — shared by
//! the pipeline ([`crate::Npe`]), sequential rounds ([`crate::Sequential`]) and campaigns.

use sbi_core::{Prior, RowMatrix, Simulator, SummaryStatistics, streams};

use crate::error::{Error, Result};

/// The simulations of a run: `num_simulations` draws θ from `prior`, each simulated by
/// `simulator` and summarised by `summary`, all fixed by one `seed` (θ from the stream
/// [`streams::PRIOR_DRAWS`], simulation i from item i of [`streams::SIMULATIONS`], training
/// from [`streams::TRAINING`]).
///
/// A small value of references: copy it into each consumer.
///
/// ```
/// use sbi_core::{Identity, testing::LinearGaussian};
/// use sbi_inference::Problem;
/// use sbi_prior::BoxUniform;
///
/// let prior = BoxUniform::new(vec![-3.0, -3.0], vec![3.0, 3.0])?;
/// let simulator = LinearGaussian::new(2, 0.5)?;
/// let summary = Identity::new(2);
/// let problem = Problem::new(&prior, &simulator, &summary).num_simulations(500).seed(7);
/// assert_eq!((problem.num_simulations, problem.seed), (500, 7));
/// problem.check()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Problem<'a, P, S, F> {
    /// The prior θ are drawn from.
    pub prior: &'a P,
    /// The simulator.
    pub simulator: &'a S,
    /// The summary statistics of the simulator's output.
    pub summary: &'a F,
    /// The number of simulations (default 1,000).
    pub num_simulations: usize,
    /// The seed that fixes prior draws, simulation noise and training (default 0).
    pub seed: u64,
}

impl<P, S, F> Clone for Problem<'_, P, S, F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P, S, F> Copy for Problem<'_, P, S, F> {}

impl<'a, P, S, F> Problem<'a, P, S, F>
where
    P: Prior,
    S: Simulator,
    F: SummaryStatistics<S::Output>,
{
    /// 1,000 simulations of `simulator` under `prior`, summarised by `summary`, seed 0.
    pub fn new(prior: &'a P, simulator: &'a S, summary: &'a F) -> Self {
        Self {
            prior,
            simulator,
            summary,
            num_simulations: 1000,
            seed: 0,
        }
    }

    /// Sets the number of simulations.
    pub fn num_simulations(mut self, n: usize) -> Self {
        self.num_simulations = n;
        self
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The same problem under another prior (e.g. a truncated one), keeping the rest.
    pub fn with_prior<'b, Q: Prior>(&self, prior: &'b Q) -> Problem<'b, Q, S, F>
    where
        'a: 'b,
    {
        Problem {
            prior,
            simulator: self.simulator,
            summary: self.summary,
            num_simulations: self.num_simulations,
            seed: self.seed,
        }
    }

    /// Checks that the run can start: at least 2 simulations, a summary with a feature, and a
    /// prior of the simulator's dimension.
    ///
    /// # Errors
    /// [`Error::Empty`]; [`sbi_core::Error::DimensionMismatch`] (as [`Error::Core`]).
    pub fn check(&self) -> Result<()> {
        let n = self.num_simulations;
        if n < 2 {
            return Err(Error::Empty {
                what: format!("need at least 2 simulations, got {n}"),
            });
        }
        sbi_core::check_dim(self.prior.dim(), self.simulator.theta_dim())?;
        if self.summary.dim() == 0 {
            return Err(Error::Empty {
                what: "the summary has no feature".into(),
            });
        }
        Ok(())
    }

    /// The run's θ: [`crate::prior_draws`] of `num_simulations` with the run's seed.
    ///
    /// # Errors
    /// [`Error::PriorSampling`] for a failed draw.
    pub fn theta(&self) -> Result<RowMatrix> {
        prior_draws(self.prior, self.num_simulations, self.seed)
    }

    /// The seed the density estimator is fitted with: stream [`streams::TRAINING`].
    pub fn training_seed(&self) -> u64 {
        streams::TRAINING.seed(self.seed)
    }
}

/// The θ of a run of `n` simulations with `seed`: `n` draws from `prior` with the stream
/// [`streams::PRIOR_DRAWS`], in order (row i is draw i, so any block of rows is the same
/// whoever draws it).
///
/// # Errors
/// [`Error::PriorSampling`] for a failed draw.
pub fn prior_draws<P: Prior + ?Sized>(prior: &P, n: usize, seed: u64) -> Result<RowMatrix> {
    let mut rng = streams::PRIOR_DRAWS.rng(seed);
    prior
        .sample_batch(n, &mut rng)
        .map_err(|e| Error::PriorSampling(e.to_string()))
}
