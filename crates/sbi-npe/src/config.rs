//! Configuration of the mixture-density network and of its training.

use burn::config::Config;

use crate::error::Result;
use sbi_core::invalid;

/// Architecture of the mixture-density network q(θ | x) (sbi ≥ 0.26 defaults).
///
/// ```
/// use sbi_npe::MdnConfig;
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
    /// [`crate::TrainingReport::skipped_steps`]).
    #[config(default = 1e-3)]
    pub min_factor_diagonal: f64,
}

/// The kind of normalising flow ([`FlowConfig::kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FlowKind {
    /// Neural spline flow (Durkan et al. 2019): rational-quadratic spline coupling transforms
    /// conditioned by residual networks, each followed by an LU-factored linear map (sbi's
    /// `nsf`).
    Nsf,
    /// Masked autoregressive flow (Papamakarios et al. 2017): affine autoregressive transforms
    /// with MADE conditioners, each followed by a reversal of the θ order (sbi's `maf`).
    Maf,
}

impl FlowKind {
    /// `"nsf"` or `"maf"`, as sbi names them.
    pub fn name(self) -> &'static str {
        match self {
            Self::Nsf => "nsf",
            Self::Maf => "maf",
        }
    }
}

/// Architecture of a conditional normalising flow q(θ | x) (sbi 0.27's defaults for `nsf`
/// and `maf`).
///
/// A flow maps standardised θ to z through [`FlowConfig::num_transforms`] invertible
/// transforms whose parameters depend on standardised x (and, for each θ coordinate, on
/// the coordinates before it), and scores q(θ | x) = N(z; 0, I)·|det ∂z/∂θ|.
///
/// ```
/// use sbi_npe::{FlowConfig, FlowKind};
/// let nsf = FlowConfig::nsf();
/// assert_eq!((nsf.num_transforms, nsf.hidden_features, nsf.num_bins), (5, 50, 10));
/// assert_eq!((nsf.tail_bound, nsf.num_blocks), (3.0, 2));
/// assert_eq!(FlowConfig::maf().kind, FlowKind::Maf);
/// ```
#[derive(Config, Debug, PartialEq)]
pub struct FlowConfig {
    /// Spline coupling (NSF) or affine autoregressive (MAF) transforms.
    pub kind: FlowKind,
    /// Number of transforms.
    #[config(default = 5)]
    pub num_transforms: usize,
    /// Hidden units of each transform's conditioner.
    #[config(default = 50)]
    pub hidden_features: usize,
    /// Blocks of each conditioner: residual blocks (NSF, ReLU) or hidden masked layers
    /// after the first (MAF, tanh).
    #[config(default = 2)]
    pub num_blocks: usize,
    /// Spline bins (NSF only).
    #[config(default = 10)]
    pub num_bins: usize,
    /// The splines act on [−B, B] of standardised θ and are the identity outside (NSF only).
    #[config(default = 3.0)]
    pub tail_bound: f64,
}

impl FlowConfig {
    /// sbi's neural spline flow: 5 transforms, 50 hidden units, 2 residual blocks, 10 bins,
    /// tail bound 3.
    pub fn nsf() -> Self {
        Self::new(FlowKind::Nsf)
    }

    /// sbi's masked autoregressive flow: 5 transforms, 50 hidden units, 2 blocks.
    pub fn maf() -> Self {
        Self::new(FlowKind::Maf)
    }

    /// Checks every field.
    ///
    /// # Errors
    /// [`sbi_core::Error::InvalidParameter`] naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        let count = |name: &'static str, v: usize, ok: bool, reason: &'static str| {
            if ok {
                Ok(())
            } else {
                Err(invalid::<crate::Error>(name, v as f64, reason))
            }
        };
        let (t, h, b) = (self.num_transforms, self.hidden_features, self.num_blocks);
        count(
            "num_transforms",
            t,
            (1..=64).contains(&t),
            "must lie in 1…64",
        )?;
        count(
            "hidden_features",
            h,
            (1..=1 << 14).contains(&h),
            "must lie in 1…16,384",
        )?;
        count("num_blocks", b, b <= 16, "must lie in 0…16")?;
        if self.kind == FlowKind::Nsf {
            let k = self.num_bins;
            count("num_bins", k, (2..=256).contains(&k), "must lie in 2…256")?;
            if !(self.tail_bound.is_finite() && self.tail_bound > 0.0 && self.tail_bound <= 1e3) {
                return Err(invalid(
                    "tail_bound",
                    self.tail_bound,
                    "must be positive and at most 1000",
                ));
            }
        }
        Ok(())
    }
}

/// Training settings (sbi's defaults). The seed is not a setting: it is given to each fit
/// ([`sbi_core::DensityEstimator::fit`]), so one configuration trains ensemble members with
/// different seeds.
///
/// ```
/// use sbi_npe::TrainConfig;
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
        if !(self.min_factor_diagonal.is_finite() && self.min_factor_diagonal >= 0.0) {
            return Err(invalid(
                "min_factor_diagonal",
                self.min_factor_diagonal,
                "must be finite and non-negative",
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
        if !(self.precision_epsilon.is_finite() && self.precision_epsilon >= 0.0) {
            return Err(invalid(
                "precision_epsilon",
                self.precision_epsilon,
                "must be finite and non-negative",
            ));
        }
        Ok(())
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
