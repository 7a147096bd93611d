//! Branch-free polynomial exponentials, which compile to SIMD instructions inside a loop
//! (a call to the C library's `exp` does not vectorise).
//!
//! Both reduce x = n·ln 2 + r with n = round(x / ln 2) and |r| ≤ ln 2 / 2 (Cody–Waite: ln 2
//! split in two parts, so r is exact to rounding), evaluate eʳ by its Taylor polynomial in
//! Horner form, and scale by 2ⁿ built directly in the exponent bits. The argument is first
//! clamped, so every input gives a finite, positive result without a branch:
//!
//! | function | clamp | polynomial | truncation | measured error (tests) |
//! |---|---|---|---|---|
//! | [`exp_f64`] | ±700 | degree 13 | r¹⁴/14! < 4·10⁻¹⁸ | ≤ 2 ulp over [−700, 700] |
//! | [`exp_f32`] | ±87 | degree 7 | r⁸/8! < 6·10⁻⁹ | ≤ 2 ulp over [−87, 87] |
//!
//! [`exp_f64_fused`] and [`exp_f32_fused`] are the same with fused multiply-adds (the batch
//! kernel's choice on CPUs with FMA), within the same bounds. NaN stays NaN.
//!
//! Users: hh-model's SIMD batch simulator (the HH rates need eˣ for |x| ≤ 56 — |v| ≤ 1000 mV,
//! the divergence limit, over 18 mV — and exponential Euler for −dt·(α + β) ∈ [−700, 0]; both
//! lie well inside; `hh_model::fast_exp` re-exports this module), and sbi-npe's flow training
//! (gates and splines, over whole batches).

/// The constants of the reduction and polynomial for one float type.
trait Consts:
    Copy
    + 'static
    + PartialOrd
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::Neg<Output = Self>
{
    /// 1.5·2^(mantissa bits): adding it rounds to an integer held in the low bits.
    const MAGIC: Self;
    const LOG2E: Self;
    /// ln 2 in two parts (Cody–Waite), the first exact in few bits.
    const LN2_HI: Self;
    const LN2_LO: Self;
    /// |x| limit: the result stays finite and normal.
    const CLAMP: Self;
    /// 1/k! from the highest degree down to 0.
    const COEFFS: &'static [Self];
    /// 2ⁿ from `t = x·log₂e + MAGIC`, whose low bits hold n: n plus the bias in the exponent
    /// field.
    fn two_to_n(t: Self) -> Self;
    fn mul_add(self, b: Self, c: Self) -> Self;
}

impl Consts for f64 {
    const MAGIC: f64 = 6_755_399_441_055_744.0;
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    const LN2_HI: f64 = 0.693_147_180_369_123_8;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    const CLAMP: f64 = 700.0;
    const COEFFS: &'static [f64] = &[
        1.0 / 6_227_020_800.0,
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ];
    #[inline(always)]
    fn two_to_n(t: f64) -> f64 {
        f64::from_bits(t.to_bits().wrapping_add(1023) << 52)
    }
    #[inline(always)]
    fn mul_add(self, b: f64, c: f64) -> f64 {
        f64::mul_add(self, b, c)
    }
}

impl Consts for f32 {
    const MAGIC: f32 = 12_582_912.0;
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    const CLAMP: f32 = 87.0;
    const COEFFS: &'static [f32] = &[
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ];
    #[inline(always)]
    fn two_to_n(t: f32) -> f32 {
        f32::from_bits(t.to_bits().wrapping_add(127) << 23)
    }
    #[inline(always)]
    fn mul_add(self, b: f32, c: f32) -> f32 {
        f32::mul_add(self, b, c)
    }
}

/// `a·b + c`, fused (one rounding) or not.
#[inline(always)]
fn madd<T: Consts, const FUSED: bool>(a: T, b: T, c: T) -> T {
    if FUSED { a.mul_add(b, c) } else { a * b + c }
}

/// The exponential: clamp, reduce, Horner, scale (module docs).
#[inline(always)]
fn exp_poly<T: Consts, const FUSED: bool>(x: T) -> T {
    // Two selects (NaN stays NaN, as with `clamp`), which compile without a branch.
    let x = if x < -T::CLAMP { -T::CLAMP } else { x };
    let x = if x > T::CLAMP { T::CLAMP } else { x };
    let t = madd::<T, FUSED>(x, T::LOG2E, T::MAGIC);
    let n = t - T::MAGIC;
    let r = madd::<T, FUSED>(-n, T::LN2_LO, madd::<T, FUSED>(-n, T::LN2_HI, x));
    let mut p = T::COEFFS[0];
    for &c in &T::COEFFS[1..] {
        p = madd::<T, FUSED>(p, r, c);
    }
    p * T::two_to_n(t)
}

/// eˣ in f64, to within 2 ulp for x ∈ [−700, 700]; `exp_f64(x)` for x beyond is the value at
/// the clamp (≈ 10^±304), not ∞ or 0.
///
/// ```
/// let x = 1.2345;
/// assert!((sbi_core::fast_exp::exp_f64(x) / x.exp() - 1.0).abs() < 5e-16);
/// ```
#[inline(always)]
pub fn exp_f64(x: f64) -> f64 {
    exp_poly::<f64, false>(x)
}

/// [`exp_f64`] with fused multiply-adds in the reduction and the polynomial: the same bound,
/// one instruction per Horner step on a CPU with FMA (compiled for it), a slow library call
/// without.
#[inline(always)]
pub fn exp_f64_fused(x: f64) -> f64 {
    exp_poly::<f64, true>(x)
}

/// eˣ in f32, to within 2 ulp for x ∈ [−87, 87]; beyond, the value at the clamp.
///
/// ```
/// let x = -3.5f32;
/// assert!((sbi_core::fast_exp::exp_f32(x) / x.exp() - 1.0).abs() < 3e-7);
/// ```
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    exp_poly::<f32, false>(x)
}

/// [`exp_f32`] with fused multiply-adds (see [`exp_f64_fused`]).
#[inline(always)]
pub fn exp_f32_fused(x: f32) -> f32 {
    exp_poly::<f32, true>(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place of the reference.
    fn ulps64(got: f64, want: f64) -> f64 {
        let ulp = f64::from_bits(want.to_bits() + 1) - want;
        (got - want).abs() / ulp
    }

    #[test]
    fn f64_error_bound_over_the_whole_domain() {
        // 2·10⁶ points over [−700, 700], plus the neighbourhood of 0 and of the reduction's
        // interval edges (r = ±ln 2 / 2).
        let mut worst: f64 = 0.0;
        let n = 2_000_000;
        for i in 0..=n {
            let x = -700.0 + 1400.0 * i as f64 / n as f64;
            worst = worst.max(ulps64(exp_f64(x), x.exp()));
        }
        for k in -60..60 {
            let edge = (k as f64 + 0.5) * std::f64::consts::LN_2;
            for d in [-1e-12, 0.0, 1e-12] {
                let x = edge + d;
                worst = worst.max(ulps64(exp_f64(x), x.exp()));
            }
        }
        for x in [0.0, 1e-300, -1e-300, 1e-10, -1e-10] {
            worst = worst.max(ulps64(exp_f64(x), x.exp()));
        }
        assert!(worst <= 2.0, "worst error {worst} ulp");
    }

    #[test]
    fn f32_error_bound_over_the_whole_domain() {
        for f in [exp_f32 as fn(f32) -> f32, exp_f32_fused] {
            let mut worst: f64 = 0.0;
            let n = 1_000_000;
            for i in 0..=n {
                let x = -87.0 + 174.0 * i as f32 / n as f32;
                let want = (f64::from(x)).exp() as f32;
                let ulp = f64::from(f32::from_bits(want.to_bits() + 1) - want);
                worst = worst.max((f64::from(f(x)) - f64::from(want)).abs() / ulp);
            }
            assert!(worst <= 2.0, "worst error {worst} ulp");
        }
    }

    #[test]
    fn fused_f64_error_bound_over_the_whole_domain() {
        let mut worst: f64 = 0.0;
        let n = 400_000;
        for i in 0..=n {
            let x = -700.0 + 1400.0 * i as f64 / n as f64;
            worst = worst.max(ulps64(exp_f64_fused(x), x.exp()));
        }
        assert!(worst <= 2.0, "worst error {worst} ulp");
    }

    #[test]
    fn clamped_and_special_inputs() {
        assert!(exp_f64(1e6).is_finite() && exp_f64(1e6) > 1e303);
        assert!(exp_f64(-1e6) > 0.0 && exp_f64(-1e6) < 1e-303);
        assert!(exp_f64(f64::NAN).is_nan());
        assert!(exp_f32(1e6).is_finite() && exp_f32(-1e6) > 0.0);
        assert!(exp_f32(f32::NAN).is_nan());
    }
}
