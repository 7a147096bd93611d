//! [`RestrictedPrior`]: a prior truncated to where a posterior at one observation has
//! density (TSNPE's proposal).

use rand::Rng;
use sbi_core::{Bounds, Posterior, Prior, RowMatrix, check_dim};

use crate::error::{Error, Result};

/// How the truncated region is found and sampled.
#[derive(Debug, Clone, PartialEq)]
pub struct RestrictionConfig {
    /// The region keeps θ whose posterior log-density is at least this quantile of the
    /// log-densities of posterior samples (default 10⁻⁴, as TSNPE and sbi).
    pub quantile: f64,
    /// Posterior samples for that quantile (default 10,000: the 10⁻⁴ quantile is then about
    /// the lowest).
    pub num_support_samples: usize,
    /// Prior draws for the region's prior mass (default 10,000).
    pub num_mass_samples: usize,
    /// Below this prior mass, rejection from the prior is too slow: sampling falls back to
    /// sampling-importance-resampling from the posterior (default 10⁻³).
    pub min_acceptance: f64,
}

impl Default for RestrictionConfig {
    fn default() -> Self {
        Self {
            quantile: 1e-4,
            num_support_samples: 10_000,
            num_mass_samples: 10_000,
            min_acceptance: 1e-3,
        }
    }
}

impl RestrictionConfig {
    fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Truncation(m));
        if !(self.quantile > 0.0 && self.quantile < 1.0) {
            return bad(format!("quantile {} must be in (0, 1)", self.quantile));
        }
        if self.num_support_samples < 2 || self.num_mass_samples < 2 {
            return bad("at least 2 support and mass samples are needed".into());
        }
        if !(self.min_acceptance > 0.0 && self.min_acceptance < 1.0) {
            return bad(format!(
                "min_acceptance {} must be in (0, 1)",
                self.min_acceptance
            ));
        }
        Ok(())
    }
}

/// How a [`RestrictedPrior`] draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sampler {
    /// Prior draws, kept when inside the region (exact).
    Rejection,
    /// Sampling-importance-resampling: posterior draws inside the region, resampled with
    /// weights prior / posterior (approximate; used when the region holds too little prior
    /// mass for rejection).
    Sir,
}

/// The prior restricted to `{θ : log q(θ | x_o) ≥ τ}`, τ the configured quantile of the
/// posterior's own log-densities at `x_o`; normalised with its estimated prior mass.
///
/// A [`Prior`] itself, so a pipeline simulates from it as from any prior
/// (`Npe::new(problem.with_prior(&restricted))`).
///
/// ```
/// use rand::SeedableRng;
/// use sbi_core::{Identity, Prior, SeedRng, testing::LinearGaussian};
/// use sbi_core::testing::LinearRegression;
/// use sbi_inference::{Npe, Problem, RestrictedPrior, RestrictionConfig};
/// use sbi_prior::BoxUniform;
///
/// let prior = BoxUniform::new(vec![-3.0, -3.0], vec![3.0, 3.0])?;
/// let sim = LinearGaussian::new(2, 0.1)?;
/// let summary = Identity::new(2);
/// let problem = Problem::new(&prior, &sim, &summary).num_simulations(500);
/// let run = Npe::new(problem).train(&LinearRegression::new())?;
/// let x_o = [0.5, -1.0];
/// let mut rng = SeedRng::seed_from_u64(1);
/// let region = RestrictedPrior::new(&prior, &run.posterior, &x_o, &RestrictionConfig::default(), &mut rng)?;
/// assert!(region.acceptance() < 0.2, "{}", region.acceptance()); // a small part of the box
/// let draws = region.sample_batch(100, &mut rng)?;
/// assert!(region.log_prob(draws.row(0))?.is_finite());
/// assert_eq!(region.log_prob(&[2.9, 2.9])?, f64::NEG_INFINITY);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RestrictedPrior<'a, P, Q> {
    prior: &'a P,
    posterior: &'a Q,
    x: Vec<f64>,
    threshold: f64,
    acceptance: f64,
    sampler: Sampler,
}

fn prior_err(e: impl std::fmt::Display) -> Error {
    Error::PriorSampling(e.to_string())
}

fn posterior_err(e: impl std::fmt::Display) -> Error {
    Error::Truncation(format!("the posterior failed: {e}"))
}

impl<'a, P, Q> RestrictedPrior<'a, P, Q>
where
    P: Prior,
    Q: Posterior,
{
    /// Estimates the threshold from `config.num_support_samples` posterior samples at `x`,
    /// and the region's prior mass from `config.num_mass_samples` prior draws.
    ///
    /// # Errors
    /// A bad config; dimensions of `prior`, `posterior` and `x` that disagree; posterior or
    /// prior failures; [`Error::Truncation`] when no prior draw falls inside the region and
    /// no posterior draw has prior density either.
    pub fn new<R: Rng + ?Sized>(
        prior: &'a P,
        posterior: &'a Q,
        x: &[f64],
        config: &RestrictionConfig,
        rng: &mut R,
    ) -> Result<Self> {
        config.validate()?;
        check_dim(prior.dim(), posterior.theta_dim())?;
        check_dim(posterior.x_dim(), x.len())?;
        let support = posterior
            .sample(x, config.num_support_samples, rng)
            .map_err(posterior_err)?;
        let mut lp = posterior
            .log_prob_batch(&support, x)
            .map_err(posterior_err)?;
        lp.retain(|v| !v.is_nan());
        lp.sort_by(f64::total_cmp);
        let threshold = lp
            .get(((lp.len().saturating_sub(1)) as f64 * config.quantile).floor() as usize)
            .copied()
            .ok_or_else(|| Error::Truncation("no posterior sample has a density".into()))?;
        let mut region = Self {
            prior,
            posterior,
            x: x.to_vec(),
            threshold,
            acceptance: 1.0,
            sampler: Sampler::Rejection,
        };
        let draws = prior
            .sample_batch(config.num_mass_samples, rng)
            .map_err(prior_err)?;
        let inside = region
            .contains_batch(&draws)?
            .iter()
            .filter(|b| **b)
            .count();
        region.acceptance = inside as f64 / config.num_mass_samples as f64;
        if region.acceptance < config.min_acceptance {
            // Rejection would need ≥ 1 / min_acceptance prior draws per sample: use SIR, with
            // the prior mass bounded by what was seen (at most one draw in num_mass_samples).
            region.acceptance = region.acceptance.max(0.5 / config.num_mass_samples as f64);
            region.sampler = Sampler::Sir;
        }
        Ok(region)
    }

    /// The log-density threshold τ.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// The estimated prior mass of the region (its volume fraction under a uniform prior):
    /// the acceptance rate of rejection sampling.
    pub fn acceptance(&self) -> f64 {
        self.acceptance
    }

    /// How draws are made.
    pub fn sampler(&self) -> Sampler {
        self.sampler
    }

    /// Whether each row of `thetas` lies in the region (posterior log-density ≥ τ, and
    /// inside the prior's support).
    ///
    /// # Errors
    /// Posterior or prior failures, wrong widths.
    pub fn contains_batch(&self, thetas: &RowMatrix) -> Result<Vec<bool>> {
        let lq = self
            .posterior
            .log_prob_batch(thetas, &self.x)
            .map_err(posterior_err)?;
        let lp = self.prior.log_prob_batch(thetas).map_err(prior_err)?;
        Ok(lq
            .iter()
            .zip(&lp)
            .map(|(q, p)| *q >= self.threshold && p.is_finite())
            .collect())
    }

    /// `n` draws by rejection from the prior, in blocks.
    fn rejection<R: Rng + ?Sized>(&self, n: usize, rng: &mut R) -> Result<RowMatrix> {
        let d = self.prior.dim();
        let mut out = RowMatrix::zeros(0, d)?;
        // Expected prior draws: n / acceptance; give up at 100 times that.
        let budget = ((n as f64 / self.acceptance) * 100.0).ceil() as usize + 10_000;
        let mut drawn = 0;
        while out.nrows() < n {
            if drawn >= budget {
                return Err(Error::Truncation(format!(
                    "{} of {n} draws after {drawn} prior draws: the region's prior mass is far \
                     below the estimated {:.2e}",
                    out.nrows(),
                    self.acceptance
                )));
            }
            let want = n - out.nrows();
            let block = ((want as f64 / self.acceptance * 1.2).ceil() as usize).clamp(256, 65_536);
            let cand = self.prior.sample_batch(block, rng).map_err(prior_err)?;
            drawn += block;
            for (row, keep) in cand.rows().zip(self.contains_batch(&cand)?) {
                if keep && out.nrows() < n {
                    out.push_row(row)?;
                }
            }
        }
        Ok(out)
    }

    /// `n` draws by sampling-importance-resampling from the posterior: 16·n posterior draws,
    /// those inside the region weighted by prior / posterior density, resampled.
    fn sir<R: Rng + ?Sized>(&self, n: usize, rng: &mut R) -> Result<RowMatrix> {
        let m = (16 * n).max(1024);
        let cand = self
            .posterior
            .sample(&self.x, m, rng)
            .map_err(posterior_err)?;
        let lq = self
            .posterior
            .log_prob_batch(&cand, &self.x)
            .map_err(posterior_err)?;
        let lp = self.prior.log_prob_batch(&cand).map_err(prior_err)?;
        let logw: Vec<f64> = lq
            .iter()
            .zip(&lp)
            .map(|(q, p)| {
                if *q >= self.threshold && p.is_finite() && q.is_finite() {
                    p - q
                } else {
                    f64::NEG_INFINITY
                }
            })
            .collect();
        if logw.iter().all(|w| !w.is_finite()) {
            return Err(Error::Truncation(format!(
                "none of {m} posterior draws lies inside the prior and the region"
            )));
        }
        crate::importance::resample(&cand, &logw, n, rng)
    }
}

impl<P, Q> Prior for RestrictedPrior<'_, P, Q>
where
    P: Prior,
    Q: Posterior,
{
    type Error = Error;

    fn dim(&self) -> usize {
        self.prior.dim()
    }

    /// One draw. Draws cannot fail through this signature: if the sampler fails (a region
    /// far smaller than estimated), the draw is a posterior sample instead, which lies in the
    /// region with probability 1 − quantile. Use [`Prior::sample_batch`] to see such errors.
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Vec<f64> {
        match self.sample_batch(1, rng) {
            Ok(m) => m.row(0).to_vec(),
            Err(_) => self
                .posterior
                .sample(&self.x, 1, rng)
                .map(|m| m.row(0).to_vec())
                .unwrap_or_else(|_| self.prior.sample(rng)),
        }
    }

    /// log p(θ) − log(mass) inside the region, −∞ outside.
    fn log_prob(&self, theta: &[f64]) -> Result<f64> {
        check_dim(self.dim(), theta.len())?;
        let one = RowMatrix::from_vec(1, theta.len(), theta.to_vec())?;
        if self.contains_batch(&one)?[0] {
            Ok(self.prior.log_prob(theta).map_err(prior_err)? - self.acceptance.ln())
        } else {
            Ok(f64::NEG_INFINITY)
        }
    }

    fn bounds(&self) -> Bounds {
        self.prior.bounds()
    }

    /// `n` draws in sequence from `rng`, by the region's [`Sampler`].
    fn sample_batch<R: Rng + ?Sized>(&self, n: usize, rng: &mut R) -> Result<RowMatrix> {
        match self.sampler {
            Sampler::Rejection => self.rejection(n, rng),
            Sampler::Sir => self.sir(n, rng),
        }
    }
}
