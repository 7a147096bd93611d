//! The error type of `hh-model`.

/// Errors of the HH model: invalid parameters or protocols, and failed integrations.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A sampled stimulus waveform does not have one value per integration step.
    #[error("waveform has {found} samples but the protocol has {expected} steps")]
    WaveformLength {
        /// Number of steps of the protocol.
        expected: usize,
        /// Number of waveform samples.
        found: usize,
    },
    /// A parameter name the model does not have.
    #[error("unknown parameter `{name}` (known: {known})")]
    UnknownParameter {
        /// The name given.
        name: String,
        /// The names the model (and the run) take.
        known: String,
    },
    /// A parameter value outside its range.
    #[error("invalid value of `{name}`: {value} ({rule})")]
    InvalidValue {
        /// The parameter.
        name: String,
        /// The value given.
        value: f64,
        /// What it must satisfy.
        rule: &'static str,
    },
    /// A model whose channels do not fit together (too many gates or parameters, a shared
    /// parameter declared two ways, a reserved name).
    #[error("invalid model: {reason}")]
    InvalidModel {
        /// What is wrong.
        reason: String,
    },
    /// An integration scheme name that is not one of `pyhh-euler`, `exp-euler`,
    /// `exp-staggered`, `rk4`.
    #[error("unknown scheme `{0}` (expected pyhh-euler, exp-euler, exp-staggered or rk4)")]
    UnknownScheme(String),
    /// A precision name other than `f64` or `f32`.
    #[error("unknown precision `{0}` (expected f64 or f32)")]
    UnknownPrecision(String),
    /// A kernel name other than `simd`, `portable` or `scalar`.
    #[error("unknown kernel `{0}` (expected simd, portable or scalar)")]
    UnknownKernel(String),
    /// A θ component cannot be applied to this protocol (e.g. `stim_amplitude` without pulses).
    #[error("parameter `{name}` cannot be used here: {reason}")]
    UnsupportedParameter {
        /// Parameter name.
        name: &'static str,
        /// Why not.
        reason: &'static str,
    },
    /// The integration left the physiological range (|V| > 1000 mV) or produced NaN: a time
    /// step too large for the scheme, a noise current or stimulus too strong for the model.
    #[error("integration diverged at step {step} (t = {t_ms:.3} ms, V = {v:.4e} mV): {hint}")]
    Diverged {
        /// Step index at which it was detected.
        step: usize,
        /// Time of that step, ms.
        t_ms: f64,
        /// The offending potential, mV (rest-relative in a rest-relative model).
        v: f64,
        /// The likely cause, from the run's settings.
        hint: String,
    },
    /// A shape or finiteness error from `sbi-core`.
    #[error(transparent)]
    Core(#[from] sbi_core::Error),
}

/// `Result` with the [`enum@Error`] of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

use sbi_core::invalid;

/// Checks `value` is finite and, if `positive`, strictly positive.
pub(crate) fn check_param(name: &'static str, value: f64, positive: bool) -> Result<()> {
    if !value.is_finite() {
        return Err(invalid(name, value, "must be finite"));
    }
    if positive && value <= 0.0 {
        return Err(invalid(name, value, "must be positive"));
    }
    Ok(())
}
