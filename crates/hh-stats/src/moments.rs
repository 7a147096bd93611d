//! Streaming central moments (one pass, numerically stable).

/// Running count, mean and central moment sums M₂, M₃, M₄ of a stream of values, updated one
/// value at a time with the stable one-pass formulas of Welford, Terriberry and Pébay (no
/// cancellation from large offsets such as a 50 mV resting level).
///
/// ```
/// let mut m = hh_stats::Moments::default();
/// for x in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
///     m.push(x);
/// }
/// assert!((m.mean() - 5.0).abs() < 1e-12);
/// assert!((m.variance() - 4.0).abs() < 1e-12); // population variance (divisor n)
/// assert!((m.std() - 2.0).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    n: f64,
    mean: f64,
    m2: f64,
    m3: f64,
    m4: f64,
}

impl Moments {
    /// Adds one value.
    #[inline]
    pub fn push(&mut self, x: f64) {
        let n1 = self.n;
        self.n += 1.0;
        let n = self.n;
        let delta = x - self.mean;
        let delta_n = delta / n;
        let delta_n2 = delta_n * delta_n;
        let term1 = delta * delta_n * n1;
        self.mean += delta_n;
        self.m4 += term1 * delta_n2 * (n * n - 3.0 * n + 3.0) + 6.0 * delta_n2 * self.m2
            - 4.0 * delta_n * self.m3;
        self.m3 += term1 * delta_n * (n - 2.0) - 3.0 * delta_n * self.m2;
        self.m2 += term1;
    }

    /// Number of values.
    pub fn count(&self) -> usize {
        self.n as usize
    }

    /// Mean (0 for no value).
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// Population variance M₂/n (0 for fewer than one value).
    pub fn variance(&self) -> f64 {
        if self.n > 0.0 { self.m2 / self.n } else { 0.0 }
    }

    /// Population standard deviation.
    pub fn std(&self) -> f64 {
        self.variance().sqrt()
    }

    /// Whether the variance is zero up to rounding (relative to the mean's magnitude), where
    /// standardised moments are undefined.
    fn degenerate(&self) -> bool {
        self.variance() <= 1e-24 * (1.0 + self.mean * self.mean)
    }

    /// Skewness (M₃/n)/σ³; 0 when the variance is zero.
    pub fn skewness(&self) -> f64 {
        if self.degenerate() {
            0.0
        } else {
            (self.m3 / self.n) / self.variance().powf(1.5)
        }
    }

    /// Kurtosis (M₄/n)/σ⁴ — Pearson's, 3 for a normal distribution, as scipy's `moment`-based
    /// definition in sbi's HH tutorial; 0 when the variance is zero.
    pub fn kurtosis(&self) -> f64 {
        if self.degenerate() {
            0.0
        } else {
            let v = self.variance();
            (self.m4 / self.n) / (v * v)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn matches_two_pass_with_a_large_offset() {
        let xs: Vec<f64> = (0..1000)
            .map(|i| 50.0 + (i as f64 * 0.37).sin() * 3.0 + (i % 7) as f64 * 0.1)
            .collect();
        let mut m = Moments::default();
        xs.iter().for_each(|x| m.push(*x));
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let c = |k: i32| xs.iter().map(|x| (x - mean).powi(k)).sum::<f64>() / n;
        assert_relative_eq!(m.mean(), mean, max_relative = 1e-14);
        assert_relative_eq!(m.variance(), c(2), max_relative = 1e-12);
        assert_relative_eq!(m.skewness(), c(3) / c(2).powf(1.5), max_relative = 1e-10);
        assert_relative_eq!(m.kurtosis(), c(4) / (c(2) * c(2)), max_relative = 1e-10);
    }

    #[test]
    fn constant_stream_has_zero_fill_values() {
        let mut m = Moments::default();
        (0..100).for_each(|_| m.push(55.5));
        assert_eq!(m.variance(), 0.0);
        assert_eq!(m.skewness(), 0.0);
        assert_eq!(m.kurtosis(), 0.0);
        assert_eq!(Moments::default().variance(), 0.0);
    }
}
