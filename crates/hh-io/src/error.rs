//! The error type of hh-io.

/// What can go wrong reading a recording.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be opened or read.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// Neither the extension nor the first bytes say CSV, ABF or NWB.
    #[error(
        "{path}: not a recording this reader knows (CSV `t_ms,vm_mv[,i_…]`, ABF 1/2 or NWB 2); {detail}"
    )]
    UnknownFormat {
        /// The file.
        path: String,
        /// What was found instead.
        detail: String,
    },
    /// The file is cut short or inconsistent with its own header.
    #[error("{path}: corrupt {format} file: {detail}")]
    Corrupt {
        /// The file.
        path: String,
        /// The format it claims to be.
        format: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// No channel or series of the kind needed.
    #[error("{path}: no {what}; {found}")]
    MissingChannel {
        /// The file.
        path: String,
        /// What was looked for ("membrane-potential channel", …).
        what: &'static str,
        /// What the file holds instead.
        found: String,
    },
    /// The file is a voltage-clamp recording: hh-sbi infers from current clamp (the membrane
    /// potential under an injected current), and a voltage clamp's command copy is not a
    /// membrane potential.
    #[error(
        "{path}: a voltage-clamp recording ({detail}); hh-sbi infers from current-clamp \
         recordings, the membrane potential under an injected current"
    )]
    VoltageClamp {
        /// The file.
        path: String,
        /// What says so (the channels' and commands' units).
        detail: String,
    },
    /// A membrane potential no membrane has (beyond ±[`crate::MAX_MEMBRANE_MV`]): a channel in
    /// another unit (a stimulus monitor in V), or a damaged scaling.
    #[error(
        "{path}: channel `{channel}` reads {value} mV at sample {sample}: no membrane sits \
         beyond ±{max} mV (a channel in another unit, such as a stimulus monitor, or a damaged \
         header)",
        max = crate::MAX_MEMBRANE_MV
    )]
    ImplausiblePotential {
        /// The file.
        path: String,
        /// The channel read as the membrane potential.
        channel: String,
        /// The first sample beyond the bound, mV.
        value: f64,
        /// Its index.
        sample: usize,
    },
    /// A channel's unit is not one this kind of channel can have.
    #[error("{path}: channel `{channel}` has unit `{unit}`; expected {expected}")]
    UnitMismatch {
        /// The file.
        path: String,
        /// The channel.
        channel: String,
        /// Its unit as written.
        unit: String,
        /// The units accepted.
        expected: &'static str,
    },
    /// The sweep asked for is not in the file.
    #[error("{path}: sweep {sweep} asked for, but the file holds {num_sweeps} (numbered from 0)")]
    SweepOutOfRange {
        /// The file.
        path: String,
        /// The sweep asked for.
        sweep: usize,
        /// How many there are.
        num_sweeps: usize,
    },
    /// Something asked for by name or number (a sweep number) that the file does not have.
    #[error("{path}: no {what}; {found}")]
    Missing {
        /// The file.
        path: String,
        /// What was asked for.
        what: String,
        /// What there is.
        found: String,
    },
    /// A CSV line that does not parse.
    #[error("{path}, line {line}: {message}")]
    Csv {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Sampling times that are not uniform, or an unusable sampling interval.
    #[error("{path}: {detail}")]
    Sampling {
        /// The file.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// Two series that must have the same length do not.
    #[error("{what}: {expected} samples expected, {found} found")]
    LengthMismatch {
        /// Which series.
        what: &'static str,
        /// The length needed.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// A sample that is NaN or infinite.
    #[error("{what}: sample {index} is not finite")]
    NonFinite {
        /// Which series.
        what: &'static str,
        /// Its index.
        index: usize,
    },
    /// A value outside what it may be (an area ≤ 0, a missing current density…).
    #[error("{0}")]
    Invalid(String),
    /// From the shared types (traces, windows, atomic writes).
    #[error(transparent)]
    Core(#[from] sbi_core::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn io_error(path: &std::path::Path, e: &std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}
