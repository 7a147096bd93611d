//! [`CorrelatedGaussian`]: a 5-D task with strongly correlated noise and an exact posterior.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::{Error, Result, RowMatrix, Simulator, check_dim, check_finite};

/// x = θ + L·ε in 5 dimensions, ε ~ N(0, I), with Σ = LLᵀ, Σᵢⱼ = 0.3²·0.8^|i−j| (neighbours
/// correlated 0.8), θ ∈ [−5, 5]⁵.
///
/// The posterior is N(x, Σ) truncated to the box; for x inside [−3, 3]⁵ the truncation
/// removes less than 10⁻¹¹ of its mass, so [`CorrelatedGaussian::posterior_sample`] (exact,
/// with rejection at the box) is the reference.
///
/// ```
/// use rand::SeedableRng;
/// use sbi_core::{Simulator, testing::CorrelatedGaussian};
/// let task = CorrelatedGaussian::new();
/// let mut rng = sbi_core::SeedRng::seed_from_u64(0);
/// let x = task.simulate(&[0.0; 5], &mut rng)?;
/// let s = task.posterior_sample(&x, 5000, &mut rng)?;
/// let c = s.covariance()?;
/// assert!((c.get(0, 1) / c.get(0, 0) - 0.8).abs() < 0.05);
/// # Ok::<(), sbi_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelatedGaussian {
    /// Lower-triangular Cholesky factor of Σ, row-major 5 × 5.
    chol: Vec<f64>,
}

const DIM: usize = 5;

impl Default for CorrelatedGaussian {
    fn default() -> Self {
        Self::new()
    }
}

impl CorrelatedGaussian {
    /// The prior box: [−5, 5]⁵.
    pub const LOW: [f64; DIM] = [-5.0; DIM];
    /// The prior box: [−5, 5]⁵.
    pub const HIGH: [f64; DIM] = [5.0; DIM];

    /// The task (Σ as in the type's docs).
    pub fn new() -> Self {
        let sigma = |i: usize, j: usize| 0.09 * 0.8f64.powi((i as i32 - j as i32).abs());
        let mut l = vec![0.0; DIM * DIM];
        for i in 0..DIM {
            for j in 0..=i {
                let s: f64 = (0..j).map(|k| l[i * DIM + k] * l[j * DIM + k]).sum();
                l[i * DIM + j] = if i == j {
                    (sigma(i, i) - s).sqrt()
                } else {
                    (sigma(i, j) - s) / l[j * DIM + j]
                };
            }
        }
        Self { chol: l }
    }

    /// L·ε added to `v`.
    fn add_noise<R: Rng + ?Sized>(&self, v: &mut [f64], rng: &mut R) {
        let e: Vec<f64> = (0..DIM).map(|_| StandardNormal.sample(rng)).collect();
        for (i, vi) in v.iter_mut().enumerate() {
            *vi += (0..=i).map(|k| self.chol[i * DIM + k] * e[k]).sum::<f64>();
        }
    }

    /// `n` exact samples of the posterior at `x` (N(x, Σ) restricted to the prior box).
    ///
    /// # Errors
    /// A wrong `x` length, non-finite x, or x so far outside the box that fewer than 1 in
    /// 1000 draws fall inside ([`Error::Empty`]).
    pub fn posterior_sample<R: Rng + ?Sized>(
        &self,
        x: &[f64],
        n: usize,
        rng: &mut R,
    ) -> Result<RowMatrix> {
        check_dim(DIM, x.len())?;
        check_finite(x)?;
        let mut out = RowMatrix::zeros(n, DIM)?;
        let (mut accepted, mut tried) = (0, 0usize);
        while accepted < n {
            let mut v = x.to_vec();
            self.add_noise(&mut v, rng);
            tried += 1;
            if v.iter().all(|t| (-5.0..=5.0).contains(t)) {
                out.row_mut(accepted).copy_from_slice(&v);
                accepted += 1;
            } else if tried > 1000 && accepted * 1000 < tried {
                return Err(Error::Empty {
                    what: "posterior draws inside the prior box (x is far outside it)",
                });
            }
        }
        Ok(out)
    }
}

impl Simulator for CorrelatedGaussian {
    type Output = Vec<f64>;
    type Error = Error;

    fn theta_dim(&self) -> usize {
        DIM
    }

    fn simulate<R: Rng + ?Sized>(&self, theta: &[f64], rng: &mut R) -> Result<Vec<f64>> {
        check_dim(DIM, theta.len())?;
        check_finite(theta)?;
        let mut x = theta.to_vec();
        self.add_noise(&mut x, rng);
        Ok(x)
    }
}
