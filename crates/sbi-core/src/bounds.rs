//! [`Bounds`]: the per-dimension box of a prior's support.

use crate::error::{Error, Result, check_dim};

/// Per-dimension lower and upper bounds of a support (`±∞` where unbounded).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Bounds {
    /// Lower bounds.
    pub low: Vec<f64>,
    /// Upper bounds.
    pub high: Vec<f64>,
}

impl Bounds {
    /// Unbounded in `dim` dimensions.
    pub fn unbounded(dim: usize) -> Self {
        Self {
            low: vec![f64::NEG_INFINITY; dim],
            high: vec![f64::INFINITY; dim],
        }
    }

    /// Whether `theta` lies in the closed box `[low, high]`.
    ///
    /// ```
    /// let b = sbi_core::Bounds { low: vec![0.0], high: vec![1.0] };
    /// assert!(b.contains(&[1.0]));
    /// assert!(!b.contains(&[1.5]));
    /// assert!(!b.contains(&[f64::NAN]));
    /// ```
    pub fn contains(&self, theta: &[f64]) -> bool {
        theta.len() == self.low.len()
            && theta
                .iter()
                .zip(self.low.iter().zip(&self.high))
                .all(|(t, (l, h))| *t >= *l && *t <= *h)
    }

    /// Checks that the bounds describe a support: as many lower as upper bounds, and in every
    /// dimension `low < high` (either may be infinite, neither NaN).
    ///
    /// ```
    /// use sbi_core::Bounds;
    /// assert!(Bounds { low: vec![0.0], high: vec![f64::INFINITY] }.validate().is_ok());
    /// assert!(Bounds { low: vec![1.0], high: vec![1.0] }.validate().is_err());
    /// assert!(Bounds { low: vec![f64::NAN], high: vec![1.0] }.validate().is_err());
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidSupport`] naming the first bad dimension.
    pub fn validate(&self) -> Result<()> {
        check_dim(self.low.len(), self.high.len())?;
        for (j, (l, h)) in self.low.iter().zip(&self.high).enumerate() {
            if l.is_nan() || h.is_nan() || l >= h || *l == f64::INFINITY || *h == f64::NEG_INFINITY
            {
                return Err(Error::InvalidSupport(format!(
                    "prior support dimension {j} is [{l}, {h}]: need low < high"
                )));
            }
        }
        Ok(())
    }
}
