//! The classifier two-sample test by k nearest neighbours ([`c2st`]): deterministic, no
//! training (sbi-npe's `c2st_mlp` is the SBI benchmark's MLP form).

use rayon::prelude::*;
use sbi_core::RowMatrix;

use crate::error::{Error, Result};

/// Classifier two-sample test: the leave-one-out accuracy of a k-nearest-neighbour classifier
/// telling sample set `a` from sample set `b`.
///
/// Classifier: features z-scored with the pooled mean and standard deviation; k = the odd
/// number nearest √(n_a + n_b), at most 51; Euclidean distance; majority vote of the k nearest
/// other points (leave-one-out, so no split randomness), with the two sets weighted equally.
/// 0.5 means indistinguishable, 1.0 perfectly separable. (sbi's C2ST uses a cross-validated
/// MLP; a k-NN classifier is a consistent, deterministic alternative that needs no training.)
///
/// ```
/// use sbi_core::RowMatrix;
/// let a = RowMatrix::from_rows(&(0..200).map(|i| [i as f64 % 17.0, (i * 7 % 13) as f64]).collect::<Vec<_>>())?;
/// let far = RowMatrix::from_rows(&(0..200).map(|i| [100.0 + i as f64 % 17.0, 0.0]).collect::<Vec<_>>())?;
/// assert!(sbi_inference::c2st(&a, &far)? > 0.99);
/// # Ok::<(), sbi_inference::Error>(())
/// ```
///
/// # Errors
/// Empty sets or mismatched dimensions, non-finite values.
pub fn c2st(a: &RowMatrix, b: &RowMatrix) -> Result<f64> {
    if a.is_empty() || b.is_empty() {
        return Err(Error::Empty {
            what: "C2ST needs two non-empty sample sets".into(),
        });
    }
    sbi_core::check_dim(a.ncols(), b.ncols())?;
    a.check_finite()?;
    b.check_finite()?;
    let d = a.ncols();
    let n = a.nrows() + b.nrows();
    let mut pooled = a.clone();
    for r in b.rows() {
        pooled.push_row(r)?;
    }
    // Per-column standardisation computed without overflow: the mean as Σ x/n and the
    // spread relative to the largest deviation, so |x| up to f64::MAX still separates
    // (squaring 10¹⁵⁴ overflowed, every z became 0 and the score a meaningless 0.5).
    let mut z = vec![0.0; n * d];
    for j in 0..d {
        let col = pooled.column(j);
        let mean = col.iter().map(|x| x / n as f64).sum::<f64>();
        let scale = col.iter().fold(0.0f64, |m, x| m.max((x - mean).abs()));
        let std = if scale > 0.0 && scale.is_finite() {
            let v = col
                .iter()
                .map(|x| ((x - mean) / scale).powi(2))
                .sum::<f64>()
                / n as f64;
            scale * v.sqrt()
        } else {
            1.0
        };
        let std = if std > 0.0 && std.is_finite() {
            std
        } else {
            1.0
        };
        for (i, x) in col.iter().enumerate() {
            z[i * d + j] = (x - mean) / std;
        }
    }
    let label = |i: usize| i >= a.nrows();
    let mut k = ((n as f64).sqrt().round() as usize).clamp(1, 51);
    if k.is_multiple_of(2) {
        k += 1;
    }
    let k = k.min(n - 1).max(1);
    let (wa, wb) = (1.0 / a.nrows() as f64, 1.0 / b.nrows() as f64);
    let correct: f64 = (0..n)
        .into_par_iter()
        .map(|i| {
            let zi = &z[i * d..(i + 1) * d];
            let mut dist: Vec<(f64, bool)> = (0..n)
                .filter(|&m| m != i)
                .map(|m| {
                    let zm = &z[m * d..(m + 1) * d];
                    (
                        zi.iter().zip(zm).map(|(p, q)| (p - q).powi(2)).sum::<f64>(),
                        label(m),
                    )
                })
                .collect();
            dist.select_nth_unstable_by(k - 1, |p, q| p.0.total_cmp(&q.0));
            let votes_b = dist[..k].iter().filter(|p| p.1).count();
            let predict_b = 2 * votes_b > k;
            let w = if label(i) { wb } else { wa };
            if predict_b == label(i) { w } else { 0.0 }
        })
        .sum();
    Ok(correct / 2.0)
}
