//! Features, feature sets and spike detection.

use sbi_core::{TimeWindow, Trace};

use crate::error::{Error, Result};

/// One summary feature of a membrane-potential trace. Potentials in mV, times in ms.
///
/// "Rest" is the resting level: the mean of the samples before the stimulus onset (the first
/// sample when there is none). Spikes are detected as described at [`SpikeDetection`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Feature {
    /// `max`: maximum of v over the trace, mV.
    Max,
    /// `mean`: mean of v over the trace, mV.
    Mean,
    /// `std`: population standard deviation (divisor n) of v over the trace, mV.
    Std,
    /// `spike_count`: number of detected spikes.
    SpikeCount,
    /// `first_spike_latency`: time of the first spike's threshold crossing minus the stimulus
    /// onset, ms. No spike: the time from onset to the end of the trace (the censoring time).
    FirstSpikeLatency,
    /// `mean_isi`: mean inter-spike interval, ms. Fewer than two spikes: 0.
    MeanIsi,
    /// `isi_cv`: coefficient of variation (population std / mean) of the inter-spike
    /// intervals. Fewer than two spikes: 0.
    IsiCv,
    /// `ap_amplitude`: mean spike peak above rest, mV. No spike: max(v) − rest.
    ApAmplitude,
    /// `ap_half_width`: mean spike width at half its amplitude above rest, ms (linear
    /// interpolation between samples). No spike: 0.
    ApHalfWidth,
    /// `resting_mean`: mean of v before the stimulus onset, mV (no such sample: the first
    /// sample).
    RestingMean,
    /// `resting_std`: population std of v over the last 10 % of the pre-stimulus samples
    /// (where the start-up transient has settled; as sbi's HH tutorial), mV. No such sample: 0.
    RestingStd,
    /// `stimulus_mean`: mean of v on the samples labelled inside the stimulus window, mV
    /// (window outside the trace: the resting mean).
    StimulusMean,
    /// `stimulus_variance`: population variance of v in the stimulus window, mV²
    /// (empty window: 0).
    StimulusVariance,
    /// `stimulus_skewness`: skewness of v in the stimulus window (zero variance: 0).
    StimulusSkewness,
    /// `stimulus_kurtosis`: Pearson kurtosis M₄/σ⁴ of v in the stimulus window (3 for a
    /// normal; zero variance: 0).
    StimulusKurtosis,
}

impl Feature {
    /// Every feature, in a fixed order (the order of the `all` preset).
    pub const ALL: [Feature; 15] = [
        Feature::Max,
        Feature::Mean,
        Feature::Std,
        Feature::SpikeCount,
        Feature::FirstSpikeLatency,
        Feature::MeanIsi,
        Feature::IsiCv,
        Feature::ApAmplitude,
        Feature::ApHalfWidth,
        Feature::RestingMean,
        Feature::RestingStd,
        Feature::StimulusMean,
        Feature::StimulusVariance,
        Feature::StimulusSkewness,
        Feature::StimulusKurtosis,
    ];

    /// The feature's name.
    pub fn name(self) -> &'static str {
        match self {
            Feature::Max => "max",
            Feature::Mean => "mean",
            Feature::Std => "std",
            Feature::SpikeCount => "spike_count",
            Feature::FirstSpikeLatency => "first_spike_latency",
            Feature::MeanIsi => "mean_isi",
            Feature::IsiCv => "isi_cv",
            Feature::ApAmplitude => "ap_amplitude",
            Feature::ApHalfWidth => "ap_half_width",
            Feature::RestingMean => "resting_mean",
            Feature::RestingStd => "resting_std",
            Feature::StimulusMean => "stimulus_mean",
            Feature::StimulusVariance => "stimulus_variance",
            Feature::StimulusSkewness => "stimulus_skewness",
            Feature::StimulusKurtosis => "stimulus_kurtosis",
        }
    }

    /// Whether the feature needs the stimulus window.
    pub fn needs_window(self) -> bool {
        matches!(
            self,
            Feature::FirstSpikeLatency
                | Feature::RestingMean
                | Feature::RestingStd
                | Feature::StimulusMean
                | Feature::StimulusVariance
                | Feature::StimulusSkewness
                | Feature::StimulusKurtosis
        )
    }

    pub(crate) fn needs_spikes(self) -> bool {
        matches!(
            self,
            Feature::SpikeCount
                | Feature::FirstSpikeLatency
                | Feature::MeanIsi
                | Feature::IsiCv
                | Feature::ApAmplitude
                | Feature::ApHalfWidth
        )
    }
}

impl std::str::FromStr for Feature {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Feature::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| Error::UnknownFeature(s.to_owned()))
    }
}

/// Where the spike threshold lies.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Threshold {
    /// This many mV above the resting level (default 50): works whatever the absolute
    /// resting potential (the notebook's prior puts rest anywhere in 40–60 mV).
    AboveRest(f64),
    /// An absolute potential, mV.
    Absolute(f64),
}

/// Spike detection: a spike is an upward crossing of the threshold; the detector re-arms only
/// after v falls `hysteresis_mv` below the threshold, so noise around the threshold does not
/// count twice. The crossing time is interpolated linearly between samples; the peak is the
/// maximum until re-arming.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SpikeDetection {
    /// The threshold (default 50 mV above rest).
    pub threshold: Threshold,
    /// Re-arming distance below the threshold, mV (default 20).
    pub hysteresis_mv: f64,
}

impl Default for SpikeDetection {
    fn default() -> Self {
        Self {
            threshold: Threshold::AboveRest(50.0),
            hysteresis_mv: 20.0,
        }
    }
}

impl SpikeDetection {
    /// eFEL's spike detection for hh-stats' own features: an upward crossing of −20 mV
    /// (absolute), re-armed as soon as the potential falls back below it (a hysteresis of
    /// 10⁻⁶ mV), so every spike eFEL counts is counted — also on a cortical cell whose
    /// after-hyperpolarisations stay far above rest. What `infer_recording` uses for
    /// recordings; the notebook presets keep the default.
    ///
    /// ```
    /// use hh_stats::{FeatureSet, SpikeDetection};
    /// use sbi_core::Trace;
    /// // Two spikes from −60 mV whose trough between them (−30 mV) is only 30 mV below the
    /// // peaks' −20 mV crossing: the default detector (re-armed 20 mV below a threshold
    /// // 50 mV above rest) sees one; eFEL's sees two.
    /// let mut v = vec![-60.0; 60];
    /// v[20..26].copy_from_slice(&[-10.0, 30.0, 20.0, -25.0, -30.0, -28.0]);
    /// v[26..30].copy_from_slice(&[0.0, 30.0, -10.0, -40.0]);
    /// let trace = Trace::new(0.1, 0.0, v)?;
    /// let efel = FeatureSet::all().with_spike_detection(SpikeDetection::efel())?;
    /// assert_eq!(efel.spikes(&trace)?.len(), 2);
    /// assert_eq!(FeatureSet::all().spikes(&trace)?.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn efel() -> Self {
        Self {
            threshold: Threshold::Absolute(-20.0),
            hysteresis_mv: 1e-6,
        }
    }
}

/// One detected spike.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Spike {
    /// Upward threshold-crossing time, ms (interpolated).
    pub time_ms: f64,
    /// Peak potential, mV.
    pub peak_mv: f64,
    /// Time of the peak sample, ms.
    pub peak_time_ms: f64,
    /// Width at half the amplitude above rest, ms.
    pub half_width_ms: f64,
}

/// A named, ordered set of [`Feature`]s with its configuration: a
/// [`SummaryStatistics`](sbi_core::SummaryStatistics)`<Trace>`.
///
/// ```
/// use hh_stats::{Feature, FeatureSet};
/// use sbi_core::SummaryStatistics;
///
/// let notebook = FeatureSet::notebook();
/// assert_eq!(notebook.names(), vec!["max", "mean", "std"]);
/// let mine = FeatureSet::new(&[Feature::SpikeCount, Feature::Max])?;
/// assert_eq!(mine.dim(), 2);
/// let by_name = FeatureSet::from_names(&["spike_count", "stimulus_kurtosis"])?;
/// assert_eq!(by_name.features()[1], Feature::StimulusKurtosis);
/// assert!(FeatureSet::from_names(&["bogus"]).is_err());
/// # Ok::<(), hh_stats::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "FeatureSetFields"))]
pub struct FeatureSet {
    pub(crate) features: Vec<Feature>,
    pub(crate) spikes: SpikeDetection,
    pub(crate) window: Option<TimeWindow>,
}

/// A [`FeatureSet`] as read from a file, before its checks.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct FeatureSetFields {
    features: Vec<Feature>,
    spikes: SpikeDetection,
    window: Option<TimeWindow>,
}

/// Deserialising goes through the constructors, so a file cannot smuggle in an empty or
/// repeated feature list or an invalid spike detection.
#[cfg(feature = "serde")]
impl TryFrom<FeatureSetFields> for FeatureSet {
    type Error = Error;

    fn try_from(f: FeatureSetFields) -> Result<Self> {
        let set = FeatureSet::new(&f.features)?.with_spike_detection(f.spikes)?;
        Ok(match f.window {
            Some(w) => set.with_stimulus_window(w),
            None => set,
        })
    }
}

impl FeatureSet {
    /// A set of distinct features, in the given order.
    ///
    /// # Errors
    /// [`Error::InvalidFeatureSet`] for no feature or a repeated one.
    pub fn new(features: &[Feature]) -> Result<Self> {
        if features.is_empty() {
            return Err(Error::InvalidFeatureSet("no feature".into()));
        }
        for (i, f) in features.iter().enumerate() {
            if features[..i].contains(f) {
                return Err(Error::InvalidFeatureSet(format!(
                    "`{}` listed twice",
                    f.name()
                )));
            }
        }
        Ok(Self {
            features: features.to_vec(),
            spikes: SpikeDetection::default(),
            window: None,
        })
    }

    /// A set from feature names.
    ///
    /// # Errors
    /// [`Error::UnknownFeature`], or as [`FeatureSet::new`].
    pub fn from_names(names: &[&str]) -> Result<Self> {
        let fs = names
            .iter()
            .map(|n| n.parse())
            .collect::<Result<Vec<Feature>>>()?;
        Self::new(&fs)
    }

    /// The original notebook's three: `max`, `mean`, `std`.
    pub fn notebook() -> Self {
        Self::preset(&[Feature::Max, Feature::Mean, Feature::Std])
    }

    /// The seven features of sbi's HH tutorial: `spike_count`, `resting_mean`, `resting_std`,
    /// `stimulus_mean`, `stimulus_variance`, `stimulus_skewness`, `stimulus_kurtosis`.
    pub fn sbi7() -> Self {
        Self::preset(&[
            Feature::SpikeCount,
            Feature::RestingMean,
            Feature::RestingStd,
            Feature::StimulusMean,
            Feature::StimulusVariance,
            Feature::StimulusSkewness,
            Feature::StimulusKurtosis,
        ])
    }

    /// Every feature, in [`Feature::ALL`] order.
    pub fn all() -> Self {
        Self::preset(&Feature::ALL)
    }

    /// A preset by name: `notebook`, `sbi7` or `all`.
    ///
    /// # Errors
    /// [`Error::InvalidFeatureSet`] for another name.
    pub fn preset_named(name: &str) -> Result<Self> {
        match name {
            "notebook" => Ok(Self::notebook()),
            "sbi7" => Ok(Self::sbi7()),
            "all" => Ok(Self::all()),
            other => Err(Error::InvalidFeatureSet(format!(
                "unknown preset `{other}` (expected notebook, sbi7 or all)"
            ))),
        }
    }

    fn preset(features: &[Feature]) -> Self {
        Self {
            features: features.to_vec(),
            spikes: SpikeDetection::default(),
            window: None,
        }
    }

    /// Uses `detection` for spikes.
    ///
    /// # Errors
    /// [`sbi_core::Error::InvalidParameter`] for a non-finite threshold or a hysteresis that is not
    /// finite and positive.
    pub fn with_spike_detection(mut self, detection: SpikeDetection) -> Result<Self> {
        let t = match detection.threshold {
            Threshold::AboveRest(t) | Threshold::Absolute(t) => t,
        };
        if !t.is_finite() {
            return Err(sbi_core::invalid("threshold", t, "must be finite"));
        }
        if !(detection.hysteresis_mv.is_finite() && detection.hysteresis_mv > 0.0) {
            return Err(sbi_core::invalid(
                "hysteresis_mv",
                detection.hysteresis_mv,
                "must be finite and positive",
            ));
        }
        self.spikes = detection;
        Ok(self)
    }

    /// Uses `window` as the stimulus window, overriding the trace's own.
    pub fn with_stimulus_window(mut self, window: TimeWindow) -> Self {
        self.window = Some(window);
        self
    }

    /// The features, in order.
    pub fn features(&self) -> &[Feature] {
        &self.features
    }

    /// The spike detection settings.
    pub fn spike_detection(&self) -> SpikeDetection {
        self.spikes
    }

    pub(crate) fn check(trace: &Trace) -> Result<()> {
        if trace.is_empty() {
            return Err(Error::EmptyTrace);
        }
        // Whole blocks first (a branch-free test the compiler vectorises), then the index.
        let finite = |c: &[f64]| c.iter().fold(true, |ok, v| ok & v.is_finite());
        if trace.values().chunks(256).all(finite) {
            return Ok(());
        }
        let index = trace.values().iter().position(|v| !v.is_finite());
        Err(Error::NonFinite {
            index: index.unwrap_or(0),
        })
    }

    /// The stimulus window set with [`FeatureSet::with_stimulus_window`], if any.
    pub fn window(&self) -> Option<TimeWindow> {
        self.window
    }
}
