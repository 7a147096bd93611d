//! [`MultivariateNormal`]: a Gaussian prior with a full covariance matrix (sbi's
//! `MultivariateNormal`).

use nalgebra::{DMatrix, DVector};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use sbi_core::{Bounds, Prior};

use crate::error::{Error, Result, check_theta};

/// `ln √(2π)`.
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// The normal distribution N(μ, Σ) with a full covariance Σ: correlated prior knowledge
/// (e.g. conductances known to scale together).
///
/// Sampled as θ = μ + L·z with Σ = L·Lᵀ (Cholesky) and z standard normal; the log-density is
/// exact: ln N(θ; μ, Σ) = −(d/2)·ln 2π − Σᵢ ln Lᵢᵢ − ½‖L⁻¹(θ − μ)‖².
///
/// ```
/// use rand::SeedableRng;
/// use sbi_core::{Prior, SeedRng};
/// use sbi_prior::MultivariateNormal;
///
/// let prior = MultivariateNormal::new(vec![1.0, -1.0], vec![4.0, 1.2, 1.2, 1.0])?;
/// let thetas = prior.sample_batch(20_000, &mut SeedRng::seed_from_u64(3))?;
/// let m = thetas.column_means();
/// assert!((m[0] - 1.0).abs() < 0.05 && (m[1] + 1.0).abs() < 0.03);
/// // At the mean: −ln 2π − ½ ln det Σ, det Σ = 4 − 1.44.
/// let want = -(2.0 * std::f64::consts::PI).ln() - 0.5 * 2.56f64.ln();
/// assert!((prior.log_prob(&[1.0, -1.0])? - want).abs() < 1e-12);
/// # Ok::<(), sbi_prior::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "MvnSpec", into = "MvnSpec"))]
pub struct MultivariateNormal {
    mean: Vec<f64>,
    covariance: Vec<f64>,
    /// Lower Cholesky factor L of Σ, row-major.
    chol: Vec<f64>,
    /// −(d/2)·ln 2π − Σᵢ ln Lᵢᵢ.
    log_norm: f64,
}

/// The serialised form of a [`MultivariateNormal`] (mean, row-major covariance), validated on
/// the way back.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct MvnSpec {
    mean: Vec<f64>,
    covariance: Vec<f64>,
}

#[cfg(feature = "serde")]
impl TryFrom<MvnSpec> for MultivariateNormal {
    type Error = Error;
    fn try_from(s: MvnSpec) -> Result<Self> {
        MultivariateNormal::new(s.mean, s.covariance)
    }
}

#[cfg(feature = "serde")]
impl From<MultivariateNormal> for MvnSpec {
    fn from(p: MultivariateNormal) -> Self {
        MvnSpec {
            mean: p.mean,
            covariance: p.covariance,
        }
    }
}

impl MultivariateNormal {
    /// N(`mean`, `covariance`), the covariance d × d, row-major.
    ///
    /// # Errors
    /// [`Error::Empty`] for no dimension; [`Error::CovarianceShape`] for a covariance that is
    /// not d × d; [`Error::NonFinite`] for a NaN or infinite entry; [`Error::NotSymmetric`];
    /// [`Error::NotPositiveDefinite`]. (Draws cannot overflow: a finite Σ has σᵢ < 1.4·10¹⁵⁴.)
    pub fn new(mean: Vec<f64>, covariance: Vec<f64>) -> Result<Self> {
        let d = mean.len();
        if d == 0 {
            return Err(Error::Empty);
        }
        if covariance.len() != d * d {
            return Err(Error::CovarianceShape {
                dim: d,
                len: covariance.len(),
            });
        }
        if let Some(index) = mean.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite { index });
        }
        if let Some(i) = covariance.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite { index: i / d });
        }
        for i in 0..d {
            for j in i + 1..d {
                let (a, b) = (covariance[i * d + j], covariance[j * d + i]);
                if (a - b).abs() > 1e-12 * (a.abs() + b.abs()).max(f64::MIN_POSITIVE) {
                    return Err(Error::NotSymmetric { row: i, col: j });
                }
            }
        }
        let l = DMatrix::from_row_slice(d, d, &covariance)
            .cholesky()
            .ok_or(Error::NotPositiveDefinite)?
            .l();
        // A factor with a zero (or denormal) pivot describes a degenerate distribution.
        if (0..d).any(|i| !(l[(i, i)] > 0.0 && l[(i, i)].ln().is_finite())) {
            return Err(Error::NotPositiveDefinite);
        }
        let log_norm = -(d as f64) * LN_SQRT_2PI - (0..d).map(|i| l[(i, i)].ln()).sum::<f64>();
        let chol = (0..d * d).map(|k| l[(k / d, k % d)]).collect();
        Ok(Self {
            mean,
            covariance,
            chol,
            log_norm,
        })
    }

    /// The mean μ.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// The covariance Σ, d × d, row-major.
    pub fn covariance(&self) -> &[f64] {
        &self.covariance
    }
}

impl Prior for MultivariateNormal {
    type Error = Error;

    fn dim(&self) -> usize {
        self.mean.len()
    }

    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Vec<f64> {
        let d = self.dim();
        let z: Vec<f64> = (0..d).map(|_| StandardNormal.sample(rng)).collect();
        (0..d)
            .map(|i| self.mean[i] + (0..=i).map(|j| self.chol[i * d + j] * z[j]).sum::<f64>())
            .collect()
    }

    fn log_prob(&self, theta: &[f64]) -> Result<f64> {
        let d = self.dim();
        check_theta(d, theta)?;
        if theta.iter().any(|t| t.is_infinite()) {
            return Ok(f64::NEG_INFINITY);
        }
        let l = DMatrix::from_row_slice(d, d, &self.chol);
        let delta = DVector::from_iterator(d, theta.iter().zip(&self.mean).map(|(t, m)| t - m));
        // y = L⁻¹ δ by forward substitution.
        let y = l
            .solve_lower_triangular(&delta)
            .ok_or(Error::NotPositiveDefinite)?;
        Ok(self.log_norm - 0.5 * y.norm_squared())
    }

    fn bounds(&self) -> Bounds {
        Bounds::unbounded(self.dim())
    }
}

impl Distribution<Vec<f64>> for MultivariateNormal {
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Vec<f64> {
        Prior::sample(self, rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use sbi_core::SeedRng;

    #[test]
    fn samples_have_the_covariance() {
        let cov = vec![2.0, 0.9, -0.3, 0.9, 1.0, 0.2, -0.3, 0.2, 0.5];
        let p = MultivariateNormal::new(vec![0.0, 5.0, -2.0], cov.clone()).unwrap();
        let n = 100_000;
        let t = p.sample_batch(n, &mut SeedRng::seed_from_u64(9)).unwrap();
        let m = t.column_means();
        for i in 0..3 {
            for j in 0..3 {
                let c: f64 =
                    t.rows().map(|r| (r[i] - m[i]) * (r[j] - m[j])).sum::<f64>() / (n - 1) as f64;
                // Standard error of a sample covariance: √((ΣᵢᵢΣⱼⱼ + Σᵢⱼ²)/n) ≤ 0.0071 here.
                assert!((c - cov[i * 3 + j]).abs() < 0.03, "{i} {j}: {c}");
            }
        }
    }

    #[test]
    fn log_density_integrates_to_one() {
        let p = MultivariateNormal::new(vec![0.5, -0.5], vec![1.0, 0.8, 0.8, 1.0]).unwrap();
        let h = 0.02;
        let mut total = 0.0;
        for i in -400..400 {
            for j in -400..400 {
                total += p.log_prob(&[i as f64 * h, j as f64 * h]).unwrap().exp() * h * h;
            }
        }
        assert!((total - 1.0).abs() < 1e-6, "{total}");
    }

    #[test]
    fn invalid_covariances_are_errors() {
        let new = |c: Vec<f64>| MultivariateNormal::new(vec![0.0, 0.0], c);
        assert!(matches!(
            new(vec![1.0, 0.0, 0.0]),
            Err(Error::CovarianceShape { dim: 2, len: 3 })
        ));
        assert!(matches!(
            new(vec![1.0, 0.5, 0.4, 1.0]),
            Err(Error::NotSymmetric { row: 0, col: 1 })
        ));
        assert!(matches!(
            new(vec![1.0, 2.0, 2.0, 1.0]),
            Err(Error::NotPositiveDefinite)
        ));
        assert!(matches!(
            new(vec![1.0, 1.0, 1.0, 1.0]),
            Err(Error::NotPositiveDefinite)
        ));
        assert!(matches!(
            new(vec![f64::NAN, 0.0, 0.0, 1.0]),
            Err(Error::NonFinite { index: 0 })
        ));
        assert!(matches!(
            MultivariateNormal::new(vec![], vec![]),
            Err(Error::Empty)
        ));
        let p = new(vec![1.0, 0.0, 0.0, 1.0]).unwrap();
        assert!(p.log_prob(&[f64::NAN, 0.0]).is_err());
        assert!(p.log_prob(&[0.0]).is_err());
        assert_eq!(
            p.log_prob(&[f64::INFINITY, 0.0]).unwrap(),
            f64::NEG_INFINITY
        );
    }
}
