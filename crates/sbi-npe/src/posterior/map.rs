//! The maximum-a-posteriori θ, every way this crate finds it: the mean-shift search on a
//! mixture (MDN), the Nelder–Mead simplex on densities without a mode search of their own
//! (flows), the MAP at one observation ([`DirectConditional::map`]) and of an ensemble.

use nalgebra::DMatrix;
use rand::SeedableRng;
use sbi_core::{SeedRng, stats::log_sum_exp};

use crate::error::{Error, Result};
use crate::flow::host::Scratch;
use crate::mdn::mixture::Mixture;
use crate::posterior::conditional::DirectConditional;
use crate::posterior::density::Density;
use crate::posterior::direct::DirectPosterior;
use sbi_inference::Ensemble;

/// Maximises `f` from `start` with an initial simplex of `step` along each axis, for at most
/// `max_evaluations` evaluations or until the simplex's values agree to 10⁻¹⁰. Returns the
/// best point and its value (`start` itself when nothing better was found; points where `f`
/// is NaN count as −∞).
pub(crate) fn nelder_mead_max(
    mut f: impl FnMut(&[f64]) -> f64,
    start: &[f64],
    step: f64,
    max_evaluations: usize,
) -> (Vec<f64>, f64) {
    let n = start.len();
    let mut eval = |p: &[f64]| {
        let v = f(p);
        if v.is_nan() { f64::NEG_INFINITY } else { v }
    };
    let mut simplex: Vec<(Vec<f64>, f64)> = (0..=n)
        .map(|i| {
            let mut p = start.to_vec();
            if i > 0 {
                p[i - 1] += step;
            }
            let v = eval(&p);
            (p, v)
        })
        .collect();
    let mut evaluations = n + 1;
    while evaluations < max_evaluations {
        // Best first.
        simplex.sort_by(|a, b| b.1.total_cmp(&a.1));
        let (best, worst) = (simplex[0].1, simplex[n].1);
        if best.is_finite() && (best - worst).abs() <= 1e-10 * (1.0 + best.abs()) {
            break;
        }
        let centroid: Vec<f64> = (0..n)
            .map(|j| simplex[..n].iter().map(|p| p.0[j]).sum::<f64>() / n as f64)
            .collect();
        let toward = |t: f64| -> Vec<f64> {
            centroid
                .iter()
                .zip(&simplex[n].0)
                .map(|(c, w)| c + t * (w - c))
                .collect()
        };
        let reflected = toward(-1.0);
        let fr = eval(&reflected);
        evaluations += 1;
        if fr > simplex[0].1 {
            let expanded = toward(-2.0);
            let fe = eval(&expanded);
            evaluations += 1;
            simplex[n] = if fe > fr {
                (expanded, fe)
            } else {
                (reflected, fr)
            };
        } else if fr > simplex[n - 1].1 {
            simplex[n] = (reflected, fr);
        } else {
            let contracted = toward(0.5);
            let fc = eval(&contracted);
            evaluations += 1;
            if fc > simplex[n].1 {
                simplex[n] = (contracted, fc);
            } else {
                // Shrink toward the best vertex.
                let b = simplex[0].0.clone();
                for p in simplex.iter_mut().skip(1) {
                    for (x, bx) in p.0.iter_mut().zip(&b) {
                        *x = bx + 0.5 * (*x - bx);
                    }
                    p.1 = eval(&p.0);
                }
                evaluations += n;
            }
        }
    }
    simplex.sort_by(|a, b| b.1.total_cmp(&a.1));
    simplex.swap_remove(0)
}

impl DirectConditional<'_> {
    /// The maximum-a-posteriori θ, from the best five of 200 posterior samples (seeded by
    /// the training seed, so the result is deterministic), keeping the best point inside the
    /// support:
    ///
    /// * a mixture (MDN): mean-shift iterations on the mixture (which increase the density
    ///   monotonically) from those samples and from every component mean;
    /// * a flow: a Nelder–Mead search on the log-density (standardised θ, 2,000 evaluations per
    ///   start) from those samples.
    ///
    /// # Errors
    /// [`Error::LowAcceptance`] when the samples cannot be drawn, [`Error::NoModeInSupport`]
    /// when no candidate lies inside the support.
    pub fn map(&self) -> Result<Vec<f64>> {
        let p = &self.proposal;
        let mut rng = SeedRng::seed_from_u64(self.map_seed);
        let samples = p.sample(200, &mut rng)?;
        let mut s = Scratch::default();
        let mut starts: Vec<(f64, Vec<f64>)> = samples
            .rows()
            .map(|t| {
                let mut z = vec![0.0; t.len()];
                p.theta_z.apply(t, &mut z);
                (p.density.log_prob(&z, &mut s), z)
            })
            .collect();
        starts.sort_by(|a, b| b.0.total_cmp(&a.0));
        starts.truncate(5);
        let mut raw = vec![0.0; self.theta_dim()];
        let mut inside = |z: &[f64]| {
            raw.copy_from_slice(z);
            p.theta_z.invert(&mut raw);
            p.support.contains(&raw)
        };
        let mut best = match &p.density {
            Density::Mixture(mix) => mix.best_mode(
                starts.into_iter().map(|s| s.1).chain(mix.component_means()),
                inside,
            ),
            Density::Flow(_) => {
                let mut best: Option<(f64, Vec<f64>)> = None;
                for (lp0, z0) in starts {
                    let (z, lp) = nelder_mead_max(
                        |z| {
                            if inside(z) {
                                p.density.log_prob(z, &mut s)
                            } else {
                                f64::NEG_INFINITY
                            }
                        },
                        &z0,
                        0.1,
                        2000,
                    );
                    let cand = if lp > lp0 { (lp, z) } else { (lp0, z0) };
                    if best.as_ref().is_none_or(|b| cand.0 > b.0) {
                        best = Some(cand);
                    }
                }
                best.map(|b| b.1)
            }
        }
        .ok_or(Error::NoModeInSupport)?;
        p.theta_z.invert(&mut best);
        Ok(best)
    }
}

/// The maximum-a-posteriori θ at `x`, keeping the best point inside the support.
///
/// * MDN members: the ensemble density at x is one Gaussian mixture (member m's
///   leakage-corrected components with weights wₘₖ / M, from each member's
///   [`DirectPosterior::at`]); mean-shift iterations on it from every component and every
///   member's MAP.
/// * Otherwise (flows among the members): a Nelder–Mead search on the ensemble's
///   log-density from every member's MAP (in member 0's standardised θ units).
///
/// # Errors
/// Wrong x dimension, non-finite x, a member's error at x, or
/// [`Error::NoModeInSupport`].
pub(crate) fn ensemble_map(ensemble: &Ensemble<DirectPosterior>, x: &[f64]) -> Result<Vec<f64>> {
    let members = ensemble.members();
    let ln_m = (members.len() as f64).ln();
    let ats = members
        .iter()
        .map(|m| m.at(x))
        .collect::<Result<Vec<_>>>()?;
    let starts = ats.iter().map(|a| a.map()).collect::<Result<Vec<_>>>()?;
    let support = members[0].support();
    let mixtures = ats
        .iter()
        .map(|a| a.raw_mixture(-ln_m))
        .collect::<Option<Vec<_>>>();
    if let Some(mixtures) = mixtures {
        let (mut log_weights, mut means, mut precisions) = (Vec::new(), Vec::new(), Vec::new());
        for mix in mixtures {
            let mix = mix?;
            log_weights.extend(mix.log_weights);
            means.extend(mix.means);
            precisions.extend(mix.precisions);
        }
        let combined = Mixture::from_parts(members[0].theta_dim(), log_weights, means, precisions)?;
        // Component means first, then the members' MAPs.
        let all: Vec<Vec<f64>> = combined.component_means().chain(starts).collect();
        return combined
            .best_mode(all, |t| support.contains(t))
            .ok_or(Error::NoModeInSupport);
    }
    let z = members[0].theta_zscore();
    let mut raw = vec![0.0; members[0].theta_dim()];
    let mut density = |zt: &[f64]| -> f64 {
        raw.copy_from_slice(zt);
        z.invert(&mut raw);
        let lps: Vec<f64> = ats
            .iter()
            .map(|a| a.log_prob(&raw).unwrap_or(f64::NEG_INFINITY))
            .collect();
        log_sum_exp(&lps)
    };
    let mut best: Option<(f64, Vec<f64>)> = None;
    for start in starts {
        let mut zs = vec![0.0; start.len()];
        z.apply(&start, &mut zs);
        let (found, lp) = nelder_mead_max(&mut density, &zs, 0.1, 2000);
        if lp.is_finite() && best.as_ref().is_none_or(|b| lp > b.0) {
            best = Some((lp, found));
        }
    }
    let (_, mut found) = best.ok_or(Error::NoModeInSupport)?;
    z.invert(&mut found);
    Ok(found)
}

impl Mixture {
    /// A mode: mean-shift (EM fixed-point) iterations from `start`, which increase the
    /// density monotonically: θ ← (Σ rₖPₖ)⁻¹ Σ rₖPₖμₖ with responsibilities rₖ.
    pub(crate) fn mode_from(&self, start: &[f64], iterations: usize) -> Vec<f64> {
        let d = self.d;
        let mut theta = start.to_vec();
        let mut lp = vec![0.0; self.k];
        for _ in 0..iterations {
            self.component_log_probs(&theta, &mut lp);
            let lse = log_sum_exp(&lp);
            let mut a = DMatrix::<f64>::zeros(d, d);
            let mut b = nalgebra::DVector::<f64>::zeros(d);
            for (c, lpc) in lp.iter().enumerate() {
                let r = (lpc - lse).exp();
                let p = DMatrix::from_row_slice(d, d, &self.precisions[c * d * d..(c + 1) * d * d]);
                let mu = nalgebra::DVector::from_row_slice(&self.means[c * d..(c + 1) * d]);
                b += &p * mu * r;
                a += p * r;
            }
            let Some(next) = a.cholesky().map(|ch| ch.solve(&b)) else {
                break;
            };
            let step: f64 = next.iter().zip(&theta).map(|(x, y)| (x - y).abs()).sum();
            theta = next.iter().copied().collect();
            if step < 1e-12 {
                break;
            }
        }
        theta
    }

    /// The highest-density point among the modes reached by mean-shift from each of `starts`
    /// (the starts themselves are candidates too), keeping only points where `inside` holds.
    /// `None` when no candidate is inside.
    pub(crate) fn best_mode(
        &self,
        starts: impl IntoIterator<Item = Vec<f64>>,
        mut inside: impl FnMut(&[f64]) -> bool,
    ) -> Option<Vec<f64>> {
        let mut best: Option<(f64, Vec<f64>)> = None;
        for start in starts {
            let mode = self.mode_from(&start, 500);
            for cand in [mode, start] {
                if inside(&cand) {
                    let v = self.log_prob(&cand);
                    if best.as_ref().is_none_or(|b| v > b.0) {
                        best = Some((v, cand));
                    }
                }
            }
        }
        best.map(|b| b.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_maximum_of_a_correlated_quadratic() {
        let f = |p: &[f64]| {
            let (a, b, c) = (p[0] - 1.0, p[1] + 2.0, p[2] - 0.5);
            -(a * a + 2.0 * b * b + 0.5 * c * c + a * b)
        };
        let (x, v) = nelder_mead_max(f, &[0.0, 0.0, 0.0], 0.5, 5000);
        assert!(v > -1e-8, "{v}");
        for (got, want) in x.iter().zip([1.0, -2.0, 0.5]) {
            assert!((got - want).abs() < 1e-3, "{x:?}");
        }
    }

    #[test]
    fn never_returns_a_worse_point_than_the_start() {
        // −∞ everywhere but the start.
        let f = |p: &[f64]| if p == [0.3, 0.3] { 1.0 } else { f64::NAN };
        let (x, v) = nelder_mead_max(f, &[0.3, 0.3], 0.1, 100);
        assert_eq!((x, v), (vec![0.3, 0.3], 1.0));
    }

    #[test]
    fn mode_search_finds_the_dominant_peak() {
        let m = crate::mdn::mixture::tests::two_component();
        let mode = m.mode_from(&[0.0, 0.0], 200);
        // The heavier, narrower component at (−2, 0.5) dominates its neighbourhood.
        assert!(
            (mode[0] + 2.0).abs() < 0.05 && (mode[1] - 0.5).abs() < 0.05,
            "{mode:?}"
        );
        assert!(m.log_prob(&mode) >= m.log_prob(&[-2.0, 0.5]) - 1e-9);
    }
}
