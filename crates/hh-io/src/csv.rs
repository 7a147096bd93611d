//! The CSV reader: `t_ms,vm_mv` (what `simulate` writes), plus an optional current column.

use std::path::Path;

use crate::error::{Error, Result, io_error};
use crate::recording::{Current, CurrentSource, CurrentUnit, Format, Metadata, Recording};

/// The column name of a current in `unit`: `i_pa`, `i_na`, `i_ua`, `i_ua_per_cm2`.
pub fn column_name(unit: CurrentUnit) -> &'static str {
    match unit {
        CurrentUnit::PicoAmpere => "i_pa",
        CurrentUnit::NanoAmpere => "i_na",
        CurrentUnit::MicroAmpere => "i_ua",
        CurrentUnit::MicroAmperePerCm2 => "i_ua_per_cm2",
    }
}

fn column_unit(name: &str) -> Option<CurrentUnit> {
    [
        CurrentUnit::PicoAmpere,
        CurrentUnit::NanoAmpere,
        CurrentUnit::MicroAmpere,
        CurrentUnit::MicroAmperePerCm2,
    ]
    .into_iter()
    .find(|u| column_name(*u) == name)
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
    let text = std::fs::read_to_string(path).map_err(|e| io_error(path, &e))?;
    let p = path.display().to_string();
    let err = |line: usize, message: String| Error::Csv {
        path: p.clone(),
        line,
        message,
    };
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let (hline, header) = lines.next().ok_or_else(|| {
        err(
            1,
            "empty file: expected a header `t_ms,vm_mv[,i_pa]`".into(),
        )
    })?;
    let cols: Vec<&str> = header.split(',').map(str::trim).collect();
    let unit = match cols.as_slice() {
        ["t_ms", "vm_mv"] => None,
        ["t_ms", "vm_mv", c] => Some(column_unit(c).ok_or_else(|| {
            err(
                hline,
                format!(
                    "current column `{c}` is not one of i_pa, i_na, i_ua, i_ua_per_cm2 \
                     (its name carries its unit)"
                ),
            )
        })?),
        _ => {
            return Err(err(
                hline,
                format!("header `{header}`: expected `t_ms,vm_mv` or `t_ms,vm_mv,i_pa`"),
            ));
        }
    };
    let (mut t, mut v, mut i) = (Vec::new(), Vec::new(), Vec::new());
    for (n, line) in lines {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != cols.len() {
            return Err(err(
                n,
                format!("{} fields, the header has {}", fields.len(), cols.len()),
            ));
        }
        let mut vals = [0.0; 3];
        for (k, f) in fields.iter().enumerate() {
            let x: f64 = f
                .parse()
                .map_err(|_| err(n, format!("`{f}` ({}) is not a number", cols[k])))?;
            if !x.is_finite() {
                return Err(err(n, format!("`{f}` ({}) is not finite", cols[k])));
            }
            vals[k] = x;
        }
        t.push(vals[0]);
        v.push(vals[1]);
        if unit.is_some() {
            i.push(vals[2]);
        }
    }
    if t.len() < 2 {
        return Err(err(
            hline,
            format!("{} sample(s): at least two are needed to know dt", t.len()),
        ));
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
        current_channel: unit.map(|u| column_name(u).to_owned()),
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
