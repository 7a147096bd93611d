//! [`FlowConfig`] and [`FlowKind`]: the architecture of a normalising flow.

use burn::config::Config;
use sbi_core::invalid;

use crate::error::Result;

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
/// // A spline on less than ±0.5 standardised units is refused (a saved 1e-300 used to load).
/// assert!(FlowConfig::nsf().with_tail_bound(1e-300).validate().is_err());
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
            // θ is standardised: splines on less than ±0.5 std would leave nearly all the
            // mass to the identity tails.
            if !(self.tail_bound.is_finite() && (0.5..=1e3).contains(&self.tail_bound)) {
                return Err(invalid(
                    "tail_bound",
                    self.tail_bound,
                    "must lie in 0.5…1000 (standardised θ units)",
                ));
            }
        }
        Ok(())
    }
}
