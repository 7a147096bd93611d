//! The error type of `sbi-prior`.

/// Errors of priors and transforms.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `low` and `high` differ in length.
    #[error("bounds differ in length: {low} lower vs {high} upper")]
    LengthMismatch {
        /// Length of `low`.
        low: usize,
        /// Length of `high`.
        high: usize,
    },
    /// A prior needs at least one dimension.
    #[error("a prior needs at least one dimension")]
    Empty,
    /// `low[index] ≥ high[index]`.
    #[error("dimension {index}: need low < high, got low = {low}, high = {high}")]
    InvertedBounds {
        /// The dimension.
        index: usize,
        /// Its lower bound.
        low: f64,
        /// Its upper bound.
        high: f64,
    },
    /// A bound, parameter or θ component is NaN or infinite where a finite value is needed.
    #[error("non-finite value in dimension {index}")]
    NonFinite {
        /// The dimension.
        index: usize,
    },
    /// A distribution so wide (or, for a log-normal, so far out) that its draws or its density
    /// overflow `f64`: every draw must be a finite number.
    #[error("dimension {index}: {reason}")]
    Overflow {
        /// The dimension.
        index: usize,
        /// What overflows.
        reason: &'static str,
    },
    /// A marginal's scale parameter is not positive.
    #[error("dimension {index}: scale must be finite and positive, got {value}")]
    InvalidScale {
        /// The dimension.
        index: usize,
        /// The value given.
        value: f64,
    },
    /// A point outside the open box, where the logit transform is undefined.
    #[error("dimension {index}: {value} lies outside the open interval ({low}, {high})")]
    OutsideSupport {
        /// The dimension.
        index: usize,
        /// The value.
        value: f64,
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// A covariance matrix with other than d × d entries.
    #[error("a covariance for {dim} dimensions needs {dim} × {dim} entries, got {len}")]
    CovarianceShape {
        /// Dimension of the mean.
        dim: usize,
        /// Entries given.
        len: usize,
    },
    /// A covariance matrix that is not symmetric.
    #[error("the covariance is not symmetric: entries ({row}, {col}) and ({col}, {row}) differ")]
    NotSymmetric {
        /// Row of the first differing entry.
        row: usize,
        /// Its column.
        col: usize,
    },
    /// A covariance matrix that is not positive definite (a degenerate or invalid Gaussian).
    #[error("the covariance is not positive definite")]
    NotPositiveDefinite,
    /// A shape error from `sbi-core`.
    #[error(transparent)]
    Core(#[from] sbi_core::Error),
}

/// `Result` with the [`enum@Error`] of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// θ must have `dim` components, none NaN (±∞ is allowed: it is outside any finite box).
pub(crate) fn check_theta(dim: usize, theta: &[f64]) -> Result<()> {
    sbi_core::check_dim(dim, theta.len())?;
    match theta.iter().position(|t| t.is_nan()) {
        Some(index) => Err(Error::NonFinite { index }),
        None => Ok(()),
    }
}

/// Validates box bounds: equal lengths, at least one dimension, finite, `low < high`.
pub(crate) fn check_box(low: &[f64], high: &[f64]) -> Result<()> {
    if low.len() != high.len() {
        return Err(Error::LengthMismatch {
            low: low.len(),
            high: high.len(),
        });
    }
    if low.is_empty() {
        return Err(Error::Empty);
    }
    for (index, (&l, &h)) in low.iter().zip(high).enumerate() {
        if !l.is_finite() || !h.is_finite() {
            return Err(Error::NonFinite { index });
        }
        if l >= h {
            return Err(Error::InvertedBounds {
                index,
                low: l,
                high: h,
            });
        }
        if !(h - l).is_finite() {
            return Err(Error::Overflow {
                index,
                reason: "the width high − low overflows f64 (draws would be infinite)",
            });
        }
    }
    Ok(())
}
