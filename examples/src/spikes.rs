//! Shared pieces of the spike-fit examples: the measured data's location and flag parsing.

use std::path::PathBuf;

use crate::cli::CliError;

/// `../shared/reference/spike-fit/measured_spike_fractions.csv` beside the repository, or
/// `$HH_SBI_REFERENCE_DIR/spike-fit/…`.
pub fn default_data_path() -> PathBuf {
    sbi_core::testing::reference_dir().join("spike-fit/measured_spike_fractions.csv")
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
