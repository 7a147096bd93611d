//! [`TrainConfig`]: the training settings every network estimator shares (sbi's defaults).

use burn::config::Config;

use crate::error::Result;
use sbi_core::invalid;

/// Training settings (sbi's defaults). The seed is not a setting: it is given to each fit
/// ([`sbi_core::DensityEstimator::fit`]), so one configuration trains ensemble members with
/// different seeds.
///
/// ```
/// use sbi_npe::{TrainConfig};
/// let t = TrainConfig::new().with_max_epochs(50);
/// assert_eq!((t.batch_size, t.stop_after_epochs, t.max_epochs), (200, 20, 50));
/// assert!(t.validate().is_ok());
/// ```
#[derive(Config, Debug, PartialEq)]
pub struct TrainConfig {
    /// Adam learning rate.
    #[config(default = 5e-4)]
    pub learning_rate: f64,
    /// Minibatch size.
    #[config(default = 200)]
    pub batch_size: usize,
    /// Fraction of the (finite) rows held out for validation.
    #[config(default = 0.1)]
    pub validation_fraction: f64,
    /// Stop after this many epochs without a validation improvement (then restore the best
    /// weights).
    #[config(default = 20)]
    pub stop_after_epochs: usize,
    /// Hard cap on epochs.
    #[config(default = 1000)]
    pub max_epochs: usize,
    /// Clip the global gradient norm to this value (as sbi, `clip_max_norm`); 0 disables.
    #[config(default = 5.0)]
    pub clip_max_norm: f64,
    /// Adam's ε (PyTorch's 1e-8; burn's default would be 1e-5).
    #[config(default = 1e-8)]
    pub adam_epsilon: f64,
    /// Decorrelate x after z-scoring it (whitening with the training covariance). Off by
    /// default, as sbi; it helps when a parameter acts on several features at once and the
    /// information about another lies in their small differences (the notebook's V_rest shifts
    /// both `max` and `mean`, hiding the stimulus in max − mean): there it cut the stimulus
    /// error tenfold (docs/notebook.md).
    #[config(default = false)]
    pub whiten_x: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl TrainConfig {
    /// Checks every field.
    ///
    /// # Errors
    /// [`sbi_core::Error::InvalidParameter`] naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(invalid(
                "learning_rate",
                self.learning_rate,
                "must be positive",
            ));
        }
        if self.batch_size == 0 {
            return Err(invalid("batch_size", 0.0, "must be at least 1"));
        }
        if !(self.validation_fraction > 0.0 && self.validation_fraction < 1.0) {
            return Err(invalid(
                "validation_fraction",
                self.validation_fraction,
                "must lie in (0, 1)",
            ));
        }
        if self.max_epochs == 0 {
            return Err(invalid("max_epochs", 0.0, "must be at least 1"));
        }
        if !(self.clip_max_norm.is_finite() && self.clip_max_norm >= 0.0) {
            return Err(invalid("clip_max_norm", self.clip_max_norm, "must be ≥ 0"));
        }
        if !(self.adam_epsilon.is_finite() && self.adam_epsilon > 0.0) {
            return Err(invalid(
                "adam_epsilon",
                self.adam_epsilon,
                "must be positive",
            ));
        }
        Ok(())
    }
}
