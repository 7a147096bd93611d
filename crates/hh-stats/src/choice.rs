//! [`TraceFeatures`]: hh-stats' own features or eFEL's, chosen by name — what a command line
//! or a pipeline that takes `--features` holds.

use sbi_core::{SampleStream, SummaryStatistics, TimeWindow, Trace, TraceLayout};

use crate::efel::EfelFeatures;
use crate::error::{Error, Result};
use crate::{FeatureSet, GoncalvesFeatures};

/// Either a [`FeatureSet`] (the notebook presets) or [`EfelFeatures`], summarising a
/// [`Trace`] as the one it holds does.
///
/// ```
/// use hh_stats::TraceFeatures;
/// use sbi_core::SummaryStatistics;
/// assert_eq!(TraceFeatures::parse("sbi7")?.dim(), 7);
/// let efel = TraceFeatures::parse("efel:Spikecount,AP_width@first")?;
/// assert_eq!(efel.names(), ["Spikecount", "AP_width@first"]);
/// assert!(TraceFeatures::parse("efel:Spikecont").is_err());
/// assert_eq!(TraceFeatures::parse("goncalves4")?.names()[3], "stimulus_mean");
/// # Ok::<(), hh_stats::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum TraceFeatures {
    /// hh-stats' own features.
    Hh(FeatureSet),
    /// eFEL-compatible features.
    Efel(EfelFeatures),
    /// Gonçalves et al.'s features by the published definitions.
    Goncalves(GoncalvesFeatures),
}

impl TraceFeatures {
    /// `notebook`, `sbi7`, `all` (hh-stats' presets), `goncalves1`, `goncalves4`,
    /// `goncalves7` ([`GoncalvesFeatures`]), `efel` (every eFEL feature hh-stats computes) or
    /// `efel:name,name@first,…` ([`EfelFeatures::parse`]).
    ///
    /// # Errors
    /// An unknown preset or eFEL feature, a bad reduction.
    pub fn parse(spec: &str) -> Result<Self> {
        match spec.split_once(':') {
            Some(("efel", list)) => Ok(Self::Efel(EfelFeatures::parse(list)?)),
            None if spec == "efel" => Ok(Self::Efel(EfelFeatures::all())),
            None if spec.starts_with("goncalves") => GoncalvesFeatures::preset_named(spec)
                .map(Self::Goncalves)
                .ok_or_else(|| {
                    Error::InvalidFeatureSet(format!(
                        "unknown features `{spec}` (Gonçalves et al.'s sets are goncalves1, \
                         goncalves4 and goncalves7)"
                    ))
                }),
            None => Ok(Self::Hh(FeatureSet::preset_named(spec).map_err(|_| {
                Error::InvalidFeatureSet(format!(
                    "unknown features `{spec}` (notebook, sbi7, all, goncalves1|4|7, efel or efel:name,…)"
                ))
            })?)),
            Some(_) => Err(Error::InvalidFeatureSet(format!(
                "unknown features `{spec}` (notebook, sbi7, all, goncalves1|4|7, efel or efel:name,…)"
            ))),
        }
    }

    /// With the stimulus window `window`, used instead of the trace's own.
    pub fn with_stimulus_window(self, window: TimeWindow) -> Self {
        match self {
            Self::Hh(f) => Self::Hh(f.with_stimulus_window(window)),
            Self::Efel(f) => Self::Efel(f.with_stimulus_window(window)),
            Self::Goncalves(f) => Self::Goncalves(f.with_stimulus_window(window)),
        }
    }
}

impl SummaryStatistics<Trace> for TraceFeatures {
    type Error = Error;

    fn dim(&self) -> usize {
        match self {
            Self::Hh(f) => f.dim(),
            Self::Efel(f) => f.dim(),
            Self::Goncalves(f) => f.dim(),
        }
    }

    fn names(&self) -> Vec<String> {
        match self {
            Self::Hh(f) => f.names(),
            Self::Efel(f) => f.names(),
            Self::Goncalves(f) => f.names(),
        }
    }

    fn summarize_into(&self, trace: &Trace, out: &mut [f64]) -> Result<()> {
        match self {
            Self::Hh(f) => f.summarize_into(trace, out),
            Self::Efel(f) => f.summarize_into(trace, out),
            Self::Goncalves(f) => f.summarize_into(trace, out),
        }
    }

    fn stream(
        &self,
        layout: &TraceLayout,
        lanes: usize,
    ) -> Option<Box<dyn SampleStream<Error> + '_>> {
        match self {
            Self::Hh(f) => f.stream(layout, lanes),
            Self::Efel(f) => f.stream(layout, lanes),
            Self::Goncalves(f) => f.stream(layout, lanes),
        }
    }
}
