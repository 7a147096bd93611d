//! [`ThresholdSearch`]: the exact method of the spike study.

use super::{Problem, Solver, Termination, check_range, to_coords};
use crate::error::Result;
use crate::study::{Loss, Study, StudyObjective, V_REF, point_nll};

/// The exact method. For a fixed area, each trial's noise path has a threshold stimulus
/// (bisection; spiking is monotone in the stimulus), so the predicted fraction at every data
/// point is an empirical CDF of thresholds in (1 + δv): the loss is piecewise constant in δv
/// with known breakpoints, and one sweep over them finds its exact minimum. The area is then
/// searched in ln a: a grid of `area_points` over ±`area_span`, then golden-section refinement
/// of the best bracket to `tolerance`. Each sweep is one evaluation; its model runs are
/// recorded as work.
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

/// Where a threshold search is: on the area grid, or refining a bracket.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdState {
    grid: Vec<f64>,
    costs: Vec<f64>,
    golden: Option<Golden>,
    steps: usize,
    max_steps: usize,
}

/// A golden-section bracket [a, b] with its two inner points and their costs.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Golden {
    a: f64,
    b: f64,
    x1: f64,
    x2: f64,
    f1: f64,
    f2: f64,
}

/// 1/φ.
const INV_PHI: f64 = 0.618_033_988_749_894_9;

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

/// One sweep at ln a: the exact best δv there, recorded; its loss.
fn sweep(problem: &mut Problem<'_, StudyObjective<'_>>, ln_a: f64) -> Result<f64> {
    let da = ln_a.exp() - 1.0;
    if Study::check_deltas(0.0, da).is_err() {
        problem.record(&[f64::NAN, ln_a], f64::INFINITY, 0);
        return Ok(f64::INFINITY);
    }
    let objective = problem.objective();
    let (th, runs) = objective.study.thresholds(da)?;
    let (dv, c) = best_delta_v(objective.study, objective.loss, &th);
    let u = to_coords(dv, da);
    problem.record(&u, c, runs);
    Ok(c)
}

impl<'s> Solver<StudyObjective<'s>> for ThresholdSearch {
    type State = ThresholdState;

    fn name(&self) -> &'static str {
        "threshold"
    }

    fn init(
        &self,
        _: &mut Problem<'_, StudyObjective<'s>>,
        start: &[f64],
    ) -> Result<ThresholdState> {
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
        let (centre, k) = (start[1], self.area_points);
        let grid = (0..k)
            .map(|i| centre - self.area_span + 2.0 * self.area_span * i as f64 / (k - 1) as f64)
            .collect();
        Ok(ThresholdState {
            grid,
            costs: Vec::with_capacity(k),
            golden: None,
            steps: 0,
            max_steps: 0,
        })
    }

    /// One sweep: the next area grid point, the two inner points of the bracket around the
    /// best one, or one golden-section step.
    fn next_iter(
        &self,
        problem: &mut Problem<'_, StudyObjective<'s>>,
        st: &mut ThresholdState,
    ) -> Result<()> {
        let k = st.grid.len();
        if st.costs.len() < k {
            let c = sweep(problem, st.grid[st.costs.len()])?;
            st.costs.push(c);
            return Ok(());
        }
        match st.golden.as_mut() {
            None => {
                let i = st
                    .costs
                    .iter()
                    .enumerate()
                    .min_by(|a, b| a.1.total_cmp(b.1))
                    .map_or(k / 2, |(i, _)| i);
                let (a, b) = (st.grid[i.saturating_sub(1)], st.grid[(i + 1).min(k - 1)]);
                let (x1, x2) = (b - INV_PHI * (b - a), a + INV_PHI * (b - a));
                let f1 = sweep(problem, x1)?;
                let f2 = sweep(problem, x2)?;
                // Each step shrinks the bracket by the golden ratio: the bound is reached
                // only if rounding stalls it.
                st.max_steps = 10 + ((b - a) / self.tolerance).ln().max(0.0) as usize * 3;
                st.golden = Some(Golden {
                    a,
                    b,
                    x1,
                    x2,
                    f1,
                    f2,
                });
            }
            Some(g) => {
                st.steps += 1;
                if g.f1 <= g.f2 {
                    g.b = g.x2;
                    (g.x2, g.f2) = (g.x1, g.f1);
                    g.x1 = g.b - INV_PHI * (g.b - g.a);
                    g.f1 = sweep(problem, g.x1)?;
                } else {
                    g.a = g.x1;
                    (g.x1, g.f1) = (g.x2, g.f2);
                    g.x2 = g.a + INV_PHI * (g.b - g.a);
                    g.f2 = sweep(problem, g.x2)?;
                }
            }
        }
        Ok(())
    }

    fn terminate(
        &self,
        _: &Problem<'_, StudyObjective<'s>>,
        st: &ThresholdState,
    ) -> Option<Termination> {
        let g = st.golden.as_ref()?;
        (g.b - g.a <= self.tolerance || st.steps >= st.max_steps).then_some(Termination::Converged)
    }
}
