//! Shared pieces of the spike-fit examples: the data they use and flag parsing.

use crate::cli::CliError;

/// The data a spike example fits or plots: the file given with `--data`, else the study's
/// measurements compiled into spike-fit ([`spike_fit::SpikeData::measured`]).
///
/// # Errors
/// The file cannot be read or is not such data.
pub fn load_data(path: Option<&std::path::Path>) -> Result<spike_fit::SpikeData, CliError> {
    match path {
        Some(p) => Ok(spike_fit::SpikeData::read_csv(p)?),
        None => Ok(spike_fit::SpikeData::measured()),
    }
}

/// Parses `--mode`.
///
/// # Errors
/// Anything but `corrected` or `upstream`.
pub fn parse_mode(v: std::ffi::OsString) -> Result<spike_fit::Mode, CliError> {
    v.to_string_lossy()
        .parse()
        .map_err(|e: spike_fit::Error| CliError(format!("--mode: {e}")))
}
