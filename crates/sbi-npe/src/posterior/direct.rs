//! [`DirectPosterior`]: the trained network, its standardisation and support, the training
//! settings and report, and what it was trained on; conditioned on one x by
//! [`DirectPosterior::at`].

use crate::posterior::conditional::{DirectConditional, Proposal};
use crate::posterior::trained_on::TrainedOn;
use rand::{Rng, SeedableRng};
use sbi_core::{
    Bounds, RowMatrix, SeedRng, TrainingReport, check_dim, check_finite, item_seed, streams,
};

use crate::error::{Error, Result};
use crate::flow::config::FlowConfig;
use crate::mdn::config::MdnConfig;
use crate::posterior::density::Net;
use crate::train::TrainConfig;
use crate::zscore::ZScore;

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
    /// support, the same feature names (when `expected` names them) and the same value of
    /// every simulator setting `expected` records. A name or setting the file does not record
    /// is a mismatch ("not recorded"): provenance removed from a file cannot pass.
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
        if !now.is_empty() && saved != now {
            return Err(mismatch(
                "features".into(),
                if saved.is_empty() {
                    "(not recorded)".into()
                } else {
                    saved.join(", ")
                },
                now.join(", "),
            ));
        }
        for (name, value) in &expected.simulator {
            match self.trained_on.simulator.get(name) {
                Some(saved) if saved == value => {}
                saved => {
                    return Err(mismatch(
                        format!("simulator setting `{name}`"),
                        saved.map_or_else(|| "(not recorded)".into(), Clone::clone),
                        value.clone(),
                    ));
                }
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
            map_seed: streams::MAP_SEARCH.xor(self.seed),
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

    /// ln q(θ | x) without the leakage correction (−∞ outside the support): defined even
    /// where almost no mass of q lies inside the support.
    fn log_prob_unnormalized_batch(&self, thetas: &RowMatrix, x: &[f64]) -> Result<Vec<f64>> {
        check_dim(self.theta_dim(), thetas.ncols())?;
        DirectConditional {
            log_norm: -self.theta_z.log_scale(),
            proposal: self.proposal(x)?,
            acceptance: 1.0,
            map_seed: streams::MAP_SEARCH.xor(self.seed),
        }
        .log_prob_batch(thetas)
    }
}
