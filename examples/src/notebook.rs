//! The notebook's inference, shared by `hh_posterior` and `explorer`: its prior box, the
//! observation at a true θ, the posterior's summary numbers and its three pictures.

use hh_model::HhSimulator;
use hh_stats::FeatureSet;
use plotters::style::RGBColor;
use sbi_core::stats::marginals;
use sbi_core::{Posterior, RowMatrix, Simulator, SummaryStatistics, Trace, streams};
use sbi_npe::{DirectPosterior, TrainedOn};

use crate::cli::CliError;
use crate::plot::{PALETTE, PosteriorView, Series, render_posterior_2d, render_traces, view_box};

/// Lower corner of the prior box: V_rest 40 mV, stimulus 3 µA/cm².
pub const LOW: [f64; 2] = [40.0, 3.0];
/// Upper corner of the prior box: V_rest 60 mV, stimulus 7 µA/cm².
pub const HIGH: [f64; 2] = [60.0, 7.0];
/// The parameters' names, with units.
pub const NAMES: [&str; 2] = ["V_rest (mV)", "stimulus (µA/cm²)"];

const BLACK_SERIES: RGBColor = RGBColor(20, 20, 20);

/// What a notebook posterior is trained on (checked when one is loaded, saved with a new one).
pub fn trained_on(sim: &HhSimulator, features: &FeatureSet, noise: f64) -> TrainedOn {
    TrainedOn::default()
        .with_feature_names(features.names())
        .with_setting(
            "simulator",
            "classic HH, notebook protocol (200 ms, dt 0.01 ms, pulse 70-130 ms)",
        )
        .with_setting("theta", sim.theta_names().join(", "))
        .with_setting("noise_sigma", noise)
}

/// The prior, as a campaign's dataset records it.
pub const PRIOR_SETTING: &str = "BoxUniform: V_rest [40, 60] mV, stimulus [3, 7] uA/cm2";

/// What a campaign's dataset of the notebook model records it was simulated with: the
/// settings of [`trained_on`], the prior box and the seed.
pub fn dataset_settings(
    sim: &HhSimulator,
    features: &FeatureSet,
    noise: f64,
    seed: u64,
) -> std::collections::BTreeMap<String, String> {
    let mut s = trained_on(sim, features, noise).simulator;
    s.insert("prior".into(), PRIOR_SETTING.into());
    s.insert("seed".into(), seed.to_string());
    s
}

/// Loads a posterior saved by `hh_posterior --save-posterior` and checks that it fits this
/// run: 2 parameters, `features`' width, and what it was trained on (features, simulator
/// settings, the prior box `LOW`–`HIGH`).
///
/// # Errors
/// An unreadable file, or a posterior trained for something else (the message names both).
pub fn load_checked(
    path: &std::path::Path,
    features: &FeatureSet,
    expected: &TrainedOn,
) -> Result<DirectPosterior, CliError> {
    let p = DirectPosterior::load(path)?;
    if p.x_dim() != features.dim() || p.theta_dim() != 2 {
        return Err(CliError(format!(
            "{} was trained on {} features for {} parameters; this run uses {} for 2",
            path.display(),
            p.x_dim(),
            p.theta_dim(),
            features.dim()
        )));
    }
    let support = sbi_core::Bounds {
        low: LOW.to_vec(),
        high: HIGH.to_vec(),
    };
    p.check_trained_on(expected, &support)
        .map_err(|e| CliError(format!("{}: {e}", path.display())))?;
    Ok(p)
}

/// The observation at `truth`: one simulation on its own stream ([`streams::OBSERVATION`])
/// and its features.
///
/// # Errors
/// Simulation or summary errors.
pub fn observe(
    sim: &HhSimulator,
    features: &FeatureSet,
    truth: [f64; 2],
    seed: u64,
) -> Result<(Trace, Vec<f64>), CliError> {
    let observed = sim.simulate(&truth, &mut streams::OBSERVATION.rng(seed))?;
    let x = features.summarize(&observed)?;
    Ok((observed, x))
}

/// The three pictures of a posterior at one observation, as SVG text.
pub struct Pictures {
    /// The joint posterior (2-D density) with the truth marked and both marginals with their
    /// 90 % intervals.
    pub posterior: String,
    /// The observed trace.
    pub observed: String,
    /// Five posterior-predictive simulations over the observation.
    pub predictive: String,
}

/// What [`render_pictures`] draws.
pub struct Scene<'a> {
    /// The simulator (for the predictive simulations).
    pub sim: &'a HhSimulator,
    /// The posterior.
    pub posterior: &'a DirectPosterior,
    /// The true θ, when known (a simulated observation; not a recording).
    pub truth: Option<[f64; 2]>,
    /// The observed trace and its features.
    pub observed: &'a Trace,
    /// Its features.
    pub x_obs: &'a [f64],
    /// Posterior samples at `x_obs`.
    pub samples: &'a RowMatrix,
    /// Seed of the predictive draws (streams [`streams::PREDICTIVE_DRAWS`] and
    /// [`streams::PREDICTIVE_NOISE`]).
    pub seed: u64,
}

/// Renders the posterior, the observation and the posterior predictive.
///
/// # Errors
/// Sampling, simulation or drawing errors.
pub fn render_pictures(scene: &Scene<'_>) -> Result<Pictures, CliError> {
    let Scene {
        sim,
        posterior,
        truth,
        observed,
        x_obs,
        samples,
        seed,
    } = *scene;
    let draw = |e: crate::plot::PlotError| CliError(format!("drawing failed: {e}"));
    let m = marginals(samples);
    let mean = [m[0].mean, m[1].mean];
    let (lo, hi, zoomed) = view_box(samples, &LOW, &HIGH, Some(&truth.unwrap_or(mean)));
    let (view_low, view_high) = ([lo[0], lo[1]], [hi[0], hi[1]]);
    let title = format!(
        "Posterior of (V_rest, stimulus): {} samples{}",
        samples.nrows(),
        if zoomed { ", zoomed in" } else { "" }
    );
    let posterior_svg = render_posterior_2d(&PosteriorView {
        title: &title,
        samples,
        names: NAMES,
        low: view_low,
        high: view_high,
        truth,
        intervals: Some([[m[0].q05, m[0].q95], [m[1].q05, m[1].q95]]),
    })
    .map_err(draw)?;
    let window = observed
        .stimulus()
        .map(|w| (w, "stimulus window".to_owned()));
    let observed_svg = render_traces(
        &match truth {
            Some(t) => format!(
                "Observed trace: V_rest = {} mV, stimulus {} µA/cm²",
                t[0], t[1]
            ),
            None => "Observed trace (a recording)".to_owned(),
        },
        &[Series {
            label: "observed".into(),
            trace: observed,
            color: BLACK_SERIES,
            width: 2,
        }],
        window.clone(),
    )
    .map_err(draw)?;
    // Posterior predictive: five posterior draws, simulated, over the observation (on total
    // leakage, the first five of the samples, which importance sampling drew).
    let draws = match posterior.sample(x_obs, 5, &mut streams::PREDICTIVE_DRAWS.rng(seed)) {
        Err(sbi_npe::Error::LowAcceptance { .. }) => samples.select_rows(|i| i < 5),
        other => other?,
    };
    let traces = sim.simulate_batch(&draws, streams::PREDICTIVE_NOISE.seed(seed))?;
    let mut series: Vec<Series<'_>> = traces
        .iter()
        .zip(draws.rows())
        .enumerate()
        .map(|(i, (t, th))| Series {
            label: format!("draw {}: V_rest {:.1}, stim {:.2}", i + 1, th[0], th[1]),
            trace: t,
            color: PALETTE[i % PALETTE.len()],
            width: 1,
        })
        .collect();
    // The observation last, so it is drawn on top.
    series.push(Series {
        label: "observed".into(),
        trace: observed,
        color: BLACK_SERIES,
        width: 2,
    });
    let predictive_svg = render_traces(
        "Posterior predictive: simulations at posterior draws vs the observation",
        &series,
        window,
    )
    .map_err(draw)?;
    Ok(Pictures {
        posterior: posterior_svg,
        observed: observed_svg,
        predictive: predictive_svg,
    })
}
