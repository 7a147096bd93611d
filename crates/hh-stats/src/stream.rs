//! [`FeatureStream`]: a [`FeatureSet`]'s features computed while the samples arrive.
//!
//! One pass, in order, whatever the split of the samples into pushes, and the same code
//! whether the samples come from a stored [`sbi_core::Trace`] or from a simulator that never
//! stores them: the two give the same features to the last bit. State per trace: a few
//! accumulators (≈ 300 bytes) plus one record per spike; no sample is kept.

use std::ops::Range;

use multiversion::multiversion;
use sbi_core::{SampleStream, StreamEnd, TimeWindow, TraceLayout};

use crate::error::{Error, Result};
use crate::features::{Feature, FeatureSet, Spike, SpikeDetection, Threshold};
use crate::moments::Moments;

/// A spike while the samples stream: its crossing time and its peak sample.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Crossing {
    pub time_ms: f64,
    pub peak_mv: f64,
    pub peak_index: usize,
}

/// Threshold crossings with hysteresis, fed samples in order: a spike is an upward crossing of
/// `threshold` (time interpolated linearly); its peak is the maximum until the potential falls
/// below `rearm`, which re-arms the detector.
#[derive(Debug, Clone)]
struct Detector {
    threshold: f64,
    rearm: f64,
    /// Index of the next sample.
    next: usize,
    /// The previous sample (meaningful once `next > 0`).
    prev: f64,
    open: Option<Crossing>,
    spikes: Vec<Crossing>,
}

impl Detector {
    fn new(threshold: f64, cfg: SpikeDetection, next: usize, prev: f64) -> Self {
        Self {
            threshold,
            rearm: threshold - cfg.hysteresis_mv,
            next,
            prev,
            open: None,
            spikes: Vec::new(),
        }
    }

    fn push(&mut self, xs: &[f64], layout: &TraceLayout) {
        let t = self.threshold;
        let mut k = 0;
        while k < xs.len() {
            match self.open.as_mut() {
                None => {
                    // The next upward crossing: a tight search.
                    let mut prev = self.prev;
                    // Skip runs of eight samples that all stay below the threshold (most of
                    // a trace), testing them with comparisons that vectorise.
                    while k + 8 <= xs.len() && xs[k..k + 8].iter().fold(true, |b, &x| b & (x < t)) {
                        prev = xs[k + 7];
                        k += 8;
                    }
                    while k < xs.len() && !(self.next + k > 0 && prev < t && xs[k] >= t) {
                        prev = xs[k];
                        k += 1;
                    }
                    if k < xs.len() {
                        let i = self.next + k;
                        let (a, b) = (prev, xs[k]);
                        let frac = if b != a { (t - a) / (b - a) } else { 0.0 };
                        self.open = Some(Crossing {
                            time_ms: layout.time_ms(i - 1) + frac.clamp(0.0, 1.0) * layout.dt_ms,
                            peak_mv: b,
                            peak_index: i,
                        });
                        prev = b;
                        k += 1;
                    }
                    self.prev = prev;
                }
                Some(c) => {
                    // Track the peak until the potential falls below the re-arming level.
                    while k < xs.len() && xs[k] >= self.rearm {
                        if xs[k] > c.peak_mv {
                            c.peak_mv = xs[k];
                            c.peak_index = self.next + k;
                        }
                        k += 1;
                    }
                    if k < xs.len() {
                        self.spikes.push(*c);
                        self.open = None;
                        self.prev = xs[k];
                        k += 1;
                    } else {
                        self.prev = xs[k - 1];
                    }
                }
            }
        }
        self.next += xs.len();
    }

    fn into_spikes(mut self) -> Vec<Crossing> {
        if let Some(c) = self.open.take() {
            self.spikes.push(c);
        }
        self.spikes
    }
}

/// Half-width of the spike peaking at sample `peak`: width of the excursion above
/// `rest + (peak − rest)/2` around the peak, interpolated; clipped at the trace ends.
fn half_width(v: &[f64], layout: &TraceLayout, peak: usize, rest: f64) -> f64 {
    let level = rest + 0.5 * (v[peak] - rest);
    let crossing = |i: usize| {
        let (a, b) = (v[i - 1], v[i]);
        let frac = if b != a { (level - a) / (b - a) } else { 0.0 };
        layout.time_ms(i - 1) + frac.clamp(0.0, 1.0) * layout.dt_ms
    };
    let mut a = peak;
    while a > 0 && v[a - 1] >= level {
        a -= 1;
    }
    let t_up = if a == 0 {
        layout.time_ms(0)
    } else {
        crossing(a)
    };
    let mut b = peak;
    while b + 1 < v.len() && v[b + 1] >= level {
        b += 1;
    }
    let t_down = if b + 1 == v.len() {
        layout.time_ms(b)
    } else {
        crossing(b + 1)
    };
    t_down - t_up
}

/// Which accumulators the set's features read (the others are skipped).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Wants {
    /// Moments of the whole trace (`mean`, `std`).
    pub total: bool,
    /// Moments of the resting tail (`resting_std`).
    pub tail: bool,
    /// Moments of the stimulus window.
    pub stim: bool,
}

/// The running features of one trace (see the module docs). Made by
/// [`sbi_core::SummaryStatistics::stream`] on a [`FeatureSet`], or internally for a stored
/// trace.
pub struct FeatureStream<'a> {
    set: &'a FeatureSet,
    /// The whole trace, when summarising a stored one: lets a spike before the stimulus onset
    /// be found after the fact, and spike half-widths be measured.
    values: Option<&'a [f64]>,
    layout: TraceLayout,
    pub(crate) window: Option<TimeWindow>,
    /// Pre-stimulus samples `0..pre` (the resting level), their last tenth (resting std) and
    /// the stimulus window (clipped to start at `pre`).
    pub(crate) pre: usize,
    pub(crate) tail: Range<usize>,
    pub(crate) stim: Range<usize>,
    next: usize,
    first_bad: Option<usize>,
    largest: f64,
    max: f64,
    total: Moments,
    /// The pre-stimulus samples' moments (their mean is the resting level).
    prefix: Moments,
    rest: Option<f64>,
    rest_tail: Moments,
    in_stim: Moments,
    pub(crate) wants_spikes: bool,
    pub(crate) wants: Wants,
    detector: Option<Detector>,
    /// Before the resting level is known (rest-relative threshold): the prefix's maximum and
    /// last sample.
    prefix_max: f64,
    prefix_last: f64,
    needs_trace: bool,
}

impl<'a> FeatureStream<'a> {
    /// A stream for a trace of `layout`; `values` is the whole trace when there is one.
    ///
    /// # Errors
    /// An empty layout, or a feature that needs a stimulus window the layout does not have
    /// or that misses the trace.
    pub(crate) fn new(
        set: &'a FeatureSet,
        layout: TraceLayout,
        values: Option<&'a [f64]>,
    ) -> Result<Self> {
        if layout.len == 0 {
            return Err(Error::EmptyTrace);
        }
        let window = set.window().or(layout.stimulus);
        let features = set.features();
        if window.is_none()
            && let Some(f) = features.iter().find(|f| f.needs_window())
        {
            return Err(Error::MissingStimulusWindow { feature: f.name() });
        }
        // A window that misses the trace's span altogether (not one that merely falls between
        // two samples) means mismatched time units.
        let last_ms = layout.time_ms(layout.len - 1);
        if let Some(w) = window
            && (w.end_ms <= layout.t0_ms || w.start_ms > last_ms)
            && features.iter().any(|f| f.needs_window())
        {
            return Err(Error::WindowOutsideTrace {
                start_ms: w.start_ms,
                end_ms: w.end_ms,
                trace_start_ms: layout.t0_ms,
                trace_end_ms: last_ms,
            });
        }
        let stim = window.map_or(0..0, |w| layout.index_range(w));
        let pre = window.map_or(0, |_| stim.start);
        Ok(Self {
            set,
            values,
            layout,
            window,
            pre,
            tail: (pre - pre / 10)..pre,
            stim: stim.start.max(pre)..stim.end.max(pre),
            next: 0,
            first_bad: None,
            largest: 0.0,
            max: f64::NEG_INFINITY,
            total: Moments::default(),
            prefix: Moments::default(),
            rest: None,
            rest_tail: Moments::default(),
            in_stim: Moments::default(),
            wants_spikes: features.iter().any(|f| f.needs_spikes()),
            wants: Wants {
                total: features
                    .iter()
                    .any(|f| matches!(f, Feature::Mean | Feature::Std)),
                tail: features.contains(&Feature::RestingStd),
                stim: features.iter().any(|f| {
                    matches!(
                        f,
                        Feature::StimulusMean
                            | Feature::StimulusVariance
                            | Feature::StimulusSkewness
                            | Feature::StimulusKurtosis
                    )
                }),
            },
            detector: None,
            prefix_max: f64::NEG_INFINITY,
            prefix_last: 0.0,
            needs_trace: false,
        })
    }

    /// The resting level is known (`next == pre`, or the first sample when `pre == 0`): start
    /// the spike detector there, catching up on the prefix if it may hold a crossing.
    fn rest_known(&mut self, rest: f64) {
        self.rest = Some(rest);
        self.in_stim = Moments::with_shift(rest);
        if !self.wants_spikes || self.detector.is_some() {
            return;
        }
        let cfg = self.set.spike_detection();
        let threshold = match cfg.threshold {
            Threshold::AboveRest(d) => rest + d,
            Threshold::Absolute(t) => t,
        };
        let mut d = Detector::new(threshold, cfg, self.next, self.prefix_last);
        // No prefix sample reaches the threshold: no crossing there, the detector is armed.
        if self.next > 0 && self.prefix_max >= threshold {
            match self.values {
                Some(v) => {
                    d = Detector::new(threshold, cfg, 0, 0.0);
                    d.push(&v[..self.next], &self.layout);
                }
                None => self.needs_trace = true,
            }
        }
        self.detector = Some(d);
    }

    /// One piece lying within a single segment (before the tail | tail | before the window |
    /// window | after), starting at sample `self.next`.
    fn piece(&mut self, xs: &[f64]) {
        let start = self.next;
        let end = start + xs.len();
        let (max, largest, finite) = scan(xs, self.max, self.largest);
        (self.max, self.largest) = (max, largest);
        if !finite && self.first_bad.is_none() {
            self.first_bad = xs.iter().position(|x| !x.is_finite()).map(|k| start + k);
        }
        if self.wants.total {
            self.total.extend_from_slice(xs);
        }
        if start < self.pre {
            self.prefix.extend_from_slice(xs);
            if self.wants.tail && start >= self.tail.start {
                self.rest_tail.extend_from_slice(xs);
            }
        } else if self.wants.stim && start >= self.stim.start && start < self.stim.end {
            self.in_stim.extend_from_slice(xs);
        }
        match self.detector.as_mut() {
            Some(d) => d.push(xs, &self.layout),
            None if self.wants_spikes => {
                self.prefix_max = self.prefix_max.max(lane_max(xs));
                self.prefix_last = xs[xs.len() - 1];
            }
            None => {}
        }
        self.next = end;
        if end == self.pre && self.rest.is_none() {
            self.rest_known(self.prefix.mean());
        }
    }

    /// The spikes found, with half-widths when the whole trace is at hand (0 otherwise).
    pub(crate) fn take_spikes(&mut self, rest: f64) -> Vec<Spike> {
        let crossings = self
            .detector
            .take()
            .map_or_else(Vec::new, Detector::into_spikes);
        crossings
            .into_iter()
            .map(|c| Spike {
                time_ms: c.time_ms,
                peak_mv: c.peak_mv,
                peak_time_ms: self.layout.time_ms(c.peak_index),
                half_width_ms: self
                    .values
                    .map_or(0.0, |v| half_width(v, &self.layout, c.peak_index, rest)),
            })
            .collect()
    }

    /// The resting level, once every sample is in.
    ///
    /// # Errors
    /// Missing samples or a non-finite one.
    pub(crate) fn finished_rest(&self) -> Result<f64> {
        sbi_core::check_dim(self.layout.len, self.next)?;
        if let Some(index) = self.first_bad {
            return Err(Error::NonFinite { index });
        }
        self.rest.ok_or(Error::EmptyTrace)
    }
}

impl FeatureStream<'_> {
    /// The next samples of the trace, in order (any split gives the same features).
    pub fn push(&mut self, mut xs: &[f64]) {
        if self.next == 0
            && self.pre == 0
            && self.rest.is_none()
            && let Some(&first) = xs.first()
        {
            self.rest_known(first);
        }
        // Cut at the segment boundaries, so each piece feeds one set of accumulators.
        let cuts = [self.tail.start, self.pre, self.stim.start, self.stim.end];
        while !xs.is_empty() {
            let next = self.next;
            let stop = cuts
                .iter()
                .copied()
                .filter(|&c| c > next)
                .min()
                .map_or(xs.len(), |c| (c - next).min(xs.len()));
            let (head, rest) = xs.split_at(stop);
            self.piece(head);
            xs = rest;
        }
    }

    /// Writes the features into `out` once every sample has been pushed.
    ///
    /// # Errors
    /// Missing samples, a non-finite one, or a feature that overflows.
    pub fn finish(&mut self, out: &mut [f64]) -> Result<StreamEnd> {
        sbi_core::check_dim(self.set.features().len(), out.len())?;
        let rest = self.finished_rest()?;
        if self.needs_trace {
            return Ok(StreamEnd::NeedsTrace);
        }
        let spikes = self.take_spikes(rest);
        let totals = Totals {
            set: self.set,
            layout: self.layout,
            window: self.window,
            rest,
            max: self.max,
            largest: self.largest,
            total: self.total,
            rest_tail: self.rest_tail,
            in_stim: self.in_stim,
        };
        write_features(&totals, &spikes, out)?;
        Ok(StreamEnd::Done)
    }
}

/// The accumulated state of one trace, from which its features follow.
pub(crate) struct Totals<'t> {
    pub set: &'t FeatureSet,
    pub layout: TraceLayout,
    pub window: Option<TimeWindow>,
    pub rest: f64,
    pub max: f64,
    pub largest: f64,
    pub total: Moments,
    pub rest_tail: Moments,
    pub in_stim: Moments,
}

/// The features of one trace, given its totals and spikes.
pub(crate) fn write_features(t: &Totals<'_>, spikes: &[Spike], out: &mut [f64]) -> Result<()> {
    let isis: Vec<f64> = spikes
        .windows(2)
        .map(|w| w[1].time_ms - w[0].time_ms)
        .collect();
    let onset = t.window.map_or(t.layout.t0_ms, |w| w.start_ms);
    let end = t.layout.time_ms(t.layout.len - 1);
    let (rest, max) = (t.rest, t.max);
    for (slot, f) in out.iter_mut().zip(t.set.features()) {
        *slot = match f {
            Feature::Max => max,
            Feature::Mean => t.total.mean(),
            Feature::Std => t.total.std(),
            Feature::SpikeCount => spikes.len() as f64,
            Feature::FirstSpikeLatency => spikes.first().map_or(end - onset, |s| s.time_ms - onset),
            Feature::MeanIsi => mean(&isis),
            Feature::IsiCv => {
                let m = mean(&isis);
                if isis.len() < 2 || m <= 0.0 {
                    0.0
                } else {
                    let var = isis.iter().map(|x| (x - m).powi(2)).sum::<f64>() / isis.len() as f64;
                    var.sqrt() / m
                }
            }
            Feature::ApAmplitude => {
                if spikes.is_empty() {
                    max - rest
                } else {
                    spikes.iter().map(|s| s.peak_mv - rest).sum::<f64>() / spikes.len() as f64
                }
            }
            Feature::ApHalfWidth => {
                mean(&spikes.iter().map(|s| s.half_width_ms).collect::<Vec<_>>())
            }
            Feature::RestingMean => rest,
            Feature::RestingStd => t.rest_tail.std(),
            Feature::StimulusMean => {
                if t.in_stim.count() == 0 {
                    rest
                } else {
                    t.in_stim.mean()
                }
            }
            Feature::StimulusVariance => t.in_stim.variance(),
            Feature::StimulusSkewness => t.in_stim.skewness(),
            Feature::StimulusKurtosis => t.in_stim.kurtosis(),
        };
        if !slot.is_finite() {
            return Err(Error::Overflow {
                feature: f.name(),
                largest: t.largest,
            });
        }
    }
    Ok(())
}

impl SampleStream<Error> for FeatureStream<'_> {
    fn push(&mut self, samples: &[f64]) {
        FeatureStream::push(self, samples);
    }

    fn finish(&mut self, lane: usize, out: &mut [f64]) -> Result<StreamEnd> {
        sbi_core::check_dim(0, lane)?;
        FeatureStream::finish(self, out)
    }
}

/// The maximum and largest magnitude of `xs` and the running ones, and whether every value is
/// finite: one pass in eight independent lanes of plain comparisons and additions, which
/// vectorise; compiled for AVX-512, AVX2 and the baseline.
#[multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx512bw", "x86_64+avx2"))]
fn scan(xs: &[f64], max: f64, largest: f64) -> (f64, f64, bool) {
    // `x·0` is 0 for a finite x and NaN otherwise: their sum tells whether all are finite.
    let (mut max, mut largest, mut zero) = ([max; 8], [largest; 8], [0.0f64; 8]);
    let chunks = xs.chunks_exact(8);
    let tail = chunks.remainder();
    for c in chunks {
        for k in 0..8 {
            let x = c[k];
            max[k] = if x > max[k] { x } else { max[k] };
            let a = x.abs();
            largest[k] = if a > largest[k] { a } else { largest[k] };
            zero[k] += x * 0.0;
        }
    }
    for &x in tail {
        max[0] = if x > max[0] { x } else { max[0] };
        let a = x.abs();
        largest[0] = if a > largest[0] { a } else { largest[0] };
        zero[0] += x * 0.0;
    }
    let fold = |m: [f64; 8]| {
        m.into_iter()
            .fold(f64::NEG_INFINITY, |a, x| if x > a { x } else { a })
    };
    (fold(max), fold(largest), zero.iter().sum::<f64>() == 0.0)
}

/// The largest of `xs` (−∞ for none; NaN is skipped), in eight independent lanes so the
/// comparisons vectorise rather than form one chain.
#[multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx512bw", "x86_64+avx2"))]
fn lane_max(xs: &[f64]) -> f64 {
    let mut m = [f64::NEG_INFINITY; 8];
    let chunks = xs.chunks_exact(8);
    let tail = chunks.remainder();
    for c in chunks {
        for k in 0..8 {
            m[k] = if c[k] > m[k] { c[k] } else { m[k] };
        }
    }
    for &x in tail {
        m[0] = if x > m[0] { x } else { m[0] };
    }
    m.into_iter()
        .fold(f64::NEG_INFINITY, |a, x| if x > a { x } else { a })
}

/// Mean, 0 for an empty slice.
fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        0.0
    } else {
        xs.iter().sum::<f64>() / xs.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sbi_core::{SummaryStatistics, Trace};

    /// A noisy, spiking trace: rest at 50 mV, bursts in the window 30–80 ms.
    fn trace(pre_spike: bool) -> Trace {
        let v: Vec<f64> = (0..1000)
            .map(|i| {
                let t = i as f64 * 0.1;
                let burst = (30.0..80.0).contains(&t) && (t * 0.7).sin() > 0.6;
                let early = pre_spike && (10.0..11.0).contains(&t);
                50.0 + 0.3 * (i as f64 * 1.7).sin() + if burst || early { 90.0 } else { 0.0 }
            })
            .collect();
        Trace::new(0.1, 0.0, v)
            .unwrap()
            .with_stimulus(TimeWindow::new(30.0, 80.0).unwrap())
    }

    fn streamed(set: &FeatureSet, tr: &Trace, chunk: usize) -> (Vec<f64>, StreamEnd) {
        let mut s = set.stream(&tr.layout(), 1).expect("streams");
        tr.values().chunks(chunk).for_each(|c| s.push(c));
        let mut out = vec![0.0; set.dim()];
        let end = s.finish(0, &mut out).unwrap();
        (out, end)
    }

    #[test]
    fn streaming_equals_the_whole_trace_to_the_bit_for_any_split() {
        let tr = trace(false);
        let mut all: Vec<Feature> = Feature::ALL.to_vec();
        all.retain(|f| *f != Feature::ApHalfWidth);
        for set in [
            FeatureSet::notebook(),
            FeatureSet::sbi7(),
            FeatureSet::new(&all).unwrap(),
        ] {
            let whole = set.summarize(&tr).unwrap();
            assert!(whole.iter().all(|x| x.is_finite()));
            for chunk in [1, 3, 64, 128, 999, 1000] {
                let (got, end) = streamed(&set, &tr, chunk);
                assert_eq!(end, StreamEnd::Done);
                assert_eq!(got, whole, "chunk {chunk}");
            }
        }
        assert_eq!(FeatureSet::sbi7().summarize(&tr).unwrap()[0], 6.0);
    }

    #[test]
    fn a_spike_before_the_onset_asks_for_the_trace() {
        let tr = trace(true);
        let (_, end) = streamed(&FeatureSet::sbi7(), &tr, 100);
        assert_eq!(end, StreamEnd::NeedsTrace);
        // The whole-trace path finds it; features without spikes still stream.
        assert_eq!(FeatureSet::sbi7().summarize(&tr).unwrap()[0], 7.0);
        assert_eq!(
            streamed(&FeatureSet::notebook(), &tr, 100).1,
            StreamEnd::Done
        );
        assert!(FeatureSet::all().stream(&tr.layout(), 1).is_none());
    }

    #[test]
    fn a_non_finite_sample_is_reported_at_its_index() {
        let mut v = trace(false).into_values();
        v[417] = f64::NAN;
        let tr = Trace::new(0.1, 0.0, v).unwrap();
        let set = FeatureSet::notebook();
        let mut s = set.stream(&tr.layout(), 1).unwrap();
        s.push(tr.values());
        let err = s.finish(0, &mut [0.0; 3]).unwrap_err();
        assert!(matches!(err, Error::NonFinite { index: 417 }), "{err}");
    }
}
