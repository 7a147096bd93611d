//! Fitting (δv, δa): a small solver / observer / runner design in the style of argmin.
//!
//! Solvers work in well-conditioned coordinates u = (ln s, ln a) with a = 1 + δa (the area)
//! and s = (1 + δv)/(1 + δa) (the pulse's current density relative to the reference): the
//! noise-free response depends on the stimulus only through s, the noise's effect on a alone.
//! Every u maps to valid δ's (both > −1).

use crate::error::{Result, invalid};
use crate::study::{Loss, Study, V_REF, point_nll};

/// (δv, δa) → u = (ln s, ln a).
pub fn to_coords(delta_v: f64, delta_a: f64) -> [f64; 2] {
    let a = 1.0 + delta_a;
    [((1.0 + delta_v) / a).ln(), a.ln()]
}

/// u = (ln s, ln a) → (δv, δa).
pub fn from_coords(u: [f64; 2]) -> (f64, f64) {
    let a = u[1].exp();
    (u[0].exp() * a - 1.0, a - 1.0)
}

/// What an observer sees after each iteration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IterState {
    /// Iteration number (solver-specific: grid level, simplex step, area evaluation).
    pub iteration: usize,
    /// Loss evaluations (or threshold sweeps) so far.
    pub evaluations: usize,
    /// Best δv so far.
    pub delta_v: f64,
    /// Best δa so far.
    pub delta_area: f64,
    /// Its loss.
    pub cost: f64,
}

/// Receives progress; `()` ignores it.
pub trait Observer {
    /// Called after every iteration.
    fn observe(&mut self, solver: &str, state: &IterState);
}

impl Observer for () {
    fn observe(&mut self, _: &str, _: &IterState) {}
}

/// Prints each iteration to standard error.
#[derive(Debug, Default, Clone, Copy)]
pub struct PrintObserver;

impl Observer for PrintObserver {
    fn observe(&mut self, solver: &str, s: &IterState) {
        eprintln!(
            "{solver}: iteration {:>3}  evaluations {:>4}  δv {:+.5}  δa {:+.5}  loss {:.6e}",
            s.iteration, s.evaluations, s.delta_v, s.delta_area, s.cost
        );
    }
}

/// The outcome of a fit.
#[derive(Debug, Clone, PartialEq)]
pub struct FitResult {
    /// Solver name.
    pub solver: &'static str,
    /// Fitted δv.
    pub delta_v: f64,
    /// Fitted δa.
    pub delta_area: f64,
    /// In-sample loss at the fit (same noise streams as the search).
    pub cost: f64,
    /// Which loss.
    pub loss: Loss,
    /// Loss evaluations (each a full prediction) or threshold sweeps.
    pub evaluations: usize,
    /// Iterations.
    pub iterations: usize,
    /// Model runs (trials simulated), all evaluations together.
    pub simulations: u64,
    /// Whether the solver's convergence criterion was met (rather than its budget exhausted).
    pub converged: bool,
    /// Best loss after each iteration: the convergence trace.
    pub history: Vec<f64>,
}

/// A fitting method.
pub trait Solver {
    /// Its name (`grid`, `nelder-mead`, `threshold`).
    fn name(&self) -> &'static str;

    /// Minimises `loss` of `study` from the start (δv, δa).
    ///
    /// # Errors
    /// Invalid start or settings; model errors.
    fn solve(
        &self,
        study: &Study,
        loss: Loss,
        start: (f64, f64),
        observer: &mut dyn Observer,
    ) -> Result<FitResult>;
}

/// Runs `solver` on `study` from `start` (the runner). The start's area is used as given;
/// its stimulus scale is re-anchored so that the noise-free threshold sits at the data's 50 %
/// point ([`Study::anchor_s`]) — a start far off that point sees a flat loss (all or no trials
/// spike) and no solver can tell which way to go. Use [`Solver::solve`] directly to start
/// exactly at `start`.
///
/// # Errors
/// As the solver's.
pub fn fit(
    study: &Study,
    solver: &dyn Solver,
    loss: Loss,
    start: (f64, f64),
    observer: &mut dyn Observer,
) -> Result<FitResult> {
    Study::check_deltas(start.0, start.1)?;
    let a = 1.0 + start.1;
    let s0 = study.anchor_s();
    let anchored = (s0 * a - 1.0, start.1);
    if Study::check_deltas(anchored.0, anchored.1).is_err() {
        return Err(crate::Error::InvalidData(format!(
            "the data's 50 % point asks for a pulse strength s = {s0:e} relative to the \
             reference, which (δv, δa) cannot represent (δv = s·(1 + δa) − 1 must be a finite \
             number > −1); are the relative stimuli in the data near 1?"
        )));
    }
    solver.solve(study, loss, anchored, observer)
}

/// Trials simulated by `evaluations` predictions of `study` (saturating).
fn simulations(evaluations: usize, study: &Study) -> u64 {
    (evaluations as u64)
        .saturating_mul(study.data().len() as u64)
        .saturating_mul(study.trials() as u64)
}

/// Checks that `value` is finite and in `[min, max]`.
fn check_range(
    name: &'static str,
    value: f64,
    min: f64,
    max: f64,
    reason: &'static str,
) -> Result<()> {
    if value.is_finite() && (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(invalid(name, value, reason))
    }
}

struct Tracker<'a> {
    study: &'a Study,
    loss: Loss,
    evaluations: usize,
    best: (f64, [f64; 2]),
}

impl<'a> Tracker<'a> {
    fn new(study: &'a Study, loss: Loss) -> Self {
        Self {
            study,
            loss,
            evaluations: 0,
            best: (f64::INFINITY, [0.0; 2]),
        }
    }

    /// The loss at u; a u outside the valid region costs +∞ — and, like every evaluation,
    /// counts against the budget, so a solver stuck there still stops.
    fn eval(&mut self, u: [f64; 2]) -> Result<f64> {
        self.evaluations += 1;
        let (dv, da) = from_coords(u);
        if Study::check_deltas(dv, da).is_err() {
            return Ok(f64::INFINITY);
        }
        let c = self.study.loss(self.loss, &self.study.predict(dv, da)?)?;
        if c < self.best.0 {
            self.best = (c, u);
        }
        Ok(c)
    }

    fn state(&self, iteration: usize) -> IterState {
        let (dv, da) = from_coords(self.best.1);
        IterState {
            iteration,
            evaluations: self.evaluations,
            delta_v: dv,
            delta_area: da,
            cost: self.best.0,
        }
    }

    /// The fit, or [`crate::Error::NoValidPoint`] when no evaluation had a finite loss.
    fn result(
        &self,
        solver: &'static str,
        iterations: usize,
        converged: bool,
        history: Vec<f64>,
    ) -> Result<FitResult> {
        if !self.best.0.is_finite() {
            return Err(crate::Error::NoValidPoint {
                solver,
                evaluations: self.evaluations,
            });
        }
        let (dv, da) = from_coords(self.best.1);
        Ok(FitResult {
            solver,
            delta_v: dv,
            delta_area: da,
            cost: self.best.0,
            loss: self.loss,
            evaluations: self.evaluations,
            iterations,
            simulations: simulations(self.evaluations, self.study),
            converged,
            history,
        })
    }
}

/// Coarse-to-fine grid in u = (ln s, ln a): `points × points` around the start spanning
/// ±`span`, then around the best point with the span divided by `shrink`, for `levels` levels.
/// Robust on a piecewise-constant objective (no gradients, no simplex collapse).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridSearch {
    /// Grid levels.
    pub levels: usize,
    /// Points per axis (odd keeps the centre on the grid).
    pub points: usize,
    /// Initial half-widths in (ln s, ln a).
    pub span: [f64; 2],
    /// Span reduction per level.
    pub shrink: f64,
    /// The last level simulates this many times more trials per point (a sharper objective
    /// where the grid is already fine; 1 keeps the study's budget).
    pub final_trials_factor: usize,
}

impl Default for GridSearch {
    fn default() -> Self {
        Self {
            levels: 4,
            points: 7,
            span: [0.12, 1.8],
            shrink: 3.0,
            final_trials_factor: 4,
        }
    }
}

impl Solver for GridSearch {
    fn name(&self) -> &'static str {
        "grid"
    }

    fn solve(
        &self,
        study: &Study,
        loss: Loss,
        start: (f64, f64),
        observer: &mut dyn Observer,
    ) -> Result<FitResult> {
        check_range(
            "grid.points",
            self.points as f64,
            2.0,
            1001.0,
            "2 to 1001 points per axis",
        )?;
        check_range(
            "grid.levels",
            self.levels as f64,
            1.0,
            100.0,
            "1 to 100 levels",
        )?;
        check_range(
            "grid.shrink",
            self.shrink,
            1.0 + 1e-9,
            1e6,
            "shrink must be > 1 (and ≤ 10⁶)",
        )?;
        for s in self.span {
            check_range(
                "grid.span",
                s,
                1e-12,
                50.0,
                "half-widths in ln s, ln a: 10⁻¹² to 50",
            )?;
        }
        check_range(
            "grid.final_trials_factor",
            self.final_trials_factor as f64,
            0.0,
            1000.0,
            "at most 1000",
        )?;
        Study::check_deltas(start.0, start.1)?;
        let fine = study.clone().with_trials(
            study
                .trials()
                .saturating_mul(self.final_trials_factor.max(1)),
        );
        let mut t = Tracker::new(study, loss);
        let mut centre = to_coords(start.0, start.1);
        let mut span = self.span;
        let mut history = Vec::new();
        let mut coarse_evaluations = 0;
        for level in 0..self.levels {
            if level + 1 == self.levels && self.final_trials_factor > 1 {
                // Re-score on the sharper objective: the best so far must compete on it too.
                coarse_evaluations = t.evaluations;
                let keep = t.best.1;
                t = Tracker::new(&fine, loss);
                t.eval(keep)?;
            }
            let k = self.points;
            for i in 0..k {
                for j in 0..k {
                    let f = |q: usize| -1.0 + 2.0 * q as f64 / (k - 1) as f64;
                    t.eval([centre[0] + span[0] * f(i), centre[1] + span[1] * f(j)])?;
                }
            }
            if !t.best.0.is_finite() {
                // No valid point on this level: the next level would centre on an arbitrary
                // point, and the result would be a fit of nothing.
                return Err(crate::Error::NoValidPoint {
                    solver: self.name(),
                    evaluations: t.evaluations + coarse_evaluations,
                });
            }
            centre = t.best.1;
            span = [span[0] / self.shrink, span[1] / self.shrink];
            history.push(t.best.0);
            observer.observe(self.name(), &t.state(level + 1));
        }
        t.evaluations += coarse_evaluations;
        let mut r = t.result(self.name(), self.levels, true, history)?;
        // The coarse levels ran at the study's own trial count, not the fine one.
        r.simulations = simulations(coarse_evaluations, study)
            .saturating_add(simulations(r.evaluations - coarse_evaluations, &fine));
        Ok(r)
    }
}

/// Nelder–Mead in u = (ln s, ln a), initial simplex of steps `step` along each axis, restarted
/// from the best point (with the initial steps) `restarts` times — restarts rescue a simplex
/// that collapsed on a plateau of the piecewise-constant objective.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NelderMead {
    /// Initial simplex steps in (ln s, ln a).
    pub step: [f64; 2],
    /// Restarts after the first run.
    pub restarts: usize,
    /// Evaluation budget per run.
    pub max_evaluations: usize,
    /// Stop when the simplex's loss spread is below this and its size below 10⁻⁴.
    pub tolerance: f64,
}

impl Default for NelderMead {
    fn default() -> Self {
        Self {
            step: [0.02, 0.5],
            restarts: 2,
            max_evaluations: 60,
            tolerance: 1e-7,
        }
    }
}

impl Solver for NelderMead {
    fn name(&self) -> &'static str {
        "nelder-mead"
    }

    fn solve(
        &self,
        study: &Study,
        loss: Loss,
        start: (f64, f64),
        observer: &mut dyn Observer,
    ) -> Result<FitResult> {
        for s in self.step {
            if !(s.is_finite() && s != 0.0 && s.abs() <= 50.0) {
                return Err(invalid(
                    "nelder_mead.step",
                    s,
                    "simplex steps must be finite, non-zero and at most 50 in size",
                ));
            }
        }
        check_range(
            "nelder_mead.tolerance",
            self.tolerance,
            0.0,
            f64::MAX,
            "must be finite and ≥ 0",
        )?;
        check_range(
            "nelder_mead.max_evaluations",
            self.max_evaluations as f64,
            3.0,
            100_000.0,
            "3 to 100,000 evaluations per run",
        )?;
        check_range(
            "nelder_mead.restarts",
            self.restarts as f64,
            0.0,
            1000.0,
            "at most 1000",
        )?;
        Study::check_deltas(start.0, start.1)?;
        let mut t = Tracker::new(study, loss);
        let mut history = Vec::new();
        let mut x0 = to_coords(start.0, start.1);
        let mut iteration = 0;
        let mut converged = false;
        for _run in 0..=self.restarts {
            let mut simplex: Vec<([f64; 2], f64)> = Vec::with_capacity(3);
            for p in [
                x0,
                [x0[0] + self.step[0], x0[1]],
                [x0[0], x0[1] + self.step[1]],
            ] {
                let c = t.eval(p)?;
                simplex.push((p, c));
            }
            let budget = t.evaluations + self.max_evaluations;
            converged = false;
            while t.evaluations < budget {
                simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
                let size = simplex[1..]
                    .iter()
                    .map(|(p, _)| (p[0] - simplex[0].0[0]).abs() + (p[1] - simplex[0].0[1]).abs())
                    .fold(0.0, f64::max);
                if simplex[2].1 - simplex[0].1 <= self.tolerance && size < 1e-4 {
                    converged = true;
                    break;
                }
                let c = [
                    0.5 * (simplex[0].0[0] + simplex[1].0[0]),
                    0.5 * (simplex[0].0[1] + simplex[1].0[1]),
                ];
                let w = simplex[2].0;
                let along = |k: f64| [c[0] + k * (c[0] - w[0]), c[1] + k * (c[1] - w[1])];
                let r = along(1.0);
                let fr = t.eval(r)?;
                if fr < simplex[0].1 {
                    let e = along(2.0);
                    let fe = t.eval(e)?;
                    simplex[2] = if fe < fr { (e, fe) } else { (r, fr) };
                } else if fr < simplex[1].1 {
                    simplex[2] = (r, fr);
                } else {
                    let (k, fref) = if fr < simplex[2].1 {
                        (0.5, fr)
                    } else {
                        (-0.5, simplex[2].1)
                    };
                    let ct = along(k);
                    let fc = t.eval(ct)?;
                    if fc <= fref {
                        simplex[2] = (ct, fc);
                    } else {
                        let b = simplex[0].0;
                        for s in simplex.iter_mut().skip(1) {
                            let p = [0.5 * (b[0] + s.0[0]), 0.5 * (b[1] + s.0[1])];
                            *s = (p, t.eval(p)?);
                        }
                    }
                }
                iteration += 1;
                history.push(t.best.0);
                observer.observe(self.name(), &t.state(iteration));
            }
            x0 = t.best.1;
        }
        t.result(self.name(), iteration, converged, history)
    }
}

/// The exact method. For a fixed area, each trial's noise path has a threshold stimulus
/// (bisection; spiking is monotone in the stimulus), so the predicted fraction at every data
/// point is an empirical CDF of thresholds in (1 + δv): the loss is piecewise constant in δv
/// with known breakpoints, and one sweep over them finds its exact minimum. The area is then
/// searched in ln a: a grid of `area_points` over ±`area_span`, then golden-section refinement
/// of the best bracket to `tolerance`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThresholdSearch {
    /// Half-width of the area search in ln a.
    pub area_span: f64,
    /// Initial grid points in ln a.
    pub area_points: usize,
    /// Golden-section tolerance in ln a.
    pub tolerance: f64,
}

impl Default for ThresholdSearch {
    fn default() -> Self {
        Self {
            area_span: 2.5,
            area_points: 11,
            tolerance: 0.03,
        }
    }
}

/// For thresholds at one area, the δv minimising the loss, and that loss.
fn best_delta_v(study: &Study, loss: Loss, thresholds: &[Vec<f64>]) -> (f64, f64) {
    let data = study.data();
    let n = study.trials() as f64;
    let f = data.fractions();
    let eps = 0.5 / n;
    let term = |p: usize, k: usize| match loss {
        Loss::Mse => (k as f64 / n - f[p]).powi(2) / data.len() as f64,
        Loss::BinomialNll => point_nll(
            (k as f64 / n).clamp(eps, 1.0 - eps),
            data.spiking()[p],
            data.trials()[p],
        ),
    };
    // Breakpoints in c = 1 + δv: trial t of point p spikes once V_REF·x_p·c ≥ thr.
    let mut events: Vec<(f64, usize)> = thresholds
        .iter()
        .enumerate()
        .flat_map(|(p, th)| th.iter().map(move |t| (t / (V_REF * data.x()[p]), p)))
        .filter(|(c, _)| c.is_finite())
        .collect();
    events.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut k = vec![0usize; data.len()];
    let mut total: f64 = (0..data.len()).map(|p| term(p, 0)).sum();
    let mut best = (total, events.first().map_or(1.0, |e| e.0 * 0.5));
    for (i, &(c, p)) in events.iter().enumerate() {
        total += term(p, k[p] + 1) - term(p, k[p]);
        k[p] += 1;
        let next = events.get(i + 1).map_or(c * 1.01, |e| e.0);
        if total < best.0 - 1e-15 && next > c {
            best = (total, 0.5 * (c + next));
        }
    }
    (best.1 - 1.0, best.0)
}

impl Solver for ThresholdSearch {
    fn name(&self) -> &'static str {
        "threshold"
    }

    fn solve(
        &self,
        study: &Study,
        loss: Loss,
        start: (f64, f64),
        observer: &mut dyn Observer,
    ) -> Result<FitResult> {
        check_range(
            "threshold.area_points",
            self.area_points as f64,
            3.0,
            10_001.0,
            "3 to 10,001 area points",
        )?;
        check_range(
            "threshold.area_span",
            self.area_span,
            1e-6,
            50.0,
            "ln a half-width: 10⁻⁶ to 50",
        )?;
        check_range(
            "threshold.tolerance",
            self.tolerance,
            1e-9,
            f64::MAX,
            "golden-section tolerance in ln a must be finite and ≥ 10⁻⁹",
        )?;
        Study::check_deltas(start.0, start.1)?;
        let mut iteration = 0;
        let mut history = Vec::new();
        // (best loss, δv, δa, evaluations)
        let mut best = (f64::INFINITY, 0.0, 0.0);
        let mut evaluations = 0usize;
        let mut simulations = 0u64;
        let mut eval =
            |ln_a: f64, best: &mut (f64, f64, f64), evaluations: &mut usize| -> Result<f64> {
                let da = ln_a.exp() - 1.0;
                *evaluations += 1;
                if Study::check_deltas(0.0, da).is_err() {
                    return Ok(f64::INFINITY);
                }
                let (th, runs) = study.thresholds(da)?;
                simulations += runs;
                let (dv, c) = best_delta_v(study, loss, &th);
                if c < best.0 {
                    *best = (c, dv, da);
                }
                Ok(c)
            };
        let centre = (1.0 + start.1).ln();
        let k = self.area_points;
        let grid: Vec<f64> = (0..k)
            .map(|i| centre - self.area_span + 2.0 * self.area_span * i as f64 / (k - 1) as f64)
            .collect();
        let mut costs = Vec::with_capacity(k);
        for &g in &grid {
            costs.push(eval(g, &mut best, &mut evaluations)?);
            iteration += 1;
            history.push(best.0);
            observer.observe(self.name(), &state(iteration, evaluations, best));
        }
        let i = costs
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .map_or(k / 2, |(i, _)| i);
        let (mut a, mut b) = (grid[i.saturating_sub(1)], grid[(i + 1).min(k - 1)]);
        let g = 0.5 * (5f64.sqrt() - 1.0);
        let (mut x1, mut x2) = (b - g * (b - a), a + g * (b - a));
        let f1 = eval(x1, &mut best, &mut evaluations)?;
        let f2 = eval(x2, &mut best, &mut evaluations)?;
        let (mut f1, mut f2) = (f1, f2);
        // Each step shrinks the bracket by the golden ratio: the bound below is reached only
        // if rounding stalls it.
        let max_steps = 10 + ((b - a) / self.tolerance).ln().max(0.0) as usize * 3;
        let mut steps = 0;
        while b - a > self.tolerance && steps < max_steps {
            steps += 1;
            if f1 <= f2 {
                b = x2;
                (x2, f2) = (x1, f1);
                x1 = b - g * (b - a);
                f1 = eval(x1, &mut best, &mut evaluations)?;
            } else {
                a = x1;
                (x1, f1) = (x2, f2);
                x2 = a + g * (b - a);
                f2 = eval(x2, &mut best, &mut evaluations)?;
            }
            iteration += 1;
            history.push(best.0);
            observer.observe(self.name(), &state(iteration, evaluations, best));
        }
        if !best.0.is_finite() {
            return Err(crate::Error::NoValidPoint {
                solver: self.name(),
                evaluations,
            });
        }
        Ok(FitResult {
            solver: self.name(),
            delta_v: best.1,
            delta_area: best.2,
            cost: best.0,
            loss,
            evaluations,
            iterations: iteration,
            simulations,
            converged: true,
            history,
        })
    }
}

fn state(iteration: usize, evaluations: usize, best: (f64, f64, f64)) -> IterState {
    IterState {
        iteration,
        evaluations,
        delta_v: best.1,
        delta_area: best.2,
        cost: best.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Mode, SpikeData, SpikeModel};

    #[test]
    fn invalid_points_count_against_the_budget_and_no_valid_point_is_an_error() {
        let data = SpikeData::from_fractions(vec![0.9, 1.0], vec![0.2, 0.8]).unwrap();
        let study = Study::new(SpikeModel::new(Mode::Corrected), data)
            .unwrap()
            .with_trials(8);
        let mut t = Tracker::new(&study, Loss::Mse);
        // ln s + ln a = 800 overflows δv: outside the valid region.
        for _ in 0..5 {
            assert_eq!(t.eval([400.0, 400.0]).unwrap(), f64::INFINITY);
        }
        assert_eq!(t.evaluations, 5, "invalid points must use up the budget");
        assert!(matches!(
            t.result("grid", 1, true, vec![]),
            Err(crate::Error::NoValidPoint {
                solver: "grid",
                evaluations: 5
            })
        ));
        assert!(t.eval([0.0, 0.0]).unwrap().is_finite());
        assert!(t.result("grid", 1, true, vec![]).is_ok());
    }
}
