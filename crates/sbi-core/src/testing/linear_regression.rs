//! [`LinearRegression`]: a closed-form density estimator (least squares with a Gaussian
//! residual per parameter), for testing pipelines and diagnostics without a neural network.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::{
    DensityEstimator, Error, Fitted, Posterior, Progress, Result, RowMatrix, TrainingData,
    check_dim, check_finite,
};

/// Fits θⱼ | x ~ N(aⱼ + bⱼ·x, sⱼ²) for each parameter j by least squares on the pairs whose x
/// is finite (exact, up to the prior's truncation, for linear-Gaussian models); the posterior
/// is restricted to the data's support by rejection.
///
/// ```
/// use rand::SeedableRng;
/// use sbi_core::{Bounds, DensityEstimator, Posterior, RowMatrix, TrainingData};
/// use sbi_core::testing::LinearRegression;
/// // θ = 2·x + 1 exactly, plus a little spread.
/// let x = RowMatrix::from_rows(&[[0.0], [1.0], [2.0], [3.0]])?;
/// let theta = RowMatrix::from_rows(&[[1.1], [2.9], [5.1], [6.9]])?;
/// let data = TrainingData::new(theta, x, Bounds::unbounded(1))?;
/// let post = LinearRegression::new().fit(&data, 0, &mut ())?.posterior;
/// let s = post.sample(&[1.5], 2000, &mut sbi_core::SeedRng::seed_from_u64(1))?;
/// assert!((s.column_means()[0] - 4.0).abs() < 0.05);
/// # Ok::<(), sbi_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LinearRegression;

impl LinearRegression {
    /// The estimator.
    pub fn new() -> Self {
        Self
    }
}

/// The posterior [`LinearRegression`] fits: independent normals per parameter, restricted to
/// the support.
#[derive(Debug, Clone, PartialEq)]
pub struct RegressionPosterior {
    /// Per parameter: intercept then one slope per feature.
    coef: Vec<Vec<f64>>,
    /// Residual standard deviation per parameter.
    std: Vec<f64>,
    /// The support (low, high per parameter).
    low: Vec<f64>,
    high: Vec<f64>,
}

/// Solves the symmetric positive definite system `a · w = b` (n × n, row-major) by Cholesky.
fn solve_spd(mut a: Vec<f64>, mut b: Vec<f64>, n: usize) -> Option<Vec<f64>> {
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        if d <= 0.0 || !d.is_finite() {
            return None;
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut v = a[i * n + j];
            for k in 0..j {
                v -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = v / d;
        }
    }
    for i in 0..n {
        for k in 0..i {
            b[i] -= a[i * n + k] * b[k];
        }
        b[i] /= a[i * n + i];
    }
    for i in (0..n).rev() {
        for k in i + 1..n {
            b[i] -= a[k * n + i] * b[k];
        }
        b[i] /= a[i * n + i];
    }
    Some(b)
}

impl DensityEstimator for LinearRegression {
    type Posterior = RegressionPosterior;
    type Error = Error;

    fn fit(
        &self,
        data: &TrainingData,
        _seed: u64,
        progress: &mut dyn Progress,
    ) -> Result<Fitted<RegressionPosterior>> {
        let (theta, x) = (data.theta(), data.x());
        let rows: Vec<usize> = (0..x.nrows())
            .filter(|&r| x.row(r).iter().all(|v| v.is_finite()))
            .collect();
        let m = x.ncols() + 1;
        if rows.len() <= m {
            return Err(Error::Empty {
                what: "more rows with finite x than features + 1",
            });
        }
        let design = |r: usize, c: usize| if c == 0 { 1.0 } else { x.get(r, c - 1) };
        let mut gram = vec![0.0; m * m];
        for &r in &rows {
            for a in 0..m {
                for b in 0..m {
                    gram[a * m + b] += design(r, a) * design(r, b);
                }
            }
        }
        let mut coef = Vec::new();
        let mut std = Vec::new();
        for j in 0..theta.ncols() {
            let rhs: Vec<f64> = (0..m)
                .map(|a| rows.iter().map(|&r| design(r, a) * theta.get(r, j)).sum())
                .collect();
            let w = solve_spd(gram.clone(), rhs, m).ok_or(Error::Empty {
                what: "a full-rank design (features that vary independently)",
            })?;
            let ss: f64 = rows
                .iter()
                .map(|&r| {
                    let fit: f64 = (0..m).map(|a| design(r, a) * w[a]).sum();
                    (theta.get(r, j) - fit).powi(2)
                })
                .sum();
            std.push((ss / (rows.len() - m) as f64).sqrt().max(1e-12));
            coef.push(w);
        }
        progress.finish("least squares");
        Ok(Fitted::without_report(RegressionPosterior {
            coef,
            std,
            low: data.support().low.clone(),
            high: data.support().high.clone(),
        }))
    }
}

impl RegressionPosterior {
    fn mean(&self, x: &[f64]) -> Vec<f64> {
        self.coef
            .iter()
            .map(|w| w[0] + w[1..].iter().zip(x).map(|(a, b)| a * b).sum::<f64>())
            .collect()
    }

    fn inside(&self, theta: &[f64]) -> bool {
        theta
            .iter()
            .zip(self.low.iter().zip(&self.high))
            .all(|(t, (l, h))| t >= l && t <= h)
    }
}

impl Posterior for RegressionPosterior {
    type Error = Error;

    fn theta_dim(&self) -> usize {
        self.std.len()
    }

    fn x_dim(&self) -> usize {
        self.coef[0].len() - 1
    }

    fn support(&self) -> crate::Bounds {
        crate::Bounds {
            low: self.low.clone(),
            high: self.high.clone(),
        }
    }

    /// Draws by rejection into the support; gives up (an error) after 1,000 proposals per
    /// sample.
    fn sample<R: Rng + ?Sized>(&self, x: &[f64], n: usize, rng: &mut R) -> Result<RowMatrix> {
        check_dim(self.x_dim(), x.len())?;
        check_finite(x)?;
        let mean = self.mean(x);
        let d = self.theta_dim();
        let mut out = RowMatrix::zeros(n, d)?;
        let mut draw = vec![0.0; d];
        for r in 0..n {
            let mut tries = 0;
            loop {
                for j in 0..d {
                    let z: f64 = StandardNormal.sample(rng);
                    draw[j] = mean[j] + self.std[j] * z;
                }
                if self.inside(&draw) {
                    break;
                }
                tries += 1;
                if tries > 1000 {
                    return Err(Error::Empty {
                        what: "posterior mass inside the support",
                    });
                }
            }
            out.row_mut(r).copy_from_slice(&draw);
        }
        Ok(out)
    }

    /// The unrestricted normal's log-density inside the support (not renormalised), −∞
    /// outside.
    fn log_prob(&self, theta: &[f64], x: &[f64]) -> Result<f64> {
        check_dim(self.theta_dim(), theta.len())?;
        check_dim(self.x_dim(), x.len())?;
        if !self.inside(theta) {
            return Ok(f64::NEG_INFINITY);
        }
        let mean = self.mean(x);
        Ok(theta
            .iter()
            .zip(mean.iter().zip(&self.std))
            .map(|(t, (m, s))| {
                -0.5 * ((t - m) / s).powi(2) - s.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
            })
            .sum())
    }
}
