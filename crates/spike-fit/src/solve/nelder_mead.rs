//! [`NelderMead`]: the downhill simplex, with restarts.

use sbi_core::Objective;

use super::{Problem, Solver, Termination, check_range, check_two_dimensional};
use crate::error::{Error, Result};
use sbi_core::invalid;

/// Nelder–Mead over two parameters, initial simplex of steps `step` along each axis,
/// restarted from the best point (with the initial steps) `restarts` times — restarts rescue a
/// simplex that collapsed on a plateau of a piecewise-constant objective.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NelderMead {
    /// Initial simplex steps per parameter (for a study fit: in ln s, ln a).
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

/// A simplex run: its three vertices with their costs, which run it is, its budget.
#[derive(Debug, Clone, PartialEq)]
pub struct SimplexState {
    simplex: [([f64; 2], f64); 3],
    run: usize,
    budget: usize,
    converged: bool,
    done: bool,
}

impl NelderMead {
    /// The initial simplex at `x0`, evaluated.
    fn simplex<O: Objective>(
        &self,
        problem: &mut Problem<'_, O>,
        x0: [f64; 2],
    ) -> Result<[([f64; 2], f64); 3]>
    where
        Error: From<O::Error>,
    {
        let pts = [
            x0,
            [x0[0] + self.step[0], x0[1]],
            [x0[0], x0[1] + self.step[1]],
        ];
        Ok([
            (pts[0], problem.cost(&pts[0])?),
            (pts[1], problem.cost(&pts[1])?),
            (pts[2], problem.cost(&pts[2])?),
        ])
    }

    /// Ends the current run: restarts from the best point, or finishes.
    fn end_run<O: Objective>(
        &self,
        problem: &mut Problem<'_, O>,
        st: &mut SimplexState,
    ) -> Result<()>
    where
        Error: From<O::Error>,
    {
        st.run += 1;
        if st.run > self.restarts {
            st.done = true;
            return Ok(());
        }
        let x0 = match problem.best() {
            Some((_, p)) => [p[0], p[1]],
            None => st.simplex[0].0,
        };
        st.simplex = self.simplex(problem, x0)?;
        st.budget = problem.evaluations() + self.max_evaluations;
        st.converged = false;
        Ok(())
    }
}

impl<O: Objective> Solver<O> for NelderMead
where
    Error: From<O::Error>,
{
    type State = SimplexState;

    fn name(&self) -> &'static str {
        "nelder-mead"
    }

    fn init(&self, problem: &mut Problem<'_, O>, start: &[f64]) -> Result<SimplexState> {
        check_two_dimensional("nelder-mead", problem.objective())?;
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
        let simplex = self.simplex(problem, [start[0], start[1]])?;
        Ok(SimplexState {
            simplex,
            run: 0,
            budget: problem.evaluations() + self.max_evaluations,
            converged: false,
            done: false,
        })
    }

    /// One simplex step (reflection, expansion, contraction or shrink); a run that converged
    /// or spent its budget restarts from the best point.
    fn next_iter(&self, problem: &mut Problem<'_, O>, st: &mut SimplexState) -> Result<()> {
        let s = &mut st.simplex;
        s.sort_by(|a, b| a.1.total_cmp(&b.1));
        let size = s[1..]
            .iter()
            .map(|(p, _)| (p[0] - s[0].0[0]).abs() + (p[1] - s[0].0[1]).abs())
            .fold(0.0, f64::max);
        if s[2].1 - s[0].1 <= self.tolerance && size < 1e-4 {
            st.converged = true;
            return self.end_run(problem, st);
        }
        let c = [0.5 * (s[0].0[0] + s[1].0[0]), 0.5 * (s[0].0[1] + s[1].0[1])];
        let w = s[2].0;
        let along = |k: f64| [c[0] + k * (c[0] - w[0]), c[1] + k * (c[1] - w[1])];
        let r = along(1.0);
        let fr = problem.cost(&r)?;
        if fr < s[0].1 {
            let e = along(2.0);
            let fe = problem.cost(&e)?;
            s[2] = if fe < fr { (e, fe) } else { (r, fr) };
        } else if fr < s[1].1 {
            s[2] = (r, fr);
        } else {
            let (k, fref) = if fr < s[2].1 {
                (0.5, fr)
            } else {
                (-0.5, s[2].1)
            };
            let ct = along(k);
            let fc = problem.cost(&ct)?;
            if fc <= fref {
                s[2] = (ct, fc);
            } else {
                let b = s[0].0;
                for v in s.iter_mut().skip(1) {
                    let p = [0.5 * (b[0] + v.0[0]), 0.5 * (b[1] + v.0[1])];
                    *v = (p, problem.cost(&p)?);
                }
            }
        }
        if problem.evaluations() >= st.budget {
            self.end_run(problem, st)?;
        }
        Ok(())
    }

    fn terminate(&self, _: &Problem<'_, O>, st: &SimplexState) -> Option<Termination> {
        st.done.then_some(if st.converged {
            Termination::Converged
        } else {
            Termination::BudgetExhausted
        })
    }
}
