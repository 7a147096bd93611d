//! Test tasks with reference posteriors, for testing estimators without HH (feature
//! `testing`):
//!
//! * [`LinearGaussian`]: x = θ + σ·ε, ε ~ N(0, I), θ ∈ ℝᵈ. Under a box-uniform prior on
//!   `[low, high]` the posterior factorises into independent normals N(xⱼ, σ²) truncated to
//!   `[lowⱼ, highⱼ]`, whose moments and samples are exact here;
//! * [`TwoMoons`] (bimodal, two crescents) and [`Crescent`] (one thin parabolic crescent),
//!   2-D, with reference posteriors by quadrature ([`GridPosterior`]);
//! * [`CorrelatedGaussian`]: 5-D with correlated noise, exact posterior samples;
//! * [`LinearRegression`]: a closed-form density estimator, to test pipelines and diagnostics
//!   without a neural network.

#[cfg(feature = "boundary")]
pub mod boundary;
mod correlated_gaussian;
mod crescent;
mod grid;
mod linear_regression;
mod two_moons;

pub use correlated_gaussian::CorrelatedGaussian;
pub use crescent::Crescent;
pub use grid::GridPosterior;
pub use linear_regression::{LinearRegression, RegressionPosterior};
pub use two_moons::TwoMoons;

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::{Error, Result, RowMatrix, Simulator, check_dim, check_finite};

/// The toy simulator x = θ + σ·ε.
///
/// ```
/// use rand::SeedableRng;
/// use sbi_core::{Simulator, testing::LinearGaussian};
/// let sim = LinearGaussian::new(2, 0.5)?;
/// let mut rng = sbi_core::SeedRng::seed_from_u64(1);
/// let x = sim.simulate(&[0.0, 1.0], &mut rng)?;
/// assert_eq!(x.len(), 2);
/// let (mean, std) = sim.posterior_moments(&[0.0, 0.0], &[-3.0, -3.0], &[3.0, 3.0])?;
/// assert!(mean[0].abs() < 1e-12 && (std[0] - 0.5).abs() < 1e-6);
/// # Ok::<(), sbi_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearGaussian {
    dim: usize,
    sigma: f64,
}

/// Standard normal density.
fn phi(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Standard normal CDF, accurate in both tails.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

impl LinearGaussian {
    /// `dim`-dimensional toy with noise standard deviation `sigma > 0`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `dim == 0` or a non-positive / non-finite `sigma`.
    pub fn new(dim: usize, sigma: f64) -> Result<Self> {
        if dim == 0 {
            return Err(Error::InvalidParameter {
                name: "dim",
                value: 0.0,
                reason: "must be at least 1",
            });
        }
        if !(sigma.is_finite() && sigma > 0.0) {
            return Err(Error::InvalidParameter {
                name: "sigma",
                value: sigma,
                reason: "must be finite and positive",
            });
        }
        Ok(Self { dim, sigma })
    }

    /// Noise standard deviation σ.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }

    fn check_box(&self, x: &[f64], low: &[f64], high: &[f64]) -> Result<()> {
        check_dim(self.dim, x.len())?;
        check_dim(self.dim, low.len())?;
        check_dim(self.dim, high.len())?;
        check_finite(x)?;
        for (l, h) in low.iter().zip(high) {
            if l.is_nan() || h.is_nan() || l >= h {
                return Err(Error::InvalidParameter {
                    name: "low",
                    value: *l,
                    reason: "need low < high in every dimension",
                });
            }
        }
        Ok(())
    }

    /// Exact posterior mean and standard deviation per dimension at observation `x` under a
    /// box-uniform prior on `[low, high]` (truncated-normal moments).
    ///
    /// # Errors
    /// Dimension mismatch, non-finite x, `low ≥ high`.
    pub fn posterior_moments(
        &self,
        x: &[f64],
        low: &[f64],
        high: &[f64],
    ) -> Result<(Vec<f64>, Vec<f64>)> {
        self.check_box(x, low, high)?;
        let s = self.sigma;
        let mut mean = Vec::with_capacity(self.dim);
        let mut std = Vec::with_capacity(self.dim);
        for j in 0..self.dim {
            let a = (low[j] - x[j]) / s;
            let b = (high[j] - x[j]) / s;
            let z = normal_cdf(b) - normal_cdf(a);
            let (pa, pb) = (phi(a), phi(b));
            // αφ(α) is 0 at α = −∞ (an unbounded side).
            let apa = if a.is_finite() { a * pa } else { 0.0 };
            let bpb = if b.is_finite() { b * pb } else { 0.0 };
            let d = (pa - pb) / z;
            mean.push(x[j] + s * d);
            std.push(s * (1.0 + (apa - bpb) / z - d * d).max(0.0).sqrt());
        }
        Ok((mean, std))
    }

    /// Exact posterior log-density ln p(θ | x) under a box-uniform prior on `[low, high]`: the
    /// product of normals N(θⱼ; xⱼ, σ²) truncated to the box, −∞ outside it.
    ///
    /// # Errors
    /// As [`LinearGaussian::posterior_moments`]; also a θ of the wrong length or with NaN.
    pub fn posterior_log_prob(
        &self,
        theta: &[f64],
        x: &[f64],
        low: &[f64],
        high: &[f64],
    ) -> Result<f64> {
        self.check_box(x, low, high)?;
        check_dim(self.dim, theta.len())?;
        if let Some(index) = theta.iter().position(|t| t.is_nan()) {
            return Err(Error::NonFinite { index });
        }
        let s = self.sigma;
        let mut lp = 0.0;
        for j in 0..self.dim {
            if theta[j] < low[j] || theta[j] > high[j] {
                return Ok(f64::NEG_INFINITY);
            }
            let z = normal_cdf((high[j] - x[j]) / s) - normal_cdf((low[j] - x[j]) / s);
            let u = (theta[j] - x[j]) / s;
            lp += -0.5 * u * u - (s * (2.0 * std::f64::consts::PI).sqrt()).ln() - z.ln();
        }
        Ok(lp)
    }

    /// `n` exact posterior samples at `x` under a box-uniform prior on `[low, high]`
    /// (per-dimension rejection from N(xⱼ, σ²)).
    ///
    /// # Errors
    /// As [`LinearGaussian::posterior_moments`]; also when a dimension's acceptance probability
    /// is below 10⁻⁶ (x far outside the box).
    pub fn sample_posterior<R: Rng + ?Sized>(
        &self,
        x: &[f64],
        low: &[f64],
        high: &[f64],
        n: usize,
        rng: &mut R,
    ) -> Result<RowMatrix> {
        self.check_box(x, low, high)?;
        for j in 0..self.dim {
            let acc = normal_cdf((high[j] - x[j]) / self.sigma)
                - normal_cdf((low[j] - x[j]) / self.sigma);
            if acc < 1e-6 {
                return Err(Error::InvalidParameter {
                    name: "x",
                    value: x[j],
                    reason: "observation too far outside the prior box for rejection sampling",
                });
            }
        }
        let mut out = RowMatrix::zeros(n, self.dim)?;
        for i in 0..n {
            for j in 0..self.dim {
                out.row_mut(i)[j] = loop {
                    let e: f64 = StandardNormal.sample(rng);
                    let t = x[j] + self.sigma * e;
                    if t >= low[j] && t <= high[j] {
                        break t;
                    }
                };
            }
        }
        Ok(out)
    }
}

impl Simulator for LinearGaussian {
    type Output = Vec<f64>;
    type Error = Error;

    fn theta_dim(&self) -> usize {
        self.dim
    }

    fn simulate<R: Rng + ?Sized>(&self, theta: &[f64], rng: &mut R) -> Result<Vec<f64>> {
        check_dim(self.dim, theta.len())?;
        check_finite(theta)?;
        Ok(theta
            .iter()
            .map(|t| {
                let e: f64 = StandardNormal.sample(rng);
                t + self.sigma * e
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SeedRng;
    use rand::SeedableRng;

    #[test]
    fn exact_samples_match_analytic_moments() {
        let sim = LinearGaussian::new(2, 0.5).unwrap();
        let (low, high) = ([-3.0, -3.0], [3.0, 3.0]);
        // Second dimension sits near the edge: the truncation matters.
        let x = [0.3, 2.8];
        let (mean, std) = sim.posterior_moments(&x, &low, &high).unwrap();
        assert!(mean[1] < 2.8 - 0.1, "truncation pulls the mean inwards");
        let mut rng = SeedRng::seed_from_u64(3);
        let n = 40_000;
        let s = sim.sample_posterior(&x, &low, &high, n, &mut rng).unwrap();
        let m = s.column_means();
        let c = s.covariance().unwrap();
        for j in 0..2 {
            // 5 standard errors of the mean.
            let se = std[j] / (n as f64).sqrt();
            assert!(
                (m[j] - mean[j]).abs() < 5.0 * se,
                "dim {j}: {} vs {}",
                m[j],
                mean[j]
            );
            // Sample std: relative standard error ≈ 1/√(2n) (≈ 0.35 %); allow 2 %.
            assert!((c.get(j, j).sqrt() / std[j] - 1.0).abs() < 0.02);
        }
    }

    #[test]
    fn posterior_log_prob_is_normalised_and_centred() {
        let sim = LinearGaussian::new(2, 0.5).unwrap();
        let (low, high) = ([-3.0, -3.0], [3.0, 3.0]);
        // x near the edge: the truncation matters. Midpoint rule on a 0.01 grid.
        let x = [2.7, -0.4];
        let (mean, _) = sim.posterior_moments(&x, &low, &high).unwrap();
        let h = 0.01;
        let (mut total, mut m0) = (0.0, 0.0);
        for i in 0..600 {
            for j in 0..600 {
                let t = [
                    -3.0 + (f64::from(i) + 0.5) * h,
                    -3.0 + (f64::from(j) + 0.5) * h,
                ];
                let p = sim.posterior_log_prob(&t, &x, &low, &high).unwrap().exp() * h * h;
                total += p;
                m0 += p * t[0];
            }
        }
        assert!((total - 1.0).abs() < 1e-4, "{total}");
        assert!((m0 - mean[0]).abs() < 1e-3, "{m0} vs {}", mean[0]);
        let out = sim.posterior_log_prob(&[3.1, 0.0], &x, &low, &high);
        assert_eq!(out.unwrap(), f64::NEG_INFINITY);
        assert!(
            sim.posterior_log_prob(&[f64::NAN, 0.0], &x, &low, &high)
                .is_err()
        );
        assert!(sim.posterior_log_prob(&[0.0], &x, &low, &high).is_err());
    }

    #[test]
    fn bad_inputs_error() {
        assert!(LinearGaussian::new(0, 1.0).is_err());
        assert!(LinearGaussian::new(1, -1.0).is_err());
        let sim = LinearGaussian::new(1, 1.0).unwrap();
        let mut rng = SeedRng::seed_from_u64(0);
        assert!(sim.simulate(&[1.0, 2.0], &mut rng).is_err());
        assert!(sim.simulate(&[f64::NAN], &mut rng).is_err());
        assert!(sim.posterior_moments(&[0.0], &[1.0], &[0.0]).is_err());
        assert!(
            sim.sample_posterior(&[100.0], &[0.0], &[1.0], 5, &mut rng)
                .is_err()
        );
    }
}
