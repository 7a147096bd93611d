//! Summaries computed while a trace is being produced: [`TraceLayout`], [`SampleStream`].
//!
//! A simulator that makes many traces at once (SIMD lanes) need not keep every sample: it asks
//! the summary for a stream over its lanes ([`crate::SummaryStatistics::stream`]), pushes each
//! block of samples as it is produced, and reads every trace's features at the end.

use crate::trace::TimeWindow;

/// What a trace will look like before its samples exist: sampling interval, first label,
/// length and stimulus window (see [`crate::Trace`] for the labelling convention).
///
/// ```
/// use sbi_core::{TimeWindow, TraceLayout};
/// let layout = TraceLayout::new(0.01, 0.0, 20_000, TimeWindow::new(70.0, 130.0).ok());
/// assert_eq!(layout.index_range(layout.stimulus.unwrap()), 7000..13_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TraceLayout {
    /// Sampling interval, ms.
    pub dt_ms: f64,
    /// Label of the first sample, ms.
    pub t0_ms: f64,
    /// Number of samples.
    pub len: usize,
    /// The stimulus window, if any.
    pub stimulus: Option<TimeWindow>,
}

impl TraceLayout {
    /// A layout; `dt_ms` is assumed finite and positive (as a [`crate::Trace`] checks).
    pub fn new(dt_ms: f64, t0_ms: f64, len: usize, stimulus: Option<TimeWindow>) -> Self {
        Self {
            dt_ms,
            t0_ms,
            len,
            stimulus,
        }
    }

    /// Label of sample `i`, ms.
    pub fn time_ms(&self, i: usize) -> f64 {
        self.t0_ms + i as f64 * self.dt_ms
    }

    /// Index range of the samples whose labels lie in `window` (clamped to the trace), with
    /// labels compared at a tolerance of 10⁻⁹·dt, so a window edge at a sample's label includes
    /// that sample whatever the rounding of `i·dt`.
    pub fn index_range(&self, window: TimeWindow) -> std::ops::Range<usize> {
        let to_index = |t: f64| {
            let x = ((t - self.t0_ms) / self.dt_ms - 1e-9).ceil();
            if x <= 0.0 {
                0
            } else {
                (x as usize).min(self.len)
            }
        };
        let a = to_index(window.start_ms);
        let b = to_index(window.end_ms);
        a..b.max(a)
    }
}

/// How a [`SampleStream`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamEnd {
    /// The features were written.
    Done,
    /// This trace needs its samples after all (say, a spike before the stimulus when the
    /// threshold is relative to the resting level, or a non-finite sample whose index the
    /// error should name): the caller summarises the whole trace instead. Rare by design; the
    /// result is the same either way.
    NeedsTrace,
}

/// The running state of the summaries of `lanes` traces produced together (a simulator's SIMD
/// lanes), fed their samples in order, interleaved: `samples[j·lanes + k]` is the next sample
/// of trace `k` at row `j`. With `lanes = 1` it is one trace's stream.
pub trait SampleStream<E>: Send {
    /// The next rows of samples (`samples.len()` a multiple of the lane count; any split into
    /// pushes gives the same features).
    fn push(&mut self, samples: &[f64]);

    /// Writes trace `lane`'s features into `out` (`out.len()` = the summary's dimension) once
    /// every sample has been pushed.
    ///
    /// # Errors
    /// What the summary would report for the whole trace.
    fn finish(&mut self, lane: usize, out: &mut [f64]) -> Result<StreamEnd, E>;
}
