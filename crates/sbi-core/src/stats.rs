//! Small statistical helpers shared by tests and diagnostics.

use crate::error::{Error, Result};

/// Result of a one-sample Kolmogorov–Smirnov test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KsTest {
    /// D = supₓ |Fₙ(x) − F(x)|.
    pub statistic: f64,
    /// Asymptotic p-value (Kolmogorov distribution with Stephens' small-sample correction).
    pub p_value: f64,
}

/// One-sample Kolmogorov–Smirnov test of `samples` against the continuous CDF `cdf`.
///
/// ```
/// // 1,000 evenly spread points are (too) uniform: p ≈ 1.
/// let xs: Vec<f64> = (0..1000).map(|i| (i as f64 + 0.5) / 1000.0).collect();
/// let ks = sbi_core::stats::ks_test(&xs, |x| x.clamp(0.0, 1.0))?;
/// assert!(ks.statistic < 0.001 && ks.p_value > 0.99);
/// // Against the wrong distribution it rejects.
/// let ks = sbi_core::stats::ks_test(&xs, |x| (x * x).clamp(0.0, 1.0))?;
/// assert!(ks.p_value < 1e-6);
/// # Ok::<(), sbi_core::Error>(())
/// ```
///
/// # Errors
/// [`Error::Empty`] without samples, [`Error::NonFinite`] for NaN samples.
pub fn ks_test(samples: &[f64], cdf: impl Fn(f64) -> f64) -> Result<KsTest> {
    if samples.is_empty() {
        return Err(Error::Empty {
            what: "KS test samples",
        });
    }
    if let Some(index) = samples.iter().position(|x| x.is_nan()) {
        return Err(Error::NonFinite { index });
    }
    let mut xs = samples.to_vec();
    xs.sort_by(f64::total_cmp);
    let n = xs.len() as f64;
    let statistic = xs
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).max((i + 1) as f64 / n - f)
        })
        .fold(0.0, f64::max);
    Ok(KsTest {
        statistic,
        p_value: kolmogorov_sf((n.sqrt() + 0.12 + 0.11 / n.sqrt()) * statistic),
    })
}

/// Survival function of the Kolmogorov distribution, Q(λ) = 2 Σₖ (−1)^(k−1) exp(−2k²λ²).
pub fn kolmogorov_sf(lambda: f64) -> f64 {
    if lambda < 0.2 {
        return 1.0;
    }
    let mut sum = 0.0;
    let mut sign = 1.0;
    for k in 1..=100 {
        let term = (-2.0 * (k * k) as f64 * lambda * lambda).exp();
        sum += sign * term;
        if term < 1e-16 {
            break;
        }
        sign = -sign;
    }
    (2.0 * sum).clamp(0.0, 1.0)
}

/// ln Σ exp(vᵢ), computed stably (−∞ for an empty slice or all −∞).
///
/// ```
/// let v = sbi_core::stats::log_sum_exp(&[0.0, 0.0]);
/// assert!((v - 2f64.ln()).abs() < 1e-15);
/// assert_eq!(sbi_core::stats::log_sum_exp(&[]), f64::NEG_INFINITY);
/// ```
pub fn log_sum_exp(v: &[f64]) -> f64 {
    let max = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return max;
    }
    max + v.iter().map(|x| (x - max).exp()).sum::<f64>().ln()
}

/// Quantile `q` ∈ [0, 1] of sorted, non-empty data, interpolated linearly between order
/// statistics (numpy's default).
///
/// ```
/// assert_eq!(sbi_core::stats::quantile(&[1.0, 2.0, 3.0], 0.5), 2.0);
/// assert_eq!(sbi_core::stats::quantile(&[1.0, 2.0], 0.25), 1.25);
/// ```
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (i, frac) = (pos.floor() as usize, pos.fract());
    let j = (i + 1).min(sorted.len() - 1);
    sorted[i] + frac * (sorted[j] - sorted[i])
}

/// One column of samples described: mean, standard deviation (n − 1) and the central 90 %
/// interval (5 % and 95 % quantiles).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Marginal {
    /// Mean.
    pub mean: f64,
    /// Standard deviation (divided by n − 1).
    pub std: f64,
    /// 5 % quantile.
    pub q05: f64,
    /// 95 % quantile.
    pub q95: f64,
}

impl Marginal {
    /// Whether `value` lies in the central 90 % interval `[q05, q95]`.
    pub fn covers(&self, value: f64) -> bool {
        (self.q05..=self.q95).contains(&value)
    }
}

/// Each column of `samples` (posterior draws, one row each; at least two rows) described as a
/// [`Marginal`].
///
/// ```
/// use sbi_core::{RowMatrix, stats::marginals};
/// let m = marginals(&RowMatrix::from_rows(&[[0.0, 10.0], [1.0, 10.0], [2.0, 10.0]])?);
/// assert_eq!((m[0].mean, m[0].std, m[1].std), (1.0, 1.0, 0.0));
/// assert!(m[0].covers(1.5) && !m[0].covers(2.0));
/// # Ok::<(), sbi_core::Error>(())
/// ```
pub fn marginals(samples: &crate::RowMatrix) -> Vec<Marginal> {
    let means = samples.column_means();
    (0..samples.ncols())
        .map(|j| {
            let mut col = samples.column(j);
            let n = col.len() as f64;
            let mean = means[j];
            let std = (col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            col.sort_by(f64::total_cmp);
            Marginal {
                mean,
                std,
                q05: quantile(&col, 0.05),
                q95: quantile(&col, 0.95),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_quantiles_of_the_kolmogorov_distribution() {
        // Classic critical values: Q(1.358) ≈ 0.05, Q(1.628) ≈ 0.01, Q(1.224) ≈ 0.10.
        assert!((kolmogorov_sf(1.358) - 0.05).abs() < 5e-4);
        assert!((kolmogorov_sf(1.628) - 0.01).abs() < 2e-4);
        assert!((kolmogorov_sf(1.224) - 0.10).abs() < 1e-3);
        assert_eq!(kolmogorov_sf(0.0), 1.0);
    }

    #[test]
    fn errors() {
        assert!(ks_test(&[], |x| x).is_err());
        assert!(ks_test(&[f64::NAN], |x| x).is_err());
    }
}
