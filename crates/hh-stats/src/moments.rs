//! Streaming central moments (one pass, numerically stable).

use multiversion::multiversion;

/// Running count, mean and central moments of a stream of values, one value at a time.
///
/// Accumulates power sums of the values minus a shift `c` (the first value, unless given),
/// Σ(x − c)ᵏ for k = 1…4, and converts them to central moments on demand. With `c` within a
/// few standard deviations of the mean (a trace's first sample is its resting level) this is
/// as accurate as a two-pass computation, with no division per value — several times faster
/// than Welford-style updates, and it vectorises.
///
/// The sums are kept in four lanes (value *j* goes to lane *j* mod 4), so the result is the
/// same to the last bit however the values are split between [`Moments::push`] and
/// [`Moments::extend_from_slice`] calls: a trace summarised while it streams equals the same
/// trace summarised whole.
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
    shift: Option<f64>,
    n: usize,
    /// `acc[k - 1][lane]` = Σ (x − c)ᵏ over the values of that lane.
    acc: [[f64; 4]; 4],
}

impl Moments {
    /// An empty accumulator shifting by `c` (a guess of the mean).
    pub fn with_shift(c: f64) -> Self {
        Self {
            shift: Some(c),
            ..Self::default()
        }
    }

    /// Adds one value.
    #[inline(always)]
    pub fn push(&mut self, x: f64) {
        let c = *self.shift.get_or_insert(x);
        let lane = self.n % 4;
        let d = x - c;
        let d2 = d * d;
        self.acc[0][lane] += d;
        self.acc[1][lane] += d2;
        self.acc[2][lane] += d2 * d;
        self.acc[3][lane] += d2 * d2;
        self.n += 1;
    }

    /// Adds every value of `xs`; the same result as pushing them one by one, but four at a
    /// time (so the additions pipeline and vectorise).
    pub fn extend_from_slice(&mut self, xs: &[f64]) {
        let Some(&first) = xs.first() else {
            return;
        };
        let c = *self.shift.get_or_insert(first);
        // Single values up to a lane boundary, whole groups of four, then the rest.
        let head = ((4 - self.n % 4) % 4).min(xs.len());
        xs[..head].iter().for_each(|&x| self.push(x));
        let chunks = xs[head..].chunks_exact(4);
        let rest = chunks.remainder();
        let mut acc = self.acc;
        accumulate(chunks, c, &mut acc);
        self.acc = acc;
        self.n += xs.len() - head - rest.len();
        rest.iter().for_each(|&x| self.push(x));
    }

    /// An accumulator from its parts: shift, count and the four lanes of each power sum, as
    /// a structure-of-arrays accumulator over many streams keeps them.
    pub(crate) fn from_parts(shift: Option<f64>, n: usize, acc: [[f64; 4]; 4]) -> Self {
        Self { shift, n, acc }
    }

    /// Σ (x − c)ᵏ, the lanes added in a fixed order.
    fn sum(&self, k: usize) -> f64 {
        let a = self.acc[k - 1];
        (a[0] + a[1]) + (a[2] + a[3])
    }

    /// Number of values.
    pub fn count(&self) -> usize {
        self.n
    }

    /// Mean (0 for no value).
    pub fn mean(&self) -> f64 {
        if self.n > 0 {
            self.shift.unwrap_or(0.0) + self.sum(1) / self.n as f64
        } else {
            0.0
        }
    }

    /// Central moments (m₂, m₃, m₄) with divisor n; zeros for no value.
    fn central(&self) -> (f64, f64, f64) {
        if self.n == 0 {
            return (0.0, 0.0, 0.0);
        }
        let n = self.n as f64;
        let (a1, a2, a3, a4) = (
            self.sum(1) / n,
            self.sum(2) / n,
            self.sum(3) / n,
            self.sum(4) / n,
        );
        let m2 = a2 - a1 * a1;
        let m3 = a3 - 3.0 * a1 * a2 + 2.0 * a1 * a1 * a1;
        let m4 = a4 - 4.0 * a1 * a3 + 6.0 * a1 * a1 * a2 - 3.0 * a1 * a1 * a1 * a1;
        // Rounding can leave an even moment slightly negative: clamp it to 0. An overflowed
        // sum (|x| ≳ 10⁷⁷ for the fourth power) stays NaN or ∞ rather than becoming 0
        // (`f64::max(NaN, 0.0)` is 0), so callers can tell.
        let nonneg = |m: f64| if m < 0.0 { 0.0 } else { m };
        (nonneg(m2), m3, nonneg(m4))
    }

    /// Population variance m₂ (divisor n; 0 for no value).
    pub fn variance(&self) -> f64 {
        self.central().0
    }

    /// Population standard deviation.
    pub fn std(&self) -> f64 {
        self.variance().sqrt()
    }

    /// Whether the variance is zero up to rounding (relative to the spread of the shifted
    /// values), where standardised moments are undefined.
    fn degenerate(&self) -> bool {
        self.n == 0
            || self.variance() <= 1e-24 * (1.0 + self.sum(2) / self.n as f64 + self.mean().powi(2))
    }

    /// Skewness m₃/σ³; 0 when the variance is zero.
    pub fn skewness(&self) -> f64 {
        if self.degenerate() {
            return 0.0;
        }
        let (m2, m3, _) = self.central();
        m3 / m2.powf(1.5)
    }

    /// Kurtosis m₄/σ⁴ — Pearson's, 3 for a normal distribution, as the scipy `moment`-based
    /// definition in sbi's HH tutorial; 0 when the variance is zero.
    pub fn kurtosis(&self) -> f64 {
        if self.degenerate() {
            return 0.0;
        }
        let (m2, _, m4) = self.central();
        m4 / (m2 * m2)
    }
}

/// Adds groups of four values to the four lanes of power sums; compiled for AVX-512, AVX2 and
/// the baseline.
#[multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx512bw", "x86_64+avx2"))]
fn accumulate(chunks: std::slice::ChunksExact<'_, f64>, c: f64, acc: &mut [[f64; 4]; 4]) {
    for chunk in chunks {
        for (lane, &x) in chunk.iter().enumerate() {
            let d = x - c;
            let d2 = d * d;
            acc[0][lane] += d;
            acc[1][lane] += d2;
            acc[2][lane] += d2 * d;
            acc[3][lane] += d2 * d2;
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
    fn slices_and_single_pushes_agree() {
        let xs: Vec<f64> = (0..1003)
            .map(|i| -65.0 + (i as f64 * 0.11).cos() * 40.0)
            .collect();
        let mut a = Moments::default();
        xs.iter().for_each(|x| a.push(*x));
        // Any split, down to the bit: the lanes do not depend on where a slice starts.
        for cut in [0, 1, 3, 10, 501, 1003] {
            let mut b = Moments::default();
            b.extend_from_slice(&xs[..cut]);
            b.push(xs.get(cut).copied().unwrap_or(0.0));
            b.extend_from_slice(&xs[(cut + 1).min(xs.len())..]);
            if cut == xs.len() {
                continue;
            }
            assert_eq!(a, b, "split at {cut}");
        }
    }

    #[test]
    fn overflow_is_not_hidden_as_zero() {
        let mut m = Moments::default();
        m.extend_from_slice(&[1e155, -1e155, 1e155, -1e155, 3e155]);
        assert!(!m.variance().is_finite(), "{}", m.variance());
        let mut k = Moments::default();
        k.extend_from_slice(&[1e78, -1e78, 2e78]);
        assert!(
            !k.kurtosis().is_finite() || k.kurtosis().is_nan(),
            "{}",
            k.kurtosis()
        );
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
