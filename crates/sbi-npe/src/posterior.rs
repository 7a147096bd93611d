//! The trained posterior: sampling with leakage rejection, leakage-corrected log-density, MAP,
//! save and load.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use rand::{Rng, SeedableRng};
use sbi_core::{Bounds, RowMatrix, SeedRng, check_dim, check_finite, item_seed};
use serde::{Deserialize, Serialize};

use crate::config::{MdnConfig, TrainConfig};
use crate::error::{Error, Result};
use crate::host::{Mixture, Weights};
use crate::train::{TrainingReport, ZScore};

/// Proposals used to estimate the acceptance rate (probability mass inside the support).
const ACCEPTANCE_PROPOSALS: usize = 10_000;
/// Sampling gives up when, after this many proposals, fewer than 1 in 1000 were accepted.
const MIN_PROPOSALS_BEFORE_GIVING_UP: usize = 10_000;
const MIN_ACCEPTANCE: f64 = 1e-3;
/// The most per-x acceptance estimates a posterior keeps (each is a few dozen bytes).
const MAX_CACHED_ACCEPTANCES: usize = 4096;

/// A posterior q(θ | x) learned by a mixture-density network, restricted to the prior's
/// support (sbi's `DirectPosterior`).
///
/// * [`sample`](sbi_core::Posterior::sample) draws from the mixture and rejects draws outside
///   the support ("leakage"); if fewer than 1 in 1000 proposals fall inside, it fails with
///   [`Error::LowAcceptance`] instead of looping for ever.
/// * [`log_prob`](sbi_core::Posterior::log_prob) is the log-density of that truncated
///   distribution: ln q(θ | x) − ln P(support | x), where the acceptance probability
///   P(support | x) is estimated from 10,000 proposals (seeded by x, so it is reproducible) and
///   cached per x; −∞ outside the support.
/// * [`MdnPosterior::map`] finds the most probable θ.
///
/// Inference runs on the host in f64 from the trained (f32) weights; it needs no tensor
/// backend and gives bit-identical results after [`MdnPosterior::save`] / [`MdnPosterior::load`].
#[derive(Debug)]
pub struct MdnPosterior {
    pub(crate) mdn: MdnConfig,
    pub(crate) train: TrainConfig,
    pub(crate) weights: Weights,
    pub(crate) theta_z: ZScore,
    pub(crate) x_z: ZScore,
    pub(crate) support: Bounds,
    pub(crate) report: Option<TrainingReport>,
    pub(crate) trained_on: TrainedOn,
    acceptance: Mutex<HashMap<Vec<u64>, f64>>,
}

/// What a posterior was trained on, beyond shapes: the names of the features x and the
/// simulator's settings. Saved with the posterior and compared when it is reused
/// ([`MdnPosterior::check_trained_on`]), so a file trained with another noise level, other
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

impl Clone for MdnPosterior {
    fn clone(&self) -> Self {
        Self::assemble(
            self.mdn.clone(),
            self.train.clone(),
            self.weights.clone(),
            self.theta_z.clone(),
            self.x_z.clone(),
            self.support.clone(),
            self.report.clone(),
        )
    }
}

impl PartialEq for MdnPosterior {
    fn eq(&self, other: &Self) -> bool {
        self.mdn == other.mdn
            && self.train == other.train
            && self.weights == other.weights
            && self.theta_z == other.theta_z
            && self.x_z == other.x_z
            && self.support == other.support
            && self.trained_on == other.trained_on
    }
}

impl MdnPosterior {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn assemble(
        mdn: MdnConfig,
        train: TrainConfig,
        weights: Weights,
        theta_z: ZScore,
        x_z: ZScore,
        support: Bounds,
        report: Option<TrainingReport>,
    ) -> Self {
        Self {
            mdn,
            train,
            weights,
            theta_z,
            x_z,
            support,
            report,
            trained_on: TrainedOn::default(),
            acceptance: Mutex::new(HashMap::new()),
        }
    }

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

    /// The network architecture.
    pub fn mdn_config(&self) -> &MdnConfig {
        &self.mdn
    }

    /// The training settings (with the seed used).
    pub fn train_config(&self) -> &TrainConfig {
        &self.train
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

    /// The mixture at `x`, standardised θ units.
    pub(crate) fn mixture(&self, x: &[f64]) -> Result<Mixture> {
        check_dim(self.x_dim(), x.len())?;
        check_finite(x)?;
        let mut xz = vec![0.0; x.len()];
        self.x_z.apply(x, &mut xz);
        self.weights
            .mixture(&xz, self.theta_dim(), &self.mdn)
            .map_err(|cause| {
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
            })
    }

    pub(crate) fn in_support(&self, theta: &[f64]) -> bool {
        theta
            .iter()
            .zip(self.support.low.iter().zip(&self.support.high))
            .all(|(t, (l, h))| t >= l && t <= h)
    }

    fn bounded(&self) -> bool {
        self.support
            .low
            .iter()
            .chain(&self.support.high)
            .any(|b| b.is_finite())
    }

    /// Draws `n` samples from `mix`, rejecting those outside the support.
    fn sample_mixture<R: Rng + ?Sized>(
        &self,
        mix: &Mixture,
        n: usize,
        rng: &mut R,
    ) -> Result<RowMatrix> {
        let d = self.theta_dim();
        let mut out = RowMatrix::zeros(n, d)?;
        let (mut z, mut th) = (vec![0.0; d], vec![0.0; d]);
        let (mut accepted, mut proposed) = (0usize, 0usize);
        while accepted < n {
            mix.sample_into(rng, &mut z, &mut th);
            self.theta_z.invert(&mut th);
            proposed += 1;
            if self.in_support(&th) {
                out.row_mut(accepted).copy_from_slice(&th);
                accepted += 1;
            } else if proposed >= MIN_PROPOSALS_BEFORE_GIVING_UP
                && (accepted as f64) < MIN_ACCEPTANCE * proposed as f64
            {
                return Err(Error::LowAcceptance { accepted, proposed });
            }
        }
        Ok(out)
    }

    /// P(θ ∈ support | x) under the unrestricted mixture, estimated and cached per x.
    pub(crate) fn acceptance_rate(&self, x: &[f64], mix: &Mixture) -> Result<f64> {
        if !self.bounded() {
            return Ok(1.0);
        }
        let key: Vec<u64> = x.iter().map(|v| v.to_bits()).collect();
        if let Some(a) = self
            .acceptance
            .lock()
            .ok()
            .and_then(|c| c.get(&key).copied())
        {
            return Ok(a);
        }
        // Seeded by x and the training seed: the estimate is reproducible.
        let seed = key.iter().fold(self.train.seed, |s, b| item_seed(s, *b));
        let mut rng = SeedRng::seed_from_u64(seed);
        let d = self.theta_dim();
        let (mut z, mut th) = (vec![0.0; d], vec![0.0; d]);
        let mut inside = 0usize;
        for _ in 0..ACCEPTANCE_PROPOSALS {
            mix.sample_into(&mut rng, &mut z, &mut th);
            self.theta_z.invert(&mut th);
            inside += usize::from(self.in_support(&th));
        }
        if (inside as f64) < MIN_ACCEPTANCE * ACCEPTANCE_PROPOSALS as f64 {
            return Err(Error::LowAcceptance {
                accepted: inside,
                proposed: ACCEPTANCE_PROPOSALS,
            });
        }
        let a = inside as f64 / ACCEPTANCE_PROPOSALS as f64;
        if let Ok(mut c) = self.acceptance.lock() {
            // Bounded: a caller that evaluates many observations does not grow memory for
            // ever (the estimate is reproducible, so forgetting it costs only time).
            if c.len() >= MAX_CACHED_ACCEPTANCES {
                c.clear();
            }
            c.insert(key, a);
        }
        Ok(a)
    }

    /// ln q(θᵢ | x) for many θ at one x (the network is evaluated once).
    fn log_probs_at(&self, thetas: &RowMatrix, x: &[f64]) -> Result<Vec<f64>> {
        check_dim(self.theta_dim(), thetas.ncols())?;
        if let Some(index) = thetas.as_slice().iter().position(|v| v.is_nan()) {
            return Err(sbi_core::Error::NonFinite { index }.into());
        }
        let mix = self.mixture(x)?;
        let log_norm = -self.theta_z.log_scale() - self.acceptance_rate(x, &mix)?.ln();
        let mut z = vec![0.0; self.theta_dim()];
        Ok(thetas
            .rows()
            .map(|t| {
                if !self.in_support(t) {
                    return f64::NEG_INFINITY;
                }
                self.theta_z.apply(t, &mut z);
                mix.log_prob(&z) + log_norm
            })
            .collect())
    }

    /// The acceptance probability P(θ ∈ support | x) of the unrestricted mixture at `x` (the
    /// leakage correction; 1 for an unbounded support).
    ///
    /// # Errors
    /// Wrong x dimension, non-finite x, or an acceptance below 1/1000.
    pub fn acceptance(&self, x: &[f64]) -> Result<f64> {
        let mix = self.mixture(x)?;
        self.acceptance_rate(x, &mix)
    }

    /// The maximum-a-posteriori θ at `x`: mean-shift iterations on the mixture (which increase
    /// the density monotonically) from every component mean and from 200 posterior samples'
    /// best five, keeping the best point inside the support.
    ///
    /// # Errors
    /// Wrong x dimension, non-finite x, or no candidate inside the support.
    pub fn map(&self, x: &[f64]) -> Result<Vec<f64>> {
        let mix = self.mixture(x)?;
        let d = self.theta_dim();
        let mut rng = SeedRng::seed_from_u64(self.train.seed ^ 0x4d41_5000);
        let samples = self.sample_mixture(&mix, 200, &mut rng)?;
        let mut z = vec![0.0; d];
        let score = |theta: &[f64], z: &mut Vec<f64>| {
            self.theta_z.apply(theta, z);
            mix.log_prob(z)
        };
        let mut starts: Vec<(f64, Vec<f64>)> = samples
            .rows()
            .map(|t| (score(t, &mut z), t.to_vec()))
            .collect();
        starts.sort_by(|a, b| b.0.total_cmp(&a.0));
        starts.truncate(5);
        for c in 0..mix.k {
            let mut t = mix.means[c * d..(c + 1) * d].to_vec();
            self.theta_z.invert(&mut t);
            starts.push((0.0, t));
        }
        let mut best: Option<(f64, Vec<f64>)> = None;
        for (_, s) in starts {
            let mut sz = vec![0.0; d];
            self.theta_z.apply(&s, &mut sz);
            let mut m = mix.mode_from(&sz, 500);
            self.theta_z.invert(&mut m);
            for cand in [m, s] {
                if self.in_support(&cand) {
                    let v = score(&cand, &mut z);
                    if best.as_ref().is_none_or(|b| v > b.0) {
                        best = Some((v, cand));
                    }
                }
            }
        }
        best.map(|b| b.1).ok_or(Error::LowAcceptance {
            accepted: 0,
            proposed: 200,
        })
    }

    /// `n` samples at each row of `xs`, and ln q for each sample, in one call per x (the
    /// network is evaluated once per x).
    ///
    /// # Errors
    /// As [`sbi_core::Posterior::sample`].
    pub fn sample_with_log_prob<R: Rng + ?Sized>(
        &self,
        x: &[f64],
        n: usize,
        rng: &mut R,
    ) -> Result<(RowMatrix, Vec<f64>)> {
        let mix = self.mixture(x)?;
        let samples = self.sample_mixture(&mix, n, rng)?;
        let lp = self.log_probs_at(&samples, x)?;
        Ok((samples, lp))
    }
}

impl sbi_core::Posterior for MdnPosterior {
    type Error = Error;

    fn sample<R: Rng + ?Sized>(&self, x: &[f64], n: usize, rng: &mut R) -> Result<RowMatrix> {
        let mix = self.mixture(x)?;
        self.sample_mixture(&mix, n, rng)
    }

    fn log_prob(&self, theta: &[f64], x: &[f64]) -> Result<f64> {
        check_dim(self.theta_dim(), theta.len())?;
        let m = RowMatrix::from_vec(1, theta.len(), theta.to_vec())?;
        Ok(self.log_probs_at(&m, x)?[0])
    }

    fn log_prob_batch(&self, thetas: &RowMatrix, x: &[f64]) -> Result<Vec<f64>> {
        self.log_probs_at(thetas, x)
    }
}

// ---------------------------------------------------------------------------------------------
// Save / load.

const FORMAT: &str = "hh-sbi/mdn-posterior";
const VERSION: u32 = 1;

/// Bounds with ±∞ written as `null` (JSON has no infinity).
#[derive(Serialize, Deserialize)]
struct SavedBounds {
    low: Vec<Option<f64>>,
    high: Vec<Option<f64>>,
}

#[derive(Serialize, Deserialize)]
struct Payload {
    format: String,
    version: u32,
    mdn: MdnConfig,
    train: TrainConfig,
    theta_zscore: ZScore,
    x_zscore: ZScore,
    prior_support: SavedBounds,
    weights: Weights,
    report: Option<TrainingReport>,
    #[serde(default)]
    trained_on: TrainedOn,
}

#[derive(Serialize, Deserialize)]
struct SavedFile {
    payload: serde_json::Value,
    /// FNV-1a 64 of the payload's JSON text: detects edits and corruption.
    checksum: String,
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Writes `payload` to `path` as `{"payload": …, "checksum": FNV-1a of its JSON text}`.
pub(crate) fn write_checked(path: &Path, payload: serde_json::Value) -> Result<()> {
    let io = |e: String| Error::Io {
        path: path.display().to_string(),
        message: e,
    };
    let text = serde_json::to_string(&payload).map_err(|e| io(e.to_string()))?;
    let file = SavedFile {
        payload,
        checksum: format!("{:016x}", fnv1a(text.as_bytes())),
    };
    let out = serde_json::to_string(&file).map_err(|e| io(e.to_string()))?;
    // Atomic: a save that fails midway (full disk, a kill) leaves the previous file intact.
    sbi_core::write_atomic(path, |w| w.write_all(out.as_bytes()))?;
    Ok(())
}

/// Reads a file written by [`write_checked`] and verifies its checksum.
pub(crate) fn read_checked(path: &Path) -> Result<serde_json::Value> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let bad = |m: String| Error::InvalidFile(m);
    let file: SavedFile =
        serde_json::from_str(&text).map_err(|e| bad(format!("not a saved posterior: {e}")))?;
    let canonical = serde_json::to_string(&file.payload).map_err(|e| bad(e.to_string()))?;
    if format!("{:016x}", fnv1a(canonical.as_bytes())) != file.checksum {
        return Err(bad(
            "checksum mismatch: the file is corrupt or was edited".into()
        ));
    }
    Ok(file.payload)
}

/// A support read from a file: each dimension's `low < high` (either may be infinite).
pub(crate) fn check_support(b: &Bounds) -> std::result::Result<(), String> {
    for (j, (l, h)) in b.low.iter().zip(&b.high).enumerate() {
        if l.is_nan() || h.is_nan() || l >= h || *l == f64::INFINITY || *h == f64::NEG_INFINITY {
            return Err(format!(
                "prior support dimension {j} is [{l}, {h}]: need low < high"
            ));
        }
    }
    Ok(())
}

impl MdnPosterior {
    /// Writes the posterior — configuration, weights, standardisation, prior support, seed and
    /// training report — to a JSON file with a checksum.
    ///
    /// # Errors
    /// [`Error::Io`].
    pub fn save(&self, path: &Path) -> Result<()> {
        let value = self.to_payload().map_err(|e| Error::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        write_checked(path, value)
    }

    /// The saved form of the posterior, as a JSON value.
    pub(crate) fn to_payload(&self) -> serde_json::Result<serde_json::Value> {
        let opt = |v: &[f64]| v.iter().map(|b| b.is_finite().then_some(*b)).collect();
        serde_json::to_value(Payload {
            format: FORMAT.into(),
            version: VERSION,
            mdn: self.mdn.clone(),
            train: self.train.clone(),
            theta_zscore: self.theta_z.clone(),
            x_zscore: self.x_z.clone(),
            prior_support: SavedBounds {
                low: opt(&self.support.low),
                high: opt(&self.support.high),
            },
            weights: self.weights.clone(),
            report: self.report.clone(),
            trained_on: self.trained_on.clone(),
        })
    }

    /// Reads a posterior written by [`MdnPosterior::save`]; it samples bit-identically to the
    /// saved one for the same seed.
    ///
    /// # Errors
    /// [`Error::Io`]; [`Error::InvalidFile`] for a file that is not such a posterior, is
    /// corrupt (checksum), or whose parts do not fit together (shapes, dimensions).
    pub fn load(path: &Path) -> Result<Self> {
        Self::from_payload(read_checked(path)?)
    }

    /// Rebuilds a posterior from its saved form, checking that the parts fit together.
    pub(crate) fn from_payload(value: serde_json::Value) -> Result<Self> {
        let bad = |m: String| Error::InvalidFile(m);
        let p: Payload = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
        if p.format != FORMAT || p.version != VERSION {
            return Err(bad(format!(
                "format {} v{} is not {FORMAT} v{VERSION}",
                p.format, p.version
            )));
        }
        p.mdn.validate()?;
        let d = p.theta_zscore.mean.len();
        let dx = p.x_zscore.mean.len();
        let consistent = d > 0
            && dx > 0
            && p.theta_zscore.std.len() == d
            && p.x_zscore.std.len() == dx
            && p.prior_support.low.len() == d
            && p.prior_support.high.len() == d;
        if !consistent {
            return Err(bad(
                "dimensions of the standardisation and support disagree".into(),
            ));
        }
        let all = |z: &ZScore| {
            z.mean.iter().all(|v| v.is_finite()) && z.std.iter().all(|s| s.is_finite() && *s > 0.0)
        };
        if !all(&p.theta_zscore) || !all(&p.x_zscore) {
            return Err(bad("invalid standardisation statistics".into()));
        }
        if p.theta_zscore.whitening.is_some() {
            return Err(bad(
                "θ is never whitened, but the file has a whitening matrix for θ".into(),
            ));
        }
        if let Some(w) = &p.x_zscore.whitening
            && (w.len() != dx * dx || w.iter().any(|v| !v.is_finite()))
        {
            return Err(bad(format!(
                "the whitening matrix of x has {} entries (need {dx} × {dx}, all finite)",
                w.len()
            )));
        }
        if p.weights.hidden.len() != p.mdn.num_hidden_layers {
            return Err(bad(
                "number of hidden layers disagrees with the configuration".into(),
            ));
        }
        p.weights.check(dx, d, p.mdn.num_components)?;
        let support = Bounds {
            low: p
                .prior_support
                .low
                .iter()
                .map(|b| b.unwrap_or(f64::NEG_INFINITY))
                .collect(),
            high: p
                .prior_support
                .high
                .iter()
                .map(|b| b.unwrap_or(f64::INFINITY))
                .collect(),
        };
        check_support(&support).map_err(bad)?;
        // The training θ were drawn from the prior, so their mean lies in its support: a file
        // whose support misses it was assembled from another prior's bounds.
        if !support.contains(&p.theta_zscore.mean) {
            return Err(bad(format!(
                "the prior support [{:?}, {:?}] does not contain the mean {:?} of the θ the \
                 network was trained on: the support belongs to another prior",
                support.low, support.high, p.theta_zscore.mean
            )));
        }
        if !p.trained_on.feature_names.is_empty() && p.trained_on.feature_names.len() != dx {
            return Err(bad(format!(
                "{} feature names recorded for {dx} features",
                p.trained_on.feature_names.len()
            )));
        }
        Ok(Self::assemble(
            p.mdn,
            p.train,
            p.weights,
            p.theta_zscore,
            p.x_zscore,
            support,
            p.report,
        )
        .with_trained_on(p.trained_on))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sbi_core::testing::{Identity, LinearGaussian};
    use sbi_prior::BoxUniform;

    #[test]
    fn the_acceptance_cache_is_bounded() {
        let prior = BoxUniform::new(vec![-3.0, -3.0], vec![3.0, 3.0]).unwrap();
        let est = crate::MdnEstimator::new(sbi_core::Prior::bounds(&prior))
            .with_mdn(
                MdnConfig::new()
                    .with_num_components(1)
                    .with_hidden_features(4),
            )
            .with_train(TrainConfig::new().with_max_epochs(1));
        let sim = LinearGaussian::new(2, 0.5).unwrap();
        let post = crate::run_npe(&prior, &sim, &Identity::new(2), 100, &est, 0, &mut ())
            .unwrap()
            .posterior;
        for i in 0..(MAX_CACHED_ACCEPTANCES + 100) {
            let x = [i as f64 * 1e-4, 0.0];
            post.acceptance(&x).unwrap();
            let len = post.acceptance.lock().unwrap().len();
            assert!(len <= MAX_CACHED_ACCEPTANCES, "{len}");
        }
    }
}
