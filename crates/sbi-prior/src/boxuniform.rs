//! The box-uniform prior.

use rand::{Rng, RngExt};
use rand_distr::Distribution;
use sbi_core::{Bounds, Prior};

use crate::error::{Error, Result, check_box, check_theta};

/// The uniform distribution on the box `[low₁, high₁] × … × [lowₙ, highₙ]` (sbi's `BoxUniform`).
///
/// Boundary convention: the box is **closed**; `log_prob` is `−Σ ln(highᵢ − lowᵢ)` for
/// `lowᵢ ≤ θᵢ ≤ highᵢ` in every dimension (as torch's `Uniform` support, which sbi uses) and
/// `−∞` otherwise. Samples are drawn as `low + (high − low)·u`, u uniform on [0, 1).
///
/// ```
/// use rand::SeedableRng;
/// use sbi_core::{Prior, SeedRng};
/// use sbi_prior::BoxUniform;
///
/// // The notebook's prior: V_rest ∈ [40, 60] mV, amplitude ∈ [3, 7] µA/cm².
/// let prior = BoxUniform::new(vec![40.0, 3.0], vec![60.0, 7.0])?;
/// let mut rng = SeedRng::seed_from_u64(0);
/// let theta = prior.sample(&mut rng);
/// assert!(prior.bounds().contains(&theta));
/// assert!((prior.log_prob(&theta)? + (20.0f64 * 4.0).ln()).abs() < 1e-12);
/// assert_eq!(prior.log_prob(&[39.0, 5.0])?, f64::NEG_INFINITY);
/// assert_eq!(prior.mean(), vec![50.0, 5.0]);
/// assert!(BoxUniform::new(vec![1.0], vec![0.0]).is_err()); // inverted
/// # Ok::<(), sbi_prior::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "BoxSpec", into = "BoxSpec"))]
pub struct BoxUniform {
    low: Vec<f64>,
    high: Vec<f64>,
    log_density: f64,
}

/// The serialised form of a [`BoxUniform`], validated on the way back.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct BoxSpec {
    low: Vec<f64>,
    high: Vec<f64>,
}

#[cfg(feature = "serde")]
impl TryFrom<BoxSpec> for BoxUniform {
    type Error = Error;
    fn try_from(s: BoxSpec) -> Result<Self> {
        BoxUniform::new(s.low, s.high)
    }
}

#[cfg(feature = "serde")]
impl From<BoxUniform> for BoxSpec {
    fn from(b: BoxUniform) -> Self {
        BoxSpec {
            low: b.low,
            high: b.high,
        }
    }
}

impl BoxUniform {
    /// The box `[low, high]`.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`], [`Error::Empty`], [`Error::NonFinite`] for NaN or infinite
    /// bounds, [`Error::InvertedBounds`] when `low ≥ high` in some dimension.
    pub fn new(low: Vec<f64>, high: Vec<f64>) -> Result<Self> {
        check_box(&low, &high)?;
        let log_density = -low
            .iter()
            .zip(&high)
            .map(|(l, h)| (h - l).ln())
            .sum::<f64>();
        Ok(Self {
            low,
            high,
            log_density,
        })
    }

    /// Lower bounds.
    pub fn low(&self) -> &[f64] {
        &self.low
    }

    /// Upper bounds.
    pub fn high(&self) -> &[f64] {
        &self.high
    }

    /// Widths `high − low`.
    pub fn widths(&self) -> Vec<f64> {
        self.low
            .iter()
            .zip(&self.high)
            .map(|(l, h)| h - l)
            .collect()
    }

    /// Mean, `(low + high)/2` per dimension.
    pub fn mean(&self) -> Vec<f64> {
        self.low
            .iter()
            .zip(&self.high)
            .map(|(l, h)| 0.5 * (l + h))
            .collect()
    }

    /// Variance, `(high − low)²/12` per dimension.
    pub fn variance(&self) -> Vec<f64> {
        self.widths().iter().map(|w| w * w / 12.0).collect()
    }
}

impl Prior for BoxUniform {
    type Error = Error;

    fn dim(&self) -> usize {
        self.low.len()
    }

    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Vec<f64> {
        self.low
            .iter()
            .zip(&self.high)
            .map(|(l, h)| l + (h - l) * rng.random::<f64>())
            .collect()
    }

    fn log_prob(&self, theta: &[f64]) -> Result<f64> {
        check_theta(self.dim(), theta)?;
        let inside = theta
            .iter()
            .zip(self.low.iter().zip(&self.high))
            .all(|(t, (l, h))| t >= l && t <= h);
        Ok(if inside {
            self.log_density
        } else {
            f64::NEG_INFINITY
        })
    }

    fn bounds(&self) -> Bounds {
        Bounds {
            low: self.low.clone(),
            high: self.high.clone(),
        }
    }
}

impl Distribution<Vec<f64>> for BoxUniform {
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Vec<f64> {
        Prior::sample(self, rng)
    }
}
