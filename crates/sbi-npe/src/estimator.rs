//! [`MdnEstimator`]: the density estimator that trains an [`MdnPosterior`].

use sbi_core::{Bounds, DensityEstimator, Progress, RowMatrix};

use crate::config::{MdnConfig, TrainConfig};
use crate::error::{Error, Result};
use crate::persist::check_support;
use crate::posterior::{MdnPosterior, TrainedOn};
use crate::train::train;

/// Trains a mixture-density network q(θ | x) on simulated pairs
/// ([`DensityEstimator::fit`]) and returns the posterior, restricted to the prior's support.
///
/// ```no_run
/// use sbi_core::{Bounds, DensityEstimator, RowMatrix};
/// use sbi_npe::{MdnConfig, MdnEstimator, TerminalProgress, TrainConfig};
/// # let (theta, x) = (RowMatrix::zeros(10, 2)?, RowMatrix::zeros(10, 2)?);
/// let est = MdnEstimator::new()
///     .with_mdn(MdnConfig::new().with_num_components(5))
///     .with_train(TrainConfig::new().with_max_epochs(200));
/// let support = Bounds { low: vec![-3.0; 2], high: vec![3.0; 2] };
/// let mut progress = TerminalProgress::new("training");
/// let posterior = est.fit(&theta, &x, &support, 1, &mut progress)?;
/// # Ok::<(), sbi_npe::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MdnEstimator {
    /// Network architecture.
    pub mdn: MdnConfig,
    /// Training settings.
    pub train: TrainConfig,
}

impl Default for MdnConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl MdnEstimator {
    /// Default architecture and training (sbi's).
    pub fn new() -> Self {
        Self::default()
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
}

impl DensityEstimator for MdnEstimator {
    type Posterior = MdnPosterior;
    type Error = Error;

    /// Trains with seed `seed` (initialisation, validation split and minibatch order: same
    /// seed, same network), reporting every epoch to `progress`. Rows with non-finite x are
    /// dropped and counted in the report.
    ///
    /// # Errors
    /// Invalid configuration, row-count mismatch, non-finite θ, fewer than two rows with
    /// finite x ([`Error::Empty`]), a support of the wrong dimension, inverted, or not
    /// containing every θ row ([`Error::InvalidSupport`]), a training that never gave a finite
    /// validation loss ([`Error::Diverged`]).
    fn fit(
        &self,
        theta: &RowMatrix,
        x: &RowMatrix,
        support: &Bounds,
        seed: u64,
        progress: &mut dyn Progress,
    ) -> Result<MdnPosterior> {
        sbi_core::check_dim(theta.ncols(), support.low.len())?;
        sbi_core::check_dim(theta.ncols(), support.high.len())?;
        check_support(support).map_err(Error::InvalidSupport)?;
        // θ drawn from the prior lie in its support; θ outside mean another prior's support
        // was given, and every posterior sample would be rejected.
        if let Some(row) = theta.rows().position(|t| !support.contains(t)) {
            return Err(Error::InvalidSupport(format!(
                "training θ row {row} = {:?} lies outside the support [{:?}, {:?}]: the \
                 support must be the bounds of the prior θ was drawn from",
                theta.row(row),
                support.low,
                support.high
            )));
        }
        let t = train(theta, x, &self.mdn, &self.train, seed, progress)?;
        Ok(MdnPosterior {
            mdn: self.mdn.clone(),
            train: self.train.clone(),
            seed,
            weights: t.weights,
            theta_z: t.theta_z,
            x_z: t.x_z,
            support: support.clone(),
            report: Some(t.report),
            trained_on: TrainedOn::default(),
        })
    }
}
