//! Fitting: solvers and one fit loop, in the style of argmin.
//!
//! A [`Solver`] says how to start ([`Solver::init`]), what one iteration does
//! ([`Solver::next_iter`]) and when to stop ([`Solver::terminate`]); it evaluates the
//! objective through a [`Problem`], which counts evaluations and keeps the best point. [`run`]
//! is the loop: it owns the iteration count, the history of best costs and the observer calls,
//! for any [`Objective`] the solver accepts.
//!
//! [`GridSearch`] and [`NelderMead`] minimise any two-parameter [`Objective`];
//! [`ThresholdSearch`] is specific to the spike study. [`fit`] and [`solve`] run a solver on a
//! [`Study`] through its [`StudyObjective`], in the study's well-conditioned coordinates
//! u = (ln s, ln a) with a = 1 + δa (the area) and s = (1 + δv)/(1 + δa) (the pulse's current
//! density relative to the reference): the noise-free response depends on the stimulus only
//! through s, the noise's effect on a alone. Every finite u maps to valid δ's (both > −1).

mod grid;
mod nelder_mead;
mod threshold;

pub use grid::{GridSearch, GridState};
pub use nelder_mead::{NelderMead, SimplexState};
pub use threshold::{ThresholdSearch, ThresholdState};

use sbi_core::Objective;

use crate::error::{Error, Result};
use crate::study::{Loss, Study, StudyObjective};
use sbi_core::invalid;

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
#[derive(Debug, Clone, PartialEq)]
pub struct IterState {
    /// Iteration number, from 1 (solver-specific: a grid level, a simplex step, an area
    /// evaluation).
    pub iteration: usize,
    /// Objective evaluations so far.
    pub evaluations: usize,
    /// The best parameters so far (the objective's own: for a study fit, u = (ln s, ln a);
    /// [`IterState::deltas`] converts).
    pub params: Vec<f64>,
    /// Their cost.
    pub cost: f64,
}

impl IterState {
    /// For a study fit: the best (δv, δa) so far.
    pub fn deltas(&self) -> (f64, f64) {
        match self.params[..] {
            [ln_s, ln_a] => from_coords([ln_s, ln_a]),
            _ => (f64::NAN, f64::NAN),
        }
    }
}

/// Receives progress; `()` ignores it.
pub trait Observer {
    /// Called after every iteration.
    fn observe(&mut self, solver: &str, state: &IterState);
}

impl Observer for () {
    fn observe(&mut self, _: &str, _: &IterState) {}
}

/// Prints each iteration of a study fit to standard error, with (δv, δa).
#[derive(Debug, Default, Clone, Copy)]
pub struct PrintObserver;

impl Observer for PrintObserver {
    fn observe(&mut self, solver: &str, s: &IterState) {
        let (dv, da) = s.deltas();
        eprintln!(
            "{solver}: iteration {:>3}  evaluations {:>4}  δv {dv:+.5}  δa {da:+.5}  loss {:.6e}",
            s.iteration, s.evaluations, s.cost
        );
    }
}

/// Why a run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Termination {
    /// The solver's convergence criterion was met (for a grid: every level was searched).
    Converged,
    /// The solver's evaluation budget ran out first.
    BudgetExhausted,
    /// [`MAX_ITERATIONS`] iterations ran (a solver that never terminates on its own).
    MaxIterations,
}

/// The most iterations [`run`] makes, whatever the solver says: 10⁶.
pub const MAX_ITERATIONS: usize = 1_000_000;

/// The objective as a solver sees it: evaluations are counted, the best point is kept, and
/// a point where the objective is not finite costs +∞ (it counts against the budget too, so a
/// solver stuck outside the valid region still stops).
#[derive(Debug)]
pub struct Problem<'a, O> {
    objective: &'a O,
    refined: Option<&'a O>,
    on_refined: bool,
    evaluations: usize,
    refined_evaluations: usize,
    work: u64,
    best: Option<(f64, Vec<f64>)>,
}

impl<'a, O: Objective> Problem<'a, O>
where
    Error: From<O::Error>,
{
    /// A problem over `objective`.
    pub fn new(objective: &'a O) -> Self {
        Self {
            objective,
            refined: None,
            on_refined: false,
            evaluations: 0,
            refined_evaluations: 0,
            work: 0,
            best: None,
        }
    }

    /// Offers a more precise (and costlier) version of the objective, which a solver may
    /// switch to for its last stage ([`Problem::refine`]).
    pub fn with_refined(mut self, refined: &'a O) -> Self {
        self.refined = Some(refined);
        self
    }

    /// The objective being minimised now.
    pub fn objective(&self) -> &'a O {
        if self.on_refined {
            self.refined.unwrap_or(self.objective)
        } else {
            self.objective
        }
    }

    /// The cost at `params` (+∞ where the objective is NaN or infinite).
    ///
    /// # Errors
    /// The objective's errors (a wrong dimension, a failed model run).
    pub fn cost(&mut self, params: &[f64]) -> Result<f64> {
        let c = self.objective().cost(params)?;
        let c = if c.is_finite() { c } else { f64::INFINITY };
        self.record(params, c, 0);
        Ok(c)
    }

    /// Records an evaluation a solver made itself (at `params`, with cost `cost` and `work`
    /// units of extra work, e.g. model runs), as [`Problem::cost`] would.
    pub fn record(&mut self, params: &[f64], cost: f64, work: u64) {
        self.evaluations += 1;
        if self.on_refined {
            self.refined_evaluations += 1;
        }
        self.work = self.work.saturating_add(work);
        if cost.is_finite() && self.best.as_ref().is_none_or(|b| cost < b.0) {
            self.best = Some((cost, params.to_vec()));
        }
    }

    /// Switches to the refined objective, if one was offered and not yet used, and re-scores
    /// the best point on it (the best so far must compete on the sharper objective too).
    /// Returns whether it switched.
    ///
    /// # Errors
    /// The objective's errors at the best point.
    pub fn refine(&mut self) -> Result<bool> {
        if self.on_refined || self.refined.is_none() {
            return Ok(false);
        }
        self.on_refined = true;
        if let Some((_, p)) = self.best.take() {
            self.cost(&p)?;
        }
        Ok(true)
    }

    /// The best (cost, parameters) so far, if any evaluation was finite.
    pub fn best(&self) -> Option<(f64, &[f64])> {
        self.best.as_ref().map(|(c, p)| (*c, p.as_slice()))
    }

    /// Evaluations so far.
    pub fn evaluations(&self) -> usize {
        self.evaluations
    }

    /// Evaluations made on the refined objective.
    pub fn refined_evaluations(&self) -> usize {
        self.refined_evaluations
    }

    /// Extra work solvers recorded.
    pub fn work(&self) -> u64 {
        self.work
    }
}

/// A minimisation method over objectives of type `O`: its settings are the value (`&self`),
/// what changes during a run is its [`Solver::State`], which [`run`] keeps.
pub trait Solver<O: Objective> {
    /// What the solver carries from one iteration to the next (a grid's level and centre, a
    /// simplex).
    type State;

    /// Its name (`grid`, `nelder-mead`, `threshold`).
    fn name(&self) -> &'static str;

    /// How many times more precise an objective the solver's last stage uses (1: none); a
    /// runner offers it through [`Problem::with_refined`].
    fn refinement(&self) -> usize {
        1
    }

    /// Checks the settings, evaluates the starting point(s) and returns the initial state.
    ///
    /// # Errors
    /// Invalid settings or start; the objective's errors.
    fn init(&self, problem: &mut Problem<'_, O>, start: &[f64]) -> Result<Self::State>;

    /// One iteration.
    ///
    /// # Errors
    /// The objective's errors; no valid point found.
    fn next_iter(&self, problem: &mut Problem<'_, O>, state: &mut Self::State) -> Result<()>;

    /// `Some(why)` when the run should stop.
    fn terminate(&self, problem: &Problem<'_, O>, state: &Self::State) -> Option<Termination>;
}

/// What [`run`] returns.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    /// The solver's name.
    pub solver: &'static str,
    /// The best parameters.
    pub params: Vec<f64>,
    /// Their cost.
    pub cost: f64,
    /// Iterations.
    pub iterations: usize,
    /// Why the run stopped.
    pub termination: Termination,
    /// Best cost after each iteration: the convergence trace.
    pub history: Vec<f64>,
}

/// The fit loop: `init`, then `next_iter` until `terminate` (or [`MAX_ITERATIONS`]), calling
/// `observer` after every iteration.
///
/// ```
/// use sbi_core::{Error, Objective};
/// use spike_fit::{NelderMead, Problem, run};
/// struct Bowl;
/// impl Objective for Bowl {
///     type Error = Error;
///     fn dim(&self) -> usize { 2 }
///     fn cost(&self, p: &[f64]) -> Result<f64, Error> {
///         Ok((p[0] - 1.0).powi(2) + 10.0 * (p[1] + 2.0).powi(2))
///     }
/// }
/// let mut problem = Problem::new(&Bowl);
/// let out = run(&mut problem, &NelderMead::default(), &[0.0, 0.0], &mut ())?;
/// assert!((out.params[0] - 1.0).abs() < 1e-3 && (out.params[1] + 2.0).abs() < 1e-3);
/// # Ok::<(), spike_fit::Error>(())
/// ```
///
/// # Errors
/// The solver's; [`Error::NoValidPoint`] when no evaluation had a finite cost.
pub fn run<O, S>(
    problem: &mut Problem<'_, O>,
    solver: &S,
    start: &[f64],
    observer: &mut dyn Observer,
) -> Result<RunOutcome>
where
    O: Objective,
    S: Solver<O>,
    Error: From<O::Error>,
{
    sbi_core::check_dim(problem.objective().dim(), start.len())?;
    let mut state = solver.init(problem, start)?;
    let mut iteration = 0;
    let mut history = Vec::new();
    let termination = loop {
        if let Some(t) = solver.terminate(problem, &state) {
            break t;
        }
        if iteration >= MAX_ITERATIONS {
            break Termination::MaxIterations;
        }
        solver.next_iter(problem, &mut state)?;
        iteration += 1;
        if let Some((cost, params)) = problem.best() {
            history.push(cost);
            observer.observe(
                solver.name(),
                &IterState {
                    iteration,
                    evaluations: problem.evaluations(),
                    params: params.to_vec(),
                    cost,
                },
            );
        }
    };
    let Some((cost, params)) = problem.best() else {
        return Err(Error::NoValidPoint {
            solver: solver.name(),
            evaluations: problem.evaluations(),
        });
    };
    Ok(RunOutcome {
        solver: solver.name(),
        params: params.to_vec(),
        cost,
        iterations: iteration,
        termination,
        history,
    })
}

/// The outcome of a study fit.
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

/// Runs `solver` on `study` from `start` (the runner). The start's area is used as given;
/// its stimulus scale is re-anchored so that the noise-free threshold sits at the data's 50 %
/// point ([`Study::anchor_s`]) — a start far off that point sees a flat loss (all or no trials
/// spike) and no solver can tell which way to go. [`solve`] starts exactly at `start`.
///
/// # Errors
/// As [`solve`]; a data set whose 50 % point (δv, δa) cannot represent.
pub fn fit<S: StudySolver + ?Sized>(
    study: &Study,
    solver: &S,
    loss: Loss,
    start: (f64, f64),
    observer: &mut dyn Observer,
) -> Result<FitResult> {
    Study::check_deltas(start.0, start.1)?;
    let a = 1.0 + start.1;
    let s0 = study.anchor_s();
    let anchored = (s0 * a - 1.0, start.1);
    if Study::check_deltas(anchored.0, anchored.1).is_err() {
        return Err(Error::InvalidData(format!(
            "the data's 50 % point asks for a pulse strength s = {s0:e} relative to the \
             reference, which (δv, δa) cannot represent (δv = s·(1 + δa) − 1 must be a finite \
             number > −1); are the relative stimuli in the data near 1?"
        )));
    }
    solver.solve_study(study, loss, anchored, observer)
}

/// Any solver of the study's objective, behind one object type: `Box<dyn StudySolver>`
/// holds a grid, a simplex or a threshold search chosen at run time. Implemented for every
/// [`Solver`] of [`StudyObjective`]s.
pub trait StudySolver {
    /// The solver's name ([`Solver::name`]).
    fn solver_name(&self) -> &'static str;

    /// [`solve`] with this solver.
    ///
    /// # Errors
    /// As [`solve`].
    fn solve_study(
        &self,
        study: &Study,
        loss: Loss,
        start: (f64, f64),
        observer: &mut dyn Observer,
    ) -> Result<FitResult>;
}

impl<S> StudySolver for S
where
    S: for<'a> Solver<StudyObjective<'a>>,
{
    fn solver_name(&self) -> &'static str {
        self.name()
    }

    fn solve_study(
        &self,
        study: &Study,
        loss: Loss,
        start: (f64, f64),
        observer: &mut dyn Observer,
    ) -> Result<FitResult> {
        solve_with(study, self, loss, start, observer)
    }
}

/// Runs `solver` on `study`'s [`StudyObjective`] from exactly `start` = (δv, δa), offering
/// the solver a study with [`Solver::refinement`] times the trials for its last stage.
///
/// # Errors
/// An invalid start ([`sbi_core::Error::InvalidParameter`]); the solver's errors.
pub fn solve<S: StudySolver + ?Sized>(
    study: &Study,
    solver: &S,
    loss: Loss,
    start: (f64, f64),
    observer: &mut dyn Observer,
) -> Result<FitResult> {
    solver.solve_study(study, loss, start, observer)
}

/// [`solve`] for one solver type.
fn solve_with<S>(
    study: &Study,
    solver: &S,
    loss: Loss,
    start: (f64, f64),
    observer: &mut dyn Observer,
) -> Result<FitResult>
where
    S: for<'a> Solver<StudyObjective<'a>>,
{
    Study::check_deltas(start.0, start.1)?;
    let factor = solver.refinement();
    if factor > 1000 {
        return Err(invalid("refinement", factor as f64, "at most 1000"));
    }
    let fine_study = study
        .clone()
        .with_trials(study.trials().saturating_mul(factor.max(1)));
    let objective = StudyObjective { study, loss };
    let fine = StudyObjective {
        study: &fine_study,
        loss,
    };
    let mut problem = Problem::new(&objective);
    if factor > 1 {
        problem = problem.with_refined(&fine);
    }
    let u = to_coords(start.0, start.1);
    let out = run(&mut problem, solver, &u, observer)?;
    let (delta_v, delta_area) = from_coords([out.params[0], out.params[1]]);
    let runs = |evaluations: usize, s: &Study| {
        (evaluations as u64)
            .saturating_mul(s.data().len() as u64)
            .saturating_mul(s.trials() as u64)
    };
    // Evaluations through the objective are full predictions; a solver that works otherwise
    // (the threshold search) records its own model runs as work.
    let through_cost = problem.evaluations() - problem.refined_evaluations();
    let simulations = if problem.work() > 0 {
        problem.work()
    } else {
        runs(through_cost, study).saturating_add(runs(problem.refined_evaluations(), &fine_study))
    };
    Ok(FitResult {
        solver: out.solver,
        delta_v,
        delta_area,
        cost: out.cost,
        loss,
        evaluations: problem.evaluations(),
        iterations: out.iterations,
        simulations,
        converged: out.termination == Termination::Converged,
        history: out.history,
    })
}

/// Checks that `value` is finite and in `[min, max]`.
pub(crate) fn check_range(
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

/// Checks that `problem`'s objective has two parameters (the grid and simplex are 2-D).
pub(crate) fn check_two_dimensional<O: Objective>(
    solver: &'static str,
    objective: &O,
) -> Result<()> {
    if objective.dim() == 2 {
        Ok(())
    } else {
        Err(Error::InvalidData(format!(
            "the {solver} solver minimises two-parameter objectives; this one has {}",
            objective.dim()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Mode, SpikeData, SpikeModel};

    /// +∞ everywhere but where `finite` says.
    struct Walled(fn(&[f64]) -> bool);
    impl Objective for Walled {
        type Error = sbi_core::Error;
        fn dim(&self) -> usize {
            2
        }
        fn cost(&self, p: &[f64]) -> sbi_core::Result<f64> {
            Ok(if (self.0)(p) {
                p[0] * p[0] + p[1] * p[1]
            } else {
                f64::NAN
            })
        }
    }

    #[test]
    fn invalid_points_count_against_the_budget_and_no_valid_point_is_an_error() {
        let data = SpikeData::from_fractions(vec![0.9, 1.0], vec![0.2, 0.8]).unwrap();
        let study = Study::new(SpikeModel::new(Mode::Corrected), data)
            .unwrap()
            .with_trials(8);
        let objective = StudyObjective {
            study: &study,
            loss: Loss::Mse,
        };
        let mut p = Problem::new(&objective);
        // ln s + ln a = 800 overflows δv: outside the valid region, +∞, counted.
        for _ in 0..5 {
            assert_eq!(p.cost(&[400.0, 400.0]).unwrap(), f64::INFINITY);
        }
        assert_eq!(p.evaluations(), 5, "invalid points must use up the budget");
        assert!(p.best().is_none());
        assert!(p.cost(&[0.0, 0.0]).unwrap().is_finite());
        assert!(p.best().is_some());

        // Every solver ends on an objective with no finite value, with the reason.
        let nowhere = Walled(|_| false);
        let mut p = Problem::new(&nowhere);
        let grid = GridSearch {
            final_trials_factor: 1,
            ..GridSearch::default()
        };
        assert!(matches!(
            run(&mut p, &grid, &[0.0, 0.0], &mut ()),
            Err(Error::NoValidPoint {
                solver: "grid",
                evaluations: 49
            })
        ));
        let mut p = Problem::new(&nowhere);
        let nm = NelderMead::default();
        assert!(matches!(
            run(&mut p, &nm, &[0.0, 0.0], &mut ()),
            Err(Error::NoValidPoint {
                solver: "nelder-mead",
                ..
            })
        ));
        // Bounded by the budget: 3 runs of at most 3 + 60 + 3 evaluations.
        assert!(p.evaluations() <= 3 * 66, "{}", p.evaluations());
    }

    #[test]
    fn the_loop_owns_history_and_observer_calls_and_solvers_are_generic() {
        struct Count(usize);
        impl Observer for Count {
            fn observe(&mut self, _: &str, s: &IterState) {
                self.0 += 1;
                assert_eq!(s.iteration, self.0);
            }
        }
        // A quadratic bowl with a wall at p₀ < −1 (where it is NaN: +∞ to the solvers).
        let bowl = Walled(|p| p[0] >= -1.0);
        for (name, out, calls) in [
            {
                let mut c = Count(0);
                let grid = GridSearch {
                    span: [1.0, 1.0],
                    levels: 8,
                    ..GridSearch::default()
                };
                let out = run(&mut Problem::new(&bowl), &grid, &[0.7, -0.4], &mut c).unwrap();
                ("grid", out, c.0)
            },
            {
                let mut c = Count(0);
                let out = run(
                    &mut Problem::new(&bowl),
                    &NelderMead {
                        step: [0.3, 0.3],
                        ..NelderMead::default()
                    },
                    &[0.7, -0.4],
                    &mut c,
                )
                .unwrap();
                ("nelder-mead", out, c.0)
            },
        ] {
            assert_eq!(out.solver, name);
            assert_eq!(out.history.len(), out.iterations, "{name}");
            assert_eq!(calls, out.iterations, "{name}");
            assert!(out.history.windows(2).all(|w| w[1] <= w[0]), "{name}");
            assert!(out.cost < 1e-4, "{name}: {out:?}");
            assert_eq!(out.termination, Termination::Converged, "{name}");
        }
        // The wrong dimension is refused before any evaluation.
        let mut p = Problem::new(&bowl);
        assert!(run(&mut p, &GridSearch::default(), &[0.0], &mut ()).is_err());
        assert_eq!(p.evaluations(), 0);
    }
}
