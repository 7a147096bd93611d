//! Shared by the diagnostics tests: the linear-Gaussian toy with its exact posterior, and a
//! Gaussian density estimator for the density-of-x test.

#![allow(dead_code)]

use rand::{Rng, SeedableRng};
use sbi_core::testing::LinearGaussian;
use sbi_core::{
    DensityEstimator, Error, Fitted, Posterior, Prior, Progress, RowMatrix, SeedRng, Simulator,
    TrainingData,
};
use sbi_inference::Dataset;
use sbi_prior::BoxUniform;

/// x = θ + N(0, 0.5²), θ uniform on [−3, 3]².
pub struct Toy {
    pub prior: BoxUniform,
    pub simulator: LinearGaussian,
}

impl Toy {
    pub fn new() -> Self {
        Self {
            prior: BoxUniform::new(vec![-3.0; 2], vec![3.0; 2]).unwrap(),
            simulator: LinearGaussian::new(2, 0.5).unwrap(),
        }
    }

    /// `n` pairs (θ from the prior, x simulated), seeded.
    pub fn pairs(&self, n: usize, seed: u64) -> (RowMatrix, RowMatrix) {
        let theta = self
            .prior
            .sample_batch(n, &mut SeedRng::seed_from_u64(seed))
            .unwrap();
        let x =
            RowMatrix::from_rows(&self.simulator.simulate_batch(&theta, seed).unwrap()).unwrap();
        (theta, x)
    }

    pub fn dataset(&self, n: usize, seed: u64) -> Dataset {
        let (theta, x) = self.pairs(n, seed);
        Dataset::new(theta, x, vec!["x0".into(), "x1".into()]).unwrap()
    }

    /// The exact posterior, its samples shifted by `shift` in every dimension.
    pub fn posterior(&self, shift: f64) -> Exact<'_> {
        Exact { toy: self, shift }
    }
}

/// The toy's exact posterior (truncated normals), optionally biased by a constant shift.
pub struct Exact<'a> {
    toy: &'a Toy,
    shift: f64,
}

impl Posterior for Exact<'_> {
    type Error = Error;
    fn theta_dim(&self) -> usize {
        2
    }
    fn x_dim(&self) -> usize {
        2
    }
    fn sample<R: Rng + ?Sized>(
        &self,
        x: &[f64],
        n: usize,
        rng: &mut R,
    ) -> Result<RowMatrix, Error> {
        let b = self.toy.prior.bounds();
        let mut s = self
            .toy
            .simulator
            .sample_posterior(x, &b.low, &b.high, n, rng)?;
        s.as_mut_slice().iter_mut().for_each(|v| *v += self.shift);
        Ok(s)
    }
    fn log_prob(&self, theta: &[f64], x: &[f64]) -> Result<f64, Error> {
        let b = self.toy.prior.bounds();
        let shifted: Vec<f64> = theta.iter().map(|t| t - self.shift).collect();
        self.toy
            .simulator
            .posterior_log_prob(&shifted, x, &b.low, &b.high)
    }
}

/// Fits independent normals to "θ" (here: x), ignoring the context — the simplest density
/// of x, for tests that need no network.
pub struct DiagonalNormal;

/// Independent normals with the fitted means and standard deviations.
pub struct Normals {
    mean: Vec<f64>,
    std: Vec<f64>,
}

impl Posterior for Normals {
    type Error = Error;
    fn theta_dim(&self) -> usize {
        self.mean.len()
    }
    fn x_dim(&self) -> usize {
        1
    }
    fn sample<R: Rng + ?Sized>(&self, _: &[f64], n: usize, _: &mut R) -> Result<RowMatrix, Error> {
        RowMatrix::zeros(n, self.mean.len())
    }
    fn log_prob(&self, t: &[f64], _: &[f64]) -> Result<f64, Error> {
        Ok(t.iter()
            .zip(self.mean.iter().zip(&self.std))
            .map(|(v, (m, s))| -0.5 * ((v - m) / s).powi(2) - s.ln())
            .sum())
    }
}

impl DensityEstimator for DiagonalNormal {
    type Posterior = Normals;
    type Error = Error;
    fn fit(
        &self,
        d: &TrainingData,
        _: u64,
        _: &mut dyn Progress,
    ) -> Result<Fitted<Normals>, Error> {
        let t = d.theta();
        let mean = t.column_means();
        let n = t.nrows() as f64;
        let std = (0..t.ncols())
            .map(|j| {
                (t.column(j)
                    .iter()
                    .map(|v| (v - mean[j]).powi(2))
                    .sum::<f64>()
                    / n)
                    .sqrt()
            })
            .collect();
        Ok(Fitted::without_report(Normals { mean, std }))
    }
}
