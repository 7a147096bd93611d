//! The file format of trained posteriors and ensembles: JSON with a checksum, written
//! atomically.
//!
//! A file is `{"payload": …, "checksum": "<FNV-1a 64 of the payload's JSON text>"}`. A
//! posterior's payload holds its format name and version, the network configuration, the
//! training settings and seed, the standardisation of θ and x, the prior support (±∞ as
//! `null`), the weights, the training report and what it was trained on. An ensemble's payload
//! holds its members' payloads.
//!
//! A mixture-density network's payload has format `hh-sbi/mdn-posterior` and its architecture
//! under `mdn`; a flow's has format `hh-sbi/flow-posterior` and its architecture under `flow`
//! (kind `Nsf` or `Maf`), with the weights of each transform under `weights.transforms`.
//! [`DirectPosterior::load`] reads either.

use std::path::Path;

use sbi_core::Bounds;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::flow::config::FlowConfig;
use crate::flow::host::FlowWeights;
use crate::mdn::config::MdnConfig;
use crate::mdn::weights::Weights;
use crate::posterior::density::Net;
use crate::posterior::direct::DirectPosterior;
use crate::posterior::trained_on::TrainedOn;
use crate::train::TrainConfig;
use crate::zscore::ZScore;
use sbi_core::{StopReason, TrainingReport};
use sbi_inference::Ensemble;

const POSTERIOR_FORMAT: &str = "hh-sbi/mdn-posterior";
const FLOW_FORMAT: &str = "hh-sbi/flow-posterior";
/// Ensembles of any members; MDN-only ensembles saved before flows existed carry the same
/// layout under the name "hh-sbi/mdn-ensemble", which still loads.
const ENSEMBLE_FORMAT: &str = "hh-sbi/ensemble";
const OLD_ENSEMBLE_FORMAT: &str = "hh-sbi/mdn-ensemble";
/// The first version of the flow format.
const FLOW_VERSION: u32 = 1;
/// Version 2 records the training seed beside the training settings; version 1 (where the
/// seed was one of the settings) still loads.
const VERSION: u32 = 2;

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
    #[serde(flatten)]
    common: Common,
    weights: Weights,
}

#[derive(Serialize, Deserialize)]
struct FlowPayload {
    format: String,
    version: u32,
    flow: FlowConfig,
    #[serde(flatten)]
    common: Common,
    weights: FlowWeights,
}

/// What every posterior's payload holds beside its network.
#[derive(Serialize, Deserialize)]
struct Common {
    train: TrainConfig,
    /// Absent in version 1 (it was `train.seed`).
    #[serde(default)]
    seed: Option<u64>,
    theta_zscore: ZScore,
    x_zscore: ZScore,
    prior_support: SavedBounds,
    report: Option<SavedReport>,
    /// Required: a file without it could not be checked against a new use.
    trained_on: TrainedOn,
}

/// A [`TrainingReport`] as files hold it (the stop reason as `converged` and
/// `stopped_because`, the layout of files written before the reason had its own type).
#[derive(Serialize, Deserialize)]
struct SavedReport {
    epochs: usize,
    best_epoch: usize,
    best_validation_loss: f64,
    num_train: usize,
    num_validation: usize,
    num_dropped: usize,
    converged: bool,
    #[serde(default)]
    skipped_steps: usize,
    #[serde(default)]
    learning_rate_reductions: usize,
    #[serde(default)]
    stopped_because: Option<String>,
    seconds: f64,
    /// Absent in files written before validation losses were recorded.
    #[serde(default)]
    validation_losses: Vec<f64>,
}

impl From<&TrainingReport> for SavedReport {
    fn from(r: &TrainingReport) -> Self {
        Self {
            epochs: r.epochs,
            best_epoch: r.best_epoch,
            best_validation_loss: r.best_validation_loss,
            num_train: r.num_train,
            num_validation: r.num_validation,
            num_dropped: r.num_dropped,
            converged: r.stop.converged(),
            skipped_steps: r.skipped_steps,
            learning_rate_reductions: r.learning_rate_reductions,
            stopped_because: match &r.stop {
                StopReason::GaveUp(why) => Some(why.clone()),
                _ => None,
            },
            seconds: r.seconds,
            validation_losses: r.validation_losses.clone(),
        }
    }
}

impl From<SavedReport> for TrainingReport {
    fn from(r: SavedReport) -> Self {
        Self {
            epochs: r.epochs,
            best_epoch: r.best_epoch,
            best_validation_loss: r.best_validation_loss,
            validation_losses: r.validation_losses,
            num_train: r.num_train,
            num_validation: r.num_validation,
            num_dropped: r.num_dropped,
            stop: match (r.stopped_because, r.converged) {
                (Some(why), _) => StopReason::GaveUp(why),
                (None, true) => StopReason::Converged,
                (None, false) => StopReason::MaxEpochs,
            },
            skipped_steps: r.skipped_steps,
            learning_rate_reductions: r.learning_rate_reductions,
            seconds: r.seconds,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct EnsemblePayload {
    format: String,
    version: u32,
    members: Vec<serde_json::Value>,
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

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `payload` to `path` as `{"payload": …, "checksum": FNV-1a of its JSON text}`.
fn write_checked(path: &Path, payload: serde_json::Value) -> Result<()> {
    let text = serde_json::to_string(&payload).map_err(|e| io_error(path, e.into()))?;
    let file = SavedFile {
        payload,
        checksum: format!("{:016x}", fnv1a(text.as_bytes())),
    };
    let out = serde_json::to_string(&file).map_err(|e| io_error(path, e.into()))?;
    // Atomic: a save that fails midway (full disk, a kill) leaves the previous file intact.
    sbi_core::write_atomic(path, |w| w.write_all(out.as_bytes()))?;
    Ok(())
}

/// Reads a file written by [`write_checked`] and verifies its checksum.
fn read_checked(path: &Path) -> Result<serde_json::Value> {
    let text = std::fs::read_to_string(path).map_err(|e| io_error(path, e))?;
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

fn to_payload(p: &DirectPosterior) -> serde_json::Result<serde_json::Value> {
    let opt = |v: &[f64]| v.iter().map(|b| b.is_finite().then_some(*b)).collect();
    let common = Common {
        train: p.train.clone(),
        seed: Some(p.seed),
        theta_zscore: p.theta_z.clone(),
        x_zscore: p.x_z.clone(),
        prior_support: SavedBounds {
            low: opt(&p.support.low),
            high: opt(&p.support.high),
        },
        report: p.report.as_ref().map(SavedReport::from),
        trained_on: p.trained_on.clone(),
    };
    match &p.net {
        Net::Mdn { config, weights } => serde_json::to_value(Payload {
            format: POSTERIOR_FORMAT.into(),
            version: VERSION,
            mdn: config.clone(),
            common,
            weights: weights.clone(),
        }),
        Net::Flow { config, weights } => serde_json::to_value(FlowPayload {
            format: FLOW_FORMAT.into(),
            version: FLOW_VERSION,
            flow: config.clone(),
            common,
            weights: weights.clone(),
        }),
    }
}

/// Rebuilds a posterior from its saved form, checking that the parts fit together.
fn from_payload(value: serde_json::Value) -> Result<DirectPosterior> {
    let bad = |m: String| Error::InvalidFile(m);
    let format = value
        .get("format")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned();
    // Version 1 kept the seed among the training settings.
    let v1_seed = value
        .pointer("/train/seed")
        .and_then(serde_json::Value::as_u64);
    let (version, common, net) = if format == FLOW_FORMAT {
        let p: FlowPayload = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
        if p.version != FLOW_VERSION {
            return Err(bad(format!(
                "format {FLOW_FORMAT} v{} is not v{FLOW_VERSION}",
                p.version
            )));
        }
        let net = Net::Flow {
            config: p.flow,
            weights: p.weights,
        };
        (VERSION, p.common, net)
    } else {
        let p: Payload = serde_json::from_value(value).map_err(|e| bad(e.to_string()))?;
        if p.format != POSTERIOR_FORMAT || !(1..=VERSION).contains(&p.version) {
            return Err(bad(format!(
                "format {} v{} is not {POSTERIOR_FORMAT} v1–v{VERSION} or {FLOW_FORMAT} \
                 v{FLOW_VERSION}",
                p.format, p.version
            )));
        }
        let net = Net::Mdn {
            config: p.mdn,
            weights: p.weights,
        };
        (p.version, p.common, net)
    };
    let seed = match (version, common.seed, v1_seed) {
        (1, _, Some(s)) | (2.., Some(s), _) => s,
        _ => return Err(bad("the training seed is missing".into())),
    };
    let p = common;
    let d = p.theta_zscore.mean.len();
    let dx = p.x_zscore.mean.len();
    if d == 0 || dx == 0 || p.prior_support.low.len() != d || p.prior_support.high.len() != d {
        return Err(bad(
            "dimensions of the standardisation and support disagree".into(),
        ));
    }
    p.theta_zscore.check("θ", d, false).map_err(bad)?;
    p.x_zscore.check("x", dx, true).map_err(bad)?;
    p.train
        .validate()
        .map_err(|e| bad(format!("training settings: {e}")))?;
    net.check(dx, d).map_err(|e| match e {
        Error::InvalidFile(_) => e,
        e => bad(format!("network configuration: {e}")),
    })?;
    let unwrap = |v: &[Option<f64>], inf: f64| v.iter().map(|b| b.unwrap_or(inf)).collect();
    let support = Bounds {
        low: unwrap(&p.prior_support.low, f64::NEG_INFINITY),
        high: unwrap(&p.prior_support.high, f64::INFINITY),
    };
    support.validate().map_err(|e| bad(e.to_string()))?;
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
    Ok(DirectPosterior {
        net,
        train: p.train,
        seed,
        theta_z: p.theta_zscore,
        x_z: p.x_zscore,
        support,
        report: p.report.map(TrainingReport::from),
        trained_on: p.trained_on,
    })
}

impl DirectPosterior {
    /// Writes the posterior — configuration, weights, standardisation, prior support, seed and
    /// training report — to a JSON file with a checksum (format: the `persist` module docs).
    /// The write is atomic: a failed save leaves an existing file as it was.
    ///
    /// # Errors
    /// [`Error::Io`], [`Error::Core`] for a failed atomic write.
    pub fn save(&self, path: &Path) -> Result<()> {
        let value = to_payload(self).map_err(|e| io_error(path, e.into()))?;
        write_checked(path, value)
    }

    /// Reads a posterior written by [`DirectPosterior::save`]; it samples bit-identically to the
    /// saved one for the same seed.
    ///
    /// # Errors
    /// [`Error::Io`]; [`Error::InvalidFile`] for a file that is not such a posterior, is
    /// corrupt (checksum), or whose parts do not fit together (shapes, dimensions).
    pub fn load(path: &Path) -> Result<Self> {
        from_payload(read_checked(path)?)
    }
}

/// Writes every member of `ensemble` (as [`DirectPosterior::save`] would) to one JSON file
/// with a checksum, atomically.
pub(crate) fn save_ensemble(ensemble: &Ensemble<DirectPosterior>, path: &Path) -> Result<()> {
    let io = |e: serde_json::Error| io_error(path, e.into());
    let members = ensemble
        .members()
        .iter()
        .map(to_payload)
        .collect::<serde_json::Result<Vec<_>>>()
        .map_err(io)?;
    let payload = EnsemblePayload {
        format: ENSEMBLE_FORMAT.into(),
        version: VERSION,
        members,
    };
    write_checked(path, serde_json::to_value(payload).map_err(io)?)
}

/// Reads an ensemble written by [`save_ensemble`].
pub(crate) fn load_ensemble(path: &Path) -> Result<Ensemble<DirectPosterior>> {
    let p: EnsemblePayload = serde_json::from_value(read_checked(path)?)
        .map_err(|e| Error::InvalidFile(format!("not a saved ensemble: {e}")))?;
    let known = (p.format == ENSEMBLE_FORMAT && p.version == VERSION)
        || (p.format == OLD_ENSEMBLE_FORMAT && (1..=VERSION).contains(&p.version));
    if !known {
        return Err(Error::InvalidFile(format!(
            "format {} v{} is not {ENSEMBLE_FORMAT} v{VERSION} (or {OLD_ENSEMBLE_FORMAT} \
             v1–v{VERSION})",
            p.format, p.version
        )));
    }
    Ok(Ensemble::new(
        p.members
            .into_iter()
            .map(from_payload)
            .collect::<Result<_>>()?,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MdnConfig, MdnEstimator, TrainConfig};
    use sbi_core::{DensityEstimator, RowMatrix, TrainingData};

    /// A file written by version 1 (the seed inside the training settings) still loads, to
    /// the same posterior.
    #[test]
    fn version_1_files_load() {
        let theta =
            RowMatrix::from_rows(&(0..40).map(|i| [0.1 * i as f64 - 2.0]).collect::<Vec<_>>())
                .unwrap();
        let support = Bounds {
            low: vec![-3.0],
            high: vec![3.0],
        };
        let post = MdnEstimator::new()
            .with_mdn(
                MdnConfig::new()
                    .with_num_components(1)
                    .with_hidden_features(4),
            )
            .with_train(TrainConfig::new().with_max_epochs(1))
            .fit(
                &TrainingData::new(theta.clone(), theta, support).unwrap(),
                77,
                &mut (),
            )
            .unwrap()
            .posterior;
        let mut v = to_payload(&post).unwrap();
        v["version"] = 1.into();
        v["train"]["seed"] = 77.into();
        v.as_object_mut().unwrap().remove("seed");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.json");
        write_checked(&path, v).unwrap();
        assert_eq!(DirectPosterior::load(&path).unwrap(), post);
        // A version-2 file without its seed is refused.
        let mut v = to_payload(&post).unwrap();
        v.as_object_mut().unwrap().remove("seed");
        write_checked(&path, v).unwrap();
        assert!(matches!(
            DirectPosterior::load(&path),
            Err(Error::InvalidFile(m)) if m.contains("seed")
        ));
    }
}
