//! [`GoncalvesFeatures`]: the seven summary features of Gonçalves et al. (2020), by the
//! published code's definitions.

use sbi_core::{SummaryStatistics, TimeWindow, Trace};

use crate::FeatureSet;
use crate::error::{Error, Result};

/// The seven features' names, in the published order.
pub const GONCALVES_NAMES: [&str; 7] = [
    "spike_count",
    "resting_mean",
    "resting_std",
    "stimulus_mean",
    "stimulus_variance",
    "stimulus_skewness",
    "stimulus_kurtosis",
];

/// Potentials at or below this (mV) are never a spike peak (the published rule clips there).
const PEAK_FLOOR_MV: f64 = -10.0;

/// Peaks closer than this (ms) to the previous one are counted once.
const MIN_PEAK_GAP_MS: f64 = 0.5;

/// The summary features of Gonçalves et al. (2020, eLife; the sbi package's Hodgkin–Huxley
/// tutorial), as `calculate_summary_statistics` in the published code computes them, the
/// first `n` of the seven (the paper's nested sets of 1, 4 and 7 features; the code's
/// `n_summary`). Sample i is labelled t_i = t0 + i·dt (ms); [t_on, t_off) is the stimulus
/// window (the trace's, or the one given with [`GoncalvesFeatures::with_stimulus_window`]):
///
/// 1. `spike_count`: peaks in t_on < t < t_off. The trace is clipped at −10 mV, every sample
///    followed by a lower one is set to −10 mV, and each sample still followed by a lower one
///    is a peak; a peak within 0.5 ms of the previous counted one (of those inside the
///    window) is dropped. (So a spike is found one sample before its maximum, and a
///    maximum of one sample above −10 mV between two at or below it is no spike.)
/// 2. `resting_mean`: mean of v over t < t_on, mV.
/// 3. `resting_std`: population std of v over the samples with index
///    ⌊0.9·(t_on − t0)/dt⌋ … ⌊(t_on − t0)/dt⌋ − 1 (the last tenth before the onset), mV.
/// 4. `stimulus_mean`: mean of v over t_on < t < t_off (both ends excluded), mV.
/// 5. `stimulus_variance`: population variance (the 2nd central moment) there, mV².
/// 6. `stimulus_skewness`: 3rd central moment / std³.
/// 7. `stimulus_kurtosis`: 4th central moment / std⁴ (3 for a normal distribution).
///
/// Where the published code gives NaN, a finite fill is used: no sample before the onset:
/// `resting_mean` = the first sample, `resting_std` = 0; a constant window: skewness and
/// kurtosis 0. A window with no sample inside the trace is an error
/// ([`Error::WindowOutsideTrace`]). Every feature needs the whole trace (the spike rule
/// looks one sample ahead twice); the batch simulator keeps each trace until it is
/// summarised ([`SummaryStatistics::stream`] is `None`).
///
/// These differ from [`FeatureSet::sbi7`], which has the same names but hh-stats' spike
/// detector and half-open windows.
///
/// ```
/// use hh_model::{Model, ModelSimulator, Protocol, Scheme};
/// use hh_stats::GoncalvesFeatures;
/// use rand::SeedableRng;
/// use sbi_core::{SeedRng, Simulator, SummaryStatistics};
///
/// let sim = ModelSimulator::for_model(Model::pospischil(), Protocol::goncalves(),
///     Scheme::ExpStaggered, &["g_na", "g_k"])?;
/// let trace = sim.simulate(&[50.0, 5.0], &mut SeedRng::seed_from_u64(0))?;
/// let x = GoncalvesFeatures::new(7)?.summarize(&trace)?;
/// assert!(x[0] >= 1.0); // θ* spikes
/// assert!((x[1] + 70.0).abs() < 0.5); // resting near E_leak = −70 mV
/// assert_eq!(GoncalvesFeatures::new(4)?.names().len(), 4);
/// assert!(GoncalvesFeatures::new(8).is_err());
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "GoncalvesFields"))]
pub struct GoncalvesFeatures {
    num: usize,
    window: Option<TimeWindow>,
}

/// [`GoncalvesFeatures`] as read from a file, before its checks.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct GoncalvesFields {
    num: usize,
    window: Option<TimeWindow>,
}

#[cfg(feature = "serde")]
impl TryFrom<GoncalvesFields> for GoncalvesFeatures {
    type Error = Error;

    fn try_from(f: GoncalvesFields) -> Result<Self> {
        Ok(Self {
            window: f.window,
            ..Self::new(f.num)?
        })
    }
}

impl GoncalvesFeatures {
    /// The first `num` of the seven features (1…7; the paper uses 1, 4 and 7).
    ///
    /// # Errors
    /// [`Error::InvalidFeatureSet`] for `num` outside 1…7.
    pub fn new(num: usize) -> Result<Self> {
        if !(1..=GONCALVES_NAMES.len()).contains(&num) {
            return Err(Error::InvalidFeatureSet(format!(
                "Gonçalves et al.'s features are the first 1 to 7 of seven, not {num}"
            )));
        }
        Ok(Self { num, window: None })
    }

    /// A preset by name: `goncalves1`, `goncalves4` or `goncalves7` (the paper's nested sets).
    pub fn preset_named(name: &str) -> Option<Self> {
        match name {
            "goncalves1" => Some(Self {
                num: 1,
                window: None,
            }),
            "goncalves4" => Some(Self {
                num: 4,
                window: None,
            }),
            "goncalves7" => Some(Self {
                num: 7,
                window: None,
            }),
            _ => None,
        }
    }

    /// With the stimulus window `window`, used instead of the trace's own.
    pub fn with_stimulus_window(mut self, window: TimeWindow) -> Self {
        self.window = Some(window);
        self
    }
}

/// Mean of `v` (0 for none).
fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.iter().sum::<f64>() / v.len() as f64
}

/// The `k`-th central moment of `v` about `m` (population: divisor n).
fn central_moment(v: &[f64], m: f64, k: i32) -> f64 {
    v.iter().map(|x| (x - m).powi(k)).sum::<f64>() / v.len() as f64
}

/// The peaks by the published rule (ascending indices), before the window and the 0.5-ms
/// merge: with c the trace clipped at −10 mV and f(i) = −10 mV where c(i + 1) < c(i), c(i)
/// elsewhere, the samples i with f(i + 1) < f(i). No allocation: three samples at a time.
fn peaks(v: &[f64]) -> impl Iterator<Item = usize> + '_ {
    let c = |i: usize| v[i].max(PEAK_FLOOR_MV);
    let f = move |i: usize| {
        if i + 1 < v.len() && c(i + 1) < c(i) {
            PEAK_FLOOR_MV
        } else {
            c(i)
        }
    };
    (0..v.len().saturating_sub(1)).filter(move |&i| f(i + 1) < f(i))
}

impl SummaryStatistics<Trace> for GoncalvesFeatures {
    type Error = Error;

    fn dim(&self) -> usize {
        self.num
    }

    fn names(&self) -> Vec<String> {
        GONCALVES_NAMES[..self.num]
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    }

    fn summarize_into(&self, trace: &Trace, out: &mut [f64]) -> Result<()> {
        sbi_core::check_dim(self.num, out.len())?;
        FeatureSet::check(trace)?;
        let window =
            self.window
                .or_else(|| trace.stimulus())
                .ok_or(Error::MissingStimulusWindow {
                    feature: GONCALVES_NAMES[0],
                })?;
        let (t_on, t_off) = (window.start_ms, window.end_ms);
        let v = trace.values();
        let t = |i: usize| trace.time_ms(i);
        // Labels increase: the window's samples and the rest's are contiguous.
        let first = (0..v.len()).find(|&i| t(i) > t_on);
        let last = first.and_then(|f| (f..v.len()).take_while(|&i| t(i) < t_off).last());
        let (Some(first), Some(last)) = (first, last) else {
            return Err(Error::WindowOutsideTrace {
                start_ms: t_on,
                end_ms: t_off,
                trace_start_ms: trace.t0_ms(),
                trace_end_ms: t(v.len() - 1),
            });
        };
        let mut spikes = 0usize;
        let mut previous: Option<f64> = None;
        for i in peaks(v) {
            let ti = t(i);
            if !(ti > t_on && ti < t_off) {
                continue;
            }
            if previous.is_none_or(|p| ti - p > MIN_PEAK_GAP_MS) {
                spikes += 1;
            }
            previous = Some(ti);
        }
        let rest = &v[..(0..v.len()).take_while(|&i| t(i) < t_on).count()];
        let resting_mean = if rest.is_empty() { v[0] } else { mean(rest) };
        // Python's int() truncates toward zero; the slice is clamped to the trace.
        let dt = trace.dt_ms();
        let since_start = t_on - trace.t0_ms();
        let index = |x: f64| (x.max(0.0).trunc() as usize).min(v.len());
        let (a, b) = (index(0.9 * since_start / dt), index(since_start / dt));
        let last_tenth = &v[a.min(b)..b];
        let resting_std = if last_tenth.is_empty() {
            0.0
        } else {
            central_moment(last_tenth, mean(last_tenth), 2).sqrt()
        };
        let stim = &v[first..=last];
        let m = mean(stim);
        let var = central_moment(stim, m, 2);
        let sd = var.sqrt();
        let standardised = |k: i32| {
            if sd > 0.0 {
                central_moment(stim, m, k) / sd.powi(k)
            } else {
                0.0
            }
        };
        let all = [
            spikes as f64,
            resting_mean,
            resting_std,
            m,
            var,
            standardised(3),
            standardised(4),
        ];
        out.copy_from_slice(&all[..self.num]);
        if let Some(k) = out.iter().position(|x| !x.is_finite()) {
            return Err(Error::Overflow {
                feature: GONCALVES_NAMES[k],
                largest: v.iter().fold(0.0, |a, x| a.max(x.abs())),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summarize(v: Vec<f64>, dt: f64, on: f64, off: f64) -> Vec<f64> {
        let trace = Trace::new(dt, 0.0, v).unwrap();
        GoncalvesFeatures::new(7)
            .unwrap()
            .with_stimulus_window(TimeWindow::new(on, off).unwrap())
            .summarize(&trace)
            .unwrap()
    }

    #[test]
    fn peaks_follow_the_published_rule() {
        // dt 0.1 ms, window (1, 5) ms. A spike rising through 0 to 20 mV at sample k is
        // found at sample k − 1 (the last sample not followed by a lower one after the
        // flattening).
        let mut v = vec![-60.0; 70];
        let mut spike = |k: usize| v[k - 1..=k + 1].copy_from_slice(&[0.0, 20.0, -20.0]);
        spike(11); // found at 1.0 ms: not after t_on
        spike(16); // 1.5 ms: counted
        spike(20); // 1.9 ms, 0.4 ms after: merged
        spike(24); // 2.3 ms, 0.4 ms after the merged one: merged too
        spike(31); // 3.0 ms: counted
        spike(61); // 6.0 ms: after the window
        v[45] = 10.0; // one sample above −10 mV between lower ones: no peak by the rule
        v[50] = -11.0; // below the floor
        let x = summarize(v, 0.1, 1.0, 5.0);
        assert_eq!(x[0], 2.0);
    }

    #[test]
    fn windows_and_moments_match_the_published_slices() {
        // 21 samples at dt 1: t = 0…20; t_on = 10, t_off = 15.
        let v: Vec<f64> = (0..21).map(|i| (i * i % 7) as f64 - 70.0).collect();
        let x = summarize(v.clone(), 1.0, 10.0, 15.0);
        // Rest: t < 10 → samples 0…9; its std: indices int(9.0)…int(10.0) → sample 9 only.
        let rest = &v[0..10];
        assert!((x[1] - rest.iter().sum::<f64>() / 10.0).abs() < 1e-12);
        assert_eq!(x[2], 0.0);
        // Stimulus: 10 < t < 15 → samples 11…14.
        let s = &v[11..15];
        let m = s.iter().sum::<f64>() / 4.0;
        let c = |k: i32| s.iter().map(|y| (y - m).powi(k)).sum::<f64>() / 4.0;
        assert!((x[3] - m).abs() < 1e-12);
        assert!((x[4] - c(2)).abs() < 1e-12);
        assert!((x[5] - c(3) / c(2).powf(1.5)).abs() < 1e-12);
        assert!((x[6] - c(4) / c(2).powi(2)).abs() < 1e-12);
    }

    #[test]
    fn undefined_values_take_their_documented_fills() {
        let x = summarize(vec![-65.0; 50], 1.0, 10.0, 40.0);
        assert_eq!(x, [0.0, -65.0, 0.0, -65.0, 0.0, 0.0, 0.0]);
        // Onset at the first sample: no rest sample.
        let x = summarize(vec![-65.0, -60.0, -62.0, -61.0], 1.0, 0.0, 10.0);
        assert_eq!((x[1], x[2]), (-65.0, 0.0));
        let trace = Trace::new(1.0, 0.0, vec![-65.0; 5]).unwrap();
        let outside = GoncalvesFeatures::new(7)
            .unwrap()
            .with_stimulus_window(TimeWindow::new(10.0, 20.0).unwrap());
        assert!(matches!(
            outside.summarize(&trace),
            Err(Error::WindowOutsideTrace { .. })
        ));
        let no_window = GoncalvesFeatures::new(1).unwrap();
        assert!(matches!(
            no_window.summarize(&trace),
            Err(Error::MissingStimulusWindow { .. })
        ));
    }

    #[test]
    fn nested_sets_are_prefixes() {
        let v: Vec<f64> = (0..300)
            .map(|i| ((i as f64) * 0.3).sin() * 40.0 - 40.0)
            .collect();
        let trace = Trace::new(0.5, 0.0, v).unwrap();
        let w = TimeWindow::new(20.0, 120.0).unwrap();
        let seven = GoncalvesFeatures::new(7)
            .unwrap()
            .with_stimulus_window(w)
            .summarize(&trace)
            .unwrap();
        for n in [1, 4] {
            let f = GoncalvesFeatures::preset_named(&format!("goncalves{n}"))
                .unwrap()
                .with_stimulus_window(w);
            assert_eq!(f.summarize(&trace).unwrap(), seven[..n]);
        }
        assert!(GoncalvesFeatures::preset_named("goncalves5").is_none());
    }
}
