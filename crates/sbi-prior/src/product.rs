//! Independent products of one-dimensional distributions.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};
use sbi_core::{Bounds, Prior};

use crate::error::{Error, Result, check_theta};

/// `ln √(2π)`.
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// A one-dimensional distribution, one factor of an [`IndependentPrior`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
pub enum Marginal {
    /// Uniform on the closed interval `[low, high]`.
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// Normal N(mean, std²).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation (> 0).
        std: f64,
    },
    /// Log-normal: ln X ~ N(mu, sigma²); support (0, ∞).
    LogNormal {
        /// Mean of ln X.
        mu: f64,
        /// Standard deviation of ln X (> 0).
        sigma: f64,
    },
}

impl Marginal {
    fn validate(&self, index: usize) -> Result<()> {
        let (a, b) = match *self {
            Marginal::Uniform { low, high } => (low, high),
            Marginal::Normal { mean, std } => (mean, std),
            Marginal::LogNormal { mu, sigma } => (mu, sigma),
        };
        if !a.is_finite() || !b.is_finite() {
            return Err(Error::NonFinite { index });
        }
        match *self {
            Marginal::Uniform { low, high } if low >= high => {
                Err(Error::InvertedBounds { index, low, high })
            }
            Marginal::Normal { std: s, .. } | Marginal::LogNormal { sigma: s, .. } if s <= 0.0 => {
                Err(Error::InvalidScale { index, value: s })
            }
            // 40 standard deviations bound every draw the normal sampler can make.
            Marginal::Uniform { low, high } if !(high - low).is_finite() => Err(Error::Overflow {
                index,
                reason: "the width high − low overflows f64 (draws would be infinite)",
            }),
            Marginal::Normal { mean, std } if !(mean.abs() + 40.0 * std).is_finite() => {
                Err(Error::Overflow {
                    index,
                    reason: "|mean| + 40·std overflows f64 (draws would be infinite)",
                })
            }
            Marginal::LogNormal { mu, sigma } if mu.abs() + 40.0 * sigma > 700.0 => {
                Err(Error::Overflow {
                    index,
                    reason: "log-normal needs |mu| + 40·sigma ≤ 700: exp of a draw would \
                             overflow to ∞ or underflow to 0 (ln f64::MAX ≈ 709.8)",
                })
            }
            _ => Ok(()),
        }
    }

    /// One draw.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            Marginal::Uniform { low, high } => low + (high - low) * rng.random::<f64>(),
            Marginal::Normal { mean, std } => {
                let z: f64 = StandardNormal.sample(rng);
                mean + std * z
            }
            Marginal::LogNormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
        }
    }

    /// Log-density at `x` (−∞ outside the support).
    pub fn log_prob(&self, x: f64) -> f64 {
        match *self {
            Marginal::Uniform { low, high } => {
                if x >= low && x <= high {
                    -(high - low).ln()
                } else {
                    f64::NEG_INFINITY
                }
            }
            Marginal::Normal { mean, std } => {
                let z = (x - mean) / std;
                -0.5 * z * z - std.ln() - LN_SQRT_2PI
            }
            Marginal::LogNormal { mu, sigma } => {
                if x > 0.0 && x.is_finite() {
                    let lx = x.ln();
                    let z = (lx - mu) / sigma;
                    -0.5 * z * z - sigma.ln() - LN_SQRT_2PI - lx
                } else {
                    f64::NEG_INFINITY
                }
            }
        }
    }

    /// Mean.
    pub fn mean(&self) -> f64 {
        match *self {
            Marginal::Uniform { low, high } => 0.5 * (low + high),
            Marginal::Normal { mean, .. } => mean,
            Marginal::LogNormal { mu, sigma } => (mu + 0.5 * sigma * sigma).exp(),
        }
    }

    /// Variance.
    pub fn variance(&self) -> f64 {
        match *self {
            Marginal::Uniform { low, high } => (high - low).powi(2) / 12.0,
            Marginal::Normal { std, .. } => std * std,
            Marginal::LogNormal { mu, sigma } => {
                let s2 = sigma * sigma;
                s2.exp_m1() * (2.0 * mu + s2).exp()
            }
        }
    }

    /// Support `(low, high)` (closed for uniform, `[0, ∞)` for log-normal).
    pub fn support(&self) -> (f64, f64) {
        match *self {
            Marginal::Uniform { low, high } => (low, high),
            Marginal::Normal { .. } => (f64::NEG_INFINITY, f64::INFINITY),
            Marginal::LogNormal { .. } => (0.0, f64::INFINITY),
        }
    }
}

/// A prior whose dimensions are independent, each with its own [`Marginal`].
///
/// ```
/// use rand::SeedableRng;
/// use sbi_core::{Prior, SeedRng};
/// use sbi_prior::{IndependentPrior, Marginal};
///
/// let prior = IndependentPrior::new(vec![
///     Marginal::Uniform { low: 40.0, high: 60.0 },
///     Marginal::LogNormal { mu: 1.5, sigma: 0.2 },
///     Marginal::Normal { mean: 0.0, std: 2.0 },
/// ])?;
/// let theta = prior.sample(&mut SeedRng::seed_from_u64(1));
/// assert!(prior.log_prob(&theta)?.is_finite());
/// assert_eq!(prior.log_prob(&[50.0, -1.0, 0.0])?, f64::NEG_INFINITY);
/// # Ok::<(), sbi_prior::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "Vec<Marginal>", into = "Vec<Marginal>")
)]
pub struct IndependentPrior {
    marginals: Vec<Marginal>,
}

impl TryFrom<Vec<Marginal>> for IndependentPrior {
    type Error = Error;
    fn try_from(m: Vec<Marginal>) -> Result<Self> {
        Self::new(m)
    }
}

impl From<IndependentPrior> for Vec<Marginal> {
    fn from(p: IndependentPrior) -> Self {
        p.marginals
    }
}

impl IndependentPrior {
    /// The product of `marginals`, in order.
    ///
    /// # Errors
    /// [`Error::Empty`] without marginals; [`Error::NonFinite`], [`Error::InvertedBounds`] or
    /// [`Error::InvalidScale`] for an invalid marginal.
    pub fn new(marginals: Vec<Marginal>) -> Result<Self> {
        if marginals.is_empty() {
            return Err(Error::Empty);
        }
        for (i, m) in marginals.iter().enumerate() {
            m.validate(i)?;
        }
        Ok(Self { marginals })
    }

    /// The marginals.
    pub fn marginals(&self) -> &[Marginal] {
        &self.marginals
    }

    /// Means per dimension.
    pub fn mean(&self) -> Vec<f64> {
        self.marginals.iter().map(Marginal::mean).collect()
    }

    /// Variances per dimension.
    pub fn variance(&self) -> Vec<f64> {
        self.marginals.iter().map(Marginal::variance).collect()
    }
}

impl Prior for IndependentPrior {
    type Error = Error;

    fn dim(&self) -> usize {
        self.marginals.len()
    }

    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Vec<f64> {
        self.marginals.iter().map(|m| m.sample(rng)).collect()
    }

    fn log_prob(&self, theta: &[f64]) -> Result<f64> {
        check_theta(self.dim(), theta)?;
        Ok(self
            .marginals
            .iter()
            .zip(theta)
            .map(|(m, t)| m.log_prob(*t))
            .sum())
    }

    fn bounds(&self) -> Bounds {
        let (low, high) = self.marginals.iter().map(Marginal::support).unzip();
        Bounds { low, high }
    }
}

impl Distribution<Vec<f64>> for IndependentPrior {
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Vec<f64> {
        Prior::sample(self, rng)
    }
}
