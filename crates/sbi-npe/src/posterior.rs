//! The trained posterior [`DirectPosterior`] (an MDN's or a flow's), and
//! [`DirectConditional`], the posterior at one x: sampling with leakage rejection,
//! leakage-corrected log-density, MAP.

use rand::{Rng, SeedableRng};
use sbi_core::{Bounds, RowMatrix, SeedRng, check_dim, check_finite, item_seed};
use serde::{Deserialize, Serialize};

use crate::config::{FlowConfig, MdnConfig, TrainConfig};
use crate::density::{Density, Net};
use crate::error::{Error, Result};
use crate::flow::Scratch;
use crate::mixture::Mixture;
use crate::standardize::ZScore;
use crate::train::TrainingReport;

/// Proposals used to estimate the acceptance rate (probability mass inside the support).
const ACCEPTANCE_PROPOSALS: usize = 10_000;
/// Rows drawn or scored together (one matrix product per layer of a flow).
const BLOCK: usize = 256;
/// Sampling gives up when, after this many proposals, fewer than 1 in 1000 were accepted.
const MIN_PROPOSALS_BEFORE_GIVING_UP: usize = 10_000;
const MIN_ACCEPTANCE: f64 = 1e-3;

/// A posterior q(θ | x) learned by a mixture-density network ([`crate::MdnEstimator`]) or a
/// normalising flow ([`crate::FlowEstimator`]), restricted to the prior's support (sbi's
/// `DirectPosterior`).
///
/// [`DirectPosterior::at`] conditions it on one observation: the returned
/// [`DirectConditional`] holds the density at that x and its leakage correction, and samples,
/// evaluates and maximises it. The [`sbi_core::Posterior`] methods go through the same code:
///
/// * [`sample`](sbi_core::Posterior::sample) draws from the mixture and rejects draws outside
///   the support ("leakage"); if fewer than 1 in 1000 proposals fall inside, it fails with
///   [`Error::LowAcceptance`] instead of looping for ever.
/// * [`log_prob`](sbi_core::Posterior::log_prob) is the log-density of that truncated
///   distribution: ln q(θ | x) − ln P(support | x), where the acceptance probability
///   P(support | x) is estimated from 10,000 proposals (seeded by x and the training seed, so
///   it is reproducible); −∞ outside the support. Evaluating many θ at one x? Call `at(x)`
///   once and reuse it: the estimate is made once per [`DirectConditional`].
///
/// The posterior holds no mutable state. Inference runs on the host in f64 from the trained
/// (f32) weights; it needs no tensor backend and gives bit-identical results after
/// [`DirectPosterior::save`] / [`DirectPosterior::load`] (one file format for every
/// estimator: `load` reads whichever was saved).
#[derive(Debug, Clone, PartialEq)]
pub struct DirectPosterior {
    pub(crate) net: Net,
    pub(crate) train: TrainConfig,
    /// The training seed (also seeds the acceptance estimate and the MAP search).
    pub(crate) seed: u64,
    pub(crate) theta_z: ZScore,
    pub(crate) x_z: ZScore,
    pub(crate) support: Bounds,
    pub(crate) report: Option<TrainingReport>,
    pub(crate) trained_on: TrainedOn,
}

/// What a posterior was trained on, beyond shapes: the names of the features x and the
/// simulator's settings. Saved with the posterior and compared when it is reused
/// ([`DirectPosterior::check_trained_on`]), so a file trained with another noise level, other
/// features of the same width or another prior box is refused instead of giving confident
/// nonsense.
///
/// ```
/// use sbi_npe::TrainedOn;
/// let t = TrainedOn::default()
///     .with_feature_names(vec!["max".into(), "mean".into()])
///     .with_setting("noise_sigma", "1");
/// assert_eq!(t.simulator["noise_sigma"], "1");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainedOn {
    /// Names of the features, in x's column order (empty when unknown).
    #[serde(default)]
    pub feature_names: Vec<String>,
    /// The simulator's settings as `name → value` text (e.g. `noise_sigma → 1`).
    #[serde(default)]
    pub simulator: std::collections::BTreeMap<String, String>,
}

impl TrainedOn {
    /// Sets the feature names.
    pub fn with_feature_names(mut self, names: Vec<String>) -> Self {
        self.feature_names = names;
        self
    }

    /// Records one simulator setting.
    pub fn with_setting(mut self, name: &str, value: impl std::fmt::Display) -> Self {
        self.simulator.insert(name.to_owned(), value.to_string());
        self
    }
}

impl DirectPosterior {
    /// Records what the posterior was trained on (saved with it).
    pub fn with_trained_on(mut self, trained_on: TrainedOn) -> Self {
        self.trained_on = trained_on;
        self
    }

    /// What the posterior was trained on, as recorded.
    pub fn trained_on(&self) -> &TrainedOn {
        &self.trained_on
    }

    /// Checks that this posterior was trained on what a new use expects: the same prior
    /// support, the same feature names (when both sides know them) and the same value of every
    /// simulator setting that both record. Settings only one side records are not compared.
    ///
    /// # Errors
    /// [`Error::TrainedOnMismatch`] naming what differs, with both sides.
    pub fn check_trained_on(&self, expected: &TrainedOn, support: &Bounds) -> Result<()> {
        let mismatch = |what: String, saved: String, now: String| Error::TrainedOnMismatch {
            what,
            saved,
            now,
        };
        if *support != self.support {
            return Err(mismatch(
                "prior support".into(),
                format!("[{:?}, {:?}]", self.support.low, self.support.high),
                format!("[{:?}, {:?}]", support.low, support.high),
            ));
        }
        let (saved, now) = (&self.trained_on.feature_names, &expected.feature_names);
        if !saved.is_empty() && !now.is_empty() && saved != now {
            return Err(mismatch(
                "features".into(),
                saved.join(", "),
                now.join(", "),
            ));
        }
        for (name, value) in &expected.simulator {
            if let Some(saved) = self.trained_on.simulator.get(name)
                && saved != value
            {
                return Err(mismatch(
                    format!("simulator setting `{name}`"),
                    saved.clone(),
                    value.clone(),
                ));
            }
        }
        Ok(())
    }

    /// Dimension of θ.
    pub fn theta_dim(&self) -> usize {
        self.theta_z.mean.len()
    }

    /// Dimension of x.
    pub fn x_dim(&self) -> usize {
        self.x_z.mean.len()
    }

    /// The estimator that trained this posterior: `"mdn"`, `"nsf"` or `"maf"`.
    pub fn estimator_name(&self) -> &'static str {
        self.net.name()
    }

    /// The mixture-density network's architecture (`None` for a flow).
    pub fn mdn_config(&self) -> Option<&MdnConfig> {
        match &self.net {
            Net::Mdn { config, .. } => Some(config),
            Net::Flow { .. } => None,
        }
    }

    /// The flow's architecture (`None` for a mixture-density network).
    pub fn flow_config(&self) -> Option<&FlowConfig> {
        match &self.net {
            Net::Flow { config, .. } => Some(config),
            Net::Mdn { .. } => None,
        }
    }

    /// The training settings.
    pub fn train_config(&self) -> &TrainConfig {
        &self.train
    }

    /// The seed the network was trained with.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The support samples are restricted to (the prior's bounds).
    pub fn support(&self) -> &Bounds {
        &self.support
    }

    /// What training did (`None` only for posteriors saved without it).
    pub fn training_report(&self) -> Option<&TrainingReport> {
        self.report.as_ref()
    }

    /// The standardisation of θ.
    pub fn theta_zscore(&self) -> &ZScore {
        &self.theta_z
    }

    /// The standardisation of x.
    pub fn x_zscore(&self) -> &ZScore {
        &self.x_z
    }

    /// The density at `x` and what sampling it needs, without the leakage correction (which
    /// only densities need).
    fn proposal(&self, x: &[f64]) -> Result<Proposal<'_>> {
        check_dim(self.x_dim(), x.len())?;
        check_finite(x)?;
        let mut xz = vec![0.0; x.len()];
        self.x_z.apply(x, &mut xz);
        let density = self.net.at(&xz, self.theta_dim()).map_err(|cause| {
            // Name the feature farthest from the training data (per-dimension z-score).
            let (feature, z) = x
                .iter()
                .zip(self.x_z.mean.iter().zip(&self.x_z.std))
                .map(|(v, (m, s))| ((v - m) / s).abs())
                .enumerate()
                .fold((0, 0.0), |b, (i, z)| if z > b.1 { (i, z) } else { b });
            Error::OutsideTrainingData {
                feature,
                z,
                cause: Box::new(cause),
            }
        })?;
        Ok(Proposal {
            density,
            theta_z: &self.theta_z,
            support: &self.support,
        })
    }

    /// The posterior at observation `x`: the density the network gives there, with its
    /// acceptance probability P(θ ∈ support | x) estimated from 10,000 proposals seeded by x
    /// and the training seed (1 for an unbounded support).
    ///
    /// ```no_run
    /// # fn demo(posterior: &sbi_npe::DirectPosterior) -> sbi_npe::Result<()> {
    /// use rand::SeedableRng;
    /// let at = posterior.at(&[1.0, -1.0])?;
    /// let samples = at.sample(1000, &mut sbi_core::SeedRng::seed_from_u64(0))?;
    /// let densities = at.log_prob_batch(&samples)?; // the network ran once, above
    /// let map = at.map()?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// Wrong x dimension, non-finite x, x so far outside the training data that the network
    /// gives no density ([`Error::OutsideTrainingData`]), or an acceptance below 1/1000
    /// ([`Error::LowAcceptance`]).
    pub fn at(&self, x: &[f64]) -> Result<DirectConditional<'_>> {
        let proposal = self.proposal(x)?;
        let acceptance = if self.bounded() {
            // Seeded by x and the training seed: the estimate is reproducible.
            let seed = x.iter().fold(self.seed, |s, v| item_seed(s, v.to_bits()));
            proposal.acceptance(&mut SeedRng::seed_from_u64(seed))?
        } else {
            1.0
        };
        Ok(DirectConditional {
            log_norm: -self.theta_z.log_scale() - acceptance.ln(),
            proposal,
            acceptance,
            map_seed: self.seed ^ 0x4d41_5000,
        })
    }

    fn bounded(&self) -> bool {
        self.support
            .low
            .iter()
            .chain(&self.support.high)
            .any(|b| b.is_finite())
    }
}

/// The density at one x in standardised θ units, with the standardisation and the support.
#[derive(Debug, Clone)]
struct Proposal<'a> {
    density: Density<'a>,
    theta_z: &'a ZScore,
    support: &'a Bounds,
}

impl Proposal<'_> {
    /// Draws `n` samples, rejecting those outside the support. Proposals are drawn
    /// [`BLOCK`] at a time (fewer when fewer are missing), so a flow runs its layers as matrix
    /// products over a block.
    fn sample<R: Rng + ?Sized>(&self, n: usize, rng: &mut R) -> Result<RowMatrix> {
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
    fn acceptance<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<f64> {
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

/// The posterior at one observation x ([`DirectPosterior::at`]): the network's density there
/// and its leakage correction, computed once. Sampling, densities and the MAP at this x all
/// reuse them.
#[derive(Debug, Clone)]
pub struct DirectConditional<'a> {
    proposal: Proposal<'a>,
    acceptance: f64,
    /// −Σ ln std(θ) − ln P(support | x): from the standardised density to the raw,
    /// leakage-corrected one.
    log_norm: f64,
    map_seed: u64,
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

    /// The maximum-a-posteriori θ, from the best five of 200 posterior samples (seeded by
    /// the training seed, so the result is deterministic), keeping the best point inside the
    /// support:
    ///
    /// * a mixture (MDN): mean-shift iterations on the mixture (which increase the density
    ///   monotonically) from those samples and from every component mean;
    /// * a flow: a Nelder–Mead search on the log-density (standardised θ, 2,000 evaluations per
    ///   start) from those samples.
    ///
    /// # Errors
    /// [`Error::LowAcceptance`] when the samples cannot be drawn, [`Error::NoModeInSupport`]
    /// when no candidate lies inside the support.
    pub fn map(&self) -> Result<Vec<f64>> {
        let p = &self.proposal;
        let mut rng = SeedRng::seed_from_u64(self.map_seed);
        let samples = p.sample(200, &mut rng)?;
        let mut s = Scratch::default();
        let mut starts: Vec<(f64, Vec<f64>)> = samples
            .rows()
            .map(|t| {
                let mut z = vec![0.0; t.len()];
                p.theta_z.apply(t, &mut z);
                (p.density.log_prob(&z, &mut s), z)
            })
            .collect();
        starts.sort_by(|a, b| b.0.total_cmp(&a.0));
        starts.truncate(5);
        let mut raw = vec![0.0; self.theta_dim()];
        let mut inside = |z: &[f64]| {
            raw.copy_from_slice(z);
            p.theta_z.invert(&mut raw);
            p.support.contains(&raw)
        };
        let mut best = match &p.density {
            Density::Mixture(mix) => mix.best_mode(
                starts.into_iter().map(|s| s.1).chain(mix.component_means()),
                inside,
            ),
            Density::Flow(_) => {
                let mut best: Option<(f64, Vec<f64>)> = None;
                for (lp0, z0) in starts {
                    let (z, lp) = crate::mode::nelder_mead_max(
                        |z| {
                            if inside(z) {
                                p.density.log_prob(z, &mut s)
                            } else {
                                f64::NEG_INFINITY
                            }
                        },
                        &z0,
                        0.1,
                        2000,
                    );
                    let cand = if lp > lp0 { (lp, z) } else { (lp0, z0) };
                    if best.as_ref().is_none_or(|b| cand.0 > b.0) {
                        best = Some(cand);
                    }
                }
                best.map(|b| b.1)
            }
        }
        .ok_or(Error::NoModeInSupport)?;
        p.theta_z.invert(&mut best);
        Ok(best)
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

impl sbi_core::Posterior for DirectPosterior {
    type Error = Error;

    fn theta_dim(&self) -> usize {
        DirectPosterior::theta_dim(self)
    }

    fn x_dim(&self) -> usize {
        DirectPosterior::x_dim(self)
    }

    fn support(&self) -> Bounds {
        self.support.clone()
    }

    fn sample<R: Rng + ?Sized>(&self, x: &[f64], n: usize, rng: &mut R) -> Result<RowMatrix> {
        // No leakage correction is needed to sample: skip its estimate.
        self.proposal(x)?.sample(n, rng)
    }

    fn log_prob(&self, theta: &[f64], x: &[f64]) -> Result<f64> {
        check_dim(self.theta_dim(), theta.len())?;
        self.at(x)?.log_prob(theta)
    }

    fn log_prob_batch(&self, thetas: &RowMatrix, x: &[f64]) -> Result<Vec<f64>> {
        check_dim(self.theta_dim(), thetas.ncols())?;
        self.at(x)?.log_prob_batch(thetas)
    }
}
