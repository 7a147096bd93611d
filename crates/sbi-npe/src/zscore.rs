//! [`ZScore`]: the standardisation of θ and x inside the estimator (users see raw units).

use sbi_core::RowMatrix;
use serde::{Deserialize, Serialize};

/// Standardisation with statistics of the training split: per dimension
/// `z = (v − mean)/std`, optionally followed by whitening `z ← W·z` (W = C^(−1/2) for the
/// covariance C of the per-dimension z-scores), which decorrelates the features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZScore {
    /// Means.
    pub mean: Vec<f64>,
    /// Standard deviations (a dimension with std below 1e-14·(1 + |mean|) gets 1: constant
    /// features pass through unscaled instead of dividing by zero).
    pub std: Vec<f64>,
    /// Whitening matrix W (d × d, row-major), if any.
    #[serde(default)]
    pub whitening: Option<Vec<f64>>,
}

impl ZScore {
    pub(crate) fn fit(m: &RowMatrix, rows: &[usize]) -> Self {
        let d = m.ncols();
        let n = rows.len() as f64;
        let mut mean = vec![0.0; d];
        for &r in rows {
            for (a, v) in mean.iter_mut().zip(m.row(r)) {
                *a += v / n;
            }
        }
        let mut var = vec![0.0; d];
        for &r in rows {
            for ((s, v), mu) in var.iter_mut().zip(m.row(r)).zip(&mean) {
                *s += (v - mu).powi(2);
            }
        }
        let denom = (n - 1.0).max(1.0);
        let std = var
            .iter()
            .zip(&mean)
            .map(|(s, mu)| {
                let sd = (s / denom).sqrt();
                if sd < 1e-14 * (1.0 + mu.abs()) {
                    1.0
                } else {
                    sd
                }
            })
            .collect();
        Self {
            mean,
            std,
            whitening: None,
        }
    }

    /// Per-dimension standardisation, then whitening: W = C^(−1/2) from the eigen-decomposition
    /// of the covariance C of the standardised rows, eigenvalues floored at 10⁻¹²·max (so
    /// exactly collinear features are not blown up without bound).
    pub(crate) fn fit_whitened(m: &RowMatrix, rows: &[usize]) -> Self {
        let mut z = Self::fit(m, rows);
        let d = m.ncols();
        let mut c = nalgebra::DMatrix::<f64>::zeros(d, d);
        let mut buf = vec![0.0; d];
        for &r in rows {
            z.apply(m.row(r), &mut buf);
            let v = nalgebra::DVector::from_row_slice(&buf);
            c += &v * v.transpose();
        }
        c /= rows.len() as f64;
        let e = c.symmetric_eigen();
        let floor = 1e-12 * e.eigenvalues.max().max(1e-300);
        let mut w = nalgebra::DMatrix::<f64>::zeros(d, d);
        for k in 0..d {
            let u = e.eigenvectors.column(k);
            w += u * u.transpose() / e.eigenvalues[k].max(floor).sqrt();
        }
        z.whitening = Some((0..d * d).map(|i| w[(i / d, i % d)]).collect());
        z
    }

    /// Checks saved statistics against what [`ZScore::fit`] and [`ZScore::fit_whitened`] can
    /// produce for `dim` dimensions: finite means; each std finite, at most 10¹⁵⁰ and at least
    /// 10⁻¹⁴·(1 + |mean|) (or exactly 1, a constant dimension); and a whitening matrix, when
    /// `whitened` allows one, symmetric with eigenvalues between 1/√dim (the covariance of
    /// unit-variance scores has no eigenvalue above dim) and 1.5·10⁶ (the eigenvalue floor,
    /// 10⁻¹² of the largest, which is at least ½ when any dimension varies). A std of 10⁻³⁰⁰
    /// or an all-zero whitening — a posterior that ignores x or collapses to a point — is
    /// refused.
    pub(crate) fn check(&self, what: &str, dim: usize, whitened: bool) -> Result<(), String> {
        if self.mean.len() != dim || self.std.len() != dim {
            return Err(format!(
                "the standardisation of {what} has {} means and {} stds for {dim} dimensions",
                self.mean.len(),
                self.std.len()
            ));
        }
        for (j, (m, s)) in self.mean.iter().zip(&self.std).enumerate() {
            let fits = m.is_finite()
                && s.is_finite()
                && *s <= 1e150
                && (*s == 1.0 || *s >= 1e-14 * (1.0 + m.abs()));
            if !fits {
                return Err(format!(
                    "the standardisation of {what} (dimension {j}: mean {m:e}, std {s:e}) is \
                     outside what training produces"
                ));
            }
        }
        let Some(w) = &self.whitening else {
            return Ok(());
        };
        if !whitened {
            return Err(format!(
                "{what} is never whitened, but the file has a whitening matrix for it"
            ));
        }
        if w.len() != dim * dim || w.iter().any(|v| !v.is_finite()) {
            return Err(format!(
                "the whitening matrix of {what} has {} entries (need {dim} × {dim}, all finite)",
                w.len()
            ));
        }
        let m = nalgebra::DMatrix::from_row_slice(dim, dim, w);
        let scale = w.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        if (&m - m.transpose()).amax() > 1e-9 * scale {
            return Err(format!("the whitening matrix of {what} is not symmetric"));
        }
        let e = m.symmetric_eigen().eigenvalues;
        let (lo, hi) = (e.min(), e.max());
        if !(lo >= 0.999 / (dim as f64).sqrt() && hi <= 1.5e6) {
            return Err(format!(
                "the whitening matrix of {what} has eigenvalues {lo:e} to {hi:e}, outside \
                 [1/√{dim}, 1.5e6]: it is not the inverse square root of a covariance of \
                 standardised features"
            ));
        }
        Ok(())
    }

    /// Standardises `v` into `out`.
    pub fn apply(&self, v: &[f64], out: &mut [f64]) {
        for (((o, x), m), s) in out.iter_mut().zip(v).zip(&self.mean).zip(&self.std) {
            *o = (x - m) / s;
        }
        if let Some(w) = &self.whitening {
            let d = out.len();
            let z = out.to_vec();
            for (i, o) in out.iter_mut().enumerate() {
                *o = w[i * d..(i + 1) * d]
                    .iter()
                    .zip(&z)
                    .map(|(a, b)| a * b)
                    .sum();
            }
        }
    }

    /// Undoes [`ZScore::apply`] in place (per-dimension part; θ is never whitened).
    pub fn invert(&self, z: &mut [f64]) {
        for ((v, m), s) in z.iter_mut().zip(&self.mean).zip(&self.std) {
            *v = m + s * *v;
        }
    }

    /// Σ ln std: the log-Jacobian from standardised to raw units.
    pub fn log_scale(&self) -> f64 {
        self.std.iter().map(|s| s.ln()).sum()
    }
}
