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

/// The noise stream of `spike_grid`'s cell (noise strength `k`, area `a`, current `c`) in a
/// grid of `num_areas` areas and `points` currents: distinct for every cell, whatever the
/// grid's size (a fixed-stride formula reused streams once `points` exceeded its stride).
///
/// ```
/// use hh_sbi_examples::spikes::grid_stream;
/// let ids: std::collections::HashSet<u64> = (0..3)
///     .flat_map(|k| (0..5).flat_map(move |a| (0..150).map(move |c| grid_stream(k, a, c, 5, 150))))
///     .collect();
/// assert_eq!(ids.len(), 3 * 5 * 150);
/// ```
pub fn grid_stream(k: usize, a: usize, c: usize, num_areas: usize, points: usize) -> u64 {
    ((k * num_areas + a) * points + c) as u64
}
