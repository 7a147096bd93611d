//! [`Npe`]: the inference pipeline, a [`Problem`] simulated (parallel) and summarised into a
//! [`Dataset`], then any [`DensityEstimator`] trained on it.

use std::time::Instant;

use sbi_core::{
    DensityEstimator, Fitted, Prior, Progress, Simulator, SummaryStatistics, TrainingData,
    TrainingReport,
};

use crate::dataset::Dataset;
use crate::ensemble::{Ensemble, check_num_members};
use crate::error::{Error, Result};
use crate::problem::Problem;
use crate::simulate::{Chunks, join, simulate_ranges};

/// Neural posterior estimation for any prior, simulator and summary: simulates a [`Dataset`]
/// and trains any [`DensityEstimator`] on it (in the style of argmin's `Executor`: set up,
/// configure, run).
///
/// Seeds: the [`Problem`]'s seed fixes everything — θ, each simulation's noise (by global
/// index, so the data are identical for any thread count or chunking) and the estimator's
/// training ([`Problem::training_seed`]; ensemble member k with [`crate::member_seed`]).
///
/// ```
/// use rand::SeedableRng;
/// use sbi_core::{Identity, Posterior, SeedRng, testing::LinearGaussian};
/// use sbi_core::testing::LinearRegression;
/// use sbi_inference::{Npe, Problem};
/// use sbi_prior::BoxUniform;
///
/// // x = θ + N(0, 0.5²), θ uniform on [−3, 3]²; the estimator is any density estimator
/// // (sbi-npe's MDN or flows, or your own: here a closed-form regression).
/// let prior = BoxUniform::new(vec![-3.0, -3.0], vec![3.0, 3.0])?;
/// let simulator = LinearGaussian::new(2, 0.5)?;
/// let summary = Identity::new(2);
/// let problem = Problem::new(&prior, &simulator, &summary).num_simulations(1000).seed(7);
/// let run = Npe::new(problem).train(&LinearRegression::new())?;
/// let samples = run.posterior.sample(&[1.0, -1.0], 1000, &mut SeedRng::seed_from_u64(0))?;
/// let mean = samples.column_means();
/// assert!((mean[0] - 1.0).abs() < 0.3 && (mean[1] + 1.0).abs() < 0.3);
/// assert_eq!(run.dataset.len(), 1000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Npe<'a, P, S, F> {
    problem: Problem<'a, P, S, F>,
    progress: Option<&'a mut dyn Progress>,
}

/// A trained posterior with the data it was trained on and what the run did.
#[derive(Debug, Clone)]
pub struct NpeRun<Q> {
    /// The trained posterior (or ensemble).
    pub posterior: Q,
    /// The simulations.
    pub dataset: Dataset,
    /// Timings and the training report.
    pub report: NpeReport,
}

/// What a run did: timings, and each network's training report (epochs, best epoch, stop
/// reason, skipped steps, learning-rate halvings, validation losses).
#[derive(Debug, Clone, PartialEq)]
pub struct NpeReport {
    /// Wall-clock time of simulation and summarising (or loading the data), s.
    pub simulate_seconds: f64,
    /// Wall-clock time of training (all members), s.
    pub train_seconds: f64,
    /// One report per trained network (ensemble members in order); empty for an estimator
    /// that does not train in epochs.
    pub training: Vec<TrainingReport>,
}

impl NpeReport {
    /// The (first) network's training report, if the estimator made one.
    pub fn training(&self) -> Option<&TrainingReport> {
        self.training.first()
    }
}

impl<'a, P, S, F> Npe<'a, P, S, F>
where
    P: Prior,
    S: Simulator,
    F: SummaryStatistics<S::Output>,
{
    /// A pipeline for `problem`, with no progress reports.
    pub fn new(problem: Problem<'a, P, S, F>) -> Self {
        Self {
            problem,
            progress: None,
        }
    }

    /// Reports stages, simulation counts and training epochs to `progress`.
    pub fn progress(mut self, progress: &'a mut dyn Progress) -> Self {
        self.progress = Some(progress);
        self
    }

    /// The problem.
    pub fn problem(&self) -> &Problem<'a, P, S, F> {
        &self.problem
    }

    /// Runs `f` with the progress, or with `()` when there is none.
    fn with_progress<T>(&mut self, f: impl FnOnce(&mut dyn Progress) -> T) -> T {
        match self.progress.as_deref_mut() {
            Some(p) => f(p),
            None => f(&mut ()),
        }
    }

    /// Draws θ from the prior and simulates and summarises them in parallel, in chunks
    /// ([`Chunks::per_thread`]: a chunk's outputs are summarised before the next is
    /// simulated, so memory holds one chunk of outputs), by the one simulation loop
    /// ([`simulate_ranges`]). Failed simulations are kept with their cause.
    ///
    /// # Errors
    /// As [`Problem::check`]; a failed prior draw ([`Error::PriorSampling`]); a batch-level
    /// simulator error (e.g. a wrong θ width); [`Error::SimulationsFailed`] when fewer than two
    /// simulations succeed, or the first [`FAIL_FAST_AFTER`](crate::FAIL_FAST_AFTER) all fail
    /// at the same stage (the run stops there).
    pub fn simulate(&mut self) -> Result<Dataset> {
        let problem = self.problem;
        problem.check()?;
        let theta = problem.theta()?;
        let n = problem.num_simulations;
        let done = self.with_progress(|progress| {
            simulate_ranges(&problem, &theta, Chunks::per_thread(0..n), n, progress)
        })?;
        join(theta, done.pieces, problem.summary.names())
    }

    /// Simulates, then trains with `train` on the simulations, timing both.
    fn simulate_then<Q>(
        &mut self,
        train: impl FnOnce(&mut Self, &Dataset) -> Result<(Q, Vec<TrainingReport>)>,
    ) -> Result<NpeRun<Q>> {
        let start = Instant::now();
        let dataset = self.simulate()?;
        let simulate_seconds = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let (posterior, training) = train(self, &dataset)?;
        Ok(NpeRun {
            posterior,
            dataset,
            report: NpeReport {
                simulate_seconds,
                train_seconds: start.elapsed().as_secs_f64(),
                training,
            },
        })
    }

    /// Simulates ([`Npe::simulate`]) and trains `estimator` on the simulations that succeeded,
    /// with the prior's bounds as the support.
    ///
    /// # Errors
    /// As [`Npe::simulate`]; the estimator's errors ([`Error::Estimator`]).
    pub fn train<E: DensityEstimator>(&mut self, estimator: &E) -> Result<NpeRun<E::Posterior>> {
        self.simulate_then(|npe, dataset| {
            let fitted = npe.train_on(dataset, estimator)?;
            Ok((fitted.posterior, fitted.report.into_iter().collect()))
        })
    }

    /// [`Npe::train`] with an ensemble of `num_members` fits (member k with
    /// [`crate::member_seed`]; member 0 is the posterior [`Npe::train`] would return).
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
    pub fn train_on<E: DensityEstimator>(
        &mut self,
        dataset: &Dataset,
        estimator: &E,
    ) -> Result<Fitted<E::Posterior>> {
        self.fit(dataset, "training", |data, seed, progress| {
            estimator.fit(data, seed, progress)
        })
    }

    /// [`Npe::train_on`], continuing from `previous` ([`DensityEstimator::fit_from`]: the
    /// network estimators keep its weights and standardisation).
    ///
    /// # Errors
    /// As [`Npe::train_on`]; a `previous` the estimator cannot continue from.
    pub fn train_from<E: DensityEstimator>(
        &mut self,
        dataset: &Dataset,
        estimator: &E,
        previous: &E::Posterior,
    ) -> Result<Fitted<E::Posterior>> {
        self.fit(dataset, "training (warm start)", |data, seed, progress| {
            estimator.fit_from(previous, data, seed, progress)
        })
    }

    /// The fit of `train_on` and `train_from`: the training data checked, the stage reported
    /// and timed, the estimator's error wrapped.
    fn fit<Q, E: std::error::Error + Send + Sync + 'static>(
        &mut self,
        dataset: &Dataset,
        stage: &str,
        fit: impl FnOnce(&TrainingData, u64, &mut dyn Progress) -> std::result::Result<Fitted<Q>, E>,
    ) -> Result<Fitted<Q>> {
        let data = self.training_data(dataset)?;
        let start = Instant::now();
        let seed = self.problem.training_seed();
        let fitted = self.with_progress(|progress| {
            progress.stage(stage);
            let fitted = fit(&data, seed, progress).map_err(Error::estimator)?;
            let seconds = start.elapsed().as_secs_f64();
            progress.finish(&format!("trained in {seconds:.1} s"));
            Ok::<_, Error>(fitted)
        })?;
        Ok(fitted)
    }

    /// [`Npe::train_on`] with an ensemble of `num_members` fits, with their training reports.
    ///
    /// # Errors
    /// As [`Npe::train_on`]; `num_members` outside 1…[`crate::MAX_MEMBERS`].
    pub fn train_ensemble_on<E: DensityEstimator>(
        &mut self,
        dataset: &Dataset,
        estimator: &E,
        num_members: usize,
    ) -> Result<(Ensemble<E::Posterior>, Vec<TrainingReport>)> {
        check_num_members(num_members)?;
        if num_members == 1 {
            let fitted = self.train_on(dataset, estimator)?;
            return Ok((
                Ensemble::new(vec![fitted.posterior])?,
                fitted.report.into_iter().collect(),
            ));
        }
        let data = self.training_data(dataset)?;
        let seed = self.problem.training_seed();
        self.with_progress(|progress| Ensemble::fit(estimator, &data, seed, num_members, progress))
    }

    /// The successful pairs of `dataset` with the prior's support, checked.
    fn training_data(&self, dataset: &Dataset) -> Result<TrainingData> {
        sbi_core::check_dim(self.problem.prior.dim(), dataset.theta().ncols())?;
        let (theta, x) = dataset.training_pairs()?;
        if theta.nrows() < 2 {
            return Err(Error::Empty {
                what: format!(
                    "{} successful simulations in the dataset; need at least 2",
                    theta.nrows()
                ),
            });
        }
        Ok(TrainingData::new(theta, x, self.problem.prior.bounds())?)
    }
}
