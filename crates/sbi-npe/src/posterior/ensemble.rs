//! Ensembles of this crate's posteriors ([`DirectEnsemble`]): the MAP and files that
//! `sbi_inference::Ensemble` cannot give for any posterior ([`EnsembleExt`]).

use std::path::Path;

use sbi_inference::Ensemble;

use crate::error::Result;
use crate::posterior::direct::DirectPosterior;

/// An ensemble of this crate's posteriors (MDNs, flows, or both).
pub type DirectEnsemble = Ensemble<DirectPosterior>;

/// MAP and files for a [`DirectEnsemble`] (bring the trait into scope:
/// `use sbi_npe::{EnsembleExt};`).
///
/// ```no_run
/// use sbi_npe::{DirectEnsemble, EnsembleExt};
/// # fn demo(ensemble: &DirectEnsemble) -> sbi_npe::Result<()> {
/// ensemble.save("ensemble.json".as_ref())?;
/// let back = DirectEnsemble::load("ensemble.json".as_ref())?;
/// let map = back.map(&[1.0, -1.0])?;
/// # Ok(()) }
/// ```
pub trait EnsembleExt: Sized {
    /// The maximum-a-posteriori θ at `x`, keeping the best point inside the support.
    ///
    /// * MDN members: the ensemble density at x is one Gaussian mixture (member m's
    ///   leakage-corrected components with weights wₘₖ / M, from each member's
    ///   [`DirectPosterior::at`]); mean-shift iterations on it from every component and every
    ///   member's MAP.
    /// * Otherwise (flows among the members): a Nelder–Mead search on the ensemble's
    ///   log-density from every member's MAP (in member 0's standardised θ units).
    ///
    /// # Errors
    /// Wrong x dimension, non-finite x, a member's error at x, or
    /// [`crate::Error::NoModeInSupport`].
    fn map(&self, x: &[f64]) -> Result<Vec<f64>>;

    /// Writes every member (as [`DirectPosterior::save`] would) to one JSON file with a
    /// checksum, atomically.
    ///
    /// # Errors
    /// [`crate::Error::Io`], [`crate::Error::Core`] for a failed atomic write.
    fn save(&self, path: &Path) -> Result<()>;

    /// Reads an ensemble written by [`EnsembleExt::save`]; it samples bit-identically to the
    /// saved one for the same seed.
    ///
    /// # Errors
    /// [`crate::Error::Io`]; [`crate::Error::InvalidFile`] for a file that is not such an
    /// ensemble, is corrupt (checksum), or holds a member that does not load; members that do
    /// not fit together ([`crate::Error::Inference`]).
    fn load(path: &Path) -> Result<Self>;
}

impl EnsembleExt for DirectEnsemble {
    fn map(&self, x: &[f64]) -> Result<Vec<f64>> {
        crate::posterior::map::ensemble_map(self, x)
    }

    fn save(&self, path: &Path) -> Result<()> {
        crate::posterior::persist::save_ensemble(self, path)
    }

    fn load(path: &Path) -> Result<Self> {
        crate::posterior::persist::load_ensemble(path)
    }
}
