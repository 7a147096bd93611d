//! [`Progress`]: what long runs (simulation campaigns, training) report while they work.

/// One training epoch, as a density estimator reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochReport {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Mean training loss over the epoch (for NPE: −ln q per row, standardised units).
    pub train_loss: f64,
    /// Validation loss after the epoch.
    pub validation_loss: f64,
    /// Best validation loss so far.
    pub best_validation_loss: f64,
    /// Epochs since the best validation loss.
    pub epochs_since_improvement: usize,
}

/// Receives the progress of a long run. Every method has a no-op default: `()` reports
/// nothing, and a display implements only what it shows.
///
/// ```
/// use sbi_core::{EpochReport, Progress};
///
/// /// Counts epochs.
/// #[derive(Default)]
/// struct Epochs(usize);
/// impl Progress for Epochs {
///     fn epoch(&mut self, _: &EpochReport) { self.0 += 1; }
/// }
/// let mut p = Epochs::default();
/// p.stage("training");
/// p.epoch(&EpochReport { epoch: 1, train_loss: 1.0, validation_loss: 1.0,
///                        best_validation_loss: 1.0, epochs_since_improvement: 0 });
/// assert_eq!(p.0, 1);
/// ```
pub trait Progress {
    /// A new stage starts (`"simulating"`, `"training"`, `"training 2/5"`).
    fn stage(&mut self, _label: &str) {}
    /// `done` of `total` items finished in the current stage.
    fn items(&mut self, _done: usize, _total: usize) {}
    /// A training epoch finished.
    fn epoch(&mut self, _report: &EpochReport) {}
    /// The current stage finished.
    fn finish(&mut self, _message: &str) {}
}

impl Progress for () {}
