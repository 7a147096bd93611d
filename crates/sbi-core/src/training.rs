//! What a [`DensityEstimator`](crate::DensityEstimator) fits on ([`TrainingData`]) and what a
//! fit returns ([`Fitted`]: the posterior and its [`TrainingReport`]).

use crate::error::{Error, Result, check_dim};
use crate::{Bounds, RowMatrix};

/// Simulated pairs to fit on, checked once: θ (n × d) drawn from a prior whose support is
/// `support`, and x (n × dₓ), row i simulated from θ row i. A row of x may be non-finite (a
/// failed simulation): estimators drop such rows and count them.
///
/// ```
/// use sbi_core::{Bounds, RowMatrix, TrainingData};
/// let theta = RowMatrix::from_rows(&[[0.5], [1.5]])?;
/// let x = RowMatrix::from_rows(&[[1.0, 2.0], [f64::NAN, 0.0]])?;
/// let support = Bounds { low: vec![0.0], high: vec![2.0] };
/// let data = TrainingData::new(theta.clone(), x.clone(), support)?;
/// assert_eq!((data.len(), data.theta_dim(), data.x_dim()), (2, 1, 2));
/// // θ outside the support: the bounds are not the prior's the θ were drawn from.
/// let narrow = Bounds { low: vec![0.0], high: vec![1.0] };
/// assert!(TrainingData::new(theta, x, narrow).is_err());
/// # Ok::<(), sbi_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingData {
    theta: RowMatrix,
    x: RowMatrix,
    support: Bounds,
}

impl TrainingData {
    /// The pairs `(theta.row(i), x.row(i))` with the prior's support.
    ///
    /// # Errors
    /// [`Error::RowMismatch`]; [`Error::Empty`] when θ or x has no column; a non-finite θ
    /// ([`Error::NonFinite`]); a support of another dimension than θ
    /// ([`Error::DimensionMismatch`]), an invalid one, or one that does not contain every θ
    /// row ([`Error::InvalidSupport`]: θ drawn from the prior lie in its support, so θ outside
    /// mean the bounds of another prior were given, and every posterior sample would be
    /// rejected).
    pub fn new(theta: RowMatrix, x: RowMatrix, support: Bounds) -> Result<Self> {
        if theta.nrows() != x.nrows() {
            return Err(Error::RowMismatch {
                theta: theta.nrows(),
                x: x.nrows(),
            });
        }
        if theta.ncols() == 0 || x.ncols() == 0 {
            return Err(Error::Empty {
                what: "training data: θ and x need at least one column",
            });
        }
        theta.check_finite()?;
        check_dim(theta.ncols(), support.low.len())?;
        support.validate()?;
        if let Some(row) = theta.rows().position(|t| !support.contains(t)) {
            return Err(Error::InvalidSupport(format!(
                "training θ row {row} = {:?} lies outside the support [{:?}, {:?}]: the \
                 support must be the bounds of the prior θ was drawn from",
                theta.row(row),
                support.low,
                support.high
            )));
        }
        Ok(Self { theta, x, support })
    }

    /// θ, one row per pair.
    pub fn theta(&self) -> &RowMatrix {
        &self.theta
    }

    /// x, one row per pair.
    pub fn x(&self) -> &RowMatrix {
        &self.x
    }

    /// The prior's support.
    pub fn support(&self) -> &Bounds {
        &self.support
    }

    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.theta.nrows()
    }

    /// Whether there is no pair.
    pub fn is_empty(&self) -> bool {
        self.theta.nrows() == 0
    }

    /// Dimension of θ.
    pub fn theta_dim(&self) -> usize {
        self.theta.ncols()
    }

    /// Dimension of x.
    pub fn x_dim(&self) -> usize {
        self.x.ncols()
    }
}

/// Why training stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum StopReason {
    /// Early stopping: the validation loss had not improved for the configured number of
    /// epochs (the best weights were kept).
    Converged,
    /// The epoch cap was reached first.
    MaxEpochs,
    /// Training gave up (e.g. non-finite losses persisted after every learning-rate halving)
    /// and returned the best network so far; the text says why.
    GaveUp(String),
}

impl StopReason {
    /// `true` for [`StopReason::Converged`].
    pub fn converged(&self) -> bool {
        matches!(self, Self::Converged)
    }
}

/// What a training run did: epochs, the kept epoch and its loss, every epoch's validation
/// loss, the rows used, why it stopped and what it skipped. Equality ignores the wall-clock
/// time (`seconds`): two runs with the same seed did the same thing.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TrainingReport {
    /// Epochs run.
    pub epochs: usize,
    /// The epoch whose weights were kept (from 1).
    pub best_epoch: usize,
    /// Its validation loss.
    pub best_validation_loss: f64,
    /// The validation loss after each epoch (`epochs` entries; empty for a report read from
    /// a file written before they were recorded).
    pub validation_losses: Vec<f64>,
    /// Rows trained on.
    pub num_train: usize,
    /// Rows validated on.
    pub num_validation: usize,
    /// Rows dropped because x was not finite.
    pub num_dropped: usize,
    /// Why training stopped.
    pub stop: StopReason,
    /// Optimiser steps skipped because the batch loss or its gradient was not finite (the
    /// weights were left as they were).
    pub skipped_steps: usize,
    /// Times the best weights were restored and the learning rate halved after repeated
    /// non-finite losses.
    pub learning_rate_reductions: usize,
    /// Wall-clock training time, s.
    pub seconds: f64,
}

impl PartialEq for TrainingReport {
    fn eq(&self, other: &Self) -> bool {
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        self.epochs == other.epochs
            && self.best_epoch == other.best_epoch
            && self.best_validation_loss.to_bits() == other.best_validation_loss.to_bits()
            && bits(&self.validation_losses) == bits(&other.validation_losses)
            && self.num_train == other.num_train
            && self.num_validation == other.num_validation
            && self.num_dropped == other.num_dropped
            && self.stop == other.stop
            && self.skipped_steps == other.skipped_steps
            && self.learning_rate_reductions == other.learning_rate_reductions
    }
}

/// A fitted posterior and what its training did (`None` for an estimator that does not
/// train in epochs, such as a closed-form fit).
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted<P> {
    /// The posterior.
    pub posterior: P,
    /// The training report.
    pub report: Option<TrainingReport>,
}

impl<P> Fitted<P> {
    /// A posterior without a training report.
    pub fn without_report(posterior: P) -> Self {
        Self {
            posterior,
            report: None,
        }
    }
}
