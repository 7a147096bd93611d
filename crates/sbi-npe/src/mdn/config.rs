//! [`MdnConfig`]: the architecture of the mixture-density network.

use burn::config::Config;
use sbi_core::invalid;

use crate::error::Result;

/// Architecture of the mixture-density network q(θ | x) (sbi ≥ 0.26 defaults).
///
/// ```
/// use sbi_npe::{MdnConfig};
/// let c = MdnConfig::new().with_num_components(5);
/// assert_eq!((c.hidden_features, c.num_hidden_layers, c.num_components), (50, 2, 5));
/// ```
#[derive(Config, Debug, PartialEq)]
pub struct MdnConfig {
    /// Units per hidden layer (ReLU).
    #[config(default = 50)]
    pub hidden_features: usize,
    /// Number of hidden layers.
    #[config(default = 2)]
    pub num_hidden_layers: usize,
    /// Number of full-covariance Gaussian components K.
    #[config(default = 10)]
    pub num_components: usize,
    /// ε added to each component's precision, AᵀA + ε·I.
    #[config(default = 1e-4)]
    pub precision_epsilon: f64,
    /// Floor added to softplus on the diagonal of each factor Aₖ (standardised θ units): it
    /// bounds a component's standard deviation by its inverse (10³ by default; the prior
    /// spans a few units) and keeps ln Aᵢᵢ and its gradient finite in f32 training. 0 is
    /// sbi's parametrisation, with which a component whose diagonal underflows makes NaN
    /// gradients (training then skips those steps and recovers, see
    /// [`sbi_core::TrainingReport::skipped_steps`]).
    #[config(default = 1e-3)]
    pub min_factor_diagonal: f64,
}

impl Default for MdnConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl MdnConfig {
    /// Checks every field.
    ///
    /// # Errors
    /// [`sbi_core::Error::InvalidParameter`] naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        if self.hidden_features == 0 {
            return Err(invalid("hidden_features", 0.0, "must be at least 1"));
        }
        if self.num_components == 0 {
            return Err(invalid("num_components", 0.0, "must be at least 1"));
        }
        // Both floor a component's precision: above 1 (standardised θ units) every component
        // would be narrower than the prior's spread, whatever the data say.
        if !(0.0..=1.0).contains(&self.min_factor_diagonal) {
            return Err(invalid(
                "min_factor_diagonal",
                self.min_factor_diagonal,
                "must lie in 0…1",
            ));
        }
        // Sizes a typo could make absurd (an allocation that aborts): generous bounds.
        if self.hidden_features > 1 << 16 {
            return Err(invalid(
                "hidden_features",
                self.hidden_features as f64,
                "at most 65,536 units per layer",
            ));
        }
        if self.num_hidden_layers > 64 {
            return Err(invalid(
                "num_hidden_layers",
                self.num_hidden_layers as f64,
                "at most 64 layers",
            ));
        }
        if self.num_components > 1000 {
            return Err(invalid(
                "num_components",
                self.num_components as f64,
                "at most 1000 components",
            ));
        }
        if !(0.0..=1.0).contains(&self.precision_epsilon) {
            return Err(invalid(
                "precision_epsilon",
                self.precision_epsilon,
                "must lie in 0…1",
            ));
        }
        Ok(())
    }
}
