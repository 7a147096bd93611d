//! The error type of `hh-stats`.

/// Errors of summary statistics: invalid traces and invalid feature-set configurations.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The trace has no sample.
    #[error("empty trace")]
    EmptyTrace,
    /// The trace holds NaN or an infinity.
    #[error("non-finite sample at index {index}")]
    NonFinite {
        /// Index of the first offending sample.
        index: usize,
    },
    /// A feature needs the stimulus window, but neither the trace nor the feature set has one.
    #[error(
        "feature `{feature}` needs a stimulus window: attach one to the trace or use `FeatureSet::with_stimulus_window`"
    )]
    MissingStimulusWindow {
        /// The feature that needs it.
        feature: &'static str,
    },
    /// A feature name that is not known.
    #[error("unknown feature `{0}` (known: {known})", known = crate::Feature::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(", "))]
    UnknownFeature(String),
    /// A feature set must list each feature once and at least one.
    #[error("invalid feature set: {0}")]
    InvalidFeatureSet(String),
    /// A configuration value is out of range.
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// What it must satisfy.
        reason: &'static str,
    },
    /// A shape error from `sbi-core`.
    #[error(transparent)]
    Core(#[from] sbi_core::Error),
}

/// `Result` with the [`enum@Error`] of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
