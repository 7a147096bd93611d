//! The shared traits: every crate of hh-sbi implements or consumes these.
//!
//! Each trait has one to three required methods; batch forms are provided. Evaluation takes
//! `&self` and holds no hidden mutable state, so every implementation is `Send + Sync` and a
//! batch can run in parallel. Randomness is always passed in.

use rand::Rng;
use rayon::prelude::*;

use crate::{
    Bounds, Error, Fitted, Progress, RowMatrix, SampleStream, TraceLayout, TrainingData, check_dim,
    item_rng,
};

/// Bound every trait error satisfies: a real error that can carry this crate's [`enum@Error`]
/// (shape and finiteness checks done by the provided batch methods).
pub trait TraitError: std::error::Error + From<Error> + Send + Sync + 'static {}
impl<E: std::error::Error + From<Error> + Send + Sync + 'static> TraitError for E {}

/// One result per item of a batch, in item order.
pub type BatchResults<T, E> = Vec<Result<T, E>>;

/// The lowest-index error of a batch, so the error a batch reports does not depend on the
/// order in which threads finished.
fn first_error<T, E>(results: Vec<Result<T, E>>) -> Result<Vec<T>, E> {
    results.into_iter().collect()
}

/// Why one item of [`Simulator::simulate_summarize_each`] failed: the simulator's error, or
/// the summary's.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ItemError<S, F> {
    /// The simulator failed.
    #[error("simulator: {0}")]
    Simulator(S),
    /// The summary failed on the simulator's output.
    #[error("summary: {0}")]
    Summary(F),
}

/// One result per item of [`Simulator::simulate_summarize_each`] (the features are written in
/// place), in item order.
pub type SummarizedResults<S, F> = BatchResults<(), ItemError<S, F>>;

/// A stochastic (or deterministic) model θ → output.
///
/// ```
/// use rand::{Rng, RngExt};
/// use sbi_core::{Error, RowMatrix, Simulator};
///
/// /// x = θ² + noise.
/// struct Square;
/// impl Simulator for Square {
///     type Output = f64;
///     type Error = Error;
///     fn theta_dim(&self) -> usize { 1 }
///     fn simulate<R: Rng + ?Sized>(&self, theta: &[f64], rng: &mut R) -> Result<f64, Error> {
///         sbi_core::check_dim(1, theta.len())?;
///         Ok(theta[0] * theta[0] + 0.01 * rng.random::<f64>())
///     }
/// }
///
/// let thetas = RowMatrix::from_rows(&[[1.0], [2.0], [3.0]])?;
/// let a = Square.simulate_batch(&thetas, 42)?;
/// let b = Square.simulate_batch(&thetas, 42)?;
/// assert_eq!(a, b); // same seed, same batch, whatever the thread count
/// # Ok::<(), Error>(())
/// ```
pub trait Simulator: Send + Sync {
    /// What one simulation returns (a voltage [`crate::Trace`] for HH models).
    type Output: Send;
    /// The error of this simulator.
    type Error: TraitError;

    /// Number of parameters θ the simulator takes.
    fn theta_dim(&self) -> usize;

    /// Simulates one θ, drawing any randomness from `rng`.
    ///
    /// # Errors
    /// Implementation-defined; at least a wrong `theta.len()` or non-finite θ.
    fn simulate<R: Rng + ?Sized>(
        &self,
        theta: &[f64],
        rng: &mut R,
    ) -> Result<Self::Output, Self::Error>;

    /// Simulates every row of `thetas` in parallel; row *i* is item `first_index + i` and uses
    /// [`item_rng`]`(seed, first_index + i)`, so the result is identical for any thread count,
    /// and a batch split into chunks (each with its own `first_index`) gives the same items as
    /// the whole. Each item's own result is kept.
    ///
    /// This is the method the inference pipeline calls: a simulator that runs many θ faster
    /// together (SIMD lanes, a GPU) overrides it, keeping the per-item streams.
    ///
    /// # Errors
    /// A dimension mismatch of `thetas` fails the whole batch.
    fn simulate_batch_each(
        &self,
        thetas: &RowMatrix,
        seed: u64,
        first_index: u64,
    ) -> Result<BatchResults<Self::Output, Self::Error>, Self::Error> {
        check_dim(self.theta_dim(), thetas.ncols())?;
        Ok((0..thetas.nrows())
            .into_par_iter()
            .map(|i| {
                let item = first_index + i as u64;
                self.simulate(thetas.row(i), &mut item_rng(seed, item))
            })
            .collect())
    }

    /// Simulates every row of `thetas` and summarises each output as soon as it is made,
    /// writing item *i*'s features into row *i* of `out` (`thetas.nrows() × summary.dim()`,
    /// row-major); streams as [`Simulator::simulate_batch_each`] (item `first_index + i`),
    /// in parallel. Each item's own result is kept (a failed item's row is left as it was).
    ///
    /// This is what the inference pipeline calls: outputs never pile up (one per thread at a
    /// time), and a simulator that can compute some summaries on the fly, without keeping its
    /// output, overrides it.
    ///
    /// # Errors
    /// A dimension mismatch of `thetas` or `out` fails the whole batch.
    fn simulate_summarize_each<F>(
        &self,
        thetas: &RowMatrix,
        seed: u64,
        first_index: u64,
        summary: &F,
        out: &mut [f64],
    ) -> Result<SummarizedResults<Self::Error, F::Error>, Self::Error>
    where
        F: SummaryStatistics<Self::Output>,
    {
        check_dim(self.theta_dim(), thetas.ncols())?;
        let d = summary.dim();
        check_dim(thetas.nrows() * d, out.len())?;
        if d == 0 {
            return Err(Error::Empty {
                what: "summary features",
            }
            .into());
        }
        Ok(out
            .par_chunks_mut(d)
            .enumerate()
            .map(|(i, row)| {
                let item = first_index + i as u64;
                let output = self
                    .simulate(thetas.row(i), &mut item_rng(seed, item))
                    .map_err(ItemError::Simulator)?;
                summary
                    .summarize_into(&output, row)
                    .map_err(ItemError::Summary)
            })
            .collect())
    }

    /// Like [`Simulator::simulate_batch_each`], failing on the lowest-index failed item.
    ///
    /// # Errors
    /// A dimension mismatch, or the first item's error in index order.
    fn simulate_batch(
        &self,
        thetas: &RowMatrix,
        seed: u64,
    ) -> Result<Vec<Self::Output>, Self::Error> {
        first_error(self.simulate_batch_each(thetas, seed, 0)?)
    }
}

/// Turns a simulator output into a fixed-length feature vector x.
///
/// Implementations are total: every valid input gives finite values (documented fill values
/// where a feature is undefined, e.g. no spike); invalid input (empty, non-finite) is an error.
///
/// ```
/// use sbi_core::{Error, SummaryStatistics};
///
/// struct MeanMax;
/// impl SummaryStatistics<[f64]> for MeanMax {
///     type Error = Error;
///     fn dim(&self) -> usize { 2 }
///     fn names(&self) -> Vec<String> { vec!["mean".into(), "max".into()] }
///     fn summarize_into(&self, v: &[f64], out: &mut [f64]) -> Result<(), Error> {
///         sbi_core::check_dim(2, out.len())?;
///         if v.is_empty() { return Err(Error::Empty { what: "input" }); }
///         out[0] = v.iter().sum::<f64>() / v.len() as f64;
///         out[1] = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
///         Ok(())
///     }
/// }
/// assert_eq!(MeanMax.summarize(&[1.0, 3.0][..])?, vec![2.0, 3.0]);
/// # Ok::<(), Error>(())
/// ```
pub trait SummaryStatistics<T: ?Sized>: Send + Sync {
    /// The error of this summariser.
    type Error: TraitError;

    /// Number of features.
    fn dim(&self) -> usize;

    /// Feature names, in output order (`names().len() == dim()`).
    fn names(&self) -> Vec<String>;

    /// Writes the features of `input` into `out` (`out.len() == dim()`).
    ///
    /// # Errors
    /// Wrong `out` length, or invalid input.
    fn summarize_into(&self, input: &T, out: &mut [f64]) -> Result<(), Self::Error>;

    /// The features of `input` as a new vector.
    ///
    /// # Errors
    /// As [`SummaryStatistics::summarize_into`].
    fn summarize(&self, input: &T) -> Result<Vec<f64>, Self::Error> {
        let mut out = vec![0.0; self.dim()];
        self.summarize_into(input, &mut out)?;
        Ok(out)
    }

    /// A stream computing these features for `lanes` traces of `layout` from their samples as
    /// they are produced ([`SampleStream`]); `None` (the default) when this summary, this
    /// layout or this lane count needs whole outputs. Simulators that make traces in bulk use
    /// it to avoid holding them (see [`Simulator::simulate_summarize_each`]); a stream must give
    /// the features [`SummaryStatistics::summarize_into`] gives for the same samples.
    fn stream(
        &self,
        layout: &TraceLayout,
        lanes: usize,
    ) -> Option<Box<dyn SampleStream<Self::Error> + '_>> {
        let _ = (layout, lanes);
        None
    }

    /// The features of every input, in parallel, one row each.
    ///
    /// # Errors
    /// The lowest-index failing input's error.
    fn summarize_batch<I>(&self, inputs: &[I]) -> Result<RowMatrix, Self::Error>
    where
        I: std::borrow::Borrow<T> + Sync,
    {
        let d = self.dim();
        let mut out = RowMatrix::zeros(inputs.len(), d)?;
        if d == 0 {
            return Ok(out);
        }
        let results: Vec<Result<(), Self::Error>> = out
            .as_mut_slice()
            .par_chunks_mut(d)
            .zip(inputs.par_iter())
            .map(|(row, input)| self.summarize_into(input.borrow(), row))
            .collect();
        first_error(results)?;
        Ok(out)
    }
}

/// A prior distribution p(θ).
///
/// ```
/// use rand::{Rng, RngExt, SeedableRng};
/// use sbi_core::{Bounds, Error, Prior};
///
/// /// Uniform on [0, 1].
/// struct Unit;
/// impl Prior for Unit {
///     type Error = Error;
///     fn dim(&self) -> usize { 1 }
///     fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Vec<f64> { vec![rng.random::<f64>()] }
///     fn log_prob(&self, theta: &[f64]) -> Result<f64, Error> {
///         sbi_core::check_dim(1, theta.len())?;
///         Ok(if (0.0..=1.0).contains(&theta[0]) { 0.0 } else { f64::NEG_INFINITY })
///     }
///     fn bounds(&self) -> Bounds { Bounds { low: vec![0.0], high: vec![1.0] } }
/// }
/// let mut rng = sbi_core::SeedRng::seed_from_u64(0);
/// let thetas = Unit.sample_batch(100, &mut rng)?;
/// assert!(thetas.rows().all(|t| Unit.bounds().contains(t)));
/// # Ok::<(), Error>(())
/// ```
pub trait Prior: Send + Sync {
    /// The error of this prior.
    type Error: TraitError;

    /// Dimension of θ.
    fn dim(&self) -> usize;

    /// One draw.
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Vec<f64>;

    /// log p(θ); `−∞` outside the support.
    ///
    /// # Errors
    /// Wrong `theta.len()`, or NaN in θ.
    fn log_prob(&self, theta: &[f64]) -> Result<f64, Self::Error>;

    /// Bounds of the support (default: unbounded).
    fn bounds(&self) -> Bounds {
        Bounds::unbounded(self.dim())
    }

    /// `n` draws, one row each, drawn in sequence from `rng`.
    ///
    /// # Errors
    /// A batch beyond [`crate::MAX_ENTRIES`] entries; a draw whose length is not `dim()`.
    fn sample_batch<R: Rng + ?Sized>(
        &self,
        n: usize,
        rng: &mut R,
    ) -> Result<RowMatrix, Self::Error> {
        let d = self.dim();
        let mut out = RowMatrix::zeros(n, d)?;
        for i in 0..n {
            let s = self.sample(rng);
            check_dim(d, s.len())?;
            out.row_mut(i).copy_from_slice(&s);
        }
        Ok(out)
    }

    /// log p(θ) for every row.
    ///
    /// # Errors
    /// As [`Prior::log_prob`], for the first failing row.
    fn log_prob_batch(&self, thetas: &RowMatrix) -> Result<Vec<f64>, Self::Error> {
        check_dim(self.dim(), thetas.ncols())?;
        thetas.rows().map(|t| self.log_prob(t)).collect()
    }
}

/// An (approximate) posterior p(θ | x), conditional on any observation x.
pub trait Posterior: Send + Sync {
    /// The error of this posterior.
    type Error: TraitError;

    /// Dimension of θ.
    fn theta_dim(&self) -> usize;

    /// Dimension of x.
    fn x_dim(&self) -> usize;

    /// Bounds of the support of θ (default: unbounded): the prior's, for posteriors that
    /// put no mass outside it.
    fn support(&self) -> Bounds {
        Bounds::unbounded(self.theta_dim())
    }

    /// `n` samples θ ~ p(θ | x), one row each.
    ///
    /// # Errors
    /// Wrong `x.len()`, non-finite x, or a sampler that cannot proceed.
    fn sample<R: Rng + ?Sized>(
        &self,
        x: &[f64],
        n: usize,
        rng: &mut R,
    ) -> Result<RowMatrix, Self::Error>;

    /// log p(θ | x).
    ///
    /// # Errors
    /// Wrong dimensions or non-finite inputs.
    fn log_prob(&self, theta: &[f64], x: &[f64]) -> Result<f64, Self::Error>;

    /// `n` samples for each row of `xs`, in parallel; observation *i* uses
    /// [`item_rng`]`(seed, i)`, so the result does not depend on the thread count. Each
    /// observation has its own result: one that fails (say, an x far outside the training
    /// data) leaves the others.
    fn sample_batch(
        &self,
        xs: &RowMatrix,
        n: usize,
        seed: u64,
    ) -> BatchResults<RowMatrix, Self::Error> {
        (0..xs.nrows())
            .into_par_iter()
            .map(|i| self.sample(xs.row(i), n, &mut item_rng(seed, i as u64)))
            .collect()
    }

    /// log p(θᵢ | xᵢ) for paired rows (θᵢ of `thetas`, xᵢ of `xs`), in parallel: e.g. the
    /// log-density of held-out simulated pairs, whose mean estimates the expected log posterior
    /// (a goodness-of-fit score across many observations at once).
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] when the row counts differ; otherwise the lowest-index
    /// failing pair's error.
    fn log_prob_pairs(&self, thetas: &RowMatrix, xs: &RowMatrix) -> Result<Vec<f64>, Self::Error> {
        if thetas.nrows() != xs.nrows() {
            return Err(Error::DimensionMismatch {
                expected: thetas.nrows(),
                found: xs.nrows(),
            }
            .into());
        }
        first_error(
            (0..xs.nrows())
                .into_par_iter()
                .map(|i| self.log_prob(thetas.row(i), xs.row(i)))
                .collect(),
        )
    }

    /// log p(θᵢ | x) for every row θᵢ of `thetas`.
    ///
    /// # Errors
    /// As [`Posterior::log_prob`], for the first failing row.
    fn log_prob_batch(&self, thetas: &RowMatrix, x: &[f64]) -> Result<Vec<f64>, Self::Error> {
        thetas.rows().map(|t| self.log_prob(t, x)).collect()
    }

    /// log p(θᵢ | x) up to a constant that depends on x alone, for every row θᵢ of `thetas`
    /// (−∞ outside the support): what importance sampling and MCMC need. Default:
    /// [`Posterior::log_prob_batch`]; a posterior whose normalisation must be estimated (the
    /// mass a neural density puts inside the prior's support) skips that estimate here, so it
    /// works even where the estimate fails.
    ///
    /// # Errors
    /// As [`Posterior::log_prob_batch`].
    fn log_prob_unnormalized_batch(
        &self,
        thetas: &RowMatrix,
        x: &[f64],
    ) -> Result<Vec<f64>, Self::Error> {
        self.log_prob_batch(thetas, x)
    }
}

/// Learns a conditional density q(θ | x) from simulated pairs and returns it as a posterior.
///
/// The inference pipeline (`sbi_inference::Npe`) drives any implementation: it passes the
/// pairs with the prior's support ([`TrainingData`]: the posterior must put no mass outside
/// it), a training seed (the same seed must give the same posterior) and a [`Progress`] to
/// report epochs to; the fit returns the posterior with what its training did ([`Fitted`]).
///
/// ```
/// use sbi_core::{Bounds, DensityEstimator, Error, Fitted, Posterior, Progress, RowMatrix, TrainingData};
/// # use rand::Rng;
/// # struct Fixed(f64);
/// # impl Posterior for Fixed {
/// #     type Error = Error;
/// #     fn theta_dim(&self) -> usize { 1 }
/// #     fn x_dim(&self) -> usize { 1 }
/// #     fn sample<R: Rng + ?Sized>(&self, _: &[f64], n: usize, _: &mut R) -> Result<RowMatrix, Error> {
/// #         RowMatrix::from_vec(n, 1, vec![self.0; n])
/// #     }
/// #     fn log_prob(&self, t: &[f64], _: &[f64]) -> Result<f64, Error> {
/// #         Ok(if t[0] == self.0 { 0.0 } else { f64::NEG_INFINITY })
/// #     }
/// # }
/// /// "Learns" the mean of θ, whatever x is.
/// struct MeanOnly;
/// impl DensityEstimator for MeanOnly {
///     type Posterior = Fixed;
///     type Error = Error;
///     fn fit(&self, data: &TrainingData, _seed: u64, _progress: &mut dyn Progress)
///         -> Result<Fitted<Fixed>, Error> {
///         Ok(Fitted::without_report(Fixed(data.theta().column_means()[0])))
///     }
/// }
/// let theta = RowMatrix::from_rows(&[[1.0], [3.0]])?;
/// let data = TrainingData::new(theta.clone(), theta, Bounds::unbounded(1))?;
/// let post = MeanOnly.fit(&data, 0, &mut ())?.posterior;
/// assert_eq!(post.sample(&[0.0], 1, &mut sbi_core::item_rng(0, 0))?.row(0), [2.0]);
/// # Ok::<(), Error>(())
/// ```
pub trait DensityEstimator: Sync {
    /// The posterior this estimator produces.
    type Posterior: Posterior;
    /// The error of this estimator.
    type Error: TraitError;

    /// Fits on `data`, seeded by `seed`, reporting to `progress`.
    ///
    /// # Errors
    /// Too few usable rows, a bad configuration, a failed optimisation.
    fn fit(
        &self,
        data: &TrainingData,
        seed: u64,
        progress: &mut dyn Progress,
    ) -> Result<Fitted<Self::Posterior>, Self::Error>;

    /// Fits starting from `previous`, a posterior this estimator made (e.g. the last round of
    /// a sequential run): an estimator that can continues from its weights and keeps its
    /// standardisation; the default ignores `previous` and fits from scratch.
    ///
    /// # Errors
    /// As [`DensityEstimator::fit`]; an estimator may refuse a `previous` it did not make.
    fn fit_from(
        &self,
        previous: &Self::Posterior,
        data: &TrainingData,
        seed: u64,
        progress: &mut dyn Progress,
    ) -> Result<Fitted<Self::Posterior>, Self::Error> {
        let _ = previous;
        self.fit(data, seed, progress)
    }
}

/// A deterministic cost to minimise (stochastic models enter through fixed seeds: common random
/// numbers), for optimisers and parameter searches.
///
/// ```
/// use sbi_core::{Error, Objective, RowMatrix};
/// struct Bowl;
/// impl Objective for Bowl {
///     type Error = Error;
///     fn dim(&self) -> usize { 2 }
///     fn cost(&self, p: &[f64]) -> Result<f64, Error> {
///         sbi_core::check_dim(2, p.len())?;
///         Ok(p[0] * p[0] + p[1] * p[1])
///     }
/// }
/// let costs = Bowl.cost_batch(&RowMatrix::from_rows(&[[1.0, 0.0], [1.0, 1.0]])?)?;
/// assert_eq!(costs, vec![1.0, 2.0]);
/// # Ok::<(), Error>(())
/// ```
pub trait Objective: Send + Sync {
    /// The error of this objective.
    type Error: TraitError;

    /// Number of parameters.
    fn dim(&self) -> usize;

    /// The cost at `params`; the same `params` always give the same cost.
    ///
    /// # Errors
    /// Wrong `params.len()`, parameters outside the model's domain.
    fn cost(&self, params: &[f64]) -> Result<f64, Self::Error>;

    /// The cost of every row, in parallel.
    ///
    /// # Errors
    /// The lowest-index failing row's error.
    fn cost_batch(&self, params: &RowMatrix) -> Result<Vec<f64>, Self::Error> {
        check_dim(self.dim(), params.ncols())?;
        first_error(
            (0..params.nrows())
                .into_par_iter()
                .map(|i| self.cost(params.row(i)))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// p(θ | x) = N(θ; x, 1) in one dimension.
    struct Shifted;

    impl Posterior for Shifted {
        type Error = Error;
        fn theta_dim(&self) -> usize {
            1
        }
        fn x_dim(&self) -> usize {
            1
        }
        fn sample<R: Rng + ?Sized>(
            &self,
            x: &[f64],
            n: usize,
            _: &mut R,
        ) -> Result<RowMatrix, Error> {
            RowMatrix::from_vec(n, 1, vec![x[0]; n])
        }
        fn log_prob(&self, theta: &[f64], x: &[f64]) -> Result<f64, Error> {
            check_dim(1, theta.len())?;
            check_dim(1, x.len())?;
            Ok(-0.5 * (theta[0] - x[0]).powi(2))
        }
    }

    /// x = θ + U(0, 1); refuses θ < 0.
    struct PlusNoise;

    impl Simulator for PlusNoise {
        type Output = Vec<f64>;
        type Error = Error;
        fn theta_dim(&self) -> usize {
            1
        }
        fn simulate<R: Rng + ?Sized>(&self, t: &[f64], rng: &mut R) -> Result<Vec<f64>, Error> {
            check_dim(1, t.len())?;
            if t[0] < 0.0 {
                return Err(Error::Empty {
                    what: "a positive θ",
                });
            }
            Ok(vec![t[0] + rand::RngExt::random::<f64>(rng)])
        }
    }

    #[test]
    fn simulate_summarize_each_keeps_streams_chunks_and_each_items_result() {
        let thetas = RowMatrix::from_rows(&[[1.0], [-1.0], [3.0], [4.0], [5.0]]).unwrap();
        let id = crate::Identity::new(1);
        let mut whole = vec![0.0; 5];
        let r = PlusNoise
            .simulate_summarize_each(&thetas, 9, 0, &id, &mut whole)
            .unwrap();
        assert!(r[0].is_ok() && r[2].is_ok() && r[4].is_ok());
        assert!(matches!(
            r[1],
            Err(ItemError::Simulator(Error::Empty { .. }))
        ));
        // The same items as simulate_batch_each, and as two chunks with their first indices.
        let each = PlusNoise.simulate_batch_each(&thetas, 9, 0).unwrap();
        assert_eq!(each[0].as_ref().unwrap()[0], whole[0]);
        assert_eq!(each[4].as_ref().unwrap()[0], whole[4]);
        let tail = RowMatrix::from_rows(&[[3.0], [4.0], [5.0]]).unwrap();
        let mut part = vec![0.0; 3];
        PlusNoise
            .simulate_summarize_each(&tail, 9, 2, &id, &mut part)
            .unwrap();
        assert_eq!(part, whole[2..]);
        // Shapes are checked for the whole batch.
        assert!(
            PlusNoise
                .simulate_summarize_each(&thetas, 9, 0, &id, &mut [0.0; 4])
                .is_err()
        );
    }

    #[test]
    fn log_prob_pairs_pairs_rows_and_checks_counts() {
        let thetas = RowMatrix::from_rows(&[[0.0], [1.0], [3.0]]).unwrap();
        let xs = RowMatrix::from_rows(&[[0.0], [0.0], [1.0]]).unwrap();
        assert_eq!(
            Shifted.log_prob_pairs(&thetas, &xs).unwrap(),
            vec![0.0, -0.5, -2.0]
        );
        let two = RowMatrix::from_rows(&[[0.0], [0.0]]).unwrap();
        assert!(matches!(
            Shifted.log_prob_pairs(&thetas, &two),
            Err(Error::DimensionMismatch {
                expected: 3,
                found: 2
            })
        ));
        // The lowest failing row's error.
        let wide = RowMatrix::from_rows(&[[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]]).unwrap();
        assert!(Shifted.log_prob_pairs(&thetas, &wide).is_err());
    }
}
