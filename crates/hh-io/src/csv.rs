//! The CSV reader: `t_ms,vm_mv` (what `simulate` writes), plus an optional current column.

use std::path::Path;

use crate::error::{Error, Result};
use crate::recording::{Current, CurrentSource, CurrentUnit, Format, Metadata, Recording};

fn column_unit(name: &str) -> Option<CurrentUnit> {
    [
        CurrentUnit::PicoAmpere,
        CurrentUnit::NanoAmpere,
        CurrentUnit::MicroAmpere,
        CurrentUnit::MicroAmperePerCm2,
    ]
    .into_iter()
    .find(|u| u.column_name() == name)
}

/// Reads a CSV recording: a header `t_ms,vm_mv` or `t_ms,vm_mv,<current>` with `<current>`
/// one of `i_pa`, `i_na`, `i_ua`, `i_ua_per_cm2`; one row per sample, times uniformly
/// spaced (within 10⁻⁶·dt); `#` lines are comments. One sweep.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("cell.csv");
/// std::fs::write(&path, "t_ms,vm_mv,i_pa\n0,-65,0\n0.05,-64.9,100\n0.1,-64.5,100\n")?;
/// let rec = hh_io::read_csv(&path)?;
/// assert_eq!(rec.len(), 3);
/// assert!((rec.dt_ms() - 0.05).abs() < 1e-12);
/// assert_eq!(rec.current().unwrap().unit, hh_io::CurrentUnit::PicoAmpere);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// An unreadable file; a header other than the above; a row with the wrong number of
/// fields, a value that does not parse or is not finite; fewer than two rows; times that are
/// not increasing and uniformly spaced.
pub fn read_csv(path: &Path) -> Result<Recording> {
    let p = path.display().to_string();
    let csv_err = |e: sbi_core::Error| match e {
        sbi_core::Error::Parse {
            path,
            line,
            message,
        } => Error::Csv {
            path,
            line,
            message,
        },
        sbi_core::Error::Io { path, message } => Error::Io { path, message },
        other => Error::Csv {
            path: p.clone(),
            line: 1,
            message: other.to_string(),
        },
    };
    let table = sbi_core::Table::read(path).map_err(csv_err)?;
    let cols: Vec<&str> = table.columns().iter().map(String::as_str).collect();
    let header = cols.join(",");
    let unit = match cols.as_slice() {
        ["t_ms", "vm_mv"] => None,
        ["t_ms", "vm_mv", c] => Some(column_unit(c).ok_or_else(|| {
            csv_err(table.header_error(format!(
                "current column `{c}` is not one of i_pa, i_na, i_ua, i_ua_per_cm2 \
                 (its name carries its unit)"
            )))
        })?),
        _ => {
            return Err(csv_err(table.header_error(format!(
                "header `{header}`: expected `t_ms,vm_mv` or `t_ms,vm_mv,i_pa`"
            ))));
        }
    };
    for r in 0..table.len() {
        if let Some(k) = table.row(r).iter().position(|x| !x.is_finite()) {
            return Err(csv_err(table.error_at(
                r,
                format!("`{}` ({}) is not finite", table.row(r)[k], cols[k]),
            )));
        }
    }
    let (t, v) = (table.column(0), table.column(1));
    let i = if unit.is_some() {
        table.column(2)
    } else {
        Vec::new()
    };
    if t.len() < 2 {
        return Err(csv_err(table.header_error(format!(
            "{} sample(s): at least two are needed to know dt",
            t.len()
        ))));
    }
    let dt = (t[t.len() - 1] - t[0]) / (t.len() - 1) as f64;
    if dt <= 0.0 || !dt.is_finite() {
        return Err(Error::Sampling {
            path: p,
            detail: "times do not increase".into(),
        });
    }
    if let Some(k) = (0..t.len()).find(|&k| (t[k] - t[0] - k as f64 * dt).abs() > 1e-6 * dt) {
        return Err(Error::Sampling {
            path: p,
            detail: format!(
                "sample {k} is at t = {} ms, off the uniform grid of dt = {dt} ms (a gap or a \
                 repeated row?)",
                t[k]
            ),
        });
    }
    let metadata = Metadata {
        format: Format::Csv,
        num_sweeps: 1,
        voltage_channel: "vm_mv".into(),
        voltage_unit: "mV".into(),
        current_channel: unit.map(|u| u.column_name().to_owned()),
        current_unit: unit.map(|u| u.symbol().to_owned()),
    };
    let rec = Recording::new(dt, v)?.with_metadata(0, metadata);
    match unit {
        Some(unit) => rec.with_current(Current {
            values: i,
            unit,
            source: CurrentSource::Recorded,
        }),
        None => Ok(rec),
    }
}
