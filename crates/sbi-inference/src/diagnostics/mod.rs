//! Is this posterior any good? Calibration over simulated pairs ([`Calibration`]: SBC ranks and
//! expected coverage), held-out validation ([`Validation`]: error of the posterior mean and
//! coverage of 90 % intervals at θ from the prior), and a classifier two-sample test
//! ([`c2st`]).

mod c2st;
mod calibration;
mod validation;

pub use c2st::c2st;
pub use calibration::Calibration;
pub use validation::{MAX_VALIDATION, Validation, validate};
