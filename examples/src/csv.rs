//! Traces as CSV files with header `t_ms,vm_mv`, one row per sample (as pyHH's reference).

use std::io::{BufRead, BufWriter, Write};
use std::path::Path;

use sbi_core::Trace;

/// Number of decimals that print multiples of `dt` exactly (at most 9).
fn time_decimals(dt: f64) -> usize {
    (0..=9)
        .find(|&d| {
            let s = dt * 10f64.powi(d as i32);
            (s - s.round()).abs() < 1e-6 * s.max(1.0)
        })
        .unwrap_or(9)
}

/// Writes `trace` as `t_ms,vm_mv` rows; times get as many decimals as dt needs, potentials the
/// shortest representation that reads back exactly.
///
/// # Errors
/// I/O errors.
pub fn write_trace_csv(path: &Path, trace: &Trace) -> std::io::Result<()> {
    let mut w = BufWriter::new(std::fs::File::create(path)?);
    writeln!(w, "t_ms,vm_mv")?;
    let d = time_decimals(trace.dt_ms());
    for (i, v) in trace.values().iter().enumerate() {
        writeln!(w, "{:.d$},{v}", trace.time_ms(i))?;
    }
    w.flush()
}

/// Reads a `t_ms,vm_mv` CSV into a [`Trace`] (dt from the first two rows; the times must be
/// uniformly spaced). No stimulus window is attached.
///
/// # Errors
/// I/O errors, a missing or wrong header, unparsable rows, fewer than two rows, non-uniform
/// times — each with the line number.
pub fn read_trace_csv(path: &Path) -> Result<Trace, Box<dyn std::error::Error + Send + Sync>> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = std::io::BufReader::new(file).lines();
    let header = lines.next().transpose()?.unwrap_or_default();
    if header.trim() != "t_ms,vm_mv" {
        return Err(format!(
            "{}: expected header `t_ms,vm_mv`, found `{header}`",
            path.display()
        )
        .into());
    }
    let mut t = Vec::new();
    let mut v = Vec::new();
    for (k, line) in lines.enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let lineno = k + 2;
        let (a, b) = line
            .split_once(',')
            .ok_or_else(|| format!("line {lineno}: expected two comma-separated columns"))?;
        let ta: f64 = a
            .trim()
            .parse()
            .map_err(|_| format!("line {lineno}: bad time `{a}`"))?;
        let vb: f64 = b
            .trim()
            .parse()
            .map_err(|_| format!("line {lineno}: bad potential `{b}`"))?;
        t.push(ta);
        v.push(vb);
    }
    if t.len() < 2 {
        return Err(format!("{}: need at least two samples", path.display()).into());
    }
    let dt = t[1] - t[0];
    if dt.is_nan() || dt <= 0.0 {
        return Err(format!("{}: times must increase", path.display()).into());
    }
    for (i, ti) in t.iter().enumerate() {
        if (ti - (t[0] + i as f64 * dt)).abs() > 1e-6 * dt.max(1.0) + 1e-3 * dt {
            return Err(format!("line {}: times are not uniformly spaced", i + 2).into());
        }
    }
    Ok(Trace::new(dt, t[0], v)?)
}
