//! eFEL-compatible features: eFEL 5.7.34's names, definitions and default settings, so a
//! trace's numbers can be compared with BluePyOpt's, the Allen Institute's and the published
//! ones.
//!
//! Every trace is first interpolated onto a uniform grid of `interp_step` (0.1 ms) as eFEL
//! does, whatever its own time base; spikes are found as eFEL finds them (crossings of
//! `Threshold`, −20 mV) and their begins, ends and half heights as eFEL's integer features.
//! [`EfelValues`] gives each feature's values as eFEL's `get_feature_values` does;
//! [`EfelFeatures`] picks features into a fixed-length summary for inference, reducing each
//! per-spike feature to one number ([`Reduce`]) and handling a feature eFEL leaves undefined
//! by [`EfelFeature::fill`]. `docs/features.md` lists every definition and deviation;
//! `scripts/efel_compare.py` checks the numbers against eFEL itself.
//!
//! ## Quick start
//!
//! ```
//! use hh_model::HhSimulator;
//! use hh_stats::efel::EfelFeatures;
//! use rand::SeedableRng;
//! use sbi_core::{SeedRng, Simulator, SummaryStatistics};
//!
//! // The notebook's pulse, at a Pospischil-like resting level: spikes cross −20 mV.
//! let trace = HhSimulator::notebook().simulate(&[-65.0, 7.0], &mut SeedRng::seed_from_u64(0))?;
//! let features = EfelFeatures::parse("Spikecount,mean_frequency,AP_amplitude@first")?;
//! let x = features.summarize(&trace)?;
//! assert_eq!(features.names(), ["Spikecount", "mean_frequency", "AP_amplitude@first"]);
//! assert_eq!(x[0], 4.0);
//! assert!(x[2] > 80.0); // mV from the spike's begin to its peak
//! # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
//! ```

mod feature;
mod settings;
mod spikes;
mod values;

pub use feature::{EfelFeature, Reduce};
pub use settings::{BaseMode, EfelSettings};
pub use values::EfelValues;

use sbi_core::{SummaryStatistics, TimeWindow, Trace};

use crate::error::{Error, Result};

/// A fixed, ordered list of eFEL features, each with its reduction, as
/// [`SummaryStatistics`]`<Trace>`: the features of a recording's sweep or a simulated trace
/// in eFEL's terms. Needs a stimulus window (the trace's, or
/// [`EfelFeatures::with_stimulus_window`]).
///
/// Where eFEL gives no value the summary uses [`EfelFeature::fill`] (0 spikes, a censored
/// first-spike time, …) or fails with [`Error::UndefinedFeature`], which the pipeline records
/// as a failed simulation. eFEL's features need the whole trace (interpolation, backward
/// searches from each peak), so [`SummaryStatistics::stream`] is `None`: simulators keep the
/// trace and summarise it after.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EfelFeatures {
    features: Vec<(EfelFeature, Reduce)>,
    settings: EfelSettings,
    window: Option<TimeWindow>,
    stimulus_current_na: Option<f64>,
}

impl EfelFeatures {
    /// The features `features`, each with its reduction (used by per-spike features only).
    ///
    /// # Errors
    /// [`Error::InvalidFeatureSet`] for an empty list, a repeated pair, or a reduction other
    /// than the mean on a feature with one value.
    pub fn new(features: Vec<(EfelFeature, Reduce)>) -> Result<Self> {
        if features.is_empty() {
            return Err(Error::InvalidFeatureSet("no eFEL feature".into()));
        }
        for (i, &(f, r)) in features.iter().enumerate() {
            if !f.per_spike() && r != Reduce::Mean {
                return Err(Error::InvalidFeatureSet(format!(
                    "`{}` has one value; `@{}` applies to per-spike features only",
                    f.name(),
                    r.name()
                )));
            }
            if features[..i].contains(&(f, r)) {
                return Err(Error::InvalidFeatureSet(format!(
                    "`{}` listed twice",
                    f.name()
                )));
            }
        }
        Ok(Self {
            features,
            settings: EfelSettings::default(),
            window: None,
            stimulus_current_na: None,
        })
    }

    /// Every implemented feature, per-spike ones by their mean — except
    /// `ohmic_input_resistance`, which needs the stimulus current
    /// ([`EfelFeatures::with_stimulus_current`]).
    pub fn all() -> Self {
        let features = EfelFeature::ALL
            .into_iter()
            .filter(|&f| f != EfelFeature::ohmic_input_resistance)
            .map(|f| (f, Reduce::Mean))
            .collect();
        Self::new(features).expect("distinct features")
    }

    /// Features from a comma-separated list of eFEL names, each optionally followed by
    /// `@mean`, `@first` or `@last` (`AP_amplitude@first`); `all` (or an empty list) for
    /// [`EfelFeatures::all`].
    ///
    /// # Errors
    /// [`Error::UnknownEfelFeature`], [`Error::InvalidFeatureSet`] for a bad reduction, a
    /// repeat, or more than 1,000 entries.
    pub fn parse(list: &str) -> Result<Self> {
        let list = list.trim();
        if list.is_empty() || list == "all" {
            return Ok(Self::all());
        }
        let items: Vec<&str> = list.split(',').map(str::trim).collect();
        if items.len() > 1000 {
            return Err(Error::InvalidFeatureSet(format!(
                "{} features listed; at most 1000",
                items.len()
            )));
        }
        let features = items
            .into_iter()
            .map(|item| {
                let (name, reduce) = item.split_once('@').unwrap_or((item, "mean"));
                let reduce = match reduce {
                    "mean" => Reduce::Mean,
                    "first" => Reduce::First,
                    "last" => Reduce::Last,
                    other => {
                        return Err(Error::InvalidFeatureSet(format!(
                            "`{item}`: unknown reduction `{other}` (mean, first or last)"
                        )));
                    }
                };
                Ok((EfelFeature::from_name(name)?, reduce))
            })
            .collect::<Result<Vec<_>>>()?;
        Self::new(features)
    }

    /// With `settings` instead of eFEL's defaults.
    pub fn with_settings(mut self, settings: EfelSettings) -> Self {
        self.settings = settings;
        self
    }

    /// With the stimulus window `window`, used instead of the trace's own.
    pub fn with_stimulus_window(mut self, window: TimeWindow) -> Self {
        self.window = Some(window);
        self
    }

    /// With the stimulus current, nA (eFEL's `stimulus_current`), which
    /// `ohmic_input_resistance` divides by.
    pub fn with_stimulus_current(mut self, current_na: f64) -> Self {
        self.stimulus_current_na = Some(current_na);
        self
    }

    /// The features and their reductions, in output order.
    pub fn features(&self) -> &[(EfelFeature, Reduce)] {
        &self.features
    }

    /// The settings.
    pub fn settings(&self) -> &EfelSettings {
        &self.settings
    }

    /// Every feature's values on `trace`, as eFEL gives them.
    ///
    /// # Errors
    /// As [`EfelValues::new`].
    pub fn values(&self, trace: &Trace) -> Result<EfelValues> {
        EfelValues::new(trace, self.window, &self.settings, self.stimulus_current_na)
    }
}

impl SummaryStatistics<Trace> for EfelFeatures {
    type Error = Error;

    fn dim(&self) -> usize {
        self.features.len()
    }

    /// eFEL's names; a per-spike feature reduced otherwise than by its mean gets `@first` or
    /// `@last`.
    fn names(&self) -> Vec<String> {
        self.features
            .iter()
            .map(|&(f, r)| match r {
                Reduce::Mean => f.name().to_owned(),
                r => format!("{}@{}", f.name(), r.name()),
            })
            .collect()
    }

    fn summarize_into(&self, trace: &Trace, out: &mut [f64]) -> Result<()> {
        sbi_core::check_dim(self.dim(), out.len())?;
        let values = self.values(trace)?;
        let stimulus = self
            .window
            .or(trace.stimulus())
            .map_or(0.0, |w| w.duration_ms());
        for (slot, &(feature, reduce)) in out.iter_mut().zip(&self.features) {
            let got = values.get(feature);
            let value = match &got {
                Ok(v) => reduce.apply(v),
                Err(_) => None,
            };
            *slot = match value.or_else(|| feature.fill(stimulus)) {
                Some(x) if x.is_finite() => x,
                Some(_) => {
                    return Err(Error::UndefinedFeature {
                        feature: feature.name(),
                        reason: "not finite on this trace",
                    });
                }
                None => {
                    return Err(got.err().unwrap_or(Error::UndefinedFeature {
                        feature: feature.name(),
                        reason: "no value (no spike, or an empty interval list)",
                    }));
                }
            };
        }
        Ok(())
    }
}
