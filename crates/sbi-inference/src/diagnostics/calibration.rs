//! Simulation-based calibration (SBC) ranks and the expected coverage of central credible
//! intervals read off them ([`Calibration`]).

use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use sbi_core::{Posterior, RowMatrix, item_rng, stats::ks_test, streams};

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
    {
        super::check_pairs(thetas, xs)?;
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
                let s = posterior
                    .sample(xs.row(i), num_samples, &mut item_rng(seed, i as u64))
                    .map_err(Error::posterior)?;
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
        let mut jitter = sbi_core::SeedRng::seed_from_u64(streams::SBC_JITTER.xor(seed));
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
