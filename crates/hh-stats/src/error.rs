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
    /// A feature needs the stimulus window, but neither the trace nor the feature set has one
    /// (attach one to the trace, or give it with `FeatureSet::with_stimulus_window`).
    #[error(
        "feature `{feature}` needs the stimulus window (when the stimulus was on), and none is known for this trace"
    )]
    MissingStimulusWindow {
        /// The feature that needs it.
        feature: &'static str,
    },
    /// The stimulus window does not overlap the trace (e.g. a time column in seconds with a
    /// window in milliseconds): window features would describe no sample.
    #[error(
        "the stimulus window [{start_ms}, {end_ms}) ms does not overlap the trace, which runs \
         from {trace_start_ms} to {trace_end_ms} ms (is the time column in ms?)"
    )]
    WindowOutsideTrace {
        /// Window start, ms.
        start_ms: f64,
        /// Window end, ms.
        end_ms: f64,
        /// Label of the first sample, ms.
        trace_start_ms: f64,
        /// Label of the last sample, ms.
        trace_end_ms: f64,
    },
    /// A feature came out non-finite although every sample was finite: the values are too
    /// large for its arithmetic (a moment's power sums overflow for |v| beyond ≈ 10⁷⁷ mV).
    #[error(
        "feature `{feature}` overflowed: the trace's values (largest |v| = {largest:e}) are too \
         large for it; a membrane potential is at most a few hundred mV"
    )]
    Overflow {
        /// The feature.
        feature: &'static str,
        /// The trace's largest absolute value.
        largest: f64,
    },
    /// A feature name that is not known.
    #[error("unknown feature `{0}` (known: {known})", known = crate::Feature::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(", "))]
    UnknownFeature(String),
    /// A feature set must list each feature once and at least one.
    #[error("invalid feature set: {0}")]
    InvalidFeatureSet(String),
    /// An eFEL setting that does not exist or a value outside its range.
    #[error("eFEL setting `{name}` = {value}: {rule}")]
    InvalidEfelSetting {
        /// The setting's eFEL name.
        name: String,
        /// The value given.
        value: f64,
        /// What the value must be.
        rule: &'static str,
    },
    /// An eFEL feature name hh-stats does not compute.
    #[error("unknown eFEL feature `{name}` (known: {known})")]
    UnknownEfelFeature {
        /// The name given.
        name: String,
        /// The names hh-stats computes, comma-separated.
        known: String,
    },
    /// An eFEL feature has no value on this trace and no fill value (see `EfelFeature::fill`
    /// in the `efel` module): eFEL returns `None` there.
    #[error("eFEL feature `{feature}` is undefined on this trace: {reason}")]
    UndefinedFeature {
        /// The feature's eFEL name.
        feature: &'static str,
        /// Why (eFEL's reason, in words).
        reason: &'static str,
    },
    /// A shape error from `sbi-core`.
    #[error(transparent)]
    Core(#[from] sbi_core::Error),
}

/// `Result` with the [`enum@Error`] of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
