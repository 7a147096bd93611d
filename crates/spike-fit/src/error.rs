//! The error type of `spike-fit`.

/// Errors of the spike model, the data and the fitting methods.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The data are unusable.
    #[error("invalid data: {0}")]
    InvalidData(String),
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// No point a solver evaluated had a finite loss: every one was outside the valid region
    /// (δv, δa > −1, finite) or its prediction failed to give a number.
    #[error(
        "the {solver} solver found no valid (δv, δa) in {evaluations} evaluations: every point \
         was outside δv, δa > −1 (check that the data's relative stimuli lie near 1: the \
         stimulus is 10⁻⁷ µA · x · (1 + δv))"
    )]
    NoValidPoint {
        /// The solver.
        solver: &'static str,
        /// Evaluations made.
        evaluations: usize,
    },
    /// A shape error from `sbi-core`.
    #[error(transparent)]
    Core(#[from] sbi_core::Error),
}

/// `Result` with the [`enum@Error`] of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
