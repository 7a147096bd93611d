//! The trained posterior, whichever network made it: [`DirectPosterior`] (`direct`), its
//! network's density (`density`), the posterior at one x ([`DirectConditional`],
//! `conditional`), the MAP (`map`), what it was trained on ([`TrainedOn`], `trained_on`),
//! files (`persist`) and ensembles of such posteriors ([`DirectEnsemble`], `ensemble`).

pub(crate) mod conditional;
pub(crate) mod density;
pub(crate) mod direct;
pub(crate) mod ensemble;
pub(crate) mod map;
pub(crate) mod persist;
pub(crate) mod trained_on;

pub use conditional::DirectConditional;
pub use direct::DirectPosterior;
pub use ensemble::{DirectEnsemble, EnsembleExt};
pub use trained_on::TrainedOn;
