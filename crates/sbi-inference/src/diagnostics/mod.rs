//! Is this posterior any good? Calibration over simulated pairs ([`Calibration`]: SBC ranks and
//! expected coverage), held-out validation ([`Validation`]: error of the posterior mean and
//! coverage of 90 % intervals at θ from the prior), a classifier two-sample test ([`c2st`]),
//! and where an observation's features lie among the simulated ones ([`place_observation`]).

mod c2st;
mod calibration;
mod placement;
mod validation;

pub use c2st::c2st;
pub use calibration::Calibration;
pub use placement::{FeaturePlacement, furthest_out, place_observation};
pub use validation::{MAX_VALIDATION, Validation, validate};
