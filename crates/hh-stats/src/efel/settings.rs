//! [`EfelSettings`]: eFEL's settings that the implemented features read, with eFEL's names and
//! defaults (eFEL 5.7.34, `efel.settings.Settings`).

use crate::error::{Error, Result};

/// How `voltage_base` averages its window (eFEL's `voltage_base_mode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum BaseMode {
    /// The mean (eFEL's default).
    #[default]
    Mean,
    /// The median.
    Median,
}

/// eFEL's settings used by the implemented features, each under eFEL's name in
/// [`EfelSettings::set`] and with eFEL's default:
///
/// | eFEL name | field | default |
/// |---|---|---|
/// | `Threshold` | `threshold` | −20 mV |
/// | `DerivativeThreshold` | `derivative_threshold` | 10 mV/ms |
/// | `DownDerivativeThreshold` | `down_derivative_threshold` | −12 mV/ms |
/// | `DerivativeWindow` | `derivative_window` | 3 samples |
/// | `interp_step` | `interp_step` | 0.1 ms |
/// | `voltage_base_start_perc`, `voltage_base_end_perc` | … | 0.9, 1.0 |
/// | `voltage_base_mode` | `voltage_base_mode` | mean |
/// | `precision_threshold` | `precision_threshold` | 10⁻¹⁰ |
/// | `rise_start_perc`, `rise_end_perc` | … | 0, 1 |
/// | `strict_stiminterval` | `strict_stiminterval` | false |
/// | `ignore_first_ISI` | `ignore_first_isi` | true |
/// | `decay_start_after_stim`, `decay_end_after_stim` | … | 1, 10 ms |
/// | `offset` (adaptation_index2) | `offset` | 0 ms |
///
/// ```
/// use hh_stats::efel::EfelSettings;
/// let s = EfelSettings::default().set("Threshold", -30.0)?.set("interp_step", 0.05)?;
/// assert_eq!((s.threshold, s.interp_step), (-30.0, 0.05));
/// assert!(EfelSettings::default().set("interp_step", 0.0).is_err());
/// assert!(EfelSettings::default().set("Treshold", 1.0).is_err());
/// # Ok::<(), hh_stats::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EfelSettings {
    /// Spike detection threshold, mV.
    pub threshold: f64,
    /// dV/dt above which a spike has begun, mV/ms.
    pub derivative_threshold: f64,
    /// dV/dt above which a spike has ended (it is negative), mV/ms.
    pub down_derivative_threshold: f64,
    /// Samples over which dV/dt must stay above `derivative_threshold` at a spike's begin.
    pub derivative_window: usize,
    /// The uniform grid every trace is interpolated onto first, ms.
    pub interp_step: f64,
    /// `voltage_base` averages from `stim_start·start_perc` …
    pub voltage_base_start_perc: f64,
    /// … to `stim_start·end_perc`.
    pub voltage_base_end_perc: f64,
    /// Mean or median.
    pub voltage_base_mode: BaseMode,
    /// Tolerance on the end time of `voltage_base`'s window, ms.
    pub precision_threshold: f64,
    /// AP_rise_time runs from this fraction of the amplitude …
    pub rise_start_perc: f64,
    /// … to this one.
    pub rise_end_perc: f64,
    /// Count only spikes whose peak lies inside the stimulus window.
    pub strict_stiminterval: bool,
    /// ISI_values and ISI_CV leave out the first interval.
    pub ignore_first_isi: bool,
    /// decay_time_constant_after_stim fits from this long after the stimulus end, ms …
    pub decay_start_after_stim: f64,
    /// … to this long after it.
    pub decay_end_after_stim: f64,
    /// adaptation_index2 counts spikes this far outside the stimulus window too, ms.
    pub offset: f64,
}

impl Default for EfelSettings {
    fn default() -> Self {
        Self {
            threshold: -20.0,
            derivative_threshold: 10.0,
            down_derivative_threshold: -12.0,
            derivative_window: 3,
            interp_step: 0.1,
            voltage_base_start_perc: 0.9,
            voltage_base_end_perc: 1.0,
            voltage_base_mode: BaseMode::Mean,
            precision_threshold: 1e-10,
            rise_start_perc: 0.0,
            rise_end_perc: 1.0,
            strict_stiminterval: false,
            ignore_first_isi: true,
            decay_start_after_stim: 1.0,
            decay_end_after_stim: 10.0,
            offset: 0.0,
        }
    }
}

impl EfelSettings {
    /// Every setting's eFEL name.
    pub const NAMES: [&'static str; 16] = [
        "Threshold",
        "DerivativeThreshold",
        "DownDerivativeThreshold",
        "DerivativeWindow",
        "interp_step",
        "voltage_base_start_perc",
        "voltage_base_end_perc",
        "voltage_base_mode",
        "precision_threshold",
        "rise_start_perc",
        "rise_end_perc",
        "strict_stiminterval",
        "ignore_first_ISI",
        "decay_start_after_stim",
        "decay_end_after_stim",
        "offset",
    ];

    /// Sets the setting of eFEL name `name` to `value` (booleans: 0 or 1; `DerivativeWindow`:
    /// a whole number ≥ 1; `voltage_base_mode`: 0 mean, 1 median), checked.
    ///
    /// # Errors
    /// [`Error::InvalidEfelSetting`] for an unknown name or a value outside the setting's
    /// range.
    pub fn set(mut self, name: &str, value: f64) -> Result<Self> {
        let bad = |rule: &'static str| {
            Err(Error::InvalidEfelSetting {
                name: name.to_owned(),
                value,
                rule,
            })
        };
        if !value.is_finite() {
            return bad("must be finite");
        }
        let flag = |v: f64| (v == 0.0 || v == 1.0).then_some(v == 1.0);
        match name {
            "Threshold" => self.threshold = value,
            "DerivativeThreshold" => self.derivative_threshold = value,
            "DownDerivativeThreshold" => self.down_derivative_threshold = value,
            "DerivativeWindow" => {
                if value < 1.0 || value.fract() != 0.0 || value > 1e6 {
                    return bad("must be a whole number of samples, 1 to 10⁶");
                }
                self.derivative_window = value as usize;
            }
            "interp_step" => {
                if value <= 0.0 {
                    return bad("must be positive (ms)");
                }
                self.interp_step = value;
            }
            "voltage_base_start_perc" => self.voltage_base_start_perc = value,
            "voltage_base_end_perc" => self.voltage_base_end_perc = value,
            "voltage_base_mode" => {
                self.voltage_base_mode = match flag(value) {
                    Some(false) => BaseMode::Mean,
                    Some(true) => BaseMode::Median,
                    None => return bad("must be 0 (mean) or 1 (median)"),
                }
            }
            "precision_threshold" => {
                if value < 0.0 {
                    return bad("must be non-negative");
                }
                self.precision_threshold = value;
            }
            "rise_start_perc" => self.rise_start_perc = value,
            "rise_end_perc" => self.rise_end_perc = value,
            "strict_stiminterval" => match flag(value) {
                Some(f) => self.strict_stiminterval = f,
                None => return bad("must be 0 or 1"),
            },
            "ignore_first_ISI" => match flag(value) {
                Some(f) => self.ignore_first_isi = f,
                None => return bad("must be 0 or 1"),
            },
            "decay_start_after_stim" => self.decay_start_after_stim = value,
            "decay_end_after_stim" => self.decay_end_after_stim = value,
            "offset" => self.offset = value,
            _ => return bad("is not a setting (known: see EfelSettings::NAMES)"),
        }
        Ok(self)
    }
}
