//! "Can the model produce this observation at all?" — the misspecification check the
//! examples run after training ([`check_model`], chosen by `--model-check`), printed as a
//! verdict and written into `--json` ([`to_json`]).

use std::fmt;
use std::str::FromStr;

use sbi_core::Progress;
use sbi_inference::{Dataset, Misspecification, MmdTest, XDensity};
use sbi_npe::{DirectPosterior, NeuralEstimator};

use crate::cli::CliError;

/// The density of x trains for at most this many epochs: its p-value is exact however well
/// it is trained (it ranks the observation among held-out simulations scored by the same
/// density), so training longer buys power, not validity — and an MDN over 15 features
/// kept improving for 600 epochs (110 s) on 2,000 simulations.
pub const DENSITY_EPOCHS: usize = 100;

/// The check uses at most this many simulations (the first): the MMD test needs 1,000
/// reference and 1,000 held-out ones, and the density of x trains on the rest — 4,000 rows
/// keep its training near 30 s for 15 features, where 10⁴ simulations took minutes.
pub const MAX_CHECK_SIMULATIONS: usize = 5000;

/// Which misspecification tests to run (`--model-check full|mmd|off`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ModelCheck {
    /// The MMD test and the density of x (the run's network fitted on the simulated
    /// features).
    #[default]
    Full,
    /// The MMD test alone (no network to train: milliseconds).
    Mmd,
    /// Neither.
    Off,
}

impl FromStr for ModelCheck {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "full" => Ok(Self::Full),
            "mmd" => Ok(Self::Mmd),
            "off" => Ok(Self::Off),
            _ => Err("expected full, mmd or off".into()),
        }
    }
}

impl fmt::Display for ModelCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Full => "full",
            Self::Mmd => "mmd",
            Self::Off => "off",
        })
    }
}

/// Runs the chosen tests of `x_obs` against `simulations` (drawn from the prior: a
/// sequential run passes its first round only; at most the first
/// [`MAX_CHECK_SIMULATIONS`]), split and trained with `seed`, the density
/// of x fitted by `estimator` (the run's own network: an MDN fits in about the time the
/// posterior took; an NSF is the more flexible density but trains several times longer);
/// `None` when `check` is [`ModelCheck::Off`].
///
/// ```
/// use hh_sbi_examples::model_check::{ModelCheck, check_model};
/// use sbi_core::RowMatrix;
/// use sbi_inference::{Dataset, Verdict};
/// let theta = RowMatrix::from_rows(&(0..1000).map(|i| [i as f64]).collect::<Vec<_>>())?;
/// let x = RowMatrix::from_rows(&(0..1000).map(|i| [(i % 20) as f64, (i % 7) as f64]).collect::<Vec<_>>())?;
/// let data = Dataset::new(theta, x, vec!["a".into(), "b".into()])?;
/// // 1,000 simulations hold out 200: the MMD p-value can fall to 1/201 < 0.01.
/// let mdn = sbi_npe::NeuralEstimator::default();
/// let m = check_model(ModelCheck::Mmd, &mdn, &data, &[50.0, 3.0], 1, &mut ()).map_err(|e| e.0)?;
/// assert_eq!(m.unwrap().verdict(), Verdict::Outside);
/// let off = check_model(ModelCheck::Off, &mdn, &data, &[5.0, 3.0], 1, &mut ()).map_err(|e| e.0)?;
/// assert!(off.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// Too few successful simulations (the tests need
/// [`sbi_inference::MIN_SIMULATIONS`]); a density that fails to train.
pub fn check_model(
    check: ModelCheck,
    estimator: &NeuralEstimator,
    simulations: &Dataset,
    x_obs: &[f64],
    seed: u64,
    progress: &mut dyn Progress,
) -> Result<Option<Misspecification>, CliError> {
    let at = |e: sbi_inference::Error| CliError(format!("the model check: {e}"));
    if check == ModelCheck::Off {
        return Ok(None);
    }
    let subset;
    let simulations = if simulations.len() > MAX_CHECK_SIMULATIONS {
        let keep = |i: usize| i < MAX_CHECK_SIMULATIONS;
        subset = Dataset::new(
            simulations.theta().select_rows(keep),
            simulations.x().select_rows(keep),
            simulations.feature_names().to_vec(),
        )
        .map_err(at)?;
        &subset
    } else {
        simulations
    };
    let mmd = MmdTest::new(simulations, seed).map_err(at)?;
    let density: Option<XDensity<DirectPosterior>> = match check {
        ModelCheck::Full => {
            progress.stage("density of x (model check)");
            let mut estimator = estimator.clone();
            let train = estimator.train_mut();
            train.max_epochs = train.max_epochs.min(DENSITY_EPOCHS);
            Some(XDensity::fit(&estimator, simulations, seed, progress).map_err(at)?)
        }
        _ => None,
    };
    Misspecification::check(simulations, &mmd, density.as_ref(), x_obs)
        .map(Some)
        .map_err(at)
}

/// The error of a posterior that could not be sampled at an observation, with the model
/// check's report when one ran (an observation the model cannot produce is the usual cause).
pub fn no_posterior(error: impl fmt::Display, check: Option<&Misspecification>) -> CliError {
    match check {
        Some(m) => CliError(format!(
            "no posterior for this observation ({error}). Model check: {}",
            m.report("the observation")
        )),
        None => CliError(error.to_string()),
    }
}

/// The check as JSON: `verdict` (consistent, doubtful, outside), `p_value` (the smaller),
/// `mmd_p`, `density_p` (null when not run), and `furthest`: each feature's name, value, z
/// and quantile among the simulations, furthest out first.
pub fn to_json(m: &Misspecification) -> serde_json::Value {
    serde_json::json!({
        "verdict": m.verdict().name(),
        "p_value": m.p_value(),
        "mmd_p": m.mmd.p_value,
        "density_p": m.density.map(|d| d.p_value),
        "furthest": m.furthest.iter().map(|f| serde_json::json!({
            "name": f.name,
            "value": f.value,
            // ±∞ (a feature the simulations never varied) is not JSON.
            "z": if f.z.is_finite() { serde_json::json!(f.z) } else { serde_json::json!(f.z.signum() * f64::MAX) },
            "quantile": f.quantile,
        })).collect::<Vec<_>>(),
    })
}
