//! A local maximum of a density without gradients: the Nelder–Mead simplex (for the MAP of
//! densities that have no mode search of their own, such as flows).

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
}
