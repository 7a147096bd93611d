//! The study: measured data, the model's predicted spike fractions, and the fitting losses.

use rayon::prelude::*;
use sbi_core::{Objective, check_dim, stream_rng};

use crate::data::SpikeData;
use crate::error::Result;
use crate::model::SpikeModel;
use sbi_core::invalid;

/// The largest δv or δa a prediction takes (10⁶): beyond, the model would describe a membrane
/// a million times stronger or larger than the study's.
pub const MAX_DELTA: f64 = 1e6;

/// Reference stimulus, µA: stimulus = V_REF · x · (1 + δv).
pub const V_REF: f64 = 1e-7;
/// Reference area factor: area factor = AREA_REF · (1 + δa).
pub const AREA_REF: f64 = 0.1;
/// The most trials per data point a study simulates: 10⁷ (the exact solver keeps one threshold
/// per trial and point, 80 MB per point at this size; 10⁷ trials put the binomial noise of a
/// fraction below 1.6·10⁻⁴, far under any measurement's).
pub const MAX_TRIALS: usize = 10_000_000;

/// Which loss a fit minimises.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Loss {
    /// Mean squared error between predicted and measured fractions, over the data points.
    #[default]
    Mse,
    /// Binomial negative log-likelihood of the measured counts given the predicted fractions
    /// (clamped to [1/(2N), 1 − 1/(2N)] for N simulated trials per point).
    BinomialNll,
}

/// Data + model + simulation budget: predicts spike fractions for (δv, δa) with common random
/// numbers — trial t of point p always uses the noise stream `stream_rng(seed, p, t)` — so the
/// same (δv, δa) always gives the same prediction and loss.
///
/// ```no_run
/// use spike_fit::{Mode, SpikeData, SpikeModel, Study};
/// let data = SpikeData::from_fractions(vec![0.95, 1.0, 1.05], vec![0.2, 0.5, 0.7])?;
/// let study = Study::new(SpikeModel::new(Mode::Corrected), data)?.with_trials(200);
/// let fractions = study.predict(0.0, 0.0)?;
/// assert_eq!(fractions.len(), 3);
/// # Ok::<(), spike_fit::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Study {
    model: SpikeModel,
    data: SpikeData,
    trials: usize,
    seed: u64,
}

impl Study {
    /// 1000 trials per point, seed 0.
    ///
    /// # Errors
    /// An invalid model.
    pub fn new(model: SpikeModel, data: SpikeData) -> Result<Self> {
        model.validate()?;
        Ok(Self {
            model,
            data,
            trials: 1000,
            seed: 0,
        })
    }

    /// Simulated trials per data point, 1 to [`MAX_TRIALS`] (checked when the study predicts).
    pub fn with_trials(mut self, trials: usize) -> Self {
        self.trials = trials;
        self
    }

    fn check_trials(&self) -> Result<()> {
        if self.trials == 0 || self.trials > MAX_TRIALS {
            return Err(invalid(
                "trials",
                self.trials as f64,
                "trials per data point must be between 1 and 10,000,000",
            ));
        }
        Ok(())
    }

    /// Seed of the noise streams.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The model.
    pub fn model(&self) -> &SpikeModel {
        &self.model
    }

    /// The data.
    pub fn data(&self) -> &SpikeData {
        &self.data
    }

    /// Trials per point.
    pub fn trials(&self) -> usize {
        self.trials
    }

    /// Seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub(crate) fn check_deltas(delta_v: f64, delta_a: f64) -> Result<()> {
        // A million-fold change of the stimulus or the membrane area is no fit of a membrane.
        if !(delta_v > -1.0 && delta_v <= MAX_DELTA) {
            return Err(invalid("delta_v", delta_v, "must lie in (−1, 10⁶]"));
        }
        if !(delta_a > -1.0 && delta_a <= MAX_DELTA) {
            return Err(invalid("delta_area", delta_a, "must lie in (−1, 10⁶]"));
        }
        Ok(())
    }

    /// Predicted spike fraction at every data point for (δv, δa); parallel over trials.
    ///
    /// # Errors
    /// δv or δa not finite or ≤ −1.
    pub fn predict(&self, delta_v: f64, delta_a: f64) -> Result<Vec<f64>> {
        self.predict_at(self.data.x(), delta_v, delta_a)
    }

    /// Predicted spike fraction at arbitrary relative stimuli `xs` (point i uses noise streams
    /// `(seed, i, ·)`).
    ///
    /// # Errors
    /// As [`Study::predict`]; non-finite or negative x.
    pub fn predict_at(&self, xs: &[f64], delta_v: f64, delta_a: f64) -> Result<Vec<f64>> {
        Self::check_deltas(delta_v, delta_a)?;
        self.check_trials()?;
        if let Some(x) = xs.iter().find(|x| !(x.is_finite() && **x >= 0.0)) {
            return Err(invalid("x", *x, "relative stimulus must be finite and ≥ 0"));
        }
        let area = AREA_REF * (1.0 + delta_a);
        if !(area.is_finite() && area > 0.0) {
            return Err(invalid(
                "delta_area",
                delta_a,
                "the area factor 0.1·(1 + δa) must be finite and positive",
            ));
        }
        let n = self.trials;
        xs.iter()
            .enumerate()
            .map(|(p, &x)| {
                let current = V_REF * x * (1.0 + delta_v);
                self.model
                    .spike_fraction(current, area, n, self.seed, p as u64)
            })
            .collect()
    }

    /// The pulse-strength coordinate s₀ = (1 + δv)/(1 + δa) at which the noise-free model's
    /// threshold sits at the data's 50 % point (linearly interpolated; the median stimulus if
    /// the data do not cross 50 %): the natural centre of the search in ln s, since the
    /// noise-free response depends on the stimulus only through the current density.
    pub fn anchor_s(&self) -> f64 {
        let quiet = self.model.with_k_noise(0.0);
        let t0 = quiet
            .threshold_current(1.0, &[])
            .ok()
            .flatten()
            .unwrap_or(70.0 * crate::AREA_UNIT);
        let density0 = t0 / crate::AREA_UNIT; // µA/cm²
        let (x, f) = (self.data.x(), self.data.fractions());
        let mut order: Vec<usize> = (0..x.len()).collect();
        order.sort_by(|a, b| x[*a].total_cmp(&x[*b]));
        let mut x50 = x[order[order.len() / 2]];
        for w in order.windows(2) {
            let (a, b) = (w[0], w[1]);
            if (f[a] - 0.5) * (f[b] - 0.5) <= 0.0 && f[a] != f[b] {
                x50 = x[a] + (0.5 - f[a]) * (x[b] - x[a]) / (f[b] - f[a]);
                break;
            }
        }
        // V_REF·x50·s / (AREA_UNIT·AREA_REF) = density0.
        density0 * crate::AREA_UNIT * AREA_REF / (V_REF * x50)
    }

    /// The loss of predicted fractions (one per data point, each in [0, 1]) against the data.
    ///
    /// # Errors
    /// A `predicted` of another length than the data, or a value outside [0, 1] or NaN.
    pub fn loss(&self, loss: Loss, predicted: &[f64]) -> Result<f64> {
        check_dim(self.data.len(), predicted.len())?;
        if let Some(p) = predicted.iter().find(|p| !(0.0..=1.0).contains(*p)) {
            return Err(invalid(
                "predicted",
                *p,
                "a spike fraction must lie in [0, 1]",
            ));
        }
        Ok(match loss {
            Loss::Mse => mse(predicted, &self.data.fractions()),
            Loss::BinomialNll => {
                let eps = 0.5 / self.trials as f64;
                predicted
                    .iter()
                    .zip(self.data.spiking().iter().zip(self.data.trials()))
                    .map(|(p, (k, n))| point_nll(p.clamp(eps, 1.0 - eps), *k, *n))
                    .sum()
            }
        })
    }

    /// Per point, per trial, the threshold stimulus (µA) of that trial's noise path at area
    /// factor `AREA_REF·(1 + δa)` (∞ when none was found). Spiking is monotone in the stimulus
    /// for a fixed noise path, so the predicted fraction at stimulus I is the fraction of
    /// thresholds ≤ I: an empirical CDF.
    ///
    /// Also returns the number of model runs the bisections took.
    ///
    /// # Errors
    /// δa not finite or ≤ −1.
    pub fn thresholds(&self, delta_a: f64) -> Result<(Vec<Vec<f64>>, u64)> {
        Self::check_deltas(0.0, delta_a)?;
        self.check_trials()?;
        let area = AREA_REF * (1.0 + delta_a);
        SpikeModel::check_inputs(0.0, area)?;
        let mut runs = 0;
        let mut th = Vec::with_capacity(self.data.len());
        for p in 0..self.data.len() {
            let per_trial: Vec<(f64, u64)> = (0..self.trials)
                .into_par_iter()
                .map_init(Vec::new, |xi, t| {
                    self.model
                        .draw_noise(&mut stream_rng(self.seed, p as u64, t as u64), xi);
                    let (thr, r) = self.model.threshold_with_count(area, xi)?;
                    Ok((thr.unwrap_or(f64::INFINITY), r))
                })
                .collect::<Result<_>>()?;
            runs += per_trial.iter().map(|(_, r)| r).sum::<u64>();
            th.push(per_trial.into_iter().map(|(t, _)| t).collect());
        }
        Ok((th, runs))
    }
}

/// Mean squared difference.
pub fn mse(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>() / a.len().max(1) as f64
}

/// −ln Binomial(k | n, p) without the constant binomial coefficient.
pub(crate) fn point_nll(p: f64, k: u64, n: u64) -> f64 {
    -(k as f64 * p.ln() + (n - k) as f64 * (1.0 - p).ln())
}

/// The fitting loss as an [`Objective`] in the study's well-conditioned coordinates
/// u = (ln s, ln a) ([`crate::to_coords`]): cost(u) = the loss of the prediction at
/// (δv, δa) = [`crate::from_coords`]`(u)`. A u whose δ's are not finite (an overflowing
/// exponent) costs +∞, so solvers can step anywhere.
///
/// ```no_run
/// use sbi_core::Objective;
/// use spike_fit::{Loss, Mode, SpikeData, SpikeModel, Study, StudyObjective, to_coords};
/// let study = Study::new(SpikeModel::new(Mode::Corrected), SpikeData::measured())?;
/// let objective = StudyObjective { study: &study, loss: Loss::Mse };
/// let mse = objective.cost(&to_coords(0.0, 0.0))?;
/// # Ok::<(), spike_fit::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct StudyObjective<'a> {
    /// The study.
    pub study: &'a Study,
    /// The loss.
    pub loss: Loss,
}

impl Objective for StudyObjective<'_> {
    type Error = crate::Error;

    fn dim(&self) -> usize {
        2
    }

    fn cost(&self, u: &[f64]) -> Result<f64> {
        check_dim(2, u.len())?;
        let (dv, da) = crate::from_coords([u[0], u[1]]);
        if Study::check_deltas(dv, da).is_err() {
            return Ok(f64::INFINITY);
        }
        let pred = self.study.predict(dv, da)?;
        self.study.loss(self.loss, &pred)
    }
}
