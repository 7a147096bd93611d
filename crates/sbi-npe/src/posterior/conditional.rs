//! [`DirectConditional`]: the posterior at one observation x — the network's density there,
//! sampled with leakage rejection, its log-density corrected for the leakage, computed once
//! and reused (its MAP is in `map`).

use rand::Rng;
use sbi_core::{Bounds, RowMatrix, check_dim};

use crate::error::{Error, Result};
use crate::flow::host::Scratch;
use crate::mdn::mixture::Mixture;
use crate::posterior::density::Density;
use crate::zscore::ZScore;

/// Proposals used to estimate the acceptance rate (probability mass inside the support).
const ACCEPTANCE_PROPOSALS: usize = 10_000;
/// Rows drawn or scored together (one matrix product per layer of a flow).
const BLOCK: usize = 256;
/// Sampling gives up when, after this many proposals, fewer than 1 in 1000 were accepted.
const MIN_PROPOSALS_BEFORE_GIVING_UP: usize = 10_000;
const MIN_ACCEPTANCE: f64 = 1e-3;

/// The density at one x in standardised θ units, with the standardisation and the support.
#[derive(Debug, Clone)]
pub(crate) struct Proposal<'a> {
    pub(crate) density: Density<'a>,
    pub(crate) theta_z: &'a ZScore,
    pub(crate) support: &'a Bounds,
}

impl Proposal<'_> {
    /// Draws `n` samples, rejecting those outside the support. Proposals are drawn
    /// [`BLOCK`] at a time (fewer when fewer are missing), so a flow runs its layers as matrix
    /// products over a block.
    pub(crate) fn sample<R: Rng + ?Sized>(&self, n: usize, rng: &mut R) -> Result<RowMatrix> {
        let d = self.density.dim();
        let mut out = RowMatrix::zeros(n, d)?;
        let (mut s, mut block) = (Scratch::default(), Vec::new());
        let (mut accepted, mut proposed) = (0usize, 0usize);
        while accepted < n {
            block.resize((n - accepted).min(BLOCK) * d, 0.0);
            self.density.sample_rows(rng, &mut block, &mut s);
            for th in block.chunks_exact_mut(d) {
                self.theta_z.invert(th);
                proposed += 1;
                if self.support.contains(th) {
                    out.row_mut(accepted).copy_from_slice(th);
                    accepted += 1;
                } else if proposed >= MIN_PROPOSALS_BEFORE_GIVING_UP
                    && (accepted as f64) < MIN_ACCEPTANCE * proposed as f64
                {
                    return Err(Error::LowAcceptance { accepted, proposed });
                }
            }
        }
        Ok(out)
    }

    /// The fraction of [`ACCEPTANCE_PROPOSALS`] draws inside the support.
    pub(crate) fn acceptance<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<f64> {
        let d = self.density.dim();
        let (mut s, mut block) = (Scratch::default(), Vec::new());
        let (mut inside, mut drawn) = (0usize, 0usize);
        while drawn < ACCEPTANCE_PROPOSALS {
            let m = (ACCEPTANCE_PROPOSALS - drawn).min(BLOCK);
            block.resize(m * d, 0.0);
            self.density.sample_rows(rng, &mut block, &mut s);
            for th in block.chunks_exact_mut(d) {
                self.theta_z.invert(th);
                inside += usize::from(self.support.contains(th));
            }
            drawn += m;
        }
        if (inside as f64) < MIN_ACCEPTANCE * ACCEPTANCE_PROPOSALS as f64 {
            return Err(Error::LowAcceptance {
                accepted: inside,
                proposed: ACCEPTANCE_PROPOSALS,
            });
        }
        Ok(inside as f64 / ACCEPTANCE_PROPOSALS as f64)
    }
}

/// The posterior at one observation x ([`DirectPosterior::at`](crate::DirectPosterior::at)): the network's density there
/// and its leakage correction, computed once. Sampling, densities and the MAP at this x all
/// reuse them.
#[derive(Debug, Clone)]
pub struct DirectConditional<'a> {
    pub(crate) proposal: Proposal<'a>,
    pub(crate) acceptance: f64,
    /// −Σ ln std(θ) − ln P(support | x): from the standardised density to the raw,
    /// leakage-corrected one.
    pub(crate) log_norm: f64,
    pub(crate) map_seed: u64,
}

impl DirectConditional<'_> {
    /// Dimension of θ.
    pub fn theta_dim(&self) -> usize {
        self.proposal.density.dim()
    }

    /// The acceptance probability P(θ ∈ support | x) of the unrestricted density (the leakage
    /// correction; 1 for an unbounded support).
    pub fn acceptance(&self) -> f64 {
        self.acceptance
    }

    /// `n` samples θ ~ q(θ | x) restricted to the support, one row each.
    ///
    /// # Errors
    /// [`Error::LowAcceptance`] when fewer than 1 in 1000 proposals fall inside the support.
    pub fn sample<R: Rng + ?Sized>(&self, n: usize, rng: &mut R) -> Result<RowMatrix> {
        self.proposal.sample(n, rng)
    }

    /// ln q(θ | x) − ln P(support | x); −∞ outside the support.
    ///
    /// # Errors
    /// Wrong θ dimension, NaN in θ.
    pub fn log_prob(&self, theta: &[f64]) -> Result<f64> {
        check_dim(self.theta_dim(), theta.len())?;
        if let Some(index) = theta.iter().position(|v| v.is_nan()) {
            return Err(sbi_core::Error::NonFinite { index }.into());
        }
        let mut out = [f64::NEG_INFINITY];
        self.score_rows(theta, &mut out, &mut Scratch::default());
        Ok(out[0])
    }

    /// The corrected log-density of each row of `rows` (row-major, d columns, no NaN) into
    /// `out`: rows outside the support stay −∞, the others are scored together.
    fn score_rows(&self, rows: &[f64], out: &mut [f64], s: &mut Scratch) {
        let d = self.theta_dim();
        let p = &self.proposal;
        let inside: Vec<usize> = (0..out.len())
            .filter(|&i| p.support.contains(&rows[i * d..(i + 1) * d]))
            .collect();
        let mut z = vec![0.0; inside.len() * d];
        for (zr, &i) in z.chunks_exact_mut(d).zip(&inside) {
            p.theta_z.apply(&rows[i * d..(i + 1) * d], zr);
        }
        let mut lp = vec![0.0; inside.len()];
        p.density.log_prob_rows(&mut z, &mut lp, s);
        for (&i, l) in inside.iter().zip(&lp) {
            out[i] = l + self.log_norm;
        }
    }

    /// [`DirectConditional::log_prob`] of every row.
    ///
    /// # Errors
    /// Wrong θ dimension, NaN in θ.
    pub fn log_prob_batch(&self, thetas: &RowMatrix) -> Result<Vec<f64>> {
        check_dim(self.theta_dim(), thetas.ncols())?;
        if let Some(index) = thetas.as_slice().iter().position(|v| v.is_nan()) {
            return Err(sbi_core::Error::NonFinite { index }.into());
        }
        let d = self.theta_dim();
        let mut out = vec![f64::NEG_INFINITY; thetas.nrows()];
        let mut s = Scratch::default();
        for (rows, out) in thetas
            .as_slice()
            .chunks(BLOCK * d)
            .zip(out.chunks_mut(BLOCK))
        {
            self.score_rows(rows, out, &mut s);
        }
        Ok(out)
    }

    /// `n` samples and the log-density of each.
    ///
    /// # Errors
    /// As [`DirectConditional::sample`].
    pub fn sample_with_log_prob<R: Rng + ?Sized>(
        &self,
        n: usize,
        rng: &mut R,
    ) -> Result<(RowMatrix, Vec<f64>)> {
        let samples = self.sample(n, rng)?;
        let lp = self.log_prob_batch(&samples)?;
        Ok((samples, lp))
    }

    /// For a mixture: the leakage-corrected mixture in raw θ units (equal to this density
    /// inside the support), with every weight shifted by `log_weight_shift`; `None` for a flow.
    pub(crate) fn raw_mixture(&self, log_weight_shift: f64) -> Option<Result<Mixture>> {
        match &self.proposal.density {
            Density::Mixture(mix) => Some(mix.to_raw(
                self.proposal.theta_z,
                log_weight_shift - self.acceptance.ln(),
            )),
            Density::Flow(_) => None,
        }
    }
}
