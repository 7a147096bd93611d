//! The membrane-potential trace exchanged between simulators and summary statistics.

use crate::error::{Error, Result};

/// A time window `[start_ms, end_ms)` in milliseconds.
///
/// ```
/// let w = sbi_core::TimeWindow::new(70.0, 130.0)?;
/// assert_eq!(w.duration_ms(), 60.0);
/// assert!(sbi_core::TimeWindow::new(5.0, 1.0).is_err());
/// # Ok::<(), sbi_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "TimeWindowFields"))]
pub struct TimeWindow {
    /// Start (inclusive), ms.
    pub start_ms: f64,
    /// End (exclusive), ms.
    pub end_ms: f64,
}

impl TimeWindow {
    /// A window; `start_ms < end_ms`, both finite.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] on non-finite bounds or `start_ms >= end_ms`.
    pub fn new(start_ms: f64, end_ms: f64) -> Result<Self> {
        if !start_ms.is_finite() || !end_ms.is_finite() {
            return Err(Error::InvalidParameter {
                name: "window",
                value: if start_ms.is_finite() {
                    end_ms
                } else {
                    start_ms
                },
                reason: "window bounds must be finite",
            });
        }
        if start_ms >= end_ms {
            return Err(Error::InvalidParameter {
                name: "window.start_ms",
                value: start_ms,
                reason: "window start must be before its end",
            });
        }
        Ok(Self { start_ms, end_ms })
    }

    /// `end_ms − start_ms`.
    pub fn duration_ms(&self) -> f64 {
        self.end_ms - self.start_ms
    }

    /// Whether `t_ms` lies in `[start_ms, end_ms)`.
    pub fn contains(&self, t_ms: f64) -> bool {
        t_ms >= self.start_ms && t_ms < self.end_ms
    }
}

/// A uniformly sampled membrane-potential trace, in mV (absolute unless a simulator says
/// otherwise), with an optional stimulus window.
///
/// Sample `i` is labelled `t = t0_ms + i·dt_ms`. hh-sbi's simulators follow pyHH's convention:
/// sample `i` is the potential *after* integration step `i + 1`, the step whose stimulus is the
/// stimulus at `t = i·dt`, so the samples inside the stimulus window are exactly those the
/// stimulus drove.
///
/// ```
/// use sbi_core::{Trace, TimeWindow};
/// let tr = Trace::new(0.5, 0.0, vec![-65.0, -64.0, -60.0, -65.0])?
///     .with_stimulus(TimeWindow::new(0.5, 1.5)?);
/// assert_eq!(tr.len(), 4);
/// assert_eq!(tr.time_ms(2), 1.0);
/// assert_eq!(tr.index_range(tr.stimulus().unwrap()), 1..3);
/// # Ok::<(), sbi_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "TraceFields"))]
pub struct Trace {
    dt_ms: f64,
    t0_ms: f64,
    v_mv: Vec<f64>,
    stimulus: Option<TimeWindow>,
}

/// A [`TimeWindow`] as read from a file, before its checks.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct TimeWindowFields {
    start_ms: f64,
    end_ms: f64,
}

#[cfg(feature = "serde")]
impl TryFrom<TimeWindowFields> for TimeWindow {
    type Error = Error;

    fn try_from(f: TimeWindowFields) -> Result<Self> {
        Self::new(f.start_ms, f.end_ms)
    }
}

/// A [`Trace`] as read from a file, before its checks.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct TraceFields {
    dt_ms: f64,
    t0_ms: f64,
    v_mv: Vec<f64>,
    stimulus: Option<TimeWindow>,
}

/// Deserialising goes through [`Trace::new`]: a file cannot carry a zero or negative `dt_ms`.
#[cfg(feature = "serde")]
impl TryFrom<TraceFields> for Trace {
    type Error = Error;

    fn try_from(f: TraceFields) -> Result<Self> {
        let t = Self::new(f.dt_ms, f.t0_ms, f.v_mv)?;
        Ok(match f.stimulus {
            Some(w) => t.with_stimulus(w),
            None => t,
        })
    }
}

impl Trace {
    /// A trace with sampling interval `dt_ms` and first label `t0_ms`.
    ///
    /// The samples may be empty or non-finite here (a diverged simulation, a file being read);
    /// consumers that need finite data check it (see [`Trace::check_finite`]).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when `dt_ms` is not finite and positive or `t0_ms` is not
    /// finite.
    pub fn new(dt_ms: f64, t0_ms: f64, v_mv: Vec<f64>) -> Result<Self> {
        if !(dt_ms.is_finite() && dt_ms > 0.0) {
            return Err(Error::InvalidParameter {
                name: "dt_ms",
                value: dt_ms,
                reason: "must be finite and positive",
            });
        }
        if !t0_ms.is_finite() {
            return Err(Error::InvalidParameter {
                name: "t0_ms",
                value: t0_ms,
                reason: "must be finite",
            });
        }
        Ok(Self {
            dt_ms,
            t0_ms,
            v_mv,
            stimulus: None,
        })
    }

    /// Sets the stimulus window (metadata for features such as latency or resting level).
    pub fn with_stimulus(mut self, window: TimeWindow) -> Self {
        self.stimulus = Some(window);
        self
    }

    /// Sampling interval, ms.
    pub fn dt_ms(&self) -> f64 {
        self.dt_ms
    }

    /// Label of sample 0, ms.
    pub fn t0_ms(&self) -> f64 {
        self.t0_ms
    }

    /// The samples, mV.
    pub fn values(&self) -> &[f64] {
        &self.v_mv
    }

    /// Consumes the trace, returning its samples.
    pub fn into_values(self) -> Vec<f64> {
        self.v_mv
    }

    /// The stimulus window, if known.
    pub fn stimulus(&self) -> Option<TimeWindow> {
        self.stimulus
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.v_mv.len()
    }

    /// `true` when there is no sample.
    pub fn is_empty(&self) -> bool {
        self.v_mv.is_empty()
    }

    /// Label of sample `i`, ms.
    pub fn time_ms(&self, i: usize) -> f64 {
        self.t0_ms + i as f64 * self.dt_ms
    }

    /// Index range of the samples whose labels lie in `window` (clamped to the trace).
    ///
    /// Labels are compared with a tolerance of 10⁻⁹·dt, so a window edge at a sample's label
    /// includes that sample whatever the rounding of `i·dt`.
    pub fn index_range(&self, window: TimeWindow) -> std::ops::Range<usize> {
        self.layout().index_range(window)
    }

    /// The trace's layout: interval, first label, length and stimulus window.
    pub fn layout(&self) -> crate::TraceLayout {
        crate::TraceLayout::new(self.dt_ms, self.t0_ms, self.v_mv.len(), self.stimulus)
    }

    /// Checks the trace is non-empty and finite.
    ///
    /// # Errors
    /// [`Error::Empty`] or [`Error::NonFinite`].
    pub fn check_finite(&self) -> Result<()> {
        if self.v_mv.is_empty() {
            return Err(Error::Empty { what: "trace" });
        }
        crate::check_finite(&self.v_mv)
    }
}

/// Number of decimals that print multiples of `dt` exactly (at most 9).
fn time_decimals(dt: f64) -> usize {
    (0..=9)
        .find(|&d| {
            let s = dt * 10f64.powi(d as i32);
            (s - s.round()).abs() < 1e-6 * s.max(1.0)
        })
        .unwrap_or(9)
}

impl Trace {
    /// Writes the trace as CSV with header `t_ms,vm_mv`, one row per sample (the format of
    /// pyHH's reference traces): times with as many decimals as dt needs, potentials in the
    /// shortest form that reads back exactly.
    ///
    /// The file is replaced atomically ([`crate::write_atomic`]): a write that fails midway
    /// leaves any previous file as it was.
    ///
    /// # Errors
    /// [`Error::Io`].
    pub fn write_csv(&self, path: &std::path::Path) -> Result<()> {
        let d = time_decimals(self.dt_ms);
        crate::write_atomic(path, |w| {
            writeln!(w, "t_ms,vm_mv")?;
            for (i, v) in self.v_mv.iter().enumerate() {
                writeln!(w, "{:.d$},{v}", self.time_ms(i))?;
            }
            Ok(())
        })
    }

    /// A trace from samples `v` at times `t` (ms): as they are when the stamps are uniform
    /// (within 10⁻³ of a step), else interpolated linearly onto a uniform grid of `step_ms`
    /// from `t[0]` ([`crate::resample::linear`], eFEL's interpolation), with what was done.
    ///
    /// ```
    /// use sbi_core::Trace;
    /// let (trace, done) = Trace::from_times(&[0.0, 0.02, 0.05, 0.07, 0.1], &[0.0; 5], 0.025)?;
    /// assert_eq!((trace.dt_ms(), trace.len()), (0.025, 5));
    /// assert_eq!(done.unwrap().samples_in, 5);
    /// let (_, done) = Trace::from_times(&[1.0, 1.5, 2.0], &[0.0; 3], 0.1)?;
    /// assert!(done.is_none());
    /// assert!(Trace::from_times(&[0.0, 0.1, 0.05], &[0.0; 3], 0.1).is_err());
    /// # Ok::<(), sbi_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// Times that are not finite or decrease ([`crate::resample::check_times`]), `v`
    /// of another length, a bad step.
    pub fn from_times(
        t: &[f64],
        v: &[f64],
        step_ms: f64,
    ) -> Result<(Self, Option<crate::resample::Resampling>)> {
        use crate::resample;
        crate::check_dim(t.len(), v.len())?;
        if let Some(dt) = resample::uniform_step(t)? {
            return Ok((Self::new(dt, t[0], v.to_vec())?, None));
        }
        let values = resample::linear(t, v, step_ms)?;
        let report = resample::Resampling {
            samples_in: t.len(),
            samples_out: values.len(),
            step_ms,
            interval_range_ms: resample::interval_range(t),
        };
        Ok((Self::new(step_ms, t[0], values)?, Some(report)))
    }

    /// Reads a `t_ms,vm_mv` CSV (a UTF-8 byte-order mark, as Excel writes, is skipped). Times
    /// must be finite and never decrease (a repeated stamp is allowed); uniform ones (within 10⁻³ of a step) give the trace as
    /// it is, others are interpolated onto a uniform grid of eFEL's 0.1 ms
    /// ([`Trace::read_csv_resampled`] chooses the step and says what was done). No stimulus
    /// window is attached.
    ///
    /// ```
    /// let trace = sbi_core::Trace::new(0.01, 0.0, vec![0.0, 1.5, -2.25])?;
    /// let path = std::env::temp_dir().join("sbi_core_trace_doc.csv");
    /// trace.write_csv(&path)?;
    /// assert_eq!(sbi_core::Trace::read_csv(&path)?.values(), trace.values());
    /// # Ok::<(), sbi_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Io`]; [`Error::Parse`] for a wrong header, a bad row, fewer than two rows,
    /// non-finite or decreasing times.
    pub fn read_csv(path: &std::path::Path) -> Result<Self> {
        Ok(Self::read_csv_resampled(path, crate::resample::DEFAULT_STEP_MS)?.0)
    }

    /// [`Trace::read_csv`] with non-uniform times resampled at `step_ms`, and the resampling
    /// done, if any.
    ///
    /// # Errors
    /// As [`Trace::read_csv`]; a bad step.
    pub fn read_csv_resampled(
        path: &std::path::Path,
        step_ms: f64,
    ) -> Result<(Self, Option<crate::resample::Resampling>)> {
        let table = crate::Table::read(path)?;
        if table.columns() != ["t_ms", "vm_mv"] {
            return Err(table.header_error(format!(
                "expected header `t_ms,vm_mv`, found `{}`",
                table.columns().join(",")
            )));
        }
        if let Some(i) = (0..table.len()).find(|&i| !table.row(i)[0].is_finite()) {
            return Err(table.error_at(i, format!("time `{}` is not finite", table.row(i)[0])));
        }
        let (t, v) = (table.column(0), table.column(1));
        if t.len() < 2 {
            let why = "need at least two samples".to_owned();
            return Err(match t.len() {
                0 => table.header_error(why),
                _ => table.error_at(0, why),
            });
        }
        if let Some(i) = (1..t.len()).find(|&i| t[i] < t[i - 1]) {
            return Err(table.error_at(i, "times must not decrease".into()));
        }
        if t[t.len() - 1] == t[0] {
            return Err(table.error_at(t.len() - 1, "every time is the same".into()));
        }
        Self::from_times(&t, &v, step_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_range_of_notebook_window() {
        let tr = Trace::new(0.01, 0.0, vec![0.0; 20_000]).unwrap();
        let w = TimeWindow::new(70.0, 130.0).unwrap();
        assert_eq!(tr.index_range(w), 7000..13_000);
        let past = TimeWindow::new(300.0, 400.0).unwrap();
        assert!(tr.index_range(past).is_empty());
        let before = TimeWindow::new(-10.0, 0.005).unwrap();
        assert_eq!(tr.index_range(before), 0..1);
    }

    #[test]
    fn csv_round_trip_and_errors() {
        let dir = std::env::temp_dir().join(format!("sbi-core-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("t.csv");
        let tr = Trace::new(0.025, 1.0, vec![-65.0, 1e-7, 3.5, f64::MAX]).unwrap();
        tr.write_csv(&p).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.starts_with("t_ms,vm_mv\n1.000,-65\n1.025,"));
        let back = Trace::read_csv(&p).unwrap();
        assert_eq!(back.values(), tr.values());
        assert!((back.dt_ms() - 0.025).abs() < 1e-12 && back.t0_ms() == 1.0);
        for (bad, line) in [
            ("t,v\n0,1\n1,2\n", 1),
            ("t_ms,vm_mv\n0,1\n", 2),
            ("t_ms,vm_mv\n0,1\n0.1,x\n", 3),
            ("t_ms,vm_mv\n0,1\n0,2\n", 3),
            ("t_ms,vm_mv\n0,1\n0.2,2\n0.1,3\n", 4),
            // A NaN time label from row 3 on used to pass the spacing check.
            ("t_ms,vm_mv\n0,1\n0.1,2\nNaN,3\n", 4),
            ("t_ms,vm_mv\n0,1\n0.1,2\ninf,3\n", 4),
        ] {
            std::fs::write(&p, bad).unwrap();
            match Trace::read_csv(&p) {
                Err(Error::Parse { line: l, .. }) => assert_eq!(l, line, "{bad:?}"),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        assert!(matches!(
            Trace::read_csv(&dir.join("missing.csv")),
            Err(Error::Io { .. })
        ));
        // Non-uniform times are interpolated onto eFEL's 0.1 ms grid, not refused.
        std::fs::write(&p, "t_ms,vm_mv\n0,1\n0.1,2\n0.35,3\n").unwrap();
        let back = Trace::read_csv(&p).unwrap();
        assert_eq!(back.dt_ms(), 0.1);
        assert_eq!(back.len(), 5);
        assert!((back.values()[2] - 2.4).abs() < 1e-12 && back.values()[4] == 3.0);
        let (_, done) = Trace::read_csv_resampled(&p, 0.05).unwrap();
        assert_eq!(done.unwrap().samples_out, 8);
        // Excel's UTF-8 byte-order mark before the header.
        std::fs::write(&p, "\u{feff}t_ms,vm_mv\n0,1\n0.5,2\n").unwrap();
        assert_eq!(Trace::read_csv(&p).unwrap().values(), &[1.0, 2.0]);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn write_csv_replaces_the_file_atomically() {
        // Another name of the old file keeps the old content: the new file was renamed over
        // it, not truncated and rewritten in place.
        let dir = std::env::temp_dir().join(format!("sbi-core-atomic-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (p, link) = (dir.join("t.csv"), dir.join("old.csv"));
        std::fs::write(&p, "old").unwrap();
        std::fs::hard_link(&p, &link).unwrap();
        Trace::new(0.1, 0.0, vec![1.0, 2.0])
            .unwrap()
            .write_csv(&p)
            .unwrap();
        assert_eq!(std::fs::read_to_string(&link).unwrap(), "old");
        assert_eq!(Trace::read_csv(&p).unwrap().values(), &[1.0, 2.0]);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn constructor_rejects_bad_dt() {
        assert!(Trace::new(0.0, 0.0, vec![]).is_err());
        assert!(Trace::new(f64::NAN, 0.0, vec![]).is_err());
        assert!(Trace::new(0.1, f64::INFINITY, vec![]).is_err());
        assert!(TimeWindow::new(f64::NAN, 1.0).is_err());
    }
}
