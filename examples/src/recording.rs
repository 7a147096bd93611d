//! Inference from a recording, shared by `infer_recording`, `synthesize_recording` and
//! `hh_posterior --observed`: the prior given on the command line, the simulator set up from
//! a recording's sampling and stimulus, the check of a recording against a protocol, and the
//! pictures of a posterior over a recording.

use std::path::Path;

use hh_io::{CurrentSource, Recording};
use hh_model::{HhParams, HhSimulator, Model, ModelSimulator, Protocol, Scheme, Substepped};
use hh_stats::TraceFeatures;
use sbi_core::stats::{marginals, quantile};
use sbi_core::{RowMatrix, Simulator, TimeWindow, Trace, item_rng, streams};

pub use crate::cell_model::{CellModel, GONCALVES_AREA_CM2, RecordingSimulator};
use crate::cli::CliError;
use crate::corner::{CornerView, render_corner};
use crate::plot::{
    Curve, PALETTE, PosteriorView, observed_with_draws, render_curves, render_posterior_2d,
    render_traces, view_box,
};

/// A box prior over named model parameters, from `name:low:high,name:low:high,…`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterBox {
    /// hh-model parameter names (the model's, [`CellModel::parameter_names`], with
    /// `stim_scale`, `noise_sigma`), in θ order.
    pub names: Vec<String>,
    /// Lower bounds.
    pub low: Vec<f64>,
    /// Upper bounds.
    pub high: Vec<f64>,
}

impl ParameterBox {
    /// Parses `g_na:60:180,g_k:12:60,v_rest:-75:-55`, names of the classic model
    /// ([`ParameterBox::parse_for`] another's).
    ///
    /// ```
    /// let b = hh_sbi_examples::recording::ParameterBox::parse("g_na:60:180,v_rest:-75:-55")?;
    /// assert_eq!(b.names, ["g_na", "v_rest"]);
    /// assert_eq!(b.low, [60.0, -75.0]);
    /// assert!(hh_sbi_examples::recording::ParameterBox::parse("g_na:180:60").is_err());
    /// assert!(hh_sbi_examples::recording::ParameterBox::parse("bogus:0:1").is_err());
    /// # Ok::<(), hh_sbi_examples::cli::CliError>(())
    /// ```
    ///
    /// # Errors
    /// A malformed entry, an unknown or repeated name, `stim_amplitude` (a recording's
    /// stimulus is its own), bounds that are not finite with low < high.
    pub fn parse(spec: &str) -> Result<Self, CliError> {
        Self::parse_for(spec, CellModel::Classic)
    }

    /// Parses a box over `model`'s parameters.
    ///
    /// ```
    /// use hh_sbi_examples::recording::{CellModel, ParameterBox};
    /// let b = ParameterBox::parse_for("g_m:0:0.6,e_leak:-90:-50", CellModel::Pospischil)?;
    /// assert_eq!(b.names, ["g_m", "e_leak"]);
    /// assert!(ParameterBox::parse_for("v_rest:-75:-55", CellModel::Pospischil).is_err());
    /// # Ok::<(), hh_sbi_examples::cli::CliError>(())
    /// ```
    ///
    /// # Errors
    /// As [`ParameterBox::parse`].
    pub fn parse_for(spec: &str, model: CellModel) -> Result<Self, CliError> {
        let mut b = Self {
            names: Vec::new(),
            low: Vec::new(),
            high: Vec::new(),
        };
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let parts: Vec<&str> = item.split(':').collect();
            let [name, lo, hi] = parts.as_slice() else {
                return Err(CliError(format!(
                    "--parameters: `{item}` is not name:low:high"
                )));
            };
            let known = model.parameter_names();
            if *name == "stim_amplitude" {
                return Err(CliError(
                    "--parameters: a recording brings its own stimulus; use stim_scale (a \
                     factor on it) instead of stim_amplitude"
                        .into(),
                ));
            }
            if !known.contains(name) {
                return Err(CliError(format!(
                    "--parameters: unknown parameter `{name}` (known: {})",
                    known.join(", ")
                )));
            }
            if b.names.iter().any(|n| n == name) {
                return Err(CliError(format!("--parameters: `{name}` appears twice")));
            }
            let num = |s: &str| -> Result<f64, CliError> {
                s.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| {
                        CliError(format!("--parameters: `{s}` in `{item}` is not a number"))
                    })
            };
            let (l, h) = (num(lo)?, num(hi)?);
            if l >= h {
                return Err(CliError(format!(
                    "--parameters: `{item}`: the low bound must be below the high bound"
                )));
            }
            b.names.push((*name).to_owned());
            b.low.push(l);
            b.high.push(h);
        }
        if b.names.is_empty() {
            return Err(CliError("--parameters: no parameter given".into()));
        }
        Ok(b)
    }

    /// The names as `&str`.
    pub fn name_refs(&self) -> Vec<&str> {
        self.names.iter().map(String::as_str).collect()
    }
}

/// How a recording is modelled: what is fixed besides θ.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordingModel {
    /// Membrane area, cm², turning a total current (pA, nA, µA) into the model's density;
    /// `None` for a current recorded as a density (µA/cm²).
    pub area_cm2: Option<f64>,
    /// Integration steps per recorded sample (the model runs at `dt / substeps`).
    pub substeps: usize,
    /// The integration scheme.
    pub scheme: Scheme,
    /// Intrinsic white-noise current, µA/cm²·√ms (scaled by the area to the model's total
    /// current when there is one).
    pub noise: f64,
    /// The channel model.
    pub kind: CellModel,
    /// The classic model's fixed parameters; θ overrides the named ones. (The Pospischil
    /// model takes Gonçalves et al.'s values, starting at the recording's baseline.)
    pub params: HhParams,
}

impl Default for RecordingModel {
    fn default() -> Self {
        Self {
            area_cm2: None,
            substeps: 1,
            scheme: Scheme::ExpEuler,
            noise: 0.0,
            kind: CellModel::Classic,
            params: HhParams::default(),
        }
    }
}

/// The simulator of `rec`: its dt (over `model.substeps` integration steps), its length, its
/// stimulus waveform (in µA with the area, or in µA/cm²), starting at rest (the classic
/// model) or at the recording's baseline (Pospischil's, [`baseline_mv`]); θ sets `names`.
///
/// # Errors
/// No current in the recording, a total current without an area (or a density with one),
/// and the model's own checks.
pub fn simulator_for(
    rec: &Recording,
    names: &[&str],
    model: &RecordingModel,
) -> Result<RecordingSimulator, CliError> {
    let (waveform, noise) = match model.area_cm2 {
        Some(a) => {
            // Checked through the density conversion (area finite and positive).
            rec.current_density(Some(a))?;
            (rec.current_microampere()?, model.noise * a)
        }
        None => (rec.current_density(None)?, model.noise),
    };
    let protocol =
        Protocol::from_samples(rec.dt_ms(), &waveform, model.substeps)?.with_noise_sigma(noise);
    Ok(match model.kind {
        CellModel::Classic => {
            let params = match model.area_cm2 {
                Some(a) => model.params.clone().with_membrane_area_cm2(a),
                None => model.params.clone(),
            };
            let inner = HhSimulator::new(params, protocol, model.scheme, names)?;
            RecordingSimulator::Classic(Substepped::new(inner, model.substeps)?)
        }
        CellModel::Pospischil => {
            let mut m = Model::pospischil().with_default("v0", baseline_mv(rec))?;
            if let Some(a) = model.area_cm2 {
                m = m.with_area_cm2(a)?;
            }
            let inner = ModelSimulator::for_model(m, protocol, model.scheme, names)?;
            RecordingSimulator::Pospischil(Substepped::new(inner, model.substeps)?)
        }
    })
}

/// The recording's baseline, mV: the median potential before its stimulus window (over the
/// whole sweep without one) — where a model with absolute potentials starts.
///
/// ```
/// let v: Vec<f64> = (0..100).map(|k| if k < 20 { -70.0 } else { -40.0 }).collect();
/// let i: Vec<f64> = (0..100).map(|k| if k < 20 { 0.0 } else { 100.0 }).collect();
/// let rec = hh_io::Recording::new(0.1, v)?.with_current(hh_io::Current {
///     values: i,
///     unit: hh_io::CurrentUnit::PicoAmpere,
///     source: hh_io::CurrentSource::Recorded,
/// })?;
/// assert_eq!(hh_sbi_examples::recording::baseline_mv(&rec), -70.0);
/// # Ok::<(), hh_io::Error>(())
/// ```
pub fn baseline_mv(rec: &Recording) -> f64 {
    let v = rec.voltage_mv();
    let end = rec.stimulus_window().map_or(v.len(), |w| {
        ((w.start_ms / rec.dt_ms()) as usize).max(1).min(v.len())
    });
    let mut before = v[..end].to_vec();
    before.sort_by(f64::total_cmp);
    before.get(before.len() / 2).copied().unwrap_or(-70.0)
}

/// Why `rec` is not a recording of `protocol` (dt within 10⁻⁶, the same number of samples),
/// or `None` if it is.
pub fn protocol_mismatch(rec: &Recording, protocol: &Protocol) -> Option<String> {
    let mut why = Vec::new();
    if ((rec.dt_ms() - protocol.dt_ms) / protocol.dt_ms).abs() > 1e-6 {
        why.push(format!(
            "its sampling interval is {} ms ({} kHz), the protocol's is {} ms",
            rec.dt_ms(),
            1.0 / rec.dt_ms(),
            protocol.dt_ms
        ));
    }
    if rec.len() != protocol.num_steps {
        why.push(format!(
            "it has {} samples ({} ms), the protocol {} ({} ms)",
            rec.len(),
            rec.duration_ms(),
            protocol.num_steps,
            protocol.duration_ms()
        ));
    }
    (!why.is_empty()).then(|| why.join("; "))
}

/// The unit of an hh-model parameter, as the pictures and tables label it.
pub fn unit_of(name: &str) -> &'static str {
    match name {
        "v_rest" | "e_na" | "e_k" | "e_l" | "e_leak" | "v_t" | "v0" => "mV",
        "g_na" | "g_k" | "g_l" | "g_leak" | "g_m" => "mS/cm²",
        "tau_max" => "ms",
        "c_m" => "µF/cm²",
        "noise_sigma" => "µA/cm²·√ms",
        _ => "",
    }
}

/// `name (unit)`, or the name alone for a unitless parameter.
pub fn labelled(name: &str) -> String {
    match unit_of(name) {
        "" => name.to_owned(),
        u => format!("{name} ({u})"),
    }
}

/// Where a recording's current came from, in words.
pub fn current_source(rec: &Recording) -> &'static str {
    match rec.current().map(|c| c.source) {
        Some(CurrentSource::Recorded) => "recorded",
        Some(CurrentSource::Protocol) => "from the protocol's epoch table",
        _ => "",
    }
}

/// A posterior over a recording, to draw.
pub struct RecordingScene<'a> {
    /// The recording's file.
    pub path: &'a Path,
    /// The recording.
    pub recording: &'a Recording,
    /// Its membrane potential as a trace.
    pub trace: &'a Trace,
    /// The simulator set up from it.
    pub simulator: &'a RecordingSimulator,
    /// The inferred parameters' names.
    pub names: &'a [&'a str],
    /// The window the features describe (shaded in the recording's picture): the sweep's
    /// stimulus window, or one chosen.
    pub window: Option<TimeWindow>,
    /// The prior box.
    pub low: &'a [f64],
    /// The prior box.
    pub high: &'a [f64],
    /// Known values (a synthetic recording).
    pub truth: Option<&'a [f64]>,
    /// Posterior samples.
    pub samples: &'a RowMatrix,
    /// The run's seed (posterior predictive simulations: stream
    /// [`streams::PREDICTIVE_SIMULATIONS`], item i for draw i).
    pub seed: u64,
}

impl RecordingScene<'_> {
    /// recording.svg (the recording with 5 posterior predictive traces), stimulus.svg and
    /// posterior.svg (a 2-D density for two parameters, a corner plot otherwise).
    ///
    /// # Errors
    /// A recording without a current; drawing errors.
    pub fn render(&self) -> Result<Vec<(&'static str, String)>, CliError> {
        let rec = self.recording;
        let pred_seed = streams::PREDICTIVE_SIMULATIONS.seed(self.seed);
        let predictive: Vec<Trace> = (0..5.min(self.samples.nrows()))
            .filter_map(|i| {
                self.simulator
                    .simulate(self.samples.row(i), &mut item_rng(pred_seed, i as u64))
                    .ok()
            })
            .collect();
        let series = observed_with_draws(
            format!("recording (sweep {})", rec.sweep()),
            self.trace,
            &predictive,
        );
        let title = format!(
            "{} — {} sweep {}",
            self.path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default(),
            rec.metadata().format.name(),
            rec.sweep()
        );
        let stim_label = self.window.map(|w| (w, "feature window".to_owned()));
        let recording_svg = render_traces(&title, &series, stim_label)?;
        let current = rec.current().ok_or("no current")?;
        let points: Vec<(f64, f64)> = current
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| (i as f64 * rec.dt_ms(), *v))
            .collect();
        let stimulus_svg = render_curves(
            &format!("injected current ({})", current_source(rec)),
            ("time (ms)", &format!("current ({})", current.unit.symbol())),
            &[Curve {
                label: "current".into(),
                points,
                color: PALETTE[3],
            }],
            None,
        )?;
        Ok(vec![
            ("recording.svg", recording_svg),
            ("stimulus.svg", stimulus_svg),
            ("posterior.svg", self.render_posterior()?),
        ])
    }

    fn render_posterior(&self) -> Result<String, CliError> {
        let axis: Vec<String> = self.names.iter().map(|n| labelled(n)).collect();
        let (lo, hi, _) = view_box(self.samples, self.low, self.high, self.truth);
        Ok(if self.names.len() == 2 {
            let m = marginals(self.samples);
            let two = |v: &[f64]| [v[0], v[1]];
            render_posterior_2d(&PosteriorView {
                title: "posterior",
                samples: self.samples,
                names: [&axis[0], &axis[1]],
                low: two(&lo),
                high: two(&hi),
                truth: self.truth.map(two),
                intervals: Some([[m[0].q05, m[0].q95], [m[1].q05, m[1].q95]]),
            })?
        } else {
            render_corner(&CornerView {
                title: "posterior",
                samples: self.samples,
                names: &axis,
                low: &lo,
                high: &hi,
                truth: self.truth,
            })?
        })
    }
}

/// Writes each `(name, svg)` into `dir` (created if missing), atomically.
///
/// # Errors
/// A folder or file that cannot be written.
pub fn write_pictures(dir: &Path, pictures: &[(&str, String)]) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).map_err(|e| CliError(format!("{}: {e}", dir.display())))?;
    for (name, svg) in pictures {
        sbi_core::write_atomic(&dir.join(name), |w| w.write_all(svg.as_bytes()))?;
    }
    Ok(())
}

/// How many times the injected current changes level inside `window`: the window cut into
/// 1-ms blocks, a change counted when a block's median current differs from the level of the
/// last change (at first, the first block's) by more than 10 % of the largest departure from
/// holding — 0 for one step, 1 for a pre-pulse and a test step, about 9 for a ramp; 0
/// without a current.
///
/// ```
/// use hh_io::{Current, CurrentSource, CurrentUnit, Recording};
/// use sbi_core::TimeWindow;
/// use hh_sbi_examples::recording::level_changes;
/// // 0.1 ms samples: -50 pA for 20-40 ms, then 200 pA for 40-80 ms.
/// let i: Vec<f64> = (0..1000)
///     .map(|k| match k { 200..400 => -50.0, 400..800 => 200.0, _ => 0.0 })
///     .collect();
/// let rec = Recording::new(0.1, vec![-65.0; 1000])?.with_current(Current {
///     values: i,
///     unit: CurrentUnit::PicoAmpere,
///     source: CurrentSource::Recorded,
/// })?;
/// let all = rec.stimulus_window().unwrap();
/// assert_eq!(level_changes(&rec, all), 1);
/// assert_eq!(level_changes(&rec, TimeWindow::new(40.0, 80.0).unwrap()), 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn level_changes(rec: &Recording, window: TimeWindow) -> usize {
    let Some(current) = rec.current() else {
        return 0;
    };
    let Ok(trace) = rec.trace() else {
        return 0;
    };
    let values = &current.values[trace.index_range(window)];
    let hold = current.values.first().copied().unwrap_or(0.0);
    let peak = current
        .values
        .iter()
        .map(|x| (x - hold).abs())
        .fold(0.0, f64::max);
    let block = ((1.0 / rec.dt_ms()).round() as usize).max(1);
    let mut level: Option<f64> = None;
    let mut changes = 0;
    for chunk in values.chunks(block) {
        let mut sorted = chunk.to_vec();
        sorted.sort_by(f64::total_cmp);
        let median = quantile(&sorted, 0.5);
        match level {
            None => level = Some(median),
            Some(l) if (median - l).abs() > 0.1 * peak => {
                changes += 1;
                level = Some(median);
            }
            Some(_) => {}
        }
    }
    changes
}

/// The step of injected current over `window` (the recording's stimulus window, or one
/// chosen), relative to the holding level (the first sample), in nA — eFEL's `stimulus_current`, which
/// `ohmic_input_resistance` divides by. `None` without a total current (a density, or no
/// current) or a stimulus window.
///
/// ```
/// use hh_io::{Current, CurrentSource, CurrentUnit, Recording};
/// let i: Vec<f64> = (0..100).map(|k| if (20..80).contains(&k) { 150.0 } else { -10.0 }).collect();
/// let rec = Recording::new(0.1, vec![-65.0; 100])?.with_current(Current {
///     values: i,
///     unit: CurrentUnit::PicoAmpere,
///     source: CurrentSource::Recorded,
/// })?;
/// let window = rec.stimulus_window().unwrap();
/// let na = hh_sbi_examples::recording::step_current_na(&rec, window).unwrap();
/// assert!((na - 0.16).abs() < 1e-12);
/// # Ok::<(), hh_io::Error>(())
/// ```
pub fn step_current_na(rec: &Recording, window: TimeWindow) -> Option<f64> {
    let i_ua = rec.current_microampere().ok()?;
    let hold = *i_ua.first()?;
    let range = rec.trace().ok()?.index_range(window);
    let n = range.len();
    (n > 0).then(|| i_ua[range].iter().map(|x| x - hold).sum::<f64>() / n as f64 * 1e3)
}

/// The features of sweep `sweep` from a `--features` spec: one spec for every sweep
/// (`all`, `efel:Spikecount,…`), or one per group of sweeps, `;`-separated, each
/// `sweeps=spec` with `sweeps` a comma list or `*` (the first group naming the sweep wins):
/// `0=efel:voltage_base,sag_amplitude;1,2=efel:Spikecount,AP_amplitude`. hh-stats' `notebook`
/// preset (rest-relative) is refused.
///
/// ```
/// use hh_sbi_examples::recording::features_for_sweep;
/// use sbi_core::SummaryStatistics;
/// let spec = "0=efel:sag_amplitude;*=efel:Spikecount,voltage_base";
/// assert_eq!(features_for_sweep(spec, 0).unwrap().names(), ["sag_amplitude"]);
/// assert_eq!(features_for_sweep(spec, 4).unwrap().dim(), 2);
/// assert_eq!(features_for_sweep("sbi7", 3).unwrap().dim(), 7);
/// assert!(features_for_sweep("0=efel:sag_amplitude", 1).is_err()); // none for sweep 1
/// assert!(features_for_sweep("x=all", 0).is_err());
/// ```
///
/// # Errors
/// A spec that does not parse (naming the part), or no spec for `sweep`.
pub fn features_for_sweep(spec: &str, sweep: usize) -> Result<TraceFeatures, CliError> {
    feature_groups(spec)?
        .into_iter()
        .find(|(sweeps, _)| sweeps.as_ref().is_none_or(|list| list.contains(&sweep)))
        .map(|(_, features)| features)
        .ok_or_else(|| CliError(format!("--features gives no features for sweep {sweep}")))
}

/// One group of a `--features` spec: the sweeps it names (`None`: every sweep) and their
/// features.
pub type FeatureGroup = (Option<Vec<usize>>, TraceFeatures);

/// The groups of a `--features` spec ([`features_for_sweep`]): the sweeps each names (`None`:
/// every sweep) and their features, in order.
///
/// # Errors
/// A part that does not parse, naming it.
pub fn feature_groups(spec: &str) -> Result<Vec<FeatureGroup>, CliError> {
    let parse = |s: &str| {
        if s.trim() == "notebook" {
            return Err(CliError(
                "--features notebook is the notebook's rest-relative summary; for a recording \
                 use sbi7, all, efel or efel:name,..."
                    .into(),
            ));
        }
        TraceFeatures::parse(s.trim()).map_err(|e| CliError(format!("--features `{s}`: {e}")))
    };
    if !spec.contains('=') {
        return Ok(vec![(None, parse(spec)?)]);
    }
    spec.split(';')
        .filter(|p| !p.trim().is_empty())
        .map(|part| {
            let (sweeps, features) = part.split_once('=').ok_or_else(|| {
                CliError(format!("--features `{part}`: expected <sweeps>=<features>"))
            })?;
            let sweeps = match sweeps.trim() {
                "*" => None,
                list => Some(
                    list.split(',')
                        .map(|k| {
                            k.trim().parse::<usize>().map_err(|_| {
                                CliError(format!(
                                    "--features `{part}`: `{k}` is not a sweep number"
                                ))
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                ),
            };
            Ok((sweeps, parse(features)?))
        })
        .collect()
}
