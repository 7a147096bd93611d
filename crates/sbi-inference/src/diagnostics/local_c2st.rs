//! The local classifier two-sample test, L-C2ST (Linhart et al. 2023, NeurIPS; sbi's
//! `diagnostics/lc2st.py`): is the posterior right *at this observation*, not on average
//! over the prior?

use rand::seq::SliceRandom;
use rayon::prelude::*;
use sbi_core::{Posterior, RowMatrix, item_rng, streams};

use crate::diagnostics::quadratic_logistic::{CurvatureBound, Design, QuadraticLogistic};
use crate::error::{Error, Result};

/// Permutations at most (sbi's default is 100).
pub const MAX_PERMUTATIONS: usize = 10_000;

/// L-C2ST at one observation x_o.
///
/// A classifier learns to tell pairs (θᵢ, xᵢ) of the joint distribution (θᵢ from the prior,
/// xᵢ simulated) from pairs (θ'ᵢ, xᵢ) with θ'ᵢ drawn from the posterior at xᵢ; if the
/// posterior is right, the two are the same distribution and the classifier's probability
/// is ½ everywhere — in particular at x_o. The statistic is sbi's mean squared distance from
/// ½ of the classifier's probability over posterior samples θ ~ q(θ | x_o):
/// T = mean (d(θ, x_o) − ½)². Its null distribution comes from classifiers trained on the
/// same pairs with the labels permuted; p = (1 + #{T_null ≥ T}) / (1 + permutations).
///
/// The classifier is logistic regression on the standardised (θ, x), their squares and
/// products (sbi's default is an MLP): deterministic, fast enough for 100 permutations in
/// seconds, and exact for the Gaussian case.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalC2st {
    /// T at x_o.
    pub statistic: f64,
    /// T of each permuted classifier.
    pub null: Vec<f64>,
    /// The permutation p-value.
    pub p_value: f64,
}

impl LocalC2st {
    /// Runs L-C2ST: `thetas` from the prior and `xs` simulated from them (the calibration
    /// pairs, not used in training), `num_eval` posterior samples at `x_o`,
    /// `num_permutations` permuted classifiers. Randomness from
    /// `streams::LOCAL_C2ST` and `seed` only; the permutations run in parallel, each with its
    /// own `item_rng`, so the result does not depend on the thread count.
    ///
    /// # Errors
    /// Mismatched rows or widths, fewer than 10 pairs, `num_eval == 0`, no or more than
    /// [`MAX_PERMUTATIONS`] permutations, non-finite inputs, the posterior's own errors.
    pub fn run<P: Posterior>(
        posterior: &P,
        thetas: &RowMatrix,
        xs: &RowMatrix,
        x_o: &[f64],
        num_eval: usize,
        num_permutations: usize,
        seed: u64,
    ) -> Result<Self> {
        super::check_pairs(thetas, xs)?;
        if thetas.nrows() < 10 || num_eval == 0 || num_permutations == 0 {
            return Err(Error::Empty {
                what: "L-C2ST needs at least 10 pairs, one evaluation sample and one \
                       permutation"
                    .into(),
            });
        }
        if num_permutations > MAX_PERMUTATIONS {
            return Err(Error::InvalidDataset(format!(
                "L-C2ST takes at most {MAX_PERMUTATIONS} permutations, not {num_permutations}"
            )));
        }
        thetas.check_finite()?;
        xs.check_finite()?;
        sbi_core::check_dim(xs.ncols(), x_o.len())?;
        if let Some(index) = x_o.iter().position(|v| !v.is_finite()) {
            return Err(sbi_core::Error::NonFinite { index }.into());
        }
        let (dt, dx) = (thetas.ncols(), xs.ncols());
        let p = dt + dx;
        let n = thetas.nrows();
        sbi_core::check_size("L-C2ST pairs", 2 * n, p)?;
        sbi_core::check_size("L-C2ST evaluation samples", num_eval, p)?;
        let sample_seed = streams::LOCAL_C2ST.seed(seed);
        let drawn: Vec<Vec<f64>> = (0..n)
            .into_par_iter()
            .map(|i| -> Result<Vec<f64>> {
                let s = posterior
                    .sample(xs.row(i), 1, &mut item_rng(sample_seed, i as u64))
                    .map_err(Error::posterior)?;
                sbi_core::check_dim(dt, s.ncols())?;
                Ok(s.row(0).to_vec())
            })
            .collect::<Result<_>>()?;
        let eval = posterior
            .sample(x_o, num_eval, &mut item_rng(sample_seed, n as u64))
            .map_err(Error::posterior)?;
        sbi_core::check_dim(dt, eval.ncols())?;
        let mut rows = Vec::with_capacity(2 * n * p);
        for i in 0..n {
            rows.extend_from_slice(thetas.row(i));
            rows.extend_from_slice(xs.row(i));
        }
        for (i, t) in drawn.iter().enumerate() {
            rows.extend_from_slice(t);
            rows.extend_from_slice(xs.row(i));
        }
        let design = Design::fit(&rows, p);
        let q = design.width();
        let matrix = nalgebra::DMatrix::from_row_slice(2 * n, q, &design.matrix(&rows));
        let bound = CurvatureBound::new(&matrix)?;
        let mut eval_rows = Vec::with_capacity(num_eval * p);
        for t in eval.rows() {
            eval_rows.extend_from_slice(t);
            eval_rows.extend_from_slice(x_o);
        }
        let eval_matrix = design.matrix(&eval_rows);
        let statistic_of = |labels: &[bool]| -> Result<f64> {
            let fit = QuadraticLogistic::fit(&matrix, &bound, labels);
            Ok(eval_matrix
                .chunks_exact(q)
                .map(|r| (fit.probability(r) - 0.5).powi(2))
                .sum::<f64>()
                / num_eval as f64)
        };
        let labels: Vec<bool> = (0..2 * n).map(|i| i >= n).collect();
        let statistic = statistic_of(&labels)?;
        let permutation_seed = streams::LOCAL_C2ST.xor(seed);
        let null: Vec<f64> = (0..num_permutations)
            .into_par_iter()
            .map(|k| {
                let mut l = labels.clone();
                l.shuffle(&mut item_rng(permutation_seed, k as u64));
                statistic_of(&l)
            })
            .collect::<Result<_>>()?;
        let as_extreme = null.iter().filter(|t| **t >= statistic).count();
        Ok(Self {
            statistic,
            p_value: (1 + as_extreme) as f64 / (1 + num_permutations) as f64,
            null,
        })
    }
}
