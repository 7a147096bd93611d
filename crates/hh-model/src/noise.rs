//! The noise current's normal variates: a counter-based generator, keyed by the trace and
//! the step, so that step j of trace k draws the same number however the run is split into
//! lanes, blocks, threads or machines — and many traces draw together in SIMD lanes.
//!
//! Step j of a trace with key `key` takes the normal variate of pair `j / 2` (its first or
//! second member by the parity of j), made by the Box–Muller transform from one 64-bit word
//! `h(key, q)`, `h` the SplitMix64 output function of `key + q·φ64` (SplitMix64's own stream,
//! entered at the key): the radius `√(−2 ln u)` from its high 32 bits (u uniform on (0, 1],
//! so |z| ≤ √(64 ln 2) = 6.66, where the normal's mass beyond is 2.7·10⁻¹¹), the angle —
//! uniform on [0, 2π) — as a quadrant (the next 2 bits) plus an offset in [−π/4, π/4) (the
//! low 30). The transform runs in f32 — branch-free polynomial logarithm, sine and cosine,
//! each to f32 precision — so that the variates, relative accuracy ≈ 10⁻⁷, cost a fraction of
//! a step in any lane width (the variates drive a current whose effect on V is integrated:
//! they need no more). No operation is fused, so every instruction set gives the same bits.

// Structure-of-arrays loops index several arrays by the same lane `k`.
#![allow(clippy::needless_range_loop)]

use multiversion::multiversion;

use crate::real::Lane;

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
/// ln m = 2·atanh(s), s = (m − 1)/(m + 1), |s| ≤ 0.172, by its series to s⁹ (truncation
/// < 10⁻⁹, below f32 rounding).
#[inline(always)]
fn ln(x: f32) -> f32 {
    let bits = x.to_bits();
    // Exponent and mantissa in [1, 2); then move m above √2 down by one octave.
    let e = ((bits >> 23) & 0xff) as i32 - 127;
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    let big = m > std::f32::consts::SQRT_2;
    let m = if big { m * 0.5 } else { m };
    let e = (if big { e + 1 } else { e }) as f32;
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut p = 1.0 / 9.0;
    for k in [7.0, 5.0, 3.0, 1.0] {
        p = p * s2 + 1.0 / k;
    }
    e * std::f32::consts::LN_2 + 2.0 * s * p
}

/// (sin x, cos x) for |x| ≤ π/4, by their Taylor series to x⁹ and x¹⁰ (truncation < 2·10⁻⁹,
/// below f32 rounding).
#[inline(always)]
fn sincos(x: f32) -> (f32, f32) {
    let x2 = x * x;
    // 1/(2k+1)! and 1/(2k)!, highest first.
    const SIN: [f32; 5] = [
        1.0 / 362_880.0,
        -1.0 / 5_040.0,
        1.0 / 120.0,
        -1.0 / 6.0,
        1.0,
    ];
    const COS: [f32; 6] = [
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

/// Pair `q` of every stream `keys[k]`: its first members into `a`, second into `b`. Written
/// in stages over whole lane arrays — the 64-bit words, their 32-bit halves, the f32
/// transform, the widening — so that each stage vectorises at its own width (the f32 stage
/// at twice the lanes of the 64-bit ones).
#[inline(always)]
fn normal_pairs<const L: usize>(keys: &[u64; L], q: u64, a: &mut [f64; L], b: &mut [f64; L]) {
    let mut hi = [0u32; L];
    let mut lo = [0u32; L];
    for k in 0..L {
        let w = word(keys[k], q);
        (hi[k], lo[k]) = ((w >> 32) as u32, w as u32);
    }
    let mut x_cos = [0.0f32; L];
    let mut x_sin = [0.0f32; L];
    for k in 0..L {
        // u in (0, 1]: the high 32 bits, shifted up by one step (rounded to f32: never above
        // 1, exact where u is small, i.e. in the tails).
        let u = (hi[k] as f32 + 1.0) * (1.0 / 4_294_967_296.0);
        let r = (-2.0 * ln(u)).sqrt();
        // x in [−π/4, π/4) from the low 30 bits; the quadrant from the 2 above.
        let x = ((lo[k] & ((1 << 30) - 1)) as f32 * (1.0 / 1_073_741_824.0) - 0.5)
            * std::f32::consts::FRAC_PI_2;
        let quadrant = lo[k] >> 30;
        let (s, c) = sincos(x);
        // The angle is quadrant·π/2 + π/4 + x.
        let h = std::f32::consts::FRAC_1_SQRT_2;
        let (cq, sq) = ((c - s) * h, (c + s) * h);
        // Quadrants by selects: a quarter turn for bit 0, a half turn for bit 1.
        let quarter = quadrant & 1 == 1;
        let (c1, s1) = (
            if quarter { -sq } else { cq },
            if quarter { cq } else { sq },
        );
        let half = quadrant & 2 == 2;
        let (cos, sin) = (if half { -c1 } else { c1 }, if half { -s1 } else { s1 });
        (x_cos[k], x_sin[k]) = (r * cos, r * sin);
    }
    for k in 0..L {
        (a[k], b[k]) = (f64::from(x_cos[k]), f64::from(x_sin[k]));
    }
}

/// The normal variate of step `step` of stream `key`.
#[cfg(test)]
pub(crate) fn normal(key: u64, step: u64) -> f64 {
    let (mut a, mut b) = ([0.0], [0.0]);
    normal_pairs(&[key], step / 2, &mut a, &mut b);
    if step.is_multiple_of(2) { a[0] } else { b[0] }
}

/// A block of a group's stimulus with its noise current: `out[j][k]` = `base[j]·scale[k] +
/// sigma[k]·ξ` in f64, rounded to `T`, with ξ the variate of step `first + j` of stream
/// `keys[k]` (`sigma`: the noise current per step, σ/√dt in density units; 0 for an item
/// without noise). One pass, lanes together.
#[multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx512bw", "x86_64+avx2"))]
pub(crate) fn stimulus<T: Lane, const L: usize>(
    keys: &[u64; L],
    sigma: &[f64; L],
    scale: &[f64; L],
    base: &[f64],
    first: u64,
    out: &mut [[T; L]],
) {
    let n = out.len().min(base.len());
    let mut j = 0;
    while j < n {
        // The pair holding step first + j: its two members are steps 2q and 2q + 1.
        let step = first + j as u64;
        let q = step / 2;
        let mut z = [[0.0; L]; 2];
        let [z0, z1] = &mut z;
        normal_pairs(keys, q, z0, z1);
        // Row j takes the member of its step's parity, row j + 1 (if any) the other.
        let (lo, hi) = ((step % 2) as usize, (n - j).min(2 - (step % 2) as usize));
        for (m, row) in (lo..lo + hi).zip(&mut out[j..j + hi]) {
            let b = base[j + m - lo];
            for k in 0..L {
                row[k] = T::c(b * scale[k] + sigma[k] * z[m][k]);
            }
        }
        j += hi;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_sin_cos_are_accurate() {
        // Within 2 f32 ulp of the correctly rounded value (relative, or absolute near 0).
        let mut x = 2.3e-10f32;
        while x <= 1.0 {
            let (got, want) = (f64::from(ln(x)), f64::from(x).ln());
            assert!(
                (got - want).abs() <= 2.5e-7 * want.abs().max(1.0),
                "{x}: {got} {want}"
            );
            x *= 1.013;
        }
        assert_eq!(ln(1.0), 0.0);
        let mut t = -std::f32::consts::FRAC_PI_4;
        while t <= std::f32::consts::FRAC_PI_4 {
            let (s, c) = sincos(t);
            let (ws, wc) = (f64::from(t).sin(), f64::from(t).cos());
            assert!(
                (f64::from(s) - ws).abs() < 1.2e-7 && (f64::from(c) - wc).abs() < 1.2e-7,
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
                let mut out = vec![[0.0f64; 4]; len];
                let sigma = [1.0, 0.5, 0.0, -2.0];
                let scale = [1.0, 2.0, 3.0, 0.0];
                let base: Vec<f64> = (0..len).map(|j| j as f64 * 0.25).collect();
                stimulus(&keys, &sigma, &scale, &base, first, &mut out);
                for (j, row) in out.iter().enumerate() {
                    for k in 0..4 {
                        let want =
                            base[j] * scale[k] + sigma[k] * normal(keys[k], first + j as u64);
                        assert_eq!(row[k].to_bits(), want.to_bits());
                    }
                }
            }
        }
    }
}
