//! # hh-io — current-clamp recordings as observations
//!
//! Readers for the files electrophysiologists have, all returning one [`Recording`]: the
//! membrane potential in absolute mV, its sampling interval, the injected current with its
//! unit (pA, nA, µA or µA/cm²) and the sweep and channel metadata.
//!
//! | format | reader | current |
//! |---|---|---|
//! | CSV `t_ms,vm_mv[,i_pa…]` | [`read_csv`] | the optional third column |
//! | ABF 1 and ABF 2 (pCLAMP) | [`read_abf`] (`openreadout-abf`) | a pA/nA input channel, else rebuilt from the epoch table |
//! | NWB 2.x (HDF5) | [`read_nwb`] (`hdf5-reader`, pure Rust) | the sweep's `CurrentClampStimulusSeries` |
//!
//! [`read`] picks the reader from the file's first bytes (or its extension for CSV).
//! Conventions (docs/recordings.md): potentials are absolute (about −65 mV at rest), a
//! junction potential is removed with [`Recording::with_junction_potential`], and a total
//! current becomes the model's density with a membrane area
//! ([`Recording::current_density`]).
//!
//! ## Quick start
//!
//! ```
//! use hh_io::{CurrentUnit, read};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("cell.csv");
//! let mut csv = String::from("t_ms,vm_mv,i_pa\n");
//! for i in 0..200 {
//!     let on = (50..150).contains(&i);
//!     csv += &format!("{},{},{}\n", i as f64 * 0.05, -65.0 + if on { 5.0 } else { 0.0 },
//!                     if on { 100.0 } else { 0.0 });
//! }
//! std::fs::write(&path, csv)?;
//!
//! let rec = read(&path, 0)?;
//! assert_eq!(rec.len(), 200);
//! assert_eq!(rec.current().unwrap().unit, CurrentUnit::PicoAmpere);
//! let window = rec.stimulus_window().unwrap(); // where the current is on
//! assert!((window.start_ms - 2.5).abs() < 1e-9 && (window.end_ms - 7.5).abs() < 1e-9);
//! // 100 pA into 10⁻⁵ cm² of membrane: 10 µA/cm².
//! assert!((rec.current_density(Some(1e-5))?[100] - 10.0).abs() < 1e-9);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod abf;
mod channels;
pub mod csv;
mod error;
mod nwb;
mod recording;

use std::io::Read;
use std::path::Path;

pub use abf::{read_abf, read_abf_with};
pub use channels::ChannelChoice;
pub use csv::read_csv;
pub use error::{Error, Result};
pub use nwb::read_nwb;
pub use recording::{
    Current, CurrentSource, CurrentUnit, Format, MAX_MEMBRANE_MV, Metadata, Recording,
};

/// The format of the file at `path`, from its first bytes (`ABF `/`ABF2`, the HDF5
/// signature), else `.csv` by extension.
///
/// # Errors
/// An unreadable file, or none of the above.
pub fn detect_format(path: &Path) -> Result<Format> {
    let mut head = [0u8; 8];
    let mut f = std::fs::File::open(path).map_err(|e| error::io_error(path, &e))?;
    let n = f.read(&mut head).map_err(|e| error::io_error(path, &e))?;
    let head = &head[..n];
    if head.starts_with(b"ABF ") {
        return Ok(Format::Abf1);
    }
    if head.starts_with(b"ABF2") {
        return Ok(Format::Abf2);
    }
    if head.starts_with(b"\x89HDF\r\n\x1a\n") {
        return Ok(Format::Nwb);
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("csv") => Ok(Format::Csv),
        Some(e @ ("abf" | "nwb")) => Err(Error::Corrupt {
            path: path.display().to_string(),
            format: if e == "abf" { "ABF" } else { "NWB" },
            detail: format!(
                "the file does not start with the {} signature",
                if e == "abf" { "`ABF `/`ABF2`" } else { "HDF5" }
            ),
        }),
        _ => Err(Error::UnknownFormat {
            path: path.display().to_string(),
            detail: format!("it starts with {head:02x?} and is not named .csv"),
        }),
    }
}

/// Reads sweep `sweep` of the recording at `path`, whatever its format
/// ([`detect_format`]); a CSV file has one sweep, 0.
///
/// # Errors
/// Those of [`detect_format`] and of the format's reader; a sweep other than 0 of a CSV.
pub fn read(path: &Path, sweep: usize) -> Result<Recording> {
    read_with(path, sweep, &ChannelChoice::default())
}

/// [`read`] with the membrane-potential and current channels named ([`ChannelChoice`]):
/// ABF files only (a CSV file's columns and an NWB file's series are fixed by the format).
///
/// # Errors
/// As [`read`]; a channel choice for a CSV or NWB file ([`Error::Invalid`]); a named channel
/// the file does not have, or of the wrong kind of unit.
pub fn read_with(path: &Path, sweep: usize, choice: &ChannelChoice) -> Result<Recording> {
    let format = detect_format(path)?;
    if !choice.is_default() && !matches!(format, Format::Abf1 | Format::Abf2) {
        return Err(Error::Invalid(format!(
            "{}: channels can be named in ABF files only (a CSV file's columns and an NWB \
             file's series say what they are)",
            path.display()
        )));
    }
    match format {
        Format::Csv => {
            if sweep != 0 {
                return Err(Error::SweepOutOfRange {
                    path: path.display().to_string(),
                    sweep,
                    num_sweeps: 1,
                });
            }
            read_csv(path)
        }
        Format::Abf1 | Format::Abf2 => read_abf_with(path, sweep, choice),
        Format::Nwb => read_nwb(path, sweep),
    }
}

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}
    #[test]
    fn public_types_are_send_sync() {
        assert_send_sync::<crate::Recording>();
        assert_send_sync::<crate::Error>();
    }
}
