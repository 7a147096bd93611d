//! The error type of `sbi-npe`.

/// Errors of neural posterior estimation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Nothing to work on: no training rows (or none with finite x), no sample for a
    /// diagnostic.
    #[error("nothing to work on: {what}")]
    Empty {
        /// What is empty, and what was needed.
        what: String,
    },
    /// The input has no spread where some is needed (e.g. a C2ST reference column that is
    /// constant, which cannot be z-scored).
    #[error("degenerate input: {0}")]
    Degenerate(String),
    /// Training produced a non-finite loss (diverged).
    #[error("training diverged at epoch {epoch}: loss is not finite")]
    Diverged {
        /// The epoch.
        epoch: usize,
    },
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
    /// A warm start from a posterior of another estimator, configuration or dimension.
    #[error("warm start: {0}")]
    WarmStart(String),
    /// No candidate mode lies inside the support (a MAP search found nothing to return).
    #[error("no mode of the posterior lies inside the prior support")]
    NoModeInSupport,
    /// A mixture component's precision matrix is not positive definite (the network's output
    /// at this x does not describe a density).
    #[error("mixture component {component}: the precision matrix is not positive definite")]
    NotPositiveDefinite {
        /// The component.
        component: usize,
    },
    /// The network's output at this x has non-finite means or weights.
    #[error("the mixture's means or weights are not finite")]
    NonFiniteMixture,
    /// The network gives no valid density at this x, which lies far outside the data it was
    /// trained on.
    #[error(
        "no valid posterior density at this x: feature {feature} lies {z:.3e} training \
         standard deviations from the training mean, far outside the simulations the \
         posterior was trained on ({cause})"
    )]
    OutsideTrainingData {
        /// The feature farthest out.
        feature: usize,
        /// Its distance, in training standard deviations.
        z: f64,
        /// What failed.
        cause: Box<Error>,
    },
    /// Statistics of the training data overflow (values too large to standardise).
    #[error(
        "{what} column {index}: the training data's mean or standard deviation is not finite \
         (values near ±f64::MAX); rescale this column before training"
    )]
    NonFiniteStatistics {
        /// `"θ"` or `"x"`.
        what: &'static str,
        /// The column.
        index: usize,
    },
    /// A posterior is reused for something other than what it was trained on.
    #[error("the posterior was trained with {what} = {saved}, but this use has {now}")]
    TrainedOnMismatch {
        /// What differs.
        what: String,
        /// What the posterior was trained on.
        saved: String,
        /// What the new use has.
        now: String,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// A saved posterior is corrupt or does not fit its own configuration.
    #[error("invalid saved posterior: {0}")]
    InvalidFile(String),
    /// A density estimator name other than `mdn`, `nsf` or `maf`.
    #[error("unknown density estimator `{0}`: expected mdn, nsf or maf")]
    UnknownEstimator(String),
    /// A tensor operation of the training backend failed.
    #[error("backend error: {0}")]
    Backend(String),
    /// An error of the inference pipeline (e.g. ensemble members that do not fit together).
    #[error(transparent)]
    Inference(#[from] sbi_inference::Error),
    /// A shape or finiteness error from `sbi-core`.
    #[error(transparent)]
    Core(#[from] sbi_core::Error),
}

/// `Result` with the [`enum@Error`] of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
