//! The logit bijection between a box and ℝⁿ.

use crate::boxuniform::BoxUniform;
use crate::error::{Error, Result, check_box};

/// The bijection `z = logit((θ − low)/(high − low))` between the open box `(low, high)` and
/// ℝⁿ, with inverse `θ = low + (high − low)·σ(z)`, for optimisers and unconstrained inference.
///
/// The log-Jacobian of the inverse is
/// `ln|det ∂θ/∂z| = Σᵢ ln(highᵢ − lowᵢ) + ln σ(zᵢ) + ln(1 − σ(zᵢ))`, computed with
/// `ln σ(z) = −softplus(−z)` so it stays finite for large |z|. If θ has density p(θ), then z
/// has density `p(θ(z))·|det ∂θ/∂z|`.
///
/// ```
/// use sbi_prior::LogitTransform;
/// let t = LogitTransform::new(vec![40.0, 3.0], vec![60.0, 7.0])?;
/// let z = t.forward(&[50.0, 6.0])?;
/// assert!(z[0].abs() < 1e-12); // the box centre maps to 0
/// let back = t.inverse(&z)?;
/// assert!((back[1] - 6.0).abs() < 1e-12);
/// assert!(t.forward(&[60.0, 5.0]).is_err()); // the boundary maps to infinity
/// # Ok::<(), sbi_prior::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "LogitFields"))]
pub struct LogitTransform {
    low: Vec<f64>,
    high: Vec<f64>,
}

/// A [`LogitTransform`] as read from a file, before its checks.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct LogitFields {
    low: Vec<f64>,
    high: Vec<f64>,
}

/// Deserialising goes through [`LogitTransform::new`] (finite bounds, `low < high`, equal
/// lengths).
#[cfg(feature = "serde")]
impl TryFrom<LogitFields> for LogitTransform {
    type Error = Error;

    fn try_from(f: LogitFields) -> Result<Self> {
        Self::new(f.low, f.high)
    }
}

/// softplus(x) = ln(1 + eˣ), without overflow.
fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

impl LogitTransform {
    /// The transform of the box `(low, high)`.
    ///
    /// # Errors
    /// As [`BoxUniform::new`].
    pub fn new(low: Vec<f64>, high: Vec<f64>) -> Result<Self> {
        check_box(&low, &high)?;
        Ok(Self { low, high })
    }

    /// The transform of a box prior's support.
    pub fn for_box(prior: &BoxUniform) -> Self {
        Self {
            low: prior.low().to_vec(),
            high: prior.high().to_vec(),
        }
    }

    /// Dimension.
    pub fn dim(&self) -> usize {
        self.low.len()
    }

    /// Box → ℝⁿ.
    ///
    /// # Errors
    /// Wrong length, NaN, or a point not strictly inside the box ([`Error::OutsideSupport`]).
    pub fn forward(&self, theta: &[f64]) -> Result<Vec<f64>> {
        crate::error::check_theta(self.dim(), theta)?;
        theta
            .iter()
            .enumerate()
            .map(|(i, &t)| {
                let (l, h) = (self.low[i], self.high[i]);
                if t > l && t < h {
                    // logit(u) = ln(u/(1−u)) with u = (t − l)/(h − l).
                    Ok(((t - l) / (h - t)).ln())
                } else {
                    Err(Error::OutsideSupport {
                        index: i,
                        value: t,
                        low: l,
                        high: h,
                    })
                }
            })
            .collect()
    }

    /// ℝⁿ → box.
    ///
    /// # Errors
    /// Wrong length or NaN. ±∞ maps to the bounds.
    pub fn inverse(&self, z: &[f64]) -> Result<Vec<f64>> {
        crate::error::check_theta(self.dim(), z)?;
        Ok(z.iter()
            .enumerate()
            .map(|(i, &zi)| {
                let (l, h) = (self.low[i], self.high[i]);
                // σ(z) computed on the side where it does not round to 1.
                if zi >= 0.0 {
                    h - (h - l) / (1.0 + zi.exp())
                } else {
                    l + (h - l) / (1.0 + (-zi).exp())
                }
            })
            .collect())
    }

    /// `ln|det ∂θ/∂z|` at `z` (the inverse map's log-Jacobian).
    ///
    /// # Errors
    /// Wrong length or NaN.
    pub fn log_abs_det_jacobian(&self, z: &[f64]) -> Result<f64> {
        crate::error::check_theta(self.dim(), z)?;
        Ok(z.iter()
            .enumerate()
            .map(|(i, &zi)| (self.high[i] - self.low[i]).ln() - softplus(-zi) - softplus(zi))
            .sum())
    }
}
