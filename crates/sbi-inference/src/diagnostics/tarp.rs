//! TARP, the expected coverage of random points (Lemos et al. 2023, ICML; sbi's
//! `diagnostics/tarp.py`): a calibration test of the joint posterior, not one margin at a time.

use rand::{Rng, RngExt};
use rayon::prelude::*;
use sbi_core::{Posterior, RowMatrix, item_rng, stats::ks_test, streams};

use crate::error::{Error, Result};

/// Points of the α grid TARP's expected coverage is read on (sbi's `num_bins` = 30, plus 0).
pub const TARP_GRID: usize = 31;

/// TARP over a set of (θᵢ, xᵢ) pairs with θᵢ from the prior and xᵢ simulated from θᵢ.
///
/// For each pair a reference point θʳᵢ is drawn uniformly in the box spanned by the θᵢ
/// (sbi's default references), `num_samples` posterior samples are drawn at xᵢ, and
/// fᵢ = the fraction of samples closer to θʳᵢ than θᵢ is (Euclidean distance after z-scoring
/// every θ by the mean and standard deviation of the θᵢ, as sbi's `z_score_theta`). A
/// calibrated posterior gives uniform fᵢ, so the expected coverage ECP(α) = P(fᵢ < α) equals
/// α on the whole grid; an over-confident or biased one does not.
#[derive(Debug, Clone, PartialEq)]
pub struct Tarp {
    /// fᵢ, one per pair.
    pub coverage: Vec<f64>,
    /// ECP on α = 0, 1/30, …, 1 ([`TARP_GRID`] points).
    pub ecp: Vec<f64>,
    /// sbi's `check_tarp` area: Σ (ECP(α) − α) over the upper half of the grid; near 0 when
    /// calibrated, positive when under-confident, negative when over-confident.
    pub atc: f64,
    /// The Kolmogorov–Smirnov p-value of the fᵢ against U(0, 1) (sbi compares the ECP curve
    /// with the diagonal by a two-sample KS test; testing the fᵢ themselves uses every pair).
    pub ks_p_value: f64,
}

impl Tarp {
    /// Runs TARP: `num_samples` posterior draws at each row of `xs`, compared with the
    /// matching row of `thetas`. Parallel over pairs; pair i draws with
    /// `item_rng(streams::TARP.seed(seed), i)`, the references with `streams::TARP.rng(seed)`.
    ///
    /// ```
    /// use rand::SeedableRng;
    /// use sbi_core::{Bounds, DensityEstimator, Prior, RowMatrix, Simulator, TrainingData};
    /// use sbi_core::testing::{LinearGaussian, LinearRegression};
    /// use sbi_prior::BoxUniform;
    /// // x = θ + N(0, 0.5²), θ uniform on [−3, 3]².
    /// let prior = BoxUniform::new(vec![-3.0; 2], vec![3.0; 2])?;
    /// let sim = LinearGaussian::new(2, 0.5)?;
    /// let mut rng = sbi_core::SeedRng::seed_from_u64(3);
    /// let pairs = |n, seed, rng: &mut sbi_core::SeedRng| -> Result<_, Box<dyn std::error::Error>> {
    ///     let theta = prior.sample_batch(n, rng)?;
    ///     let x = RowMatrix::from_rows(&sim.simulate_batch(&theta, seed)?)?;
    ///     Ok((theta, x))
    /// };
    /// let (theta, x) = pairs(2000, 1, &mut rng)?;
    /// let data = TrainingData::new(theta, x, prior.bounds())?;
    /// let post = LinearRegression::new().fit(&data, 0, &mut ())?.posterior;
    /// let (theta, x) = pairs(1000, 2, &mut rng)?;
    /// let tarp = sbi_inference::Tarp::run(&post, &theta, &x, 200, 1)?;
    /// // Least squares' Gaussian ignores the box's truncation and shrinks toward the middle: a
    /// // good approximation, but not the exact posterior, and TARP over 1,000 pairs sees it.
    /// assert!(tarp.ks_p_value < 0.01 && tarp.atc < 0.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// Mismatched rows, fewer than two pairs, `num_samples == 0`, non-finite θ, or the
    /// posterior's own errors.
    pub fn run<P: Posterior>(
        posterior: &P,
        thetas: &RowMatrix,
        xs: &RowMatrix,
        num_samples: usize,
        seed: u64,
    ) -> Result<Self> {
        super::check_pairs(thetas, xs)?;
        if thetas.nrows() < 2 || num_samples == 0 {
            return Err(Error::Empty {
                what: "TARP needs at least two pairs and one sample per pair".into(),
            });
        }
        thetas.check_finite()?;
        sbi_core::check_size("TARP samples", num_samples, thetas.ncols())?;
        let d = thetas.ncols();
        let n = thetas.nrows() as f64;
        let mean = thetas.column_means();
        let std: Vec<f64> = (0..d)
            .map(|j| {
                let s = (thetas
                    .column(j)
                    .iter()
                    .map(|v| (v - mean[j]).powi(2))
                    .sum::<f64>()
                    / (n - 1.0))
                    .sqrt();
                if s > 0.0 && s.is_finite() { s } else { 1.0 }
            })
            .collect();
        let low: Vec<f64> = (0..d)
            .map(|j| thetas.column(j).into_iter().fold(f64::INFINITY, f64::min))
            .collect();
        let high: Vec<f64> = (0..d)
            .map(|j| {
                thetas
                    .column(j)
                    .into_iter()
                    .fold(f64::NEG_INFINITY, f64::max)
            })
            .collect();
        let mut rng = streams::TARP.rng(seed);
        let references: Vec<Vec<f64>> = (0..thetas.nrows())
            .map(|_| uniform_in(&low, &high, &mut rng))
            .collect();
        let distance = |a: &[f64], b: &[f64]| -> f64 {
            (0..d)
                .map(|j| ((a[j] - b[j]) / std[j]).powi(2))
                .sum::<f64>()
        };
        let sample_seed = streams::TARP.seed(seed);
        let coverage: Vec<f64> = (0..thetas.nrows())
            .into_par_iter()
            .map(|i| -> Result<f64> {
                let s = posterior
                    .sample(xs.row(i), num_samples, &mut item_rng(sample_seed, i as u64))
                    .map_err(Error::posterior)?;
                sbi_core::check_dim(d, s.ncols())?;
                let r = &references[i];
                let truth = distance(thetas.row(i), r);
                Ok(
                    s.rows().filter(|row| distance(row, r) < truth).count() as f64
                        / num_samples as f64,
                )
            })
            .collect::<Result<_>>()?;
        let ecp: Vec<f64> = (0..TARP_GRID)
            .map(|k| {
                let alpha = k as f64 / (TARP_GRID - 1) as f64;
                coverage.iter().filter(|f| **f < alpha).count() as f64 / n
            })
            .map(|e| e.min(1.0))
            .collect();
        // The last grid point, α = 1, counts fᵢ = 1 (every sample closer) as covered too.
        let mut ecp = ecp;
        ecp[TARP_GRID - 1] = 1.0;
        let mid = TARP_GRID / 2;
        let atc = (mid..TARP_GRID)
            .map(|k| ecp[k] - k as f64 / (TARP_GRID - 1) as f64)
            .sum();
        // fᵢ takes L + 1 values: jitter within its bin to make it continuous, as SBC's ranks.
        let mut jitter = streams::TARP.rng(seed ^ 0x6a69_7474);
        let l = num_samples as f64;
        let u: Vec<f64> = coverage
            .iter()
            .map(|f| (f * l + jitter.random::<f64>()) / (l + 1.0))
            .collect();
        let ks_p_value = ks_test(&u, |v| v.clamp(0.0, 1.0))?.p_value;
        Ok(Self {
            coverage,
            ecp,
            atc,
            ks_p_value,
        })
    }
}

fn uniform_in<R: Rng + ?Sized>(low: &[f64], high: &[f64], rng: &mut R) -> Vec<f64> {
    low.iter()
        .zip(high)
        .map(|(l, h)| l + (h - l) * rng.random::<f64>())
        .collect()
}
