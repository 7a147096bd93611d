//! [`GridPosterior`]: a 2-D posterior by quadrature on a fine grid, the reference of the 2-D
//! test tasks.

use rand::{Rng, RngExt};

use crate::{Error, Result, RowMatrix};

/// An unnormalised 2-D density tabulated at the centres of an `n × n` grid of cells over a
/// box, sampled exactly as the piecewise-constant density it defines (a cell drawn with
/// probability ∝ its density, then a uniform point in it).
///
/// With cells much smaller than the density's features (the tasks use cells 10× finer than
/// their narrowest width) its samples stand for the exact posterior's.
///
/// ```
/// use rand::SeedableRng;
/// use sbi_core::testing::GridPosterior;
/// // A standard normal restricted to [−4, 4]².
/// let g = GridPosterior::new(|t| -0.5 * (t[0] * t[0] + t[1] * t[1]), [-4.0, -4.0], [4.0, 4.0], 400)?;
/// let s = g.sample(20_000, &mut sbi_core::SeedRng::seed_from_u64(0))?;
/// assert!(s.column_means()[0].abs() < 0.03);
/// # Ok::<(), sbi_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GridPosterior {
    low: [f64; 2],
    cell: [f64; 2],
    n: usize,
    /// Cumulative probabilities of the cells, row-major (θ₁ slow, θ₂ fast).
    cumulative: Vec<f64>,
}

impl GridPosterior {
    /// Tabulates `log_density` on `cells × cells` cells of `[low, high]`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for fewer than 2 or more than 4,096 cells a side or an
    /// empty box; [`Error::Empty`] when the density is −∞ (or NaN) in every cell.
    pub fn new(
        log_density: impl Fn(&[f64; 2]) -> f64,
        low: [f64; 2],
        high: [f64; 2],
        cells: usize,
    ) -> Result<Self> {
        if !(2..=4096).contains(&cells) {
            return Err(Error::InvalidParameter {
                name: "cells",
                value: cells as f64,
                reason: "must lie in 2…4096",
            });
        }
        if !(low[0] < high[0] && low[1] < high[1]) {
            return Err(Error::InvalidParameter {
                name: "high",
                value: high[0],
                reason: "the box must have low < high in both dimensions",
            });
        }
        let cell = [
            (high[0] - low[0]) / cells as f64,
            (high[1] - low[1]) / cells as f64,
        ];
        let mut logs = Vec::with_capacity(cells * cells);
        for i in 0..cells {
            for j in 0..cells {
                let t = [
                    low[0] + (i as f64 + 0.5) * cell[0],
                    low[1] + (j as f64 + 0.5) * cell[1],
                ];
                let v = log_density(&t);
                logs.push(if v.is_nan() { f64::NEG_INFINITY } else { v });
            }
        }
        let max = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if max == f64::NEG_INFINITY {
            return Err(Error::Empty {
                what: "a grid posterior with positive density in some cell",
            });
        }
        let mut total = 0.0;
        let cumulative = logs
            .iter()
            .map(|l| {
                total += (l - max).exp();
                total
            })
            .collect::<Vec<_>>();
        let cumulative = cumulative.iter().map(|c| c / total).collect();
        Ok(Self {
            low,
            cell,
            n: cells,
            cumulative,
        })
    }

    /// `n` samples, one row each.
    ///
    /// # Errors
    /// A sample matrix beyond [`crate::MAX_ENTRIES`].
    pub fn sample<R: Rng + ?Sized>(&self, n: usize, rng: &mut R) -> Result<RowMatrix> {
        let mut out = RowMatrix::zeros(n, 2)?;
        for r in 0..n {
            let u: f64 = rng.random();
            let k = self
                .cumulative
                .partition_point(|c| *c < u)
                .min(self.cumulative.len() - 1);
            let (i, j) = (k / self.n, k % self.n);
            let row = out.row_mut(r);
            row[0] = self.low[0] + (i as f64 + rng.random::<f64>()) * self.cell[0];
            row[1] = self.low[1] + (j as f64 + rng.random::<f64>()) * self.cell[1];
        }
        Ok(out)
    }
}
