//! The classifier of the local C2ST ([`QuadraticLogistic`]): logistic regression on the
//! standardised inputs, their squares and pairwise products, fitted by iteratively
//! reweighted least squares with a small ridge — deterministic, no training randomness, and
//! the exact family of the optimal classifier between two Gaussians (whose log-odds are
//! quadratic).

use nalgebra::{DMatrix, DVector};

use crate::error::{Error, Result};

/// The ridge penalty on every weight but the intercept (keeps separable data finite).
const RIDGE: f64 = 1.0;
/// Newton steps at most; each is exact for the quadratic model of the log-likelihood.
const MAX_STEPS: usize = 50;

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

impl QuadraticLogistic {
    /// Fits P(label | row) on design rows `x` (n × q, row-major) by Newton's method with a
    /// ridge of [`RIDGE`].
    ///
    /// # Errors
    /// [`Error::Empty`] when a Newton system is singular (cannot
    /// happen with the ridge unless the inputs are not finite).
    pub(crate) fn fit(x: &[f64], q: usize, labels: &[bool]) -> Result<Self> {
        let mut w = DVector::<f64>::zeros(q);
        for _ in 0..MAX_STEPS {
            let mut h = DMatrix::<f64>::zeros(q, q);
            let mut g = DVector::<f64>::zeros(q);
            for (row, &y) in x.chunks_exact(q).zip(labels) {
                let r = DVector::from_column_slice(row);
                let p = sigmoid(r.dot(&w));
                g += &r * (f64::from(u8::from(y)) - p);
                h.ger(p * (1.0 - p), &r, &r, 1.0);
            }
            for k in 1..q {
                h[(k, k)] += RIDGE;
                g[k] -= RIDGE * w[k];
            }
            let step = h
                .cholesky()
                .map(|c| c.solve(&g))
                .ok_or_else(|| Error::Empty {
                    what: "the local C2ST classifier met a singular system (non-finite inputs?)"
                        .into(),
                })?;
            w += &step;
            if step.amax() < 1e-9 * (1.0 + w.amax()) {
                break;
            }
        }
        Ok(Self {
            w: w.iter().copied().collect(),
        })
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
        let fit = QuadraticLogistic::fit(&design.matrix(&rows), design.width(), &labels).unwrap();
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
