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
pub struct Trace {
    dt_ms: f64,
    t0_ms: f64,
    v_mv: Vec<f64>,
    stimulus: Option<TimeWindow>,
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
        let to_index = |t: f64| {
            let x = ((t - self.t0_ms) / self.dt_ms - 1e-9).ceil();
            if x <= 0.0 {
                0
            } else {
                (x as usize).min(self.v_mv.len())
            }
        };
        let a = to_index(window.start_ms);
        let b = to_index(window.end_ms);
        a..b.max(a)
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
    fn constructor_rejects_bad_dt() {
        assert!(Trace::new(0.0, 0.0, vec![]).is_err());
        assert!(Trace::new(f64::NAN, 0.0, vec![]).is_err());
        assert!(Trace::new(0.1, f64::INFINITY, vec![]).is_err());
        assert!(TimeWindow::new(f64::NAN, 1.0).is_err());
    }
}
