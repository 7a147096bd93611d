//! The noise current's normal variates: a counter-based generator, keyed by the trace and
//! the step, so that step j of trace k draws the same number however the run is split into
//! lanes, blocks, threads or machines — and many traces draw together in SIMD lanes.
//!
//! Step j of a trace with key `key` takes the normal variate of pair `j / 2` (its first or
//! second member by the parity of j), made by the Box–Muller transform from two 64-bit words
//! `h(key, 2q)` and `h(key, 2q + 1)`, `h` the SplitMix64 output function of
//! `key + counter·φ64` (SplitMix64's own stream, entered at the key): the radius
//! `√(−2 ln u)` from the first word (u uniform on (0, 1], 53 bits), the angle — uniform on
//! [0, 2π) — as a quadrant (2 bits of the second word) plus an offset in [−π/4, π/4) (its
//! other 51 bits). The logarithm, sine and cosine are branch-free polynomials accurate to a few
//! units in the last place, and no operation is fused, so every instruction set gives the
//! same bits.

// Structure-of-arrays loops index several arrays by the same lane `k`.
#![allow(clippy::needless_range_loop)]

use multiversion::multiversion;

/// SplitMix64's increment, 2⁶⁴/φ.
const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// SplitMix64's output function.
#[inline(always)]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The word of counter `c` of stream `key`.
#[inline(always)]
fn word(key: u64, c: u64) -> u64 {
    mix(key.wrapping_add(c.wrapping_mul(GOLDEN)))
}

/// ln x for x in (0, 1] (normal, positive), branch-free: x = 2ᵉ·m with m in [√½, √2),
/// ln m = 2·atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.172, by its series to s¹⁹ (error < 10⁻¹⁷).
#[inline(always)]
fn ln(x: f64) -> f64 {
    let bits = x.to_bits();
    // Exponent and mantissa in [1, 2); then move m above √2 down by one octave.
    let e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    let big = m > std::f64::consts::SQRT_2;
    let m = if big { m * 0.5 } else { m };
    let e = (if big { e + 1 } else { e }) as f64;
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut p = 1.0 / 19.0;
    for k in [17.0, 15.0, 13.0, 11.0, 9.0, 7.0, 5.0, 3.0, 1.0] {
        p = p * s2 + 1.0 / k;
    }
    e * std::f64::consts::LN_2 + 2.0 * s * p
}

/// (sin x, cos x) for |x| ≤ π/4, by their Taylor series to x¹⁷ and x¹⁸ (error < 10⁻¹⁸).
#[inline(always)]
fn sincos(x: f64) -> (f64, f64) {
    let x2 = x * x;
    // 1/(2k+1)! and 1/(2k)!, highest first.
    const SIN: [f64; 9] = [
        1.0 / 355_687_428_096_000.0,
        -1.0 / 1_307_674_368_000.0,
        1.0 / 6_227_020_800.0,
        -1.0 / 39_916_800.0,
        1.0 / 362_880.0,
        -1.0 / 5_040.0,
        1.0 / 120.0,
        -1.0 / 6.0,
        1.0,
    ];
    const COS: [f64; 10] = [
        -1.0 / 6_402_373_705_728_000.0,
        1.0 / 20_922_789_888_000.0,
        -1.0 / 87_178_291_200.0,
        1.0 / 479_001_600.0,
        -1.0 / 3_628_800.0,
        1.0 / 40_320.0,
        -1.0 / 720.0,
        1.0 / 24.0,
        -1.0 / 2.0,
        1.0,
    ];
    let mut s = 0.0;
    for c in SIN {
        s = s * x2 + c;
    }
    let mut c = 0.0;
    for k in COS {
        c = c * x2 + k;
    }
    (x * s, c)
}

/// The pair of standard normal variates number `q` of stream `key`.
#[inline(always)]
pub(crate) fn normal_pair(key: u64, q: u64) -> (f64, f64) {
    let (w1, w2) = (word(key, 2 * q), word(key, 2 * q + 1));
    // u in (0, 1]: 53 bits, shifted up by half a step.
    let u = ((w1 >> 11) as f64 + 1.0) * (1.0 / 9_007_199_254_740_992.0);
    let r = (-2.0 * ln(u)).sqrt();
    // x in [−π/4, π/4) from 51 bits; the quadrant from the top 2.
    let x = ((w2 & ((1 << 51) - 1)) as f64 * (1.0 / 2_251_799_813_685_248.0) - 0.5)
        * std::f64::consts::FRAC_PI_2;
    let quadrant = w2 >> 62;
    let (s, c) = sincos(x);
    // The angle is quadrant·π/2 + π/4 + x.
    let h = std::f64::consts::FRAC_1_SQRT_2;
    let (cq, sq) = ((c - s) * h, (c + s) * h);
    // Quadrants by selects: a quarter turn for bit 0, a half turn for bit 1.
    let quarter = quadrant & 1 == 1;
    let (c1, s1) = (
        if quarter { -sq } else { cq },
        if quarter { cq } else { sq },
    );
    let half = quadrant & 2 == 2;
    let (cos, sin) = (if half { -c1 } else { c1 }, if half { -s1 } else { s1 });
    (r * cos, r * sin)
}

/// The normal variate of step `step` of stream `key`.
#[cfg(test)]
pub(crate) fn normal(key: u64, step: u64) -> f64 {
    let (a, b) = normal_pair(key, step / 2);
    if step.is_multiple_of(2) { a } else { b }
}

/// `out[j][k]` = the variate of step `first + j` of stream `keys[k]`, for every row of `out`:
/// the block of a group of traces, lanes together.
#[multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx512bw", "x86_64+avx2"))]
pub(crate) fn fill<const L: usize>(keys: &[u64; L], first: u64, out: &mut [[f64; L]]) {
    let mut j = 0;
    let n = out.len();
    // An odd first step takes the second member of its pair alone.
    if first % 2 == 1 && n > 0 {
        for k in 0..L {
            out[0][k] = normal_pair(keys[k], first / 2).1;
        }
        j = 1;
    }
    while j + 1 < n {
        let q = (first + j as u64) / 2;
        let mut a = [0.0; L];
        let mut b = [0.0; L];
        for k in 0..L {
            (a[k], b[k]) = normal_pair(keys[k], q);
        }
        out[j] = a;
        out[j + 1] = b;
        j += 2;
    }
    if j < n {
        let q = (first + j as u64) / 2;
        for k in 0..L {
            out[j][k] = normal_pair(keys[k], q).0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_sin_cos_are_accurate() {
        let mut x = 1e-300;
        while x <= 1.0 {
            let (got, want) = (ln(x), x.ln());
            assert!(
                (got - want).abs() <= 4e-16 * want.abs().max(1.0),
                "{x}: {got} {want}"
            );
            x *= 1.37;
        }
        assert_eq!(ln(1.0), 0.0);
        let mut t = -std::f64::consts::FRAC_PI_4;
        while t <= std::f64::consts::FRAC_PI_4 {
            let (s, c) = sincos(t);
            assert!(
                (s - t.sin()).abs() < 3e-16 && (c - t.cos()).abs() < 3e-16,
                "{t}"
            );
            t += 1e-3;
        }
    }

    /// Mean, variance, skew and kurtosis of 10⁶ variates within four standard errors of the
    /// normal's 0, 1, 0, 3; and the tails' frequencies.
    #[test]
    fn variates_are_standard_normal() {
        let n = 1_000_000u64;
        let (mut m1, mut m2, mut m3, mut m4, mut beyond3) = (0.0, 0.0, 0.0, 0.0, 0u64);
        for i in 0..n {
            let z = normal(0x5eed, i);
            m1 += z;
            m2 += z * z;
            m3 += z * z * z;
            m4 += z * z * z * z;
            beyond3 += u64::from(z.abs() > 3.0);
        }
        let nf = n as f64;
        let (mean, var, skew, kurt) = (m1 / nf, m2 / nf, m3 / nf, m4 / nf);
        assert!(mean.abs() < 4.0 / nf.sqrt(), "{mean}");
        assert!((var - 1.0).abs() < 4.0 * (2.0 / nf).sqrt(), "{var}");
        assert!(skew.abs() < 4.0 * (15.0 / nf).sqrt(), "{skew}");
        assert!((kurt - 3.0).abs() < 4.0 * (96.0 / nf).sqrt(), "{kurt}");
        // P(|Z| > 3) = 0.0026998: binomial standard error 5.2e-5.
        let p = beyond3 as f64 / nf;
        assert!((p - 0.0026998).abs() < 4.0 * 5.2e-5, "{p}");
        // Consecutive variates are uncorrelated.
        let lag: f64 = (0..n - 1)
            .map(|i| normal(7, i) * normal(7, i + 1))
            .sum::<f64>()
            / nf;
        assert!(lag.abs() < 4.0 / nf.sqrt(), "{lag}");
        // Neighbouring keys (the closest two streams can be) are uncorrelated, step by step.
        let cross: f64 = (0..n).map(|i| normal(7, i) * normal(8, i)).sum::<f64>() / nf;
        assert!(cross.abs() < 4.0 / nf.sqrt(), "{cross}");
    }

    /// A block fills what one variate at a time gives, whatever the first step's parity.
    #[test]
    fn blocks_agree_with_single_variates() {
        let keys = [1u64, 2, 3, 4];
        for first in [0u64, 1, 6, 7] {
            for len in [0usize, 1, 2, 5, 128] {
                let mut out = vec![[0.0; 4]; len];
                fill(&keys, first, &mut out);
                for (j, row) in out.iter().enumerate() {
                    for k in 0..4 {
                        assert_eq!(
                            row[k].to_bits(),
                            normal(keys[k], first + j as u64).to_bits()
                        );
                    }
                }
            }
        }
    }
}
