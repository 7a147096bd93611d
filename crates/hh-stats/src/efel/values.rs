//! [`EfelValues`]: every implemented eFEL feature's values on one trace, as eFEL 5.7.34's
//! `get_feature_values` gives them (one per spike or interval, or one), each computed from
//! eFEL's definition on eFEL's interpolated trace.

use sbi_core::Trace;

use super::feature::EfelFeature;
use super::settings::{BaseMode, EfelSettings};
use super::spikes::{Found, SpikeIndices, first_at, indices, nonempty};
use crate::error::Result;

/// One trace prepared as eFEL prepares it — interpolated onto the grid of `interp_step`, its
/// stimulus window and spikes found — from which each feature's values are read.
///
/// ```
/// use hh_model::HhSimulator;
/// use hh_stats::efel::{EfelFeature, EfelSettings, EfelValues};
/// use rand::SeedableRng;
/// use sbi_core::{SeedRng, Simulator};
///
/// let trace = HhSimulator::notebook().simulate(&[-65.0, 7.0], &mut SeedRng::seed_from_u64(0))?;
/// let values = EfelValues::new(&trace, None, &EfelSettings::default(), None)?;
/// let peaks = values.get(EfelFeature::peak_voltage)?;
/// assert_eq!(values.get(EfelFeature::Spikecount)?, vec![peaks.len() as f64]);
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
/// ```
pub struct EfelValues {
    t: Vec<f64>,
    v: Vec<f64>,
    start: f64,
    end: f64,
    settings: EfelSettings,
    current_na: Option<f64>,
    spikes: SpikeIndices,
}

impl EfelValues {
    /// Prepares `trace` (its samples at `t0 + i·dt`) with the stimulus window `window` (or the
    /// trace's own), `settings` and the stimulus current in nA (needed by
    /// `ohmic_input_resistance` only).
    ///
    /// # Errors
    /// [`Error::MissingStimulusWindow`](crate::Error::MissingStimulusWindow) without a
    /// window; an empty, one-sample or non-finite trace; an interpolated grid beyond
    /// [`sbi_core::resample::MAX_SAMPLES`].
    pub fn new(
        trace: &Trace,
        window: Option<sbi_core::TimeWindow>,
        settings: &EfelSettings,
        current_na: Option<f64>,
    ) -> Result<Self> {
        crate::FeatureSet::check(trace)?;
        let w = window
            .or(trace.stimulus())
            .ok_or(crate::Error::MissingStimulusWindow { feature: "efel" })?;
        let (t, v) = sbi_core::resample::linear_grid_uniform(
            trace.t0_ms(),
            trace.dt_ms(),
            trace.values(),
            settings.interp_step,
        )?;
        Self::on_grid(t, v, w.start_ms, w.end_ms, settings, current_na)
    }

    /// Prepares the samples `v` at times `t` (any increasing times, eFEL's `T` and `V`) with
    /// the stimulus `[start_ms, end_ms]`.
    ///
    /// # Errors
    /// As [`EfelValues::new`]; times that are not finite and increasing.
    pub fn from_times(
        t: &[f64],
        v: &[f64],
        start_ms: f64,
        end_ms: f64,
        settings: &EfelSettings,
        current_na: Option<f64>,
    ) -> Result<Self> {
        sbi_core::TimeWindow::new(start_ms, end_ms)?;
        if let Some(index) = v.iter().position(|x| !x.is_finite()) {
            return Err(crate::Error::NonFinite { index });
        }
        let (t, v) = sbi_core::resample::linear_grid(t, v, settings.interp_step)?;
        Self::on_grid(t, v, start_ms, end_ms, settings, current_na)
    }

    /// Finds the spikes of the interpolated trace `(t, v)`.
    fn on_grid(
        t: Vec<f64>,
        v: Vec<f64>,
        start_ms: f64,
        end_ms: f64,
        settings: &EfelSettings,
        current_na: Option<f64>,
    ) -> Result<Self> {
        if v.len() < 3 {
            return Err(sbi_core::Error::Empty {
                what: "interpolated trace (eFEL needs at least three samples)",
            }
            .into());
        }
        let spikes = SpikeIndices::new(&t, &v, start_ms, end_ms, settings);
        Ok(Self {
            t,
            v,
            start: start_ms,
            end: end_ms,
            settings: settings.clone(),
            current_na,
            spikes,
        })
    }

    /// The interpolated times, ms (eFEL's `T`).
    pub fn times(&self) -> &[f64] {
        &self.t
    }

    /// The interpolated voltage, mV (eFEL's `V`).
    pub fn voltage(&self) -> &[f64] {
        &self.v
    }

    /// The values of `feature` (empty where eFEL gives an empty array).
    ///
    /// # Errors
    /// [`Error::UndefinedFeature`](crate::Error::UndefinedFeature) with eFEL's reason where
    /// eFEL gives `None`.
    pub fn get(&self, feature: EfelFeature) -> Result<Vec<f64>> {
        self.compute(feature)
            .map_err(|reason| crate::Error::UndefinedFeature {
                feature: feature.name(),
                reason,
            })
    }

    fn peaks(&self) -> Found<&[usize]> {
        indices(&self.spikes.peaks)
    }

    fn peak_times(&self) -> Found<Vec<f64>> {
        Ok(self.peaks()?.iter().map(|&i| self.t[i]).collect())
    }

    fn in_stimulus(&self, time: f64) -> bool {
        time >= self.start && time <= self.end
    }

    fn at(&self, found: &Found<Vec<usize>>) -> Found<Vec<f64>> {
        Ok(indices(found)?.iter().map(|&i| self.v[i]).collect())
    }

    fn all_isi(&self) -> Found<Vec<f64>> {
        let pt = self.peak_times()?;
        if pt.len() < 2 {
            return Err("two spikes needed for an interspike interval");
        }
        Ok(pt.windows(2).map(|w| w[1] - w[0]).collect())
    }

    fn isi(&self) -> Found<Vec<f64>> {
        let mut isi = self.all_isi()?;
        if self.settings.ignore_first_isi {
            isi.remove(0);
        }
        Ok(isi)
    }

    fn compute(&self, feature: EfelFeature) -> Found<Vec<f64>> {
        use EfelFeature::*;
        let one = |x: f64| Ok(vec![x]);
        match feature {
            Spikecount => one(self.peaks().map_or(0, <[usize]>::len) as f64),
            Spikecount_stimint => {
                let n = self
                    .peak_times()
                    .map_or(0, |pt| pt.iter().filter(|&&x| self.in_stimulus(x)).count());
                one(n as f64)
            }
            mean_frequency => {
                let pt = self.peak_times()?;
                let inside: Vec<f64> = pt.into_iter().filter(|&x| self.in_stimulus(x)).collect();
                let last = inside.last().copied().unwrap_or(0.0);
                if last == self.start {
                    return Err("last spike at the stimulus onset (division by zero)");
                }
                one(inside.len() as f64 * 1000.0 / (last - self.start))
            }
            time_to_first_spike => one(self.peak_times()?[0] - self.start),
            time_to_last_spike => {
                one(self.peak_times()?.last().copied().unwrap_or(0.0) - self.start)
            }
            inv_first_ISI => one(1000.0 / self.all_isi()?[0]),
            all_ISI_values => self.all_isi(),
            ISI_values => self.isi(),
            ISI_CV => {
                let isi = self.isi()?;
                if isi.len() < 2 {
                    return Err("two intervals needed");
                }
                let n = isi.len() as f64;
                let mean = isi.iter().sum::<f64>() / n;
                let var = isi.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
                one(var.sqrt() / mean)
            }
            adaptation_index2 => {
                let pt = self.peak_times()?;
                let off = self.settings.offset;
                let inside: Vec<f64> = pt
                    .into_iter()
                    .filter(|&x| x >= self.start - off && x <= self.end + off)
                    .collect();
                if inside.len() < 4 {
                    return Err("four spikes in the stimulus needed");
                }
                let isi: Vec<f64> = inside[1..].windows(2).map(|w| w[1] - w[0]).collect();
                let sum: f64 = isi.windows(2).map(|w| (w[1] - w[0]) / (w[1] + w[0])).sum();
                one(sum / (isi.len() - 1) as f64)
            }
            peak_voltage => self.at(&self.spikes.peaks),
            AP_amplitude => {
                let peaks = self.peaks()?;
                let begin = indices(&self.spikes.begin)?;
                let during: Vec<f64> = peaks
                    .iter()
                    .filter(|&&p| self.in_stimulus(self.t[p]))
                    .map(|&p| self.v[p])
                    .collect();
                if during.len() > begin.len() {
                    return Err("more spikes in the stimulus than spike begins");
                }
                Ok(during
                    .iter()
                    .zip(begin)
                    .map(|(pv, &b)| pv - self.v[b])
                    .collect())
            }
            AP_begin_voltage => self.at(&self.spikes.begin),
            AP_duration_half_width => {
                let rise = indices(&self.spikes.rise)?;
                let fall = indices(&self.spikes.fall)?;
                Ok(rise
                    .iter()
                    .zip(fall)
                    .map(|(&r, &f)| self.t[f] - self.t[r])
                    .collect())
            }
            AP_width => self.ap_width(),
            AP_rise_time => self.rise_time(),
            AP_fall_time => {
                let peaks = self.peaks()?;
                let end = indices(&self.spikes.end)?;
                let after = peaks.iter().filter(|&&p| self.t[p] > self.start);
                Ok(after
                    .zip(end)
                    .map(|(&p, &e)| self.t[e] - self.t[p])
                    .collect())
            }
            AHP_depth_abs | min_AHP_values => self.at(&self.spikes.min_ahp),
            AHP_depth => {
                let base = self.voltage_base()?;
                Ok(self
                    .at(&self.spikes.min_ahp)?
                    .iter()
                    .map(|m| m - base)
                    .collect())
            }
            voltage_base => one(self.voltage_base()?),
            steady_state_voltage => {
                let after = self.t.len() - self.t.partition_point(|&x| x <= self.end);
                if after == 0 {
                    return Err("no sample after the stimulus end");
                }
                let sum = self.v.iter().rev().take(after).fold(0.0, |s, x| s + x);
                one(sum / after as f64)
            }
            steady_state_voltage_stimend => one(self.ssse()?),
            voltage_deflection => one(self.deflection()?),
            sag_amplitude => one(self.sag()?),
            sag_ratio1 => {
                let (base, min) = (self.voltage_base()?, self.min_max()?.0);
                let sag = self.sag()?;
                if min == base {
                    return Err("voltage_base equals minimum_voltage");
                }
                one(sag / (base - min))
            }
            decay_time_constant_after_stim => one(self.decay_tau()?),
            ohmic_input_resistance => {
                let dv = self.deflection()?;
                match self.current_na {
                    None => Err("needs the stimulus current (nA)"),
                    Some(0.0) => Err("the stimulus current is zero"),
                    Some(i) => one(dv / i),
                }
            }
            minimum_voltage => one(self.min_max()?.0),
            maximum_voltage => one(self.min_max()?.1),
        }
    }

    fn ap_width(&self) -> Found<Vec<f64>> {
        self.peaks()?;
        let ahp = indices(&self.spikes.min_ahp)?;
        let thr = self.settings.threshold;
        let mut bounds = Vec::with_capacity(ahp.len() + 1);
        if self.settings.strict_stiminterval {
            let (a, b) = (first_at(&self.t, self.start), first_at(&self.t, self.end));
            bounds.push(a);
            bounds.extend(ahp.iter().copied().filter(|&m| a < m && m < b));
        } else {
            bounds.push(0);
            bounds.extend(ahp);
        }
        let width = |a: usize, b: usize| {
            let onset = (a..b).find(|&k| self.v[k] >= thr).unwrap_or(b);
            let end = (onset..b).find(|&k| self.v[k] <= thr).unwrap_or(b);
            self.t[end] - self.t[onset]
        };
        nonempty(
            bounds
                .windows(2)
                .map(|w| width(w[0], w[1].max(w[0])))
                .collect(),
            "no spike",
        )
    }

    fn rise_time(&self) -> Found<Vec<f64>> {
        let (peaks, v) = (self.peaks()?, &self.v);
        let begin = indices(&self.spikes.begin)?;
        let after: Vec<usize> = peaks.iter().copied().filter(|&p| p > begin[0]).collect();
        let (lo, hi) = (self.settings.rise_start_perc, self.settings.rise_end_perc);
        let n = begin.len().min(peaks.len()).min(after.len());
        Ok((0..n)
            .map(|i| {
                let (b, p) = (begin[i], after[i]);
                let amplitude = v[p] - v[b];
                let (from, to) = (v[b] + lo * amplitude, v[b] + hi * amplitude);
                let mut j = b;
                while j < p && v[j] < from - 1e-13 {
                    j += 1;
                }
                let mut k = p;
                while k > b && v[k] > to + 1e-13 {
                    k -= 1;
                }
                self.t[k] - self.t[j]
            })
            .collect())
    }

    fn voltage_base(&self) -> Found<f64> {
        let s = &self.settings;
        let (from, to) = (
            self.start * s.voltage_base_start_perc,
            self.start * s.voltage_base_end_perc,
        );
        if from >= to {
            return Err("voltage_base window is empty (start ≥ end)");
        }
        // The first time at or after `from` (0 if none); one past the last time after the
        // first that is below `to` + precision (all of them if none): eFEL's get_time_index.
        let a = match first_at(&self.t, from) {
            i if i == self.t.len() => 0,
            i => i,
        };
        let b = match self.t.partition_point(|&x| x - to < s.precision_threshold) {
            p if p >= 2 => p,
            _ => self.t.len(),
        };
        if a >= b {
            return Err("no sample in the voltage_base window");
        }
        let w = &self.v[a..b];
        Ok(match s.voltage_base_mode {
            BaseMode::Mean => w.iter().fold(0.0, |s, x| s + x) / w.len() as f64,
            BaseMode::Median => {
                let mut w = w.to_vec();
                w.sort_by(f64::total_cmp);
                let n = w.len();
                if n % 2 == 1 {
                    w[n / 2]
                } else {
                    (w[(n - 1) / 2] + w[n / 2]) / 2.0
                }
            }
        })
    }

    fn ssse(&self) -> Found<f64> {
        let from = self.end - 0.1 * (self.end - self.start);
        let (a, b) = (first_at(&self.t, from), first_at(&self.t, self.end));
        if b <= a {
            return Err("no sample in the last 10 % of the stimulus");
        }
        Ok(self.v[a..b].iter().fold(0.0, |s, x| s + x) / (b - a) as f64)
    }

    fn deflection(&self) -> Found<f64> {
        const WINDOW: usize = 5;
        // The samples before the stimulus, and the first after its end (0 if none, as eFEL).
        let count = first_at(&self.t, self.start);
        let base = self.v[..count].iter().fold(0.0, |s, x| s + x);
        let end = match self.t.partition_point(|&x| x <= self.end) {
            i if i == self.t.len() => 0,
            i => i,
        };
        if count == 0 {
            return Err("no sample before the stimulus");
        }
        if end < 2 * WINDOW {
            return Err("too few samples before the stimulus end");
        }
        let window = self.v[end - 2 * WINDOW..end - WINDOW]
            .iter()
            .fold(0.0, |s, x| s + x);
        Ok(window / WINDOW as f64 - base / count as f64)
    }

    fn sag(&self) -> Found<f64> {
        let (ssse, base, min) = (self.ssse()?, self.voltage_base()?, self.min_max()?.0);
        if ssse - base > 0.0 {
            return Err("the step depolarises (voltage_deflection_vb_ssse is positive)");
        }
        Ok(ssse - min)
    }

    fn min_max(&self) -> Found<(f64, f64)> {
        let last = self.t[self.t.len() - 1];
        if self.start > last {
            return Err("the stimulus starts after the trace");
        }
        let (a, b) = (
            first_at(&self.t, self.start),
            first_at(&self.t, self.end.min(last)),
        );
        if a == b {
            return Ok((self.v[b], self.v[b]));
        }
        let w = &self.v[a..b];
        Ok(w.iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                (lo.min(x), hi.max(x))
            }))
    }

    fn decay_tau(&self) -> Found<f64> {
        let s = &self.settings;
        if s.decay_start_after_stim >= s.decay_end_after_stim {
            return Err("decay_start_after_stim is not before decay_end_after_stim");
        }
        let at = |x: f64| first_at(&self.t, x);
        let reference = *self
            .v
            .get(at(self.start))
            .ok_or("the stimulus starts after the trace")?;
        let (a, b) = (
            at(self.end + s.decay_start_after_stim),
            at(self.end + s.decay_end_after_stim),
        );
        if b <= a {
            return Err("no sample in the decay window");
        }
        let (mut sx, mut sy, mut sxx, mut sxy) = (0.0, 0.0, 0.0, 0.0);
        for i in a..b {
            let (x, y) = (self.t[i], (self.v[i] - reference).abs().ln());
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }
        let n = (b - a) as f64;
        let slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
        let tau = (-1.0 / slope).abs();
        if tau.is_finite() {
            Ok(tau)
        } else {
            Err("the decay fit is degenerate (too few samples or a flat trace)")
        }
    }
}
