//! [`Npe`]: the inference pipeline, prior → simulate (parallel) → summarise → [`Dataset`] →
//! any [`DensityEstimator`] → posterior.

use std::time::Instant;

use sbi_core::{
    DensityEstimator, Prior, Progress, RowMatrix, Simulator, SummaryStatistics, item_seed,
};

use crate::dataset::{Dataset, Failure};
use crate::ensemble::{Ensemble, check_num_members};
use crate::error::{Error, Result};
use crate::simulated_rows::{fails_fast, prior_draws, simulate_rows, simulations_failed};

/// Neural posterior estimation for any prior, simulator and summary: simulates a [`Dataset`]
/// and trains any [`DensityEstimator`] on it (in the style of argmin's `Executor`: set up,
/// configure, run).
///
/// Seeds: one `seed` fixes everything. θ are drawn from the prior with stream
/// `item_seed(seed, 0)`; simulation i uses `item_rng(item_seed(seed, 1), i)` (through
/// [`Simulator::simulate_summarize_each`], so the data are identical for any thread count or
/// chunking); the estimator is fitted with seed `item_seed(seed, 2)`, and ensemble member k
/// with [`member_seed`]`(item_seed(seed, 2), k)`.
///
/// ```
/// use rand::SeedableRng;
/// use sbi_core::{Identity, Posterior, SeedRng, testing::LinearGaussian};
/// use sbi_npe::{MdnEstimator, Npe, TrainConfig};
/// use sbi_prior::BoxUniform;
///
/// // x = θ + N(0, 0.5²), θ uniform on [−3, 3]².
/// let prior = BoxUniform::new(vec![-3.0, -3.0], vec![3.0, 3.0])?;
/// let simulator = LinearGaussian::new(2, 0.5)?;
/// let estimator = MdnEstimator::new().with_train(TrainConfig::new().with_max_epochs(30));
/// let run = Npe::new(&prior, &simulator, &Identity::new(2))
///     .num_simulations(1000)
///     .seed(7)
///     .train(&estimator)?;
/// let samples = run.posterior.sample(&[1.0, -1.0], 1000, &mut SeedRng::seed_from_u64(0))?;
/// let mean = samples.column_means();
/// assert!((mean[0] - 1.0).abs() < 0.3 && (mean[1] + 1.0).abs() < 0.3);
/// assert_eq!(run.dataset.len(), 1000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Npe<'a, P, S, F> {
    prior: &'a P,
    simulator: &'a S,
    summary: &'a F,
    num_simulations: usize,
    seed: u64,
    progress: Option<&'a mut dyn Progress>,
}

/// A trained posterior with the data it was trained on.
#[derive(Debug, Clone)]
pub struct NpeRun<Q> {
    /// The trained posterior (or ensemble).
    pub posterior: Q,
    /// The simulations.
    pub dataset: Dataset,
    /// Counts and timings.
    pub report: NpeReport,
}

/// Counts and timings of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct NpeReport {
    /// Wall-clock time of simulation and summarising, s.
    pub simulate_seconds: f64,
    /// Wall-clock time of training (all members), s.
    pub train_seconds: f64,
}

/// The training seed of ensemble member `k`: `seed` itself for member 0 (so an ensemble's
/// first member is the network a single fit trains), then `item_seed(seed, k)`.
pub fn member_seed(seed: u64, k: usize) -> u64 {
    if k == 0 {
        seed
    } else {
        item_seed(seed, k as u64)
    }
}

impl<'a, P, S, F> Npe<'a, P, S, F>
where
    P: Prior,
    S: Simulator,
    F: SummaryStatistics<S::Output>,
{
    /// A pipeline for `prior`, `simulator` and `summary`: 1,000 simulations, seed 0, no
    /// progress reports.
    pub fn new(prior: &'a P, simulator: &'a S, summary: &'a F) -> Self {
        Self {
            prior,
            simulator,
            summary,
            num_simulations: 1000,
            seed: 0,
            progress: None,
        }
    }

    /// Sets the number of simulations.
    pub fn num_simulations(mut self, n: usize) -> Self {
        self.num_simulations = n;
        self
    }

    /// Sets the seed that fixes prior draws, simulation noise and training.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Reports stages, simulation counts and training epochs to `progress`.
    pub fn progress(mut self, progress: &'a mut dyn Progress) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Reports to the progress, if there is one.
    fn report(&mut self, f: impl FnOnce(&mut dyn Progress)) {
        if let Some(p) = self.progress.as_deref_mut() {
            f(p);
        }
    }

    /// Runs `f` with the progress, or with `()` when there is none.
    fn with_progress<T>(&mut self, f: impl FnOnce(&mut dyn Progress) -> T) -> T {
        match self.progress.as_deref_mut() {
            Some(p) => f(p),
            None => f(&mut ()),
        }
    }

    /// Simulates, then trains with `train` on the simulations, timing both.
    fn simulate_then<Q>(
        &mut self,
        train: impl FnOnce(&mut Self, &Dataset) -> Result<Q>,
    ) -> Result<NpeRun<Q>> {
        let start = Instant::now();
        let dataset = self.simulate()?;
        let simulate_seconds = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let posterior = train(self, &dataset)?;
        Ok(NpeRun {
            posterior,
            dataset,
            report: NpeReport {
                simulate_seconds,
                train_seconds: start.elapsed().as_secs_f64(),
            },
        })
    }

    /// Draws θ from the prior and simulates and summarises them in parallel, in chunks (a
    /// chunk's outputs are summarised before the next is simulated, so memory holds one chunk
    /// of outputs). Failed simulations are kept with their cause.
    ///
    /// # Errors
    /// Fewer than 2 simulations or a summary with no feature ([`Error::Empty`]); a prior whose
    /// dimension is not the simulator's; a failed prior draw ([`Error::PriorSampling`]); a
    /// batch-level simulator error (e.g. a wrong θ width); [`Error::SimulationsFailed`] when
    /// fewer than two simulations succeed, or the first [`FAIL_FAST_AFTER`](crate::FAIL_FAST_AFTER) all fail at the
    /// same stage (the run stops there).
    pub fn simulate(&mut self) -> Result<Dataset> {
        let n = self.num_simulations;
        if n < 2 {
            return Err(Error::Empty {
                what: format!("need at least 2 simulations, got {n}"),
            });
        }
        sbi_core::check_dim(self.prior.dim(), self.simulator.theta_dim())?;
        let dx = self.summary.dim();
        if dx == 0 {
            return Err(Error::Empty {
                what: "the summary has no feature".into(),
            });
        }
        let theta = prior_draws(self.prior, n, self.seed)?;
        self.report(|p| p.stage("simulating"));
        let mut x = RowMatrix::zeros(n, dx)?;
        let mut failures: Vec<Failure> = Vec::new();
        let chunk = (64 * rayon::current_num_threads()).max(64);
        let d = theta.ncols();
        let mut first = 0;
        while first < n {
            let rows = chunk.min(n - first);
            let block = RowMatrix::from_vec(
                rows,
                d,
                theta.as_slice()[first * d..(first + rows) * d].to_vec(),
            )?;
            let done = simulate_rows(self.simulator, self.summary, &block, first, self.seed)?;
            x.as_mut_slice()[first * dx..(first + rows) * dx].copy_from_slice(done.x.as_slice());
            // In item order: `failures` stays sorted.
            failures.extend(done.failures);
            first += rows;
            let done = first;
            self.report(|p| p.items(done, n));
            if fails_fast(&failures, done, n) {
                return Err(simulations_failed(&failures, &theta, done));
            }
        }
        let num_failed = failures.len();
        self.report(|p| p.finish(&format!("{n} simulations, {num_failed} failed")));
        if n - num_failed < 2 {
            return Err(simulations_failed(&failures, &theta, n));
        }
        Dataset::from_parts(theta, x, failures, self.summary.names())
    }

    /// Simulates ([`Npe::simulate`]) and trains `estimator` on the simulations that succeeded,
    /// with the prior's bounds as the support.
    ///
    /// # Errors
    /// As [`Npe::simulate`]; the estimator's errors.
    pub fn train<E>(&mut self, estimator: &E) -> Result<NpeRun<E::Posterior>>
    where
        E: DensityEstimator,
        Error: From<E::Error>,
    {
        self.simulate_then(|npe, dataset| npe.train_on(dataset, estimator))
    }

    /// [`Npe::train`] with an ensemble of `num_members` fits (member k with
    /// [`member_seed`]; member 0 is the posterior [`Npe::train`] would return).
    ///
    /// # Errors
    /// As [`Npe::train`]; `num_members` outside 1…[`crate::MAX_MEMBERS`].
    pub fn train_ensemble<E>(
        &mut self,
        estimator: &E,
        num_members: usize,
    ) -> Result<NpeRun<Ensemble<E::Posterior>>>
    where
        E: DensityEstimator,
        Error: From<E::Error> + From<<E::Posterior as sbi_core::Posterior>::Error>,
    {
        check_num_members(num_members)?;
        self.simulate_then(|npe, dataset| npe.train_ensemble_on(dataset, estimator, num_members))
    }

    /// Trains `estimator` on `dataset` (e.g. loaded with [`Dataset::load_npz`]) with this
    /// pipeline's training seed and the prior's bounds as the support.
    ///
    /// # Errors
    /// A dataset whose θ width is not the prior's; fewer than two successful rows; the
    /// estimator's errors.
    pub fn train_on<E>(&mut self, dataset: &Dataset, estimator: &E) -> Result<E::Posterior>
    where
        E: DensityEstimator,
        Error: From<E::Error>,
    {
        let (theta, x, support) = self.training_data(dataset)?;
        let start = Instant::now();
        self.report(|p| p.stage("training"));
        let seed = item_seed(self.seed, 2);
        let posterior =
            self.with_progress(|progress| estimator.fit(&theta, &x, &support, seed, progress))?;
        let seconds = start.elapsed().as_secs_f64();
        self.report(|p| p.finish(&format!("trained in {seconds:.1} s")));
        Ok(posterior)
    }

    /// [`Npe::train_on`], continuing from `previous` ([`DensityEstimator::fit_from`]: the
    /// network estimators keep its weights and standardisation).
    ///
    /// # Errors
    /// As [`Npe::train_on`]; a `previous` the estimator cannot continue from.
    pub fn train_from<E>(
        &mut self,
        dataset: &Dataset,
        estimator: &E,
        previous: &E::Posterior,
    ) -> Result<E::Posterior>
    where
        E: DensityEstimator,
        Error: From<E::Error>,
    {
        let (theta, x, support) = self.training_data(dataset)?;
        let start = Instant::now();
        self.report(|p| p.stage("training (warm start)"));
        let seed = item_seed(self.seed, 2);
        let posterior = self.with_progress(|progress| {
            estimator.fit_from(previous, &theta, &x, &support, seed, progress)
        })?;
        let seconds = start.elapsed().as_secs_f64();
        self.report(|p| p.finish(&format!("trained in {seconds:.1} s")));
        Ok(posterior)
    }

    /// [`Npe::train_on`] with an ensemble of `num_members` fits.
    ///
    /// # Errors
    /// As [`Npe::train_on`]; `num_members` outside 1…[`crate::MAX_MEMBERS`].
    pub fn train_ensemble_on<E>(
        &mut self,
        dataset: &Dataset,
        estimator: &E,
        num_members: usize,
    ) -> Result<Ensemble<E::Posterior>>
    where
        E: DensityEstimator,
        Error: From<E::Error> + From<<E::Posterior as sbi_core::Posterior>::Error>,
    {
        check_num_members(num_members)?;
        if num_members == 1 {
            return Ensemble::new(vec![self.train_on(dataset, estimator)?]);
        }
        let (theta, x, support) = self.training_data(dataset)?;
        let seed = item_seed(self.seed, 2);
        self.with_progress(|progress| {
            Ensemble::fit(estimator, &theta, &x, &support, seed, num_members, progress)
        })
    }

    /// The successful pairs of `dataset` and the prior's support, checked.
    fn training_data(&self, dataset: &Dataset) -> Result<(RowMatrix, RowMatrix, sbi_core::Bounds)> {
        sbi_core::check_dim(self.prior.dim(), dataset.theta().ncols())?;
        let (theta, x) = dataset.training_pairs()?;
        if theta.nrows() < 2 {
            return Err(Error::Empty {
                what: format!(
                    "{} successful simulations in the dataset; need at least 2",
                    theta.nrows()
                ),
            });
        }
        Ok((theta, x, self.prior.bounds()))
    }
}
