//! [`TwoMoons`]: the SBI benchmark's two-moons task, whose posterior is bimodal and
//! crescent-shaped.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Normal};

use super::GridPosterior;
use crate::{Error, Result, Simulator, check_dim, check_finite};

/// The two-moons simulator of the SBI benchmark (sbibm's `two_moons`): θ ∈ [−1, 1]²,
/// a ~ U(−π/2, π/2), r ~ N(0.1, 0.01²), p = (r cos a + 0.25, r sin a) and
///
/// x = p + (−|θ₁ + θ₂|/√2, (−θ₁ + θ₂)/√2).
///
/// For an x, θ lies on a half-ring of radius 0.1 and width 0.01 and, through |θ₁ + θ₂|, on its
/// mirror image: two crescents. The likelihood is known in closed form
/// ([`TwoMoons::log_likelihood`]), so the posterior under the uniform prior on [−1, 1]² is
/// computed by quadrature ([`TwoMoons::reference_posterior`]).
///
/// ```
/// use rand::SeedableRng;
/// use sbi_core::{Simulator, testing::TwoMoons};
/// let x = TwoMoons.simulate(&[0.2, 0.3], &mut sbi_core::SeedRng::seed_from_u64(0))?;
/// assert!(TwoMoons::log_likelihood(&x, &[0.2, 0.3]) > TwoMoons::log_likelihood(&x, &[-0.5, 0.6]));
/// # Ok::<(), sbi_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TwoMoons;

const R_MEAN: f64 = 0.1;
const R_STD: f64 = 0.01;

impl TwoMoons {
    /// The prior box: [−1, 1]².
    pub const LOW: [f64; 2] = [-1.0, -1.0];
    /// The prior box: [−1, 1]².
    pub const HIGH: [f64; 2] = [1.0, 1.0];

    /// ln p(x | θ): with u = x − shift(θ) − (0.25, 0), ρ = |u| and φ its angle, the density of
    /// (r cos a, r sin a) is N(ρ; 0.1, 0.01²) · (1/π) / ρ for |φ| < π/2 (and r > 0, which holds
    /// but with probability 10⁻²³), 0 otherwise.
    pub fn log_likelihood(x: &[f64], theta: &[f64]) -> f64 {
        let s = std::f64::consts::FRAC_1_SQRT_2;
        let u0 = x[0] + (theta[0] + theta[1]).abs() * s - 0.25;
        let u1 = x[1] - (theta[1] - theta[0]) * s;
        let rho = u0.hypot(u1);
        if u0 <= 0.0 || rho == 0.0 {
            return f64::NEG_INFINITY;
        }
        let z = (rho - R_MEAN) / R_STD;
        -0.5 * z * z
            - (R_STD * (2.0 * std::f64::consts::PI).sqrt()).ln()
            - std::f64::consts::PI.ln()
            - rho.ln()
    }

    /// The posterior at `x` under the uniform prior on [−1, 1]², by quadrature on
    /// `cells × cells` cells (1,500 resolve the crescents' width of 0.014 in θ with 10 cells).
    ///
    /// # Errors
    /// As [`GridPosterior::new`]; a wrong `x` length or non-finite x.
    pub fn reference_posterior(x: &[f64], cells: usize) -> Result<GridPosterior> {
        check_dim(2, x.len())?;
        check_finite(x)?;
        GridPosterior::new(|t| Self::log_likelihood(x, t), Self::LOW, Self::HIGH, cells)
    }
}

impl Simulator for TwoMoons {
    type Output = Vec<f64>;
    type Error = Error;

    fn theta_dim(&self) -> usize {
        2
    }

    fn simulate<R: Rng + ?Sized>(&self, theta: &[f64], rng: &mut R) -> Result<Vec<f64>> {
        check_dim(2, theta.len())?;
        check_finite(theta)?;
        let a = rng.random_range(-std::f64::consts::FRAC_PI_2..std::f64::consts::FRAC_PI_2);
        let r = Normal::new(R_MEAN, R_STD)
            .map_err(|_| Error::NonFinite { index: 0 })?
            .sample(rng);
        let s = std::f64::consts::FRAC_1_SQRT_2;
        Ok(vec![
            r * a.cos() + 0.25 - (theta[0] + theta[1]).abs() * s,
            r * a.sin() + (theta[1] - theta[0]) * s,
        ])
    }
}
