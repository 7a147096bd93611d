//! Calibration diagnostics: simulation-based calibration (SBC) ranks, expected coverage of
//! central credible intervals, and a classifier two-sample test (C2ST).

use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use sbi_core::{Posterior, RowMatrix, SeedRng, item_rng, stats::ks_test};

use crate::error::{Error, Result};

/// SBC over a set of (θᵢ, xᵢ) pairs with θᵢ from the prior and xᵢ simulated from θᵢ.
///
/// For each pair, `L` posterior samples are drawn at xᵢ; the rank of θᵢ in dimension j is the
/// number of samples below it (0…L). A calibrated posterior gives uniform ranks, and the
/// central credible interval of mass α then contains θᵢ with probability α.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// Ranks, one row per pair, one column per θ dimension, in 0…=`num_samples`.
    pub ranks: RowMatrix,
    /// Posterior samples drawn per pair (L).
    pub num_samples: usize,
    /// Per dimension, the p-value of a Kolmogorov–Smirnov test of uniformity of the ranks
    /// (made continuous by a seeded uniform jitter: u = (rank + U(0,1)) / (L + 1)).
    pub ks_p_values: Vec<f64>,
}

impl Calibration {
    /// Runs SBC: `num_samples` posterior draws at each row of `xs`, compared with the
    /// matching row of `thetas`. Parallel over pairs; pair i uses `item_rng(seed, i)`.
    ///
    /// # Errors
    /// Mismatched rows, no pair, `num_samples == 0`, or the posterior's own errors.
    pub fn run<P>(
        posterior: &P,
        thetas: &RowMatrix,
        xs: &RowMatrix,
        num_samples: usize,
        seed: u64,
    ) -> Result<Self>
    where
        P: Posterior,
        Error: From<P::Error>,
    {
        if thetas.nrows() != xs.nrows() {
            return Err(Error::RowMismatch {
                theta: thetas.nrows(),
                x: xs.nrows(),
            });
        }
        if thetas.is_empty() || num_samples == 0 {
            return Err(Error::Empty {
                what: "SBC needs at least one pair and one sample".into(),
            });
        }
        thetas.check_finite()?;
        sbi_core::check_size("SBC samples", num_samples, thetas.ncols())?;
        let d = thetas.ncols();
        let rows: Vec<Vec<f64>> = (0..thetas.nrows())
            .into_par_iter()
            .map(|i| -> Result<Vec<f64>> {
                let s = posterior.sample(xs.row(i), num_samples, &mut item_rng(seed, i as u64))?;
                // θ must have the posterior's dimension (a wider θ indexed past the samples'
                // columns; a narrower one was silently compared on its first columns).
                sbi_core::check_dim(s.ncols(), d)?;
                let th = thetas.row(i);
                Ok((0..d)
                    .map(|j| s.rows().filter(|r| r[j] < th[j]).count() as f64)
                    .collect())
            })
            .collect::<Result<_>>()?;
        let ranks = RowMatrix::from_rows(&rows)?;
        let mut jitter = SeedRng::seed_from_u64(seed ^ 0x5342_4300);
        let l1 = (num_samples + 1) as f64;
        let ks_p_values = (0..d)
            .map(|j| {
                let u: Vec<f64> = ranks
                    .column(j)
                    .iter()
                    .map(|r| (r + jitter.random::<f64>()) / l1)
                    .collect();
                ks_test(&u, |v| v.clamp(0.0, 1.0)).map(|k| k.p_value)
            })
            .collect::<sbi_core::Result<_>>()?;
        Ok(Self {
            ranks,
            num_samples,
            ks_p_values,
        })
    }

    /// Expected coverage per dimension of the central credible interval of mass `level`
    /// (e.g. 0.9): the fraction of pairs whose true θ lies between the posterior's
    /// (1 − level)/2 and (1 + level)/2 quantiles — read off the ranks.
    pub fn coverage(&self, level: f64) -> Vec<f64> {
        let l = self.num_samples as f64;
        let (lo, hi) = ((1.0 - level) / 2.0 * l, (1.0 + level) / 2.0 * l);
        let n = self.ranks.nrows() as f64;
        (0..self.ranks.ncols())
            .map(|j| {
                self.ranks
                    .column(j)
                    .iter()
                    .filter(|r| **r >= lo && **r <= hi)
                    .count() as f64
                    / n
            })
            .collect()
    }
}

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
/// assert!(sbi_npe::c2st(&a, &far)? > 0.99);
/// # Ok::<(), sbi_npe::Error>(())
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
