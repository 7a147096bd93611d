//! The error type of `sbi-npe`.

/// Errors of neural posterior estimation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// θ and x have different numbers of rows.
    #[error("θ has {theta} rows but x has {x}")]
    RowMismatch {
        /// Rows of θ.
        theta: usize,
        /// Rows of x.
        x: usize,
    },
    /// Nothing left to train on (no rows, or none with finite x).
    #[error("empty training set: {0}")]
    EmptyTrainingSet(String),
    /// A configuration value is out of range.
    #[error("invalid configuration `{name}` = {value}: {reason}")]
    InvalidConfig {
        /// The field.
        name: &'static str,
        /// Its value.
        value: f64,
        /// What it must satisfy.
        reason: &'static str,
    },
    /// Training produced a non-finite loss (diverged).
    #[error("training diverged at epoch {epoch}: loss is not finite")]
    Diverged {
        /// The epoch.
        epoch: usize,
    },
    /// The members of an ensemble do not fit together (or there are none).
    #[error("incompatible ensemble members: {0}")]
    IncompatibleMembers(String),
    /// Almost every posterior sample falls outside the prior's support.
    #[error(
        "posterior samples leak out of the prior support: {accepted} of {proposed} proposals accepted; \
         the estimator is poorly trained for this x, or x lies far outside the training data"
    )]
    LowAcceptance {
        /// Proposals inside the support.
        accepted: usize,
        /// Proposals drawn.
        proposed: usize,
    },
    /// A saved posterior could not be read or written.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A saved posterior is corrupt or does not fit its own configuration.
    #[error("invalid saved posterior: {0}")]
    InvalidFile(String),
    /// A tensor operation of the training backend failed.
    #[error("backend error: {0}")]
    Backend(String),
    /// A prior error.
    #[error(transparent)]
    Prior(#[from] sbi_prior::Error),
    /// A shape or finiteness error from `sbi-core`.
    #[error(transparent)]
    Core(#[from] sbi_core::Error),
}

/// `Result` with the [`enum@Error`] of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn invalid(name: &'static str, value: f64, reason: &'static str) -> Error {
    Error::InvalidConfig {
        name,
        value,
        reason,
    }
}
