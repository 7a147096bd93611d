//! [`Crescent`]: a task whose posterior is a thin parabolic crescent.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::GridPosterior;
use crate::{Error, Result, Simulator, check_dim, check_finite};

/// x₁ = θ₁ + σ₁ε₁, x₂ = θ₂ + b·(θ₁² − 1) + σ₂ε₂, θ ∈ [−3, 3]², ε ~ N(0, I); by default
/// σ₁ = 1, σ₂ = 0.03, b = 1.5.
///
/// θ₁ is weakly identified (posterior spread about σ₁) and θ₂ strongly given θ₁ (σ₂), along
/// a parabola: the posterior is a crescent about 4 wide and 0.03 thick. A mixture of ten
/// Gaussians covers it poorly (C2ST ≈ 0.75 at 10,000 simulations, where a spline flow reaches
/// ≈ 0.58: docs/npe.md). The likelihood is Gaussian, so the posterior under the uniform prior
/// on [−3, 3]² is computed by quadrature ([`Crescent::reference_posterior`]).
///
/// ```
/// use rand::SeedableRng;
/// use sbi_core::{Simulator, testing::Crescent};
/// let x = Crescent::default().simulate(&[0.5, 0.0], &mut sbi_core::SeedRng::seed_from_u64(0))?;
/// let post = Crescent::default().reference_posterior(&x, 600)?;
/// let s = post.sample(4000, &mut sbi_core::SeedRng::seed_from_u64(1))?;
/// assert!((s.column_means()[0] - x[0]).abs() < 0.3);
/// # Ok::<(), sbi_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crescent {
    /// Noise of x₁ (σ₁).
    pub spread: f64,
    /// Noise of x₂ (σ₂): the crescent's thickness.
    pub thickness: f64,
    /// Curvature b of the parabola.
    pub bend: f64,
}

impl Default for Crescent {
    fn default() -> Self {
        Self {
            spread: SIGMA_1,
            thickness: SIGMA_2,
            bend: BEND,
        }
    }
}

const SIGMA_1: f64 = 1.0;
const SIGMA_2: f64 = 0.03;
const BEND: f64 = 1.5;

impl Crescent {
    /// The prior box: [−3, 3]².
    pub const LOW: [f64; 2] = [-3.0, -3.0];
    /// The prior box: [−3, 3]².
    pub const HIGH: [f64; 2] = [3.0, 3.0];

    /// ln p(x | θ), up to a constant.
    pub fn log_likelihood(&self, x: &[f64], theta: &[f64]) -> f64 {
        let z1 = (x[0] - theta[0]) / self.spread;
        let z2 = (x[1] - theta[1] - self.bend * (theta[0] * theta[0] - 1.0)) / self.thickness;
        -0.5 * (z1 * z1 + z2 * z2)
    }

    /// The posterior at `x` by quadrature on `cells × cells` cells of the prior box (2,000
    /// put 10 cells across the default crescent's thickness).
    ///
    /// # Errors
    /// As [`GridPosterior::new`]; a wrong `x` length or non-finite x.
    pub fn reference_posterior(&self, x: &[f64], cells: usize) -> Result<GridPosterior> {
        check_dim(2, x.len())?;
        check_finite(x)?;
        GridPosterior::new(|t| self.log_likelihood(x, t), Self::LOW, Self::HIGH, cells)
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
            theta[0] + self.spread * e1,
            theta[1] + self.bend * (theta[0] * theta[0] - 1.0) + self.thickness * e2,
        ])
    }
}
