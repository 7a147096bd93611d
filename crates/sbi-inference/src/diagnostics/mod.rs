//! Is this posterior any good? Calibration over simulated pairs ([`Calibration`]: SBC ranks and
//! expected coverage), held-out validation ([`Validation`]: error of the posterior mean and
//! coverage of 90 % intervals at θ from the prior), a classifier two-sample test ([`c2st`]),
//! where an observation's features lie among the simulated ones ([`place_observation`]),
//! which parameters move a feature ([`influences`]),
//! whether the model can produce the observation at all ([`Misspecification`]: a density of
//! x and an MMD test), the posterior predictive check ([`PredictiveCheck`]), TARP ([`Tarp`])
//! and the local C2ST at one observation ([`LocalC2st`]).

mod c2st;
mod calibration;
mod influence;
mod local_c2st;
mod misspecification;
mod placement;
mod predictive;
mod quadratic_logistic;
mod tarp;
mod validation;

pub use c2st::c2st;
pub use calibration::Calibration;
pub use influence::{Influence, influences};
pub use local_c2st::{LocalC2st, MAX_PERMUTATIONS};
pub use misspecification::{
    DENSITY_JITTER, DOUBTFUL_LEVEL, MAX_REFERENCE, MIN_SIMULATIONS, Misspecification, MmdTest,
    OUTSIDE_LEVEL, OutlierTest, Verdict, XDensity,
};
pub use placement::{FeaturePlacement, TIE_TOLERANCE, furthest_out, place_observation};
pub use predictive::PredictiveCheck;
pub use tarp::{TARP_GRID, Tarp};
pub use validation::{MAX_VALIDATION, Validation, validate};

/// θ and x hold the same number of rows (one pair each).
fn check_pairs(thetas: &sbi_core::RowMatrix, xs: &sbi_core::RowMatrix) -> crate::Result<()> {
    if thetas.nrows() != xs.nrows() {
        return Err(crate::Error::RowMismatch {
            theta: thetas.nrows(),
            x: xs.nrows(),
        });
    }
    Ok(())
}
