//! [`MdnEstimator`]: the density estimator that trains an [`MdnPosterior`].

use rand::Rng;
use sbi_core::{Bounds, DensityEstimator, RowMatrix, draw_seed, item_seed};

use crate::config::{MdnConfig, TrainConfig};
use crate::ensemble::MdnEnsemble;
use crate::error::{Error, Result};
use crate::posterior::MdnPosterior;
use crate::train::{EpochReport, train};

/// Trains a mixture-density network q(θ | x) on simulated pairs and returns the posterior,
/// restricted to a support (the prior's bounds).
///
/// ```no_run
/// use sbi_core::{Bounds, RowMatrix};
/// use sbi_npe::{MdnConfig, MdnEstimator, TrainConfig};
/// # let (theta, x) = (RowMatrix::zeros(10, 2)?, RowMatrix::zeros(10, 2)?);
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
    /// finite x, a support of the wrong dimension, inverted, or not containing every θ row
    /// ([`Error::InvalidSupport`]), a diverged training.
    pub fn fit_with_progress(
        &self,
        theta: &RowMatrix,
        x: &RowMatrix,
        progress: &mut dyn FnMut(&EpochReport),
    ) -> Result<MdnPosterior> {
        sbi_core::check_dim(theta.ncols(), self.support.low.len())?;
        sbi_core::check_dim(theta.ncols(), self.support.high.len())?;
        crate::posterior::check_support(&self.support).map_err(Error::InvalidSupport)?;
        // θ drawn from the prior lie in its support; θ outside mean another prior's support
        // was given, and every posterior sample would be rejected.
        if let Some(row) = theta.rows().position(|t| !self.support.contains(t)) {
            return Err(Error::InvalidSupport(format!(
                "training θ row {row} = {:?} lies outside the support [{:?}, {:?}]: the \
                 support must be the bounds of the prior θ was drawn from",
                theta.row(row),
                self.support.low,
                self.support.high
            )));
        }
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

    /// Trains an ensemble of `num_members` networks on the same pairs, one after the other:
    /// member 0 with the configured seed (it is the network [`MdnEstimator::fit_with_progress`]
    /// trains), member k ≥ 1 with `item_seed(seed, k)`, so their initialisation, validation
    /// split and minibatch order differ. `progress` receives the member index with every epoch.
    /// The same seed gives the same ensemble.
    ///
    /// ```no_run
    /// use sbi_core::{Bounds, RowMatrix};
    /// use sbi_npe::MdnEstimator;
    /// # let (theta, x) = (RowMatrix::zeros(10, 2)?, RowMatrix::zeros(10, 2)?);
    /// let est = MdnEstimator::new(Bounds { low: vec![-3.0; 2], high: vec![3.0; 2] });
    /// let ensemble = est.fit_ensemble(&theta, &x, 5, &mut |member, epoch| {
    ///     eprintln!("member {member}: {epoch:?}")
    /// })?;
    /// # Ok::<(), sbi_npe::Error>(())
    /// ```
    ///
    /// # Errors
    /// `num_members == 0` ([`crate::Error::InvalidConfig`]); otherwise as
    /// [`MdnEstimator::fit_with_progress`].
    pub fn fit_ensemble(
        &self,
        theta: &RowMatrix,
        x: &RowMatrix,
        num_members: usize,
        progress: &mut dyn FnMut(usize, &EpochReport),
    ) -> Result<MdnEnsemble> {
        crate::ensemble::check_num_members(num_members)?;
        let members = (0..num_members)
            .map(|k| {
                let seed = member_seed(self.train.seed, k);
                self.clone()
                    .with_train(self.train.clone().with_seed(seed))
                    .fit_with_progress(theta, x, &mut |r| progress(k, r))
            })
            .collect::<Result<Vec<_>>>()?;
        MdnEnsemble::new(members)
    }
}

/// The training seed of ensemble member `k`: `seed` itself for member 0, then
/// `item_seed(seed, k)`.
pub(crate) fn member_seed(seed: u64, k: usize) -> u64 {
    if k == 0 {
        seed
    } else {
        item_seed(seed, k as u64)
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
