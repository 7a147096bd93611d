//! [`GridSearch`]: coarse-to-fine grids.

use sbi_core::Objective;

use super::{Problem, Solver, Termination, check_range, check_two_dimensional};
use crate::error::{Error, Result};

/// Coarse-to-fine grid over two parameters: `points × points` around the start spanning
/// ±`span`, then around the best point with the span divided by `shrink`, for `levels` levels;
/// the last level on the refined objective when the runner offers one (for a study fit:
/// `final_trials_factor` times the trials). Robust on a piecewise-constant objective (no
/// gradients, no simplex collapse).
#[derive(Debug, Clone, PartialEq)]
pub struct GridSearch {
    /// Grid levels.
    pub levels: usize,
    /// Points per axis (odd keeps the centre on the grid).
    pub points: usize,
    /// Initial half-widths per parameter (for a study fit: in ln s, ln a).
    pub span: [f64; 2],
    /// Span reduction per level.
    pub shrink: f64,
    /// The last level simulates this many times more trials per point (a sharper objective
    /// where the grid is already fine; 1 keeps the study's budget).
    pub final_trials_factor: usize,
}

/// Where a grid search is: the level, and the centre and half-widths of the next grid.
#[derive(Debug, Clone, PartialEq)]
pub struct GridState {
    level: usize,
    centre: [f64; 2],
    span: [f64; 2],
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

impl<O: Objective> Solver<O> for GridSearch
where
    Error: From<O::Error>,
{
    type State = GridState;

    fn name(&self) -> &'static str {
        "grid"
    }

    fn refinement(&self) -> usize {
        self.final_trials_factor.max(1)
    }

    fn init(&self, problem: &mut Problem<'_, O>, start: &[f64]) -> Result<GridState> {
        check_two_dimensional("grid", problem.objective())?;
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
            check_range("grid.span", s, 1e-12, 50.0, "half-widths: 10⁻¹² to 50")?;
        }
        check_range(
            "grid.final_trials_factor",
            self.final_trials_factor as f64,
            0.0,
            1000.0,
            "at most 1000",
        )?;
        Ok(GridState {
            level: 0,
            centre: [start[0], start[1]],
            span: self.span,
        })
    }

    /// One level: the grid around the best point so far.
    fn next_iter(&self, problem: &mut Problem<'_, O>, st: &mut GridState) -> Result<()> {
        let (k, shrink) = (self.points, self.shrink);
        if st.level + 1 == self.levels {
            problem.refine()?;
        }
        let f = |q: usize| -1.0 + 2.0 * q as f64 / (k - 1) as f64;
        for i in 0..k {
            for j in 0..k {
                problem.cost(&[
                    st.centre[0] + st.span[0] * f(i),
                    st.centre[1] + st.span[1] * f(j),
                ])?;
            }
        }
        let Some((_, best)) = problem.best() else {
            // No valid point on this level: the next level would centre on an arbitrary
            // point, and the result would be a fit of nothing.
            return Err(Error::NoValidPoint {
                solver: "grid",
                evaluations: problem.evaluations(),
            });
        };
        st.centre = [best[0], best[1]];
        st.span = [st.span[0] / shrink, st.span[1] / shrink];
        st.level += 1;
        Ok(())
    }

    fn terminate(&self, _: &Problem<'_, O>, st: &GridState) -> Option<Termination> {
        (st.level >= self.levels).then_some(Termination::Converged)
    }
}
