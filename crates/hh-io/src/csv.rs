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
/// one of `i_pa`, `i_na`, `i_ua`, `i_ua_per_cm2`; one row per sample; `#` lines are
/// comments. One sweep.
///
/// Times uniformly spaced (within 10⁻⁶·dt) give the samples as they are. Others — a text
/// export whose stamps jitter by rounding, NEURON's variable-step output (which may repeat a
/// stamp) — are interpolated linearly (eFEL's interpolation) onto a uniform grid of their
/// mean interval, voltage and current alike, and [`Metadata::resampled`] says so
/// ([`read_csv_step`] picks the step).
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
/// fields, a value that does not parse or is not finite; fewer than two rows; times that
/// decrease, or do not advance at all.
pub fn read_csv(path: &Path) -> Result<Recording> {
    read_csv_step(path, None)
}

/// [`read_csv`], resampled onto a uniform grid of `step_ms` when it is given (whatever the
/// file's times), of the mean interval when the times are not uniform.
///
/// ```
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("jittered.csv");
/// // A 0.025 ms step written to two decimals.
/// std::fs::write(&path, "t_ms,vm_mv\n0,-65\n0.02,-64\n0.05,-62\n0.07,-61\n0.1,-59\n")?;
/// let rec = hh_io::read_csv(&path)?;
/// assert_eq!((rec.dt_ms(), rec.len()), (0.025, 5));
/// let how = rec.metadata().resampled.unwrap();
/// assert_eq!(how.samples_in, 5);
/// assert!((how.interval_range_ms.1 - 0.03).abs() < 1e-12); // 0.02 and 0.03 ms
/// let rec = hh_io::csv::read_csv_step(&path, Some(0.05))?;
/// assert_eq!(rec.len(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`read_csv`]; a step that is not finite and positive.
pub fn read_csv_step(path: &Path, step_ms: Option<f64>) -> Result<Recording> {
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
    let mean_dt = (t[t.len() - 1] - t[0]) / (t.len() - 1) as f64;
    if let Some(k) = (1..t.len()).find(|&k| t[k] < t[k - 1]) {
        return Err(Error::Sampling {
            path: p,
            detail: format!(
                "times decrease at sample {k} ({} ms after {} ms)",
                t[k],
                t[k - 1]
            ),
        });
    }
    if mean_dt <= 0.0 || !mean_dt.is_finite() {
        return Err(Error::Sampling {
            path: p,
            detail: "times do not increase".into(),
        });
    }
    let uniform = (0..t.len()).all(|k| (t[k] - t[0] - k as f64 * mean_dt).abs() <= 1e-6 * mean_dt);
    let step = step_ms.unwrap_or(mean_dt);
    let (dt, v, i, resampled) = if uniform && step_ms.is_none() {
        (mean_dt, v, i, None)
    } else {
        // Jittered or variable-step stamps: eFEL's linear interpolation onto a uniform grid
        // of the mean interval (or the step asked for), the current too.
        let resample = |y: &[f64]| sbi_core::resample::linear(&t, y, step);
        let v2 = resample(&v)?;
        let i2 = if i.is_empty() { i } else { resample(&i)? };
        let report = sbi_core::resample::Resampling {
            samples_in: t.len(),
            samples_out: v2.len(),
            step_ms: step,
            interval_range_ms: sbi_core::resample::interval_range(&t),
        };
        (step, v2, i2, Some(report))
    };
    let metadata = Metadata {
        format: Format::Csv,
        num_sweeps: 1,
        voltage_channel: "vm_mv".into(),
        voltage_unit: "mV".into(),
        current_channel: unit.map(|u| u.column_name().to_owned()),
        current_unit: unit.map(|u| u.symbol().to_owned()),
        resampled,
        no_current: None,
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
