//! [`EfelFeature`]: the eFEL features hh-stats computes, by eFEL's names, and how a per-spike
//! feature becomes one number ([`Reduce`]).

use crate::error::{Error, Result};

/// Declares [`EfelFeature`] once: each variant with its docs, [`EfelFeature::ALL`] in
/// declaration order and [`EfelFeature::name`] (the variant's own name, eFEL's).
macro_rules! efel_features {
    ($(#[$attr:meta])* pub enum EfelFeature { $($(#[doc = $doc:literal])* $variant:ident,)* }) => {
        $(#[$attr])*
        pub enum EfelFeature {
            $($(#[doc = $doc])* $variant,)*
        }

        impl EfelFeature {
            /// Every feature, in a fixed order (the `efel` preset).
            pub const ALL: [EfelFeature; [$(stringify!($variant)),*].len()] =
                [$(EfelFeature::$variant),*];

            /// eFEL's name.
            pub fn name(self) -> &'static str {
                match self {
                    $(EfelFeature::$variant => stringify!($variant),)*
                }
            }
        }
    };
}

efel_features! {
    /// An eFEL feature, named as eFEL names it. Each is eFEL's definition on eFEL's interpolated
    /// trace (docs/features.md has every definition and where hh-stats deviates). Per-spike
    /// features ([`EfelFeature::per_spike`]) give one value per spike, reduced to one number by a
    /// [`Reduce`].
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
    #[allow(non_camel_case_types)]
    pub enum EfelFeature {
        /// Number of spikes (peaks between an upward and a downward crossing of `Threshold`).
        Spikecount,
        /// Spikes whose peak lies in the stimulus window.
        Spikecount_stimint,
        /// Spikes in the stimulus window × 1000 / (last such peak time − stim_start), Hz.
        mean_frequency,
        /// First peak time − stim_start, ms.
        time_to_first_spike,
        /// Last peak time − stim_start, ms.
        time_to_last_spike,
        /// 1000 / first interspike interval, Hz.
        inv_first_ISI,
        /// Every interspike interval, ms (per spike).
        all_ISI_values,
        /// The interspike intervals without the first (`ignore_first_ISI`), ms (per spike).
        ISI_values,
        /// Sample std (ddof 1) / mean of `ISI_values`.
        ISI_CV,
        /// Mean of (ISIᵢ − ISIᵢ₋₁)/(ISIᵢ + ISIᵢ₋₁) from the second interval, spikes in the stimulus.
        adaptation_index2,
        /// Peak voltage − voltage at the spike's begin, spikes in the stimulus, mV (per spike).
        AP_amplitude,
        /// Voltage at each peak, mV (per spike).
        peak_voltage,
        /// Voltage where dV/dt first exceeds `DerivativeThreshold` before the peak, mV (per spike).
        AP_begin_voltage,
        /// Width at half the height from the begin voltage to the peak, ms (per spike).
        AP_duration_half_width,
        /// Width at `Threshold`, ms (per spike).
        AP_width,
        /// From the begin to the peak, ms (per spike).
        AP_rise_time,
        /// From the peak to where dV/dt returns above `DownDerivativeThreshold`, ms (per spike).
        AP_fall_time,
        /// The first minimum after each peak (before the next, or the trace's end), mV (per spike).
        AHP_depth_abs,
        /// `AHP_depth_abs` − `voltage_base`, mV (per spike).
        AHP_depth,
        /// The same minima as `AHP_depth_abs`, mV (per spike).
        min_AHP_values,
        /// Mean voltage from 0.9·stim_start to stim_start, mV.
        voltage_base,
        /// Mean voltage after the stimulus end, mV.
        steady_state_voltage,
        /// Mean voltage over the last 10 % of the stimulus, mV.
        steady_state_voltage_stimend,
        /// Mean of 5 samples 5–10 samples before the stimulus end − mean before the stimulus, mV.
        voltage_deflection,
        /// `steady_state_voltage_stimend` − `minimum_voltage` (a hyperpolarising step), mV.
        sag_amplitude,
        /// `sag_amplitude` / (`voltage_base` − `minimum_voltage`).
        sag_ratio1,
        /// Time constant of the decay 1–10 ms after the stimulus end (log-linear fit), ms.
        decay_time_constant_after_stim,
        /// `voltage_deflection` / the stimulus current (mV/nA = MΩ).
        ohmic_input_resistance,
        /// Lowest voltage in the stimulus window, mV.
        minimum_voltage,
        /// Highest voltage in the stimulus window, mV.
        maximum_voltage,
    }
}

/// How a per-spike feature becomes one number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Reduce {
    /// The mean over spikes (the default; eFEL's `get_mean_feature_values`).
    #[default]
    Mean,
    /// The first spike's value.
    First,
    /// The last spike's value.
    Last,
}

impl Reduce {
    /// `mean`, `first` or `last`.
    pub fn name(self) -> &'static str {
        match self {
            Reduce::Mean => "mean",
            Reduce::First => "first",
            Reduce::Last => "last",
        }
    }

    /// The reduction of `values` (`None` when there is none).
    pub fn apply(self, values: &[f64]) -> Option<f64> {
        match self {
            _ if values.is_empty() => None,
            Reduce::Mean => Some(values.iter().sum::<f64>() / values.len() as f64),
            Reduce::First => values.first().copied(),
            Reduce::Last => values.last().copied(),
        }
    }
}

impl EfelFeature {
    /// Whether eFEL gives one value per spike (or per interval).
    pub fn per_spike(self) -> bool {
        use EfelFeature::*;
        matches!(
            self,
            all_ISI_values
                | ISI_values
                | AP_amplitude
                | peak_voltage
                | AP_begin_voltage
                | AP_duration_half_width
                | AP_width
                | AP_rise_time
                | AP_fall_time
                | AHP_depth_abs
                | AHP_depth
                | min_AHP_values
        )
    }

    /// The value hh-stats gives where eFEL gives none and a natural value exists — no spike,
    /// or too few for an interval: counts and rates 0; `time_to_first_spike` the stimulus
    /// duration (the spike has not come by the stimulus end: a censored time); `ISI_CV` and
    /// `adaptation_index2` 0 (no variation seen). `None`: the feature has no such value (a
    /// spike's shape without a spike, a subthreshold feature the trace does not allow) and
    /// the summary fails, which the pipeline records.
    pub fn fill(self, stimulus_ms: f64) -> Option<f64> {
        use EfelFeature::*;
        match self {
            Spikecount | Spikecount_stimint | mean_frequency | inv_first_ISI => Some(0.0),
            ISI_CV | adaptation_index2 => Some(0.0),
            time_to_first_spike => Some(stimulus_ms),
            _ => None,
        }
    }

    /// The feature named `name` (eFEL's name; `spike_count` and `spike_count_stimint`, eFEL
    /// 5.7's new names, too).
    ///
    /// # Errors
    /// [`Error::UnknownEfelFeature`] listing every name.
    pub fn from_name(name: &str) -> Result<Self> {
        let name = match name {
            "spike_count" => "Spikecount",
            "spike_count_stimint" => "Spikecount_stimint",
            other => other,
        };
        Self::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| Error::UnknownEfelFeature {
                name: name.to_owned(),
                known: Self::ALL.map(Self::name).join(", "),
            })
    }
}
