//! [`LaneStream`]: a [`FeatureSet`]'s features for `L` traces produced together (a SIMD batch
//! simulator's lanes), kept as structures of arrays, so each step of all `L` traces updates
//! every accumulator with a few vector instructions.
//!
//! It computes what [`FeatureStream`] computes for each trace, to the bit: the moments keep
//! the same four lanes per trace (sample *j* of a segment in lane *j* mod 4), the maxima are
//! order-free, and spikes are found by the same comparisons — the crossing test runs on all
//! lanes at once, and a step where any lane crosses or re-arms (a few per spike) is handled lane
//! by lane. State per trace: ≈ 150 f64 plus one record per spike.

// Structure-of-arrays loops index several arrays by the same lane `k`: that is the point
// (the compiler turns each `for k in 0..L` into one vector instruction per array).
#![allow(clippy::needless_range_loop)]

use multiversion::multiversion;
use sbi_core::{SampleStream, StreamEnd, TimeWindow, TraceLayout};

use crate::error::{Error, Result};
use crate::features::{Feature, FeatureSet, Spike, Threshold};
use crate::moments::Moments;
use crate::stream::{Crossing, FeatureStream, Totals, Wants, write_features};

/// [`Moments`] of `L` streams: `acc[power − 1][lane of time][stream]`.
#[derive(Debug, Clone, Copy)]
struct LaneMoments<const L: usize> {
    shift: Option<[f64; L]>,
    n: usize,
    acc: [[[f64; L]; 4]; 4],
}

impl<const L: usize> LaneMoments<L> {
    fn new(shift: Option<[f64; L]>) -> Self {
        Self {
            shift,
            n: 0,
            acc: [[[0.0; L]; 4]; 4],
        }
    }

    /// Stream `k`'s accumulator, as if its values had been pushed one by one.
    fn lane(&self, k: usize) -> Moments {
        let mut acc = [[0.0; 4]; 4];
        for (p, power) in self.acc.iter().enumerate() {
            for (q, lane) in power.iter().enumerate() {
                acc[p][q] = lane[k];
            }
        }
        Moments::from_parts(self.shift.map(|s| s[k]), self.n, acc)
    }
}

/// Adds rows to the moments (the first row sets the shift, as [`Moments`] does): the first
/// `P` power sums (`P = 1`: all a mean needs; 2: a variance; 4: skewness and kurtosis).
#[multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx512bw", "x86_64+avx2"))]
fn moments_rows<const L: usize, const P: usize>(m: &mut LaneMoments<L>, rows: &[[f64; L]]) {
    let Some(first) = rows.first() else {
        return;
    };
    let c = *m.shift.get_or_insert(*first);
    let mut n = m.n;
    for row in rows {
        let q = n % 4;
        for k in 0..L {
            let d = row[k] - c[k];
            m.acc[0][q][k] += d;
            if P > 1 {
                let d2 = d * d;
                m.acc[1][q][k] += d2;
                if P > 2 {
                    m.acc[2][q][k] += d2 * d;
                    m.acc[3][q][k] += d2 * d2;
                }
            }
        }
        n += 1;
    }
    m.n = n;
}

/// Running maxima (with `MAX`) and the finiteness probe `Σ x·0` (0 while every value is
/// finite, NaN after any other).
#[multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx512bw", "x86_64+avx2"))]
fn scan_rows<const L: usize, const MAX: bool>(
    rows: &[[f64; L]],
    max: &mut [f64; L],
    zero: &mut [f64; L],
) {
    for row in rows {
        for k in 0..L {
            let x = row[k];
            if MAX {
                max[k] = if x > max[k] { x } else { max[k] };
            }
            zero[k] += x * 0.0;
        }
    }
}

/// Threshold crossings with hysteresis in `L` streams (the semantics of the one-stream
/// detector of [`FeatureStream`]).
#[derive(Debug, Clone)]
struct LaneDetector<const L: usize> {
    threshold: [f64; L],
    rearm: [f64; L],
    /// The previous sample (+∞ before the first, so sample 0 never crosses).
    prev: [f64; L],
    open: [bool; L],
    /// The open spike's crossing time, peak and peak index.
    time: [f64; L],
    peak: [f64; L],
    peak_at: [usize; L],
    spikes: Vec<Vec<Crossing>>,
}

/// Feeds rows `first..first + rows.len()` to the detector.
#[multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx512bw", "x86_64+avx2"))]
fn detect_rows<const L: usize>(
    d: &mut LaneDetector<L>,
    rows: &[[f64; L]],
    first: usize,
    layout: &TraceLayout,
) {
    // Most of a trace lies below the threshold with no spike open: whole runs of rows are
    // skipped after one vectorised maximum.
    const RUN: usize = 16;
    let mut j = 0;
    while j < rows.len() {
        let end = (j + RUN).min(rows.len());
        if !d.open.iter().any(|o| *o) {
            let mut hi = [f64::NEG_INFINITY; L];
            for row in &rows[j..end] {
                for k in 0..L {
                    hi[k] = if row[k] > hi[k] { row[k] } else { hi[k] };
                }
            }
            if (0..L).all(|k| hi[k] < d.threshold[k]) {
                d.prev = rows[end - 1];
                j = end;
                continue;
            }
        }
        detect_each(d, &rows[j..end], first + j, layout);
        j = end;
    }
}

/// [`detect_rows`] one row at a time.
#[inline(always)]
fn detect_each<const L: usize>(
    d: &mut LaneDetector<L>,
    rows: &[[f64; L]],
    first: usize,
    layout: &TraceLayout,
) {
    for (j, row) in rows.iter().enumerate() {
        let i = first + j;
        // Does any lane cross upwards, or fall below its re-arming level?
        let mut event = false;
        for k in 0..L {
            let x = row[k];
            let up = !d.open[k] & (d.prev[k] < d.threshold[k]) & (x >= d.threshold[k]);
            let stays = x >= d.rearm[k];
            let down = d.open[k] & !stays;
            event |= up | down;
        }
        if !event {
            for k in 0..L {
                let x = row[k];
                let better = d.open[k] & (x > d.peak[k]);
                d.peak[k] = if better { x } else { d.peak[k] };
                d.peak_at[k] = if better { i } else { d.peak_at[k] };
                d.prev[k] = x;
            }
            continue;
        }
        for k in 0..L {
            let x = row[k];
            if d.open[k] {
                if x >= d.rearm[k] {
                    if x > d.peak[k] {
                        (d.peak[k], d.peak_at[k]) = (x, i);
                    }
                } else {
                    d.spikes[k].push(Crossing {
                        time_ms: d.time[k],
                        peak_mv: d.peak[k],
                        peak_index: d.peak_at[k],
                    });
                    d.open[k] = false;
                }
            } else if d.prev[k] < d.threshold[k] && x >= d.threshold[k] {
                let (a, b, t) = (d.prev[k], x, d.threshold[k]);
                let frac = if b != a { (t - a) / (b - a) } else { 0.0 };
                d.time[k] = layout.time_ms(i - 1) + frac.clamp(0.0, 1.0) * layout.dt_ms;
                (d.open[k], d.peak[k], d.peak_at[k]) = (true, x, i);
            }
            d.prev[k] = x;
        }
    }
}

/// The features of `L` traces of one layout, fed their samples interleaved (see
/// [`SampleStream`]); made by [`sbi_core::SummaryStatistics::stream`] on a [`FeatureSet`].
pub(crate) struct LaneStream<'a, const L: usize> {
    set: &'a FeatureSet,
    layout: TraceLayout,
    window: Option<TimeWindow>,
    pre: usize,
    tail: std::ops::Range<usize>,
    stim: std::ops::Range<usize>,
    wants: Wants,
    wants_spikes: bool,
    next: usize,
    zero: [f64; L],
    max: [f64; L],
    /// Whether a feature reads the maximum.
    wants_max: bool,
    total: LaneMoments<L>,
    prefix: LaneMoments<L>,
    rest_tail: LaneMoments<L>,
    in_stim: LaneMoments<L>,
    rest: Option<[f64; L]>,
    detector: Option<LaneDetector<L>>,
    prefix_max: [f64; L],
    prefix_last: [f64; L],
    needs_trace: [bool; L],
}

impl<'a, const L: usize> LaneStream<'a, L> {
    /// A stream for `L` traces of `layout`.
    ///
    /// # Errors
    /// As [`FeatureStream`]: an empty layout, or a missing or misplaced stimulus window.
    pub(crate) fn new(set: &'a FeatureSet, layout: TraceLayout) -> Result<Self> {
        // The one-trace stream checks the layout and places the segments.
        let one = FeatureStream::new(set, layout, None)?;
        Ok(Self {
            set,
            layout,
            window: one.window,
            pre: one.pre,
            tail: one.tail.clone(),
            stim: one.stim.clone(),
            wants: one.wants,
            wants_spikes: one.wants_spikes,
            next: 0,
            zero: [0.0; L],
            max: [f64::NEG_INFINITY; L],
            wants_max: set
                .features()
                .iter()
                .any(|f| matches!(f, Feature::Max | Feature::ApAmplitude)),
            total: LaneMoments::new(None),
            prefix: LaneMoments::new(None),
            rest_tail: LaneMoments::new(None),
            in_stim: LaneMoments::new(None),
            rest: None,
            detector: None,
            prefix_max: [f64::NEG_INFINITY; L],
            prefix_last: [f64::INFINITY; L],
            needs_trace: [false; L],
        })
    }

    /// The resting levels are known: start the detectors, flagging lanes whose prefix may hold
    /// a crossing (their traces are summarised whole instead).
    fn rest_known(&mut self, rest: [f64; L]) {
        self.rest = Some(rest);
        self.in_stim = LaneMoments::new(Some(rest));
        if !self.wants_spikes {
            return;
        }
        let cfg = self.set.spike_detection();
        let threshold = rest.map(|r| match cfg.threshold {
            Threshold::AboveRest(d) => r + d,
            Threshold::Absolute(t) => t,
        });
        for k in 0..L {
            self.needs_trace[k] |= self.next > 0 && self.prefix_max[k] >= threshold[k];
        }
        self.detector = Some(LaneDetector {
            threshold,
            rearm: threshold.map(|t| t - cfg.hysteresis_mv),
            prev: self.prefix_last,
            open: [false; L],
            time: [0.0; L],
            peak: [0.0; L],
            peak_at: [0; L],
            spikes: vec![Vec::new(); L],
        });
    }

    /// Rows lying within one segment, starting at row `self.next`.
    fn piece(&mut self, rows: &[[f64; L]]) {
        let start = self.next;
        let end = start + rows.len();
        if self.wants_max {
            scan_rows::<L, true>(rows, &mut self.max, &mut self.zero);
        } else {
            scan_rows::<L, false>(rows, &mut self.max, &mut self.zero);
        }
        if self.wants.total {
            // The whole trace's mean and std (its higher moments are no feature).
            moments_rows::<L, 2>(&mut self.total, rows);
        }
        if start < self.pre {
            moments_rows::<L, 1>(&mut self.prefix, rows);
            if self.wants.tail && start >= self.tail.start {
                moments_rows::<L, 4>(&mut self.rest_tail, rows);
            }
        } else if self.wants.stim && start >= self.stim.start && start < self.stim.end {
            moments_rows::<L, 4>(&mut self.in_stim, rows);
        }
        match self.detector.as_mut() {
            Some(d) => detect_rows(d, rows, start, &self.layout),
            None if self.wants_spikes => {
                scan_rows::<L, true>(rows, &mut self.prefix_max, &mut [0.0; L]);
                self.prefix_last = rows[rows.len() - 1];
            }
            None => {}
        }
        self.next = end;
        if end == self.pre && self.rest.is_none() {
            let prefix = self.prefix;
            self.rest_known(std::array::from_fn(|k| prefix.lane(k).mean()));
        }
    }
}

impl<const L: usize> SampleStream<Error> for LaneStream<'_, L> {
    fn push(&mut self, samples: &[f64]) {
        let (mut rows, _) = samples.as_chunks::<L>();
        if self.next == 0
            && self.pre == 0
            && self.rest.is_none()
            && let Some(first) = rows.first()
        {
            self.rest_known(*first);
        }
        let cuts = [self.tail.start, self.pre, self.stim.start, self.stim.end];
        while !rows.is_empty() {
            let next = self.next;
            let stop = cuts
                .iter()
                .copied()
                .filter(|&c| c > next)
                .min()
                .map_or(rows.len(), |c| (c - next).min(rows.len()));
            let (head, rest) = rows.split_at(stop);
            self.piece(head);
            rows = rest;
        }
    }

    fn finish(&mut self, lane: usize, out: &mut [f64]) -> Result<StreamEnd> {
        sbi_core::check_dim(self.set.features().len(), out.len())?;
        sbi_core::check_dim(self.layout.len, self.next)?;
        if lane >= L {
            return Err(sbi_core::Error::DimensionMismatch {
                expected: L,
                found: lane + 1,
            }
            .into());
        }
        // A non-finite sample: the whole-trace path names its index.
        if self.zero[lane] != 0.0 || self.needs_trace[lane] {
            return Ok(StreamEnd::NeedsTrace);
        }
        let rest = self.rest.ok_or(Error::EmptyTrace)?[lane];
        let mut spikes: Vec<Spike> = Vec::new();
        if let Some(d) = &self.detector {
            let open = d.open[lane].then(|| Crossing {
                time_ms: d.time[lane],
                peak_mv: d.peak[lane],
                peak_index: d.peak_at[lane],
            });
            spikes = d.spikes[lane]
                .iter()
                .chain(open.as_ref())
                .map(|c| Spike {
                    time_ms: c.time_ms,
                    peak_mv: c.peak_mv,
                    peak_time_ms: self.layout.time_ms(c.peak_index),
                    half_width_ms: 0.0,
                })
                .collect();
        }
        let totals = Totals {
            set: self.set,
            layout: self.layout,
            window: self.window,
            rest,
            max: self.max[lane],
            largest: f64::NAN,
            total: self.total.lane(lane),
            rest_tail: self.rest_tail.lane(lane),
            in_stim: self.in_stim.lane(lane),
        };
        // A feature that overflows: the whole-trace path reports it with the trace's largest
        // sample, which a lane does not track.
        match write_features(&totals, &spikes, out) {
            Err(Error::Overflow { .. }) => Ok(StreamEnd::NeedsTrace),
            other => other.map(|()| StreamEnd::Done),
        }
    }
}
