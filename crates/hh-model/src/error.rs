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
    /// A θ component name that the simulator does not know.
    #[error("unknown parameter name `{0}` (known: {known})", known = crate::Parameter::NAMES.join(", "))]
    UnknownParameter(String),
    /// An integration scheme name that is not one of `pyhh-euler`, `exp-euler`, `rk4`.
    #[error("unknown scheme `{0}` (expected pyhh-euler, exp-euler or rk4)")]
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
    /// The integration left the physiological range (|v| > 1000 mV) or produced NaN: a time
    /// step too large for the scheme, a noise current or stimulus too strong for the model.
    #[error("integration diverged at step {step} (t = {t_ms} ms, v = {v} mV): {hint}")]
    Diverged {
        /// Step index at which it was detected.
        step: usize,
        /// Time of that step, ms.
        t_ms: f64,
        /// The offending rest-relative potential, mV.
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
