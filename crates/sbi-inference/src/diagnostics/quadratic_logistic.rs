//! The classifier of the local C2ST ([`QuadraticLogistic`]): logistic regression on the
//! standardised inputs, their squares and pairwise products, fitted with a small ridge by
//! Böhning's bound optimisation — deterministic, no training randomness, and
//! the exact family of the optimal classifier between two Gaussians (whose log-odds are
//! quadratic).

use nalgebra::{DMatrix, DVector};

use crate::error::{Error, Result};

/// The ridge penalty on every weight but the intercept (keeps separable data finite).
const RIDGE: f64 = 1.0;
/// Bound-optimisation steps at most (linear convergence; a few hundred reach 10⁻⁷).
const MAX_STEPS: usize = 2000;

/// The design: for each row, 1, zⱼ, and zⱼ·zₖ for j ≤ k, with z the standardised row.
pub(crate) struct Design {
    q: usize,
    mean: Vec<f64>,
    std: Vec<f64>,
}

impl Design {
    /// Standardisation by the mean and standard deviation of `rows` (row-major, `p` columns).
    pub(crate) fn fit(rows: &[f64], p: usize) -> Self {
        let n = (rows.len() / p).max(1) as f64;
        let mean: Vec<f64> = (0..p)
            .map(|j| rows.iter().skip(j).step_by(p).sum::<f64>() / n)
            .collect();
        let std = (0..p)
            .map(|j| {
                let v = rows
                    .iter()
                    .skip(j)
                    .step_by(p)
                    .map(|x| (x - mean[j]).powi(2))
                    .sum::<f64>()
                    / n;
                if v > 0.0 && v.is_finite() {
                    v.sqrt()
                } else {
                    1.0
                }
            })
            .collect();
        Self {
            q: 1 + p + p * (p + 1) / 2,
            mean,
            std,
        }
    }

    /// Number of design columns.
    pub(crate) fn width(&self) -> usize {
        self.q
    }

    /// The design row of `row` into `out` (length [`Design::width`]).
    pub(crate) fn row(&self, row: &[f64], out: &mut [f64]) {
        let p = self.mean.len();
        out[0] = 1.0;
        let z: Vec<f64> = (0..p)
            .map(|j| (row[j] - self.mean[j]) / self.std[j])
            .collect();
        out[1..=p].copy_from_slice(&z);
        let mut c = p + 1;
        for j in 0..p {
            for k in j..p {
                out[c] = z[j] * z[k];
                c += 1;
            }
        }
    }

    /// The design matrix of `rows` (row-major, one design row each).
    pub(crate) fn matrix(&self, rows: &[f64]) -> Vec<f64> {
        let p = self.mean.len();
        let n = rows.len() / p;
        let mut out = vec![0.0; n * self.q];
        for (r, o) in rows.chunks_exact(p).zip(out.chunks_exact_mut(self.q)) {
            self.row(r, o);
        }
        out
    }
}

/// Logistic regression weights on a [`Design`].
pub(crate) struct QuadraticLogistic {
    w: Vec<f64>,
}

fn sigmoid(t: f64) -> f64 {
    1.0 / (1.0 + (-t).exp())
}

/// Böhning's bound on the logistic log-likelihood's curvature, ¼ XᵀX plus the ridge, factored
/// once per design: every fit on that design (the permutations of the local C2ST) reuses it.
pub(crate) struct CurvatureBound {
    cholesky: nalgebra::Cholesky<f64, nalgebra::Dyn>,
}

impl CurvatureBound {
    /// The bound of design matrix `x` (n × q).
    ///
    /// # Errors
    /// [`Error::Empty`] for non-finite inputs (the ridge makes the matrix positive definite
    /// otherwise).
    pub(crate) fn new(x: &DMatrix<f64>) -> Result<Self> {
        let mut h = x.tr_mul(x) * 0.25;
        for k in 1..x.ncols() {
            h[(k, k)] += RIDGE;
        }
        // The intercept carries no ridge; a tiny one keeps an all-zero column invertible.
        h[(0, 0)] += 1e-12;
        let cholesky = h.cholesky().ok_or_else(|| Error::Empty {
            what: "the local C2ST classifier met a singular system (non-finite inputs?)".into(),
        })?;
        Ok(Self { cholesky })
    }
}

impl QuadraticLogistic {
    /// Fits P(label | row) on the design matrix `x` (n × q) with a ridge of [`RIDGE`] by
    /// Böhning's bound-optimisation: w ← w + B⁻¹ (Xᵀ(y − p) − R w) with B = ¼ XᵀX + R, which
    /// bounds the Hessian, so every step increases the penalised likelihood — the optimum of
    /// Newton's method at the cost of two matrix–vector products a step, B factored once.
    pub(crate) fn fit(x: &DMatrix<f64>, bound: &CurvatureBound, labels: &[bool]) -> Self {
        let q = x.ncols();
        let y =
            DVector::from_iterator(labels.len(), labels.iter().map(|&b| f64::from(u8::from(b))));
        let mut w = DVector::<f64>::zeros(q);
        for _ in 0..MAX_STEPS {
            let p = (x * &w).map(sigmoid);
            let mut g = x.tr_mul(&(&y - &p));
            for k in 1..q {
                g[k] -= RIDGE * w[k];
            }
            let step = bound.cholesky.solve(&g);
            w += &step;
            if step.amax() < 1e-7 * (1.0 + w.amax()) {
                break;
            }
        }
        Self {
            w: w.iter().copied().collect(),
        }
    }

    /// P(label = true | design row).
    pub(crate) fn probability(&self, row: &[f64]) -> f64 {
        sigmoid(row.iter().zip(&self.w).map(|(a, b)| a * b).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two Gaussians with different means and spreads in 1-D: the fitted log-odds match the
    /// exact ones, ln N(z; 1, 0.5²) − ln N(z; 0, 1), within a few standard errors.
    #[test]
    fn recovers_the_log_odds_of_two_gaussians() {
        use rand::SeedableRng;
        use rand_distr::{Distribution, StandardNormal};
        let mut rng = sbi_core::SeedRng::seed_from_u64(5);
        let n = 20_000;
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for i in 0..n {
            let e: f64 = StandardNormal.sample(&mut rng);
            let b = i % 2 == 1;
            rows.push(if b { 1.0 + 0.5 * e } else { e });
            labels.push(b);
        }
        let design = Design::fit(&rows, 1);
        let matrix = DMatrix::from_row_slice(n, design.width(), &design.matrix(&rows));
        let bound = CurvatureBound::new(&matrix).unwrap();
        let fit = QuadraticLogistic::fit(&matrix, &bound, &labels);
        for v in [-0.5f64, 0.5, 1.0, 1.5] {
            let exact = (-0.5 * ((v - 1.0) / 0.5).powi(2) - 0.5f64.ln()) + 0.5 * v * v;
            let mut r = [0.0; 3];
            design.row(&[v], &mut r);
            let p = fit.probability(&r);
            let fitted = (p / (1.0 - p)).ln();
            assert!((fitted - exact).abs() < 0.15, "at {v}: {fitted} vs {exact}");
        }
    }
}
