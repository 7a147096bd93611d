//! The benchmark of Gonçalves et al. (2020, eLife), shared by the `goncalves` and `campaign`
//! examples: the 8-parameter Pospischil model under the published protocol, its prior box,
//! the true θ*, the features' window and what a dataset of it records.

use std::collections::BTreeMap;

use hh_model::{Model, ModelSimulator, Pospischil, Protocol, Scheme};
use hh_stats::TraceFeatures;
use sbi_core::TimeWindow;

use crate::cli::CliError;

/// θ's components as hh-model names them: g_Na, g_K, g_leak, g_M (mS/cm²), τ_max (ms),
/// −V_T (mV), σ (µA/cm²·√ms), −E_leak (mV). V_T and E_leak are negated, as the paper
/// parametrises them, so that every prior bound is positive (a `-` before a name makes
/// [`ModelSimulator`] take the negated value).
pub const THETA: [&str; 8] = [
    "g_na",
    "g_k",
    "g_leak",
    "g_m",
    "tau_max",
    "-v_t",
    "noise_sigma",
    "-e_leak",
];

/// θ's components with units, for tables and axes.
pub const LABELS: [&str; 8] = [
    "g_Na (mS/cm²)",
    "g_K (mS/cm²)",
    "g_leak (mS/cm²)",
    "g_M (mS/cm²)",
    "τ_max (ms)",
    "−V_T (mV)",
    "σ (µA/cm²·√ms)",
    "−E_leak (mV)",
];

/// The published prior box, lower corner.
pub const LOW: [f64; 8] = [0.5, 1e-4, 1e-4, 1e-4, 50.0, 40.0, 1e-4, 35.0];

/// The published prior box, upper corner.
pub const HIGH: [f64; 8] = [80.0, 15.0, 0.6, 0.6, 3000.0, 90.0, 0.15, 100.0];

/// The published true θ*.
pub const THETA_STAR: [f64; 8] = [50.0, 5.0, 0.1, 0.07, 600.0, 60.0, 0.1, 70.0];

/// The published stimulus window, ms: the features' t_on and t_off.
pub const WINDOW_MS: (f64, f64) = (10.0, 110.0);

/// The prior as a dataset records it.
pub const PRIOR_SETTING: &str = "BoxUniform: Goncalves et al. 2020 (g_na [0.5, 80], g_k [1e-4, \
     15], g_leak [1e-4, 0.6], g_m [1e-4, 0.6], tau_max [50, 3000], -v_t [40, 90], noise_sigma \
     [1e-4, 0.15], -e_leak [35, 100])";

/// The simulator: the Pospischil model under [`Protocol::goncalves`] (120 ms at dt 0.01 ms,
/// 12,001 samples from t = 0), integrated as the published code does, θ as [`THETA`].
///
/// # Errors
/// None in practice (the names are the model's); an hh-model error otherwise.
pub fn simulator() -> Result<ModelSimulator<Pospischil>, CliError> {
    Ok(ModelSimulator::for_model(
        Model::pospischil(),
        Protocol::goncalves(),
        Scheme::ExpStaggered,
        &THETA,
    )?)
}

/// The features `spec` names (`goncalves7`, `goncalves4`, `goncalves1`, or any other set
/// [`TraceFeatures::parse`] knows) over the published window.
///
/// # Errors
/// An unknown feature set.
pub fn features(spec: &str) -> Result<TraceFeatures, CliError> {
    let window = TimeWindow::new(WINDOW_MS.0, WINDOW_MS.1)?;
    Ok(TraceFeatures::parse(spec)?.with_stimulus_window(window))
}

/// What a dataset of this benchmark records it was simulated with (checked when a run trains
/// on one): the model and protocol, θ, the prior and the seed.
pub fn dataset_settings(seed: u64) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "simulator".into(),
            "pospischil, goncalves protocol (120 ms, dt 0.01 ms, 3.248 uA/cm2 from 10 to 110 ms)"
                .into(),
        ),
        ("theta".into(), THETA.join(", ")),
        ("prior".into(), PRIOR_SETTING.into()),
        ("seed".into(), seed.to_string()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theta_star_lies_inside_the_prior_box() {
        for j in 0..8 {
            assert!(
                LOW[j] < THETA_STAR[j] && THETA_STAR[j] < HIGH[j],
                "{}",
                THETA[j]
            );
        }
        assert_eq!(simulator().unwrap().theta_names(), THETA);
    }
}
