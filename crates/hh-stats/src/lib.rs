//! # hh-stats — summary features of membrane-potential traces
//!
//! Turns a voltage [`sbi_core::Trace`] into a fixed-length feature vector for inference.
//! Features ([`Feature`]) are picked into a named, ordered [`FeatureSet`], which implements
//! [`sbi_core::SummaryStatistics`]`<Trace>`. Presets: [`FeatureSet::notebook`] (max, mean, std
//! — the original notebook's), [`FeatureSet::sbi7`] (the seven of sbi's HH tutorial) and
//! [`FeatureSet::all`]. [`GoncalvesFeatures`] are the seven of Gonçalves et al. (2020) by the
//! published code's own definitions (`goncalves1`, `goncalves4`, `goncalves7`).
//!
//! The field's vocabulary is in [`efel`]: 30 of eFEL's features with eFEL's names,
//! definitions and settings, on any time base, checked against eFEL itself
//! ([`efel::EfelFeatures`], [`efel::EfelValues`]). [`TraceFeatures`] chooses either kind by
//! name (`sbi7`, `efel:Spikecount,AP_amplitude@first`).
//!
//! Every valid trace gives finite features — where a feature is undefined (no spike, zero
//! variance) a documented fill value is used (see [`Feature`]); an empty or non-finite trace
//! is an error. Spikes are threshold crossings with hysteresis; the default threshold is 50 mV
//! above the resting level, so detection works whatever the absolute resting potential.
//!
//! ## Quick start
//!
//! ```
//! use hh_model::HhSimulator;
//! use hh_stats::FeatureSet;
//! use rand::SeedableRng;
//! use sbi_core::{SeedRng, Simulator, SummaryStatistics};
//!
//! let trace = HhSimulator::notebook().simulate(&[50.0, 7.0], &mut SeedRng::seed_from_u64(0))?;
//! let features = FeatureSet::sbi7();
//! let x = features.summarize(&trace)?;
//! for (name, value) in features.names().iter().zip(&x) {
//!     println!("{name:>20} = {value:.4}");
//! }
//! assert_eq!(x[0], 4.0); // four spikes at 7 µA/cm²
//! assert!((x[1] - 50.0).abs() < 0.01); // resting mean = v_rest
//! # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
//! ```
#![deny(missing_docs)]

mod choice;
pub mod efel;
mod error;
mod features;
mod goncalves;
mod lanes;
mod moments;
mod stream;
mod summary;

pub use choice::TraceFeatures;
pub use error::{Error, Result};
pub use features::{Feature, FeatureSet, Spike, SpikeDetection, Threshold};
pub use goncalves::{GONCALVES_NAMES, GoncalvesFeatures};
pub use moments::Moments;
pub use stream::FeatureStream;

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}
    #[test]
    fn public_types_are_send_sync() {
        assert_send_sync::<crate::FeatureSet>();
        assert_send_sync::<crate::Error>();
    }
}
