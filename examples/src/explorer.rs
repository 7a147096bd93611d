//! The posterior explorer behind `cargo run --example explorer`: one request (θ of the
//! observation, its noise, a seed) → the observation, the posterior at it, its numbers and
//! pictures. The HTTP server is in the example; this module is what it serves.

use std::time::Instant;

use hh_model::HhSimulator;
use hh_stats::FeatureSet;
use sbi_core::stats::{Marginal, marginals};
use sbi_core::{Posterior, streams};
use sbi_inference::{Dataset, Misspecification, MmdTest, XDensity};
use sbi_npe::DirectPosterior;

use crate::cli::CliError;
use crate::model_check::no_posterior;
use crate::notebook::{HIGH, LOW, NAMES, Pictures, Scene, observe, render_pictures};

/// Posterior samples drawn per view (the notebook's 1,000).
pub const NUM_SAMPLES: usize = 1000;
/// Largest seed a view takes: 2⁵³ − 1, so that a page's JavaScript keeps it exact.
pub const MAX_SEED: u64 = (1 << 53) - 1;

/// One state of the page: the true θ of the observation, its noise level and a seed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewRequest {
    /// True V_rest, mV.
    pub v_rest: f64,
    /// True stimulus amplitude, µA/cm².
    pub stim: f64,
    /// Noise σ of the observation (µA/cm²·√ms).
    pub noise: f64,
    /// Seed of the observation's and the posterior's streams.
    pub seed: u64,
}

/// The trained posterior and what it needs to answer views.
pub struct Explorer {
    sim: HhSimulator,
    features: FeatureSet,
    posterior: DirectPosterior,
    train_noise: f64,
    /// The training simulations and the MMD test built on them, when they are known.
    check: Option<(Dataset, MmdTest)>,
}

/// A view's numbers and pictures.
pub struct View {
    /// What was asked.
    pub request: ViewRequest,
    /// Posterior mean, std, 5 % and 95 % quantiles per parameter.
    pub summary: Vec<Marginal>,
    /// Time to simulate, sample and draw, s.
    pub seconds: f64,
    /// The pictures (SVG).
    pub pictures: Pictures,
    /// The MMD model check of the observation, when the explorer has its simulations.
    pub check: Option<Misspecification>,
}

impl Explorer {
    /// An explorer for `posterior`, trained on `sim`'s simulations (noise `train_noise`)
    /// summarised by `features`.
    pub fn new(
        sim: HhSimulator,
        features: FeatureSet,
        posterior: DirectPosterior,
        train_noise: f64,
    ) -> Self {
        Self {
            sim,
            features,
            posterior,
            train_noise,
            check: None,
        }
    }

    /// Checks every view's observation against `simulations` (the posterior's training
    /// data) by the MMD test ([`MmdTest`], milliseconds a view): a slider setting inside the
    /// prior should never be flagged; more observation noise than the training's can be.
    ///
    /// # Errors
    /// Fewer than [`sbi_inference::MIN_SIMULATIONS`] successful simulations.
    pub fn with_model_check(mut self, simulations: Dataset) -> Result<Self, CliError> {
        let mmd = MmdTest::new(&simulations, 0)?;
        self.check = Some((simulations, mmd));
        Ok(self)
    }

    /// The noise of the training simulations (0: the page has no noise slider).
    pub fn train_noise(&self) -> f64 {
        self.train_noise
    }

    /// The largest observation noise a view takes: 3× the training noise.
    pub fn max_noise(&self) -> f64 {
        3.0 * self.train_noise
    }

    /// The state a page starts in: the notebook's V_rest 50 mV, stimulus 5 µA/cm², the
    /// training noise, seed 0.
    pub fn default_request(&self) -> ViewRequest {
        ViewRequest {
            v_rest: 50.0,
            stim: 5.0,
            noise: self.train_noise,
            seed: 0,
        }
    }

    /// Parses a query string (`v_rest=…&stim=…&noise=…&seed=…`). With `strict`, every
    /// parameter but `noise` (absent: the training noise) must be given; otherwise a missing
    /// one takes its default (the server is strict for any non-empty query). Unknown or repeated names, non-numbers, NaN, ±∞ and values out
    /// of range are errors, with a message for a 400 answer.
    ///
    /// # Errors
    /// The message.
    pub fn parse(&self, query: &str, strict: bool) -> Result<ViewRequest, String> {
        let mut r = self.default_request();
        let mut seen = Vec::new();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            if seen.contains(&key) {
                return Err(format!("parameter `{key}` is given twice"));
            }
            let number = |lo: f64, hi: f64, unit: &str| -> Result<f64, String> {
                match value.trim().parse::<f64>() {
                    Ok(v) if v.is_finite() && (lo..=hi).contains(&v) => Ok(v),
                    Ok(v) if v.is_finite() => {
                        Err(format!("{key} = {v} is outside [{lo}, {hi}] {unit}"))
                    }
                    _ => Err(format!("{key} must be a finite number, got `{value}`")),
                }
            };
            match key.as_ref() {
                "v_rest" => r.v_rest = number(LOW[0], HIGH[0], "mV")?,
                "stim" => r.stim = number(LOW[1], HIGH[1], "µA/cm²")?,
                "noise" if self.train_noise > 0.0 => {
                    r.noise = number(0.0, self.max_noise(), "µA/cm²·√ms")?;
                }
                "noise" => {
                    return Err(
                        "this posterior was trained without noise: no noise parameter".into(),
                    );
                }
                "seed" => {
                    r.seed = match value.trim().parse::<u64>() {
                        Ok(s) if s <= MAX_SEED => s,
                        _ => {
                            return Err(format!(
                                "seed must be a whole number from 0 to {MAX_SEED}, got `{value}`"
                            ));
                        }
                    }
                }
                _ => return Err(format!("unknown parameter `{key}`")),
            }
            seen.push(key);
        }
        if strict {
            for key in ["v_rest", "stim", "seed"] {
                if !seen.iter().any(|k| k == key) {
                    return Err(format!("missing parameter `{key}`"));
                }
            }
        }
        Ok(r)
    }

    /// Simulates the observation, samples the posterior at it and draws the pictures.
    ///
    /// # Errors
    /// Simulation, sampling or drawing errors.
    pub fn view(&self, request: ViewRequest) -> Result<View, CliError> {
        let start = Instant::now();
        let truth = [request.v_rest, request.stim];
        let sim = self.sim.clone().with_noise_sigma(request.noise)?;
        let (observed, x_obs) = observe(&sim, &self.features, truth, request.seed)?;
        let check = match &self.check {
            Some((data, mmd)) => Some(Misspecification::check::<DirectPosterior>(
                data,
                mmd,
                None::<&XDensity<DirectPosterior>>,
                &x_obs,
            )?),
            None => None,
        };
        let samples = self
            .posterior
            .sample(
                &x_obs,
                NUM_SAMPLES,
                &mut streams::POSTERIOR_SAMPLES.rng(request.seed),
            )
            .map_err(|e| no_posterior(e, check.as_ref()))?;
        let pictures = render_pictures(&Scene {
            sim: &sim,
            posterior: &self.posterior,
            truth: Some(truth),
            observed: &observed,
            x_obs: &x_obs,
            samples: &samples,
            seed: request.seed,
        })?;
        Ok(View {
            request,
            summary: marginals(&samples),
            seconds: start.elapsed().as_secs_f64(),
            pictures,
            check,
        })
    }
}

impl View {
    /// The numbers and pictures as one JSON object (what the page's script fetches).
    pub fn to_json(&self) -> serde_json::Value {
        let col = |f: fn(&Marginal) -> f64| self.summary.iter().map(f).collect::<Vec<_>>();
        let r = self.request;
        serde_json::json!({
            "request": {"v_rest": r.v_rest, "stim": r.stim, "noise": r.noise, "seed": r.seed},
            "names": NAMES,
            "truth": [r.v_rest, r.stim],
            "mean": col(|m| m.mean),
            "std": col(|m| m.std),
            "q05": col(|m| m.q05),
            "q95": col(|m| m.q95),
            "seconds": self.seconds,
            "misspecification": self.check.as_ref().map_or(serde_json::Value::Null, crate::model_check::to_json),
            "check": self.check_text(),
            "svg": {
                "posterior": self.pictures.posterior,
                "observed": self.pictures.observed,
                "predictive": self.pictures.predictive,
            },
        })
    }

    /// The model check as one line for the page (empty when none ran) — its verdict's
    /// sentence, p-value and the features furthest out.
    pub fn check_text(&self) -> String {
        self.check
            .as_ref()
            .map_or(String::new(), |m| m.report("the observation"))
    }

    /// Whether the page should warn: the model check found the observation outside what the
    /// model produces (p < 0.01). A doubtful one (p < 0.05) is shown without the warning:
    /// one slider setting in 20 lands there by chance, mostly at the prior box's corners.
    pub fn warns(&self) -> bool {
        self.check
            .as_ref()
            .is_some_and(|m| m.verdict() == sbi_inference::Verdict::Outside)
    }

    /// The rows of the numbers table, as HTML (one per parameter).
    pub fn table_rows(&self) -> String {
        let truth = [self.request.v_rest, self.request.stim];
        self.summary
            .iter()
            .enumerate()
            .map(|(j, m)| {
                format!(
                    "<tr><th>{}</th><td class=\"truth\">{:.2}</td><td class=\"mean\">{:.3}</td>\
                     <td class=\"std\">{:.3}</td><td class=\"interval\">[{:.3}, {:.3}]</td></tr>",
                    NAMES[j], truth[j], m.mean, m.std, m.q05, m.q95
                )
            })
            .collect()
    }
}
