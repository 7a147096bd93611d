//! [`importance_sample`]: a posterior restricted to its prior's support, sampled without
//! acceptance — for when rejection fails because (nearly) every draw of the posterior
//! estimator leaks out of the prior, as it does for an observation far from the training
//! data.
//!
//! The target is q(θ | x)·1[θ in the prior's support], q unnormalised
//! ([`Posterior::log_prob_unnormalized_batch`]: the leakage estimate fails here). Rounds of sampling–importance–
//! resampling (population Monte Carlo): proposals from the prior, weighted by q(θ | x) / p(θ);
//! then, for up to [`IMPORTANCE_ROUNDS`] rounds, proposals from a defensive mixture, half the prior and
//! half a Gaussian with the previous round's weighted means and twice its weighted standard
//! deviations (per parameter), weighted by q(θ | x)·1[support] / (½ p(θ) + ½ N(θ)); the round
//! with the largest effective sample size is resampled. Every draw is inside the prior's
//! support by construction.

use rand::{Rng, RngExt};
use rand_distr::StandardNormal;
use sbi_core::{Posterior, Prior, RowMatrix};

use crate::error::{Error, Result};

/// Proposals per round: 16 per requested sample, at least 4,096 and at most this.
pub const MAX_IMPORTANCE_PROPOSALS: usize = 65_536;

/// Rounds of sampling–importance–resampling at most (the first from the prior); they stop
/// once the effective sample size reaches the number of samples asked for.
pub const IMPORTANCE_ROUNDS: usize = 8;

/// Below this effective sample size the weights rest on a handful of proposals, and the
/// result is an error rather than a few values repeated.
pub const MIN_EFFECTIVE_SAMPLE_SIZE: f64 = 5.0;

/// Samples from [`importance_sample`], with what the weights were worth.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportanceSamples {
    /// The resampled draws, one row each (inside the prior's support).
    pub samples: RowMatrix,
    /// Kish's effective sample size of the weights that were resampled, (Σw)²/Σw²: how many
    /// independent draws they are worth. Far below the number of samples, the samples repeat
    /// few values and describe the posterior coarsely.
    pub effective_sample_size: f64,
    /// Proposals weighted in that round.
    pub num_proposals: usize,
}

/// `n` draws from `posterior` at `x`, restricted to `prior`'s support, by sampling–
/// importance–resampling (see the module's documentation). Seeded by `rng`.
///
/// ```
/// use rand::SeedableRng;
/// use sbi_core::{Prior, SeedRng};
/// use sbi_inference::importance_sample;
/// use sbi_prior::BoxUniform;
///
/// // A "posterior" centred outside the box [0, 1]²: rejection would accept nothing.
/// struct Far;
/// impl sbi_core::Posterior for Far {
///     type Error = sbi_core::Error;
///     fn theta_dim(&self) -> usize { 2 }
///     fn x_dim(&self) -> usize { 1 }
///     fn sample<R: rand::Rng + ?Sized>(&self, _: &[f64], n: usize, _: &mut R)
///         -> Result<sbi_core::RowMatrix, sbi_core::Error> {
///         sbi_core::RowMatrix::zeros(n, 2)
///     }
///     fn log_prob(&self, t: &[f64], _: &[f64]) -> Result<f64, sbi_core::Error> {
///         Ok(-0.5 * ((t[0] - 3.0).powi(2) + (t[1] - 0.5).powi(2)) / 0.01)
///     }
/// }
/// let prior = BoxUniform::new(vec![0.0; 2], vec![1.0; 2])?;
/// let s = importance_sample(&Far, &prior, &[0.0], 1000, &mut SeedRng::seed_from_u64(1))?;
/// let mean0 = s.samples.rows().map(|r| r[0]).sum::<f64>() / 1000.0;
/// assert!(mean0 > 0.9 && mean0 <= 1.0); // piled against the box's edge nearest the mode
/// assert!(s.effective_sample_size > 100.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// `n` = 0 or `x` of the wrong width; a failing prior or posterior; weights whose effective
/// sample size is below [`MIN_EFFECTIVE_SAMPLE_SIZE`] in every round
/// ([`Error::ImportanceSampling`], with the size).
pub fn importance_sample<P, Q, R>(
    posterior: &Q,
    prior: &P,
    x: &[f64],
    n: usize,
    rng: &mut R,
) -> Result<ImportanceSamples>
where
    P: Prior,
    Q: Posterior,
    R: Rng + ?Sized,
{
    if n == 0 {
        return Err(Error::Empty {
            what: "importance samples".into(),
        });
    }
    sbi_core::check_dim(posterior.x_dim(), x.len()).map_err(|e| Error::Posterior(Box::new(e)))?;
    let m = (16 * n).clamp(4096, MAX_IMPORTANCE_PROPOSALS);
    let d = prior.dim();
    let prior_err = |e: P::Error| Error::PriorSampling(e.to_string());
    let log_q = |thetas: &RowMatrix| {
        posterior
            .log_prob_unnormalized_batch(thetas, x)
            .map_err(|e| Error::Posterior(Box::new(e)))
    };
    // Round 1: from the prior.
    let first = prior.sample_batch(m, rng).map_err(prior_err)?;
    let lp = prior.log_prob_batch(&first).map_err(prior_err)?;
    let lw1: Vec<f64> = log_q(&first)?
        .iter()
        .zip(&lp)
        .map(|(q, p)| finite_or_zero_weight(q - p))
        .collect();
    // Later rounds: from a defensive mixture around the previous round's weighted draws.
    let mut best = (first, lw1);
    let mut best_ess = effective_size(&best.1);
    let mut last = (best.0.clone(), best.1.clone());
    for _ in 1..IMPORTANCE_ROUNDS {
        let (mean, std) = weighted_moments(&last.0, &last.1);
        let mut cand = RowMatrix::zeros(m, d)?;
        for i in 0..m {
            let row = match rng.random::<bool>() {
                true => prior.sample(rng),
                false => (0..d)
                    .map(|j| mean[j] + 2.0 * std[j] * rng.sample::<f64, _>(StandardNormal))
                    .collect(),
            };
            cand.row_mut(i).copy_from_slice(&row);
        }
        let lp = prior.log_prob_batch(&cand).map_err(prior_err)?;
        let lq = log_q(&cand)?;
        let lw: Vec<f64> = (0..m)
            .map(|i| {
                if !lp[i].is_finite() {
                    return f64::NEG_INFINITY;
                }
                let th = cand.row(i);
                let log_normal: f64 = (0..d)
                    .map(|j| {
                        let s = 2.0 * std[j];
                        let z = (th[j] - mean[j]) / s;
                        -0.5 * z * z - s.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
                    })
                    .sum();
                let log_mix = ln_add_exp(lp[i], log_normal) - std::f64::consts::LN_2;
                finite_or_zero_weight(lq[i] - log_mix)
            })
            .collect();
        let ess = effective_size(&lw);
        if ess > 0.0 {
            last = (cand, lw);
        }
        if ess > best_ess {
            best_ess = ess;
            best = last.clone();
        }
        if best_ess >= n as f64 {
            break;
        }
    }
    let ((cand, lw), ess) = (&best, best_ess);
    if ess.is_nan() || ess < MIN_EFFECTIVE_SAMPLE_SIZE {
        return Err(Error::ImportanceSampling(format!(
            "the posterior's density inside the prior rests on {ess:.1} effective proposals \
             of {m} (at least {MIN_EFFECTIVE_SAMPLE_SIZE} needed)"
        )));
    }
    Ok(ImportanceSamples {
        samples: resample(cand, lw, n, rng)?,
        effective_sample_size: ess,
        num_proposals: m,
    })
}

/// `n` rows of `cand` drawn with replacement, row i with probability ∝ exp(`log_w[i]`).
///
/// # Errors
/// No finite weight.
pub(crate) fn resample<R: Rng + ?Sized>(
    cand: &RowMatrix,
    log_w: &[f64],
    n: usize,
    rng: &mut R,
) -> Result<RowMatrix> {
    let top = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !top.is_finite() {
        return Err(Error::ImportanceSampling(format!(
            "none of {} proposals has weight",
            log_w.len()
        )));
    }
    let mut cum = Vec::with_capacity(log_w.len());
    let mut total = 0.0;
    for w in log_w {
        total += (w - top).exp();
        cum.push(total);
    }
    let mut out = RowMatrix::zeros(n, cand.ncols())?;
    for i in 0..n {
        let u = rng.random::<f64>() * total;
        let k = cum.partition_point(|c| *c <= u).min(log_w.len() - 1);
        out.row_mut(i).copy_from_slice(cand.row(k));
    }
    Ok(out)
}

/// A log-weight, or −∞ (no weight) when it is not finite.
fn finite_or_zero_weight(lw: f64) -> f64 {
    if lw.is_finite() {
        lw
    } else {
        f64::NEG_INFINITY
    }
}

/// ln(eᵃ + eᵇ), safe for −∞.
fn ln_add_exp(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + ((a - m).exp() + (b - m).exp()).ln()
}

/// Kish's effective sample size of log-weights, (Σw)²/Σw² (0 without a finite weight).
fn effective_size(log_w: &[f64]) -> f64 {
    let top = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !top.is_finite() {
        return 0.0;
    }
    let (s1, s2) = log_w.iter().fold((0.0, 0.0), |(a, b), w| {
        let e = (w - top).exp();
        (a + e, b + e * e)
    });
    s1 * s1 / s2
}

/// Per-column weighted means and standard deviations of `rows` (log-weights `log_w`); a
/// standard deviation of zero (one proposal carrying all the weight) becomes a tenth of the
/// column's spread, so the Gaussian still explores.
fn weighted_moments(rows: &RowMatrix, log_w: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let d = rows.ncols();
    let top = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = log_w
        .iter()
        .map(|l| {
            if top.is_finite() {
                (l - top).exp()
            } else {
                1.0
            }
        })
        .collect();
    let total: f64 = w.iter().sum();
    let mut mean = vec![0.0; d];
    let mut var = vec![0.0; d];
    for (row, wi) in rows.rows().zip(&w) {
        for j in 0..d {
            mean[j] += wi * row[j] / total;
        }
    }
    for (row, wi) in rows.rows().zip(&w) {
        for j in 0..d {
            var[j] += wi * (row[j] - mean[j]).powi(2) / total;
        }
    }
    let std = (0..d)
        .map(|j| {
            let (lo, hi) = rows
                .rows()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), r| {
                    (a.min(r[j]), b.max(r[j]))
                });
            let s = var[j].sqrt();
            if s > 0.0 {
                s
            } else {
                ((hi - lo) / 10.0).max(f64::MIN_POSITIVE)
            }
        })
        .collect();
    (mean, std)
}
