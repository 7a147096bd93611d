//! [`Crescent`]: a task whose posterior is a thin parabolic crescent.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::GridPosterior;
use crate::{Error, Result, Simulator, check_dim, check_finite};

/// x₁ = θ₁ + 0.8·ε₁, x₂ = θ₂ + 0.5·(θ₁² − 1) + 0.15·ε₂, θ ∈ [−3, 3]², ε ~ N(0, I).
///
/// θ₁ is weakly identified (posterior spread about 0.8) and θ₂ strongly given θ₁ (0.15), along
/// a parabola: the posterior is a crescent about 3 wide and 0.15 thick, which a mixture of a
/// few Gaussians covers poorly. The likelihood is Gaussian, so the posterior under the
/// uniform prior on [−3, 3]² is computed by quadrature ([`Crescent::reference_posterior`]).
///
/// ```
/// use rand::SeedableRng;
/// use sbi_core::{Simulator, testing::Crescent};
/// let x = Crescent.simulate(&[0.5, 0.0], &mut sbi_core::SeedRng::seed_from_u64(0))?;
/// let post = Crescent::reference_posterior(&x, 600)?;
/// let s = post.sample(4000, &mut sbi_core::SeedRng::seed_from_u64(1))?;
/// assert!((s.column_means()[0] - x[0]).abs() < 0.3);
/// # Ok::<(), sbi_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Crescent;

const SIGMA_1: f64 = 0.8;
const SIGMA_2: f64 = 0.15;
const BEND: f64 = 0.5;

impl Crescent {
    /// The prior box: [−3, 3]².
    pub const LOW: [f64; 2] = [-3.0, -3.0];
    /// The prior box: [−3, 3]².
    pub const HIGH: [f64; 2] = [3.0, 3.0];

    /// ln p(x | θ), up to a constant.
    pub fn log_likelihood(x: &[f64], theta: &[f64]) -> f64 {
        let z1 = (x[0] - theta[0]) / SIGMA_1;
        let z2 = (x[1] - theta[1] - BEND * (theta[0] * theta[0] - 1.0)) / SIGMA_2;
        -0.5 * (z1 * z1 + z2 * z2)
    }

    /// The posterior at `x` by quadrature on `cells × cells` cells of the prior box (1,000
    /// give 10 cells across the crescent's thickness).
    ///
    /// # Errors
    /// As [`GridPosterior::new`]; a wrong `x` length or non-finite x.
    pub fn reference_posterior(x: &[f64], cells: usize) -> Result<GridPosterior> {
        check_dim(2, x.len())?;
        check_finite(x)?;
        GridPosterior::new(|t| Self::log_likelihood(x, t), Self::LOW, Self::HIGH, cells)
    }
}

impl Simulator for Crescent {
    type Output = Vec<f64>;
    type Error = Error;

    fn theta_dim(&self) -> usize {
        2
    }

    fn simulate<R: Rng + ?Sized>(&self, theta: &[f64], rng: &mut R) -> Result<Vec<f64>> {
        check_dim(2, theta.len())?;
        check_finite(theta)?;
        let (e1, e2): (f64, f64) = (StandardNormal.sample(rng), StandardNormal.sample(rng));
        Ok(vec![
            theta[0] + SIGMA_1 * e1,
            theta[1] + BEND * (theta[0] * theta[0] - 1.0) + SIGMA_2 * e2,
        ])
    }
}
