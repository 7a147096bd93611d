//! Held-out validation of an amortised posterior ([`validate`]): at θ drawn from the prior,
//! how far the posterior mean lies from the truth and how often the central 90 % interval
//! holds it.

use rayon::prelude::*;
use sbi_core::{
    Posterior, Prior, Simulator, SummaryStatistics, item_rng, stats::marginals, streams,
};

use crate::error::{Error, Result};
use crate::problem::Problem;

/// Held-out θ are simulated, summarised and sampled this many at a time: memory stays flat
/// whatever their number (20,000 traces kept at once were 3.2 GB).
const CHUNK: usize = 256;

/// The most held-out θ a validation takes (each one is a simulation and a posterior sample).
pub const MAX_VALIDATION: usize = 10_000_000;

/// What [`validate`] measured, per parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Validation {
    /// Held-out θ.
    pub num_theta: usize,
    /// Mean |posterior mean − θ| as a fraction of the prior's width (of |·| itself in a
    /// dimension where the prior is unbounded).
    pub mean_abs_error: Vec<f64>,
    /// Fraction of held-out θ inside their posterior's central 90 % interval (0.9 for a
    /// calibrated posterior, within a binomial error of √(0.09 / K)).
    pub coverage90: Vec<f64>,
}

/// Validates `posterior` on `num_theta` held-out θ from `problem`'s prior: each is simulated
/// and summarised, `num_samples` posterior draws are made at its x, and the posterior mean
/// and 90 % interval are compared with the θ. Streams (from the problem's seed):
/// [`streams::VALIDATION_PRIOR`] for θ, item i of [`streams::VALIDATION_SIMULATIONS`] and
/// [`streams::VALIDATION_SAMPLES`] for held-out i, so the result does not depend on threads.
///
/// # Errors
/// `num_theta` outside 1…[`MAX_VALIDATION`], fewer than 2 samples; a failed prior draw,
/// simulation, summary or posterior sample (the lowest index's).
pub fn validate<P, S, F, Q>(
    problem: &Problem<'_, P, S, F>,
    posterior: &Q,
    num_theta: usize,
    num_samples: usize,
) -> Result<Validation>
where
    P: Prior,
    S: Simulator,
    F: SummaryStatistics<S::Output>,
    Q: Posterior,
{
    if !(1..=MAX_VALIDATION).contains(&num_theta) {
        return Err(sbi_core::invalid(
            "num_theta",
            num_theta as f64,
            "a validation takes 1 to 10,000,000 held-out parameter sets",
        ));
    }
    if num_samples < 2 {
        return Err(Error::Empty {
            what: "a validation needs at least 2 posterior samples per held-out θ".into(),
        });
    }
    let seed = problem.seed;
    let thetas = problem
        .prior
        .sample_batch(num_theta, &mut streams::VALIDATION_PRIOR.rng(seed))
        .map_err(|e| Error::PriorSampling(e.to_string()))?;
    let d = thetas.ncols();
    let bounds = problem.prior.bounds();
    let width: Vec<f64> = (0..d)
        .map(|j| match bounds.high[j] - bounds.low[j] {
            w if w.is_finite() => w,
            _ => 1.0,
        })
        .collect();
    let sim_seed = streams::VALIDATION_SIMULATIONS.seed(seed);
    let post_seed = streams::VALIDATION_SAMPLES.seed(seed);
    let k = num_theta as f64;
    let (mut mae, mut cov) = (vec![0.0; d], vec![0.0; d]);
    for start in (0..num_theta).step_by(CHUNK) {
        let end = (start + CHUNK).min(num_theta);
        let rows: Vec<Result<_>> = (start..end)
            .into_par_iter()
            .map(|i| {
                let output = problem
                    .simulator
                    .simulate(thetas.row(i), &mut item_rng(sim_seed, i as u64))
                    .map_err(|e| Error::Simulator(Box::new(e)))?;
                let x = problem
                    .summary
                    .summarize(&output)
                    .map_err(|e| Error::Simulator(Box::new(e)))?;
                let draws = posterior
                    .sample(&x, num_samples, &mut item_rng(post_seed, i as u64))
                    .map_err(Error::posterior)?;
                Ok(marginals(&draws))
            })
            .collect();
        for (i, r) in (start..end).zip(rows) {
            let m = r?;
            let th = thetas.row(i);
            for j in 0..d {
                mae[j] += (m[j].mean - th[j]).abs() / width[j] / k;
                cov[j] += f64::from(u8::from(m[j].covers(th[j]))) / k;
            }
        }
    }
    Ok(Validation {
        num_theta,
        mean_abs_error: mae,
        coverage90: cov,
    })
}
