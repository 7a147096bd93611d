//! [`MdnEstimator`]: the density estimator that trains an [`MdnPosterior`].

use rand::Rng;
use sbi_core::{Bounds, DensityEstimator, RowMatrix, draw_seed};

use crate::config::{MdnConfig, TrainConfig};
use crate::error::Result;
use crate::posterior::MdnPosterior;
use crate::train::{EpochReport, train};

/// Trains a mixture-density network q(θ | x) on simulated pairs and returns the posterior,
/// restricted to a support (the prior's bounds).
///
/// ```no_run
/// use sbi_core::{Bounds, RowMatrix};
/// use sbi_npe::{MdnConfig, MdnEstimator, TrainConfig};
/// # let (theta, x) = (RowMatrix::zeros(10, 2), RowMatrix::zeros(10, 2));
/// let est = MdnEstimator::new(Bounds { low: vec![-3.0; 2], high: vec![3.0; 2] })
///     .with_mdn(MdnConfig::new().with_num_components(5))
///     .with_train(TrainConfig::new().with_seed(1));
/// let posterior = est.fit_with_progress(&theta, &x, &mut |epoch| eprintln!("{epoch:?}"))?;
/// # Ok::<(), sbi_npe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MdnEstimator {
    /// Network architecture.
    pub mdn: MdnConfig,
    /// Training settings.
    pub train: TrainConfig,
    /// Support of the posterior (the prior's bounds; ±∞ for unbounded dimensions).
    pub support: Bounds,
}

impl MdnEstimator {
    /// Default architecture and training, posterior restricted to `support`.
    pub fn new(support: Bounds) -> Self {
        Self {
            mdn: MdnConfig::new(),
            train: TrainConfig::new(),
            support,
        }
    }

    /// Sets the architecture.
    pub fn with_mdn(mut self, mdn: MdnConfig) -> Self {
        self.mdn = mdn;
        self
    }

    /// Sets the training settings.
    pub fn with_train(mut self, train: TrainConfig) -> Self {
        self.train = train;
        self
    }

    /// Sets the support.
    pub fn with_support(mut self, support: Bounds) -> Self {
        self.support = support;
        self
    }

    /// Trains with the configured seed, reporting every epoch to `progress`.
    ///
    /// # Errors
    /// Invalid configuration, row-count mismatch, non-finite θ, fewer than two rows with
    /// finite x, a support of the wrong dimension, a diverged training.
    pub fn fit_with_progress(
        &self,
        theta: &RowMatrix,
        x: &RowMatrix,
        progress: &mut dyn FnMut(&EpochReport),
    ) -> Result<MdnPosterior> {
        sbi_core::check_dim(theta.ncols(), self.support.low.len())?;
        sbi_core::check_dim(theta.ncols(), self.support.high.len())?;
        let t = train(theta, x, &self.mdn, &self.train, progress)?;
        Ok(MdnPosterior::assemble(
            self.mdn.clone(),
            self.train.clone(),
            t.weights,
            t.theta_z,
            t.x_z,
            self.support.clone(),
            Some(t.report),
        ))
    }
}

impl DensityEstimator for MdnEstimator {
    type Posterior = MdnPosterior;
    type Error = crate::Error;

    /// Trains with a seed drawn from `rng` (overriding the configured one), silently.
    fn fit<R: Rng + ?Sized>(
        &self,
        theta: &RowMatrix,
        x: &RowMatrix,
        rng: &mut R,
    ) -> Result<MdnPosterior> {
        let est = self
            .clone()
            .with_train(self.train.clone().with_seed(draw_seed(rng)));
        est.fit_with_progress(theta, x, &mut |_| {})
    }
}
