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
