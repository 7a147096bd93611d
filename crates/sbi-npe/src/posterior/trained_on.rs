//! [`TrainedOn`]: what a posterior was trained on beyond shapes (feature names, simulator
//! settings), saved with it and compared when it is reused.

use serde::{Deserialize, Serialize};

/// What a posterior was trained on, beyond shapes: the names of the features x and the
/// simulator's settings. Saved with the posterior and compared when it is reused
/// ([`DirectPosterior::check_trained_on`](crate::DirectPosterior::check_trained_on)), so a file trained with another noise level, other
/// features of the same width or another prior box is refused instead of giving confident
/// nonsense.
///
/// ```
/// use sbi_npe::{TrainedOn};
/// let t = TrainedOn::default()
///     .with_feature_names(vec!["max".into(), "mean".into()])
///     .with_setting("noise_sigma", "1");
/// assert_eq!(t.simulator["noise_sigma"], "1");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainedOn {
    /// Names of the features, in x's column order (empty when unknown).
    #[serde(default)]
    pub feature_names: Vec<String>,
    /// The simulator's settings as `name → value` text (e.g. `noise_sigma → 1`).
    #[serde(default)]
    pub simulator: std::collections::BTreeMap<String, String>,
}

impl TrainedOn {
    /// Sets the feature names.
    pub fn with_feature_names(mut self, names: Vec<String>) -> Self {
        self.feature_names = names;
        self
    }

    /// Records one simulator setting.
    pub fn with_setting(mut self, name: &str, value: impl std::fmt::Display) -> Self {
        self.simulator.insert(name.to_owned(), value.to_string());
        self
    }
}
