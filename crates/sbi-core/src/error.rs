//! The error type of `sbi-core`.

/// Errors raised by the shared types of `sbi-core` (shapes, traces, the toy simulator).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A vector or matrix had the wrong length or number of columns.
    #[error("dimension mismatch: expected {expected}, found {found}")]
    DimensionMismatch {
        /// The length that was required.
        expected: usize,
        /// The length that was given.
        found: usize,
    },
    /// A value that must be finite was NaN or infinite.
    #[error("non-finite value at index {index}")]
    NonFinite {
        /// Position of the first offending value.
        index: usize,
    },
    /// Input that must not be empty was empty.
    #[error("empty input: {what}")]
    Empty {
        /// What was empty.
        what: &'static str,
    },
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A text file could not be parsed.
    #[error("{path}, line {line}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What went wrong.
        message: String,
    },
    /// A batch would exceed the size limit ([`crate::MAX_ENTRIES`] entries).
    #[error(
        "{what} of {nrows} × {ncols} exceeds the limit of {max} entries (8 GiB of f64): \
         split the work into smaller batches"
    )]
    TooLarge {
        /// What was to be allocated.
        what: &'static str,
        /// Rows asked for.
        nrows: usize,
        /// Columns asked for.
        ncols: usize,
        /// The limit.
        max: usize,
    },
    /// Paired batches (θ and x of simulated pairs) have different numbers of rows.
    #[error("θ has {theta} rows but x has {x}")]
    RowMismatch {
        /// Rows of θ.
        theta: usize,
        /// Rows of x.
        x: usize,
    },
    /// A support (per-dimension bounds) is unusable, or does not contain the data drawn from
    /// it.
    #[error("invalid support: {0}")]
    InvalidSupport(String),
    /// A scalar parameter was outside its valid range.
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// What the value must satisfy.
        reason: &'static str,
    },
}

/// `Result` with the [`enum@Error`] of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// [`Error::InvalidParameter`] as any error type that wraps this crate's: the one constructor
/// every crate of the workspace uses for an out-of-range setting, so such errors look and
/// match the same everywhere (`Error::Core(sbi_core::Error::InvalidParameter { .. })`).
///
/// ```
/// let e: sbi_core::Error = sbi_core::invalid("dt_ms", -1.0, "must be positive");
/// assert_eq!(e.to_string(), "invalid parameter `dt_ms` = -1: must be positive");
/// ```
pub fn invalid<E: From<Error>>(name: &'static str, value: f64, reason: &'static str) -> E {
    Error::InvalidParameter {
        name,
        value,
        reason,
    }
    .into()
}

/// Checks that every value is finite, reporting the first offending index.
///
/// ```
/// assert!(sbi_core::check_finite(&[1.0, 2.0]).is_ok());
/// assert!(sbi_core::check_finite(&[1.0, f64::NAN]).is_err());
/// ```
pub fn check_finite(values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(Error::NonFinite { index }),
        None => Ok(()),
    }
}

/// Checks that `found == expected`.
///
/// ```
/// assert!(sbi_core::check_dim(2, 2).is_ok());
/// assert!(sbi_core::check_dim(2, 3).is_err());
/// ```
pub fn check_dim(expected: usize, found: usize) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::DimensionMismatch { expected, found })
    }
}
