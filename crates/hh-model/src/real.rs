//! The number types the model equations are written over ([`Real`]: `f64`, and `f32` for the
//! batch simulator's single-precision lanes), how they take an exponential ([`Exp`]: the C
//! library's, or the batch kernel's branch-free polynomial with or without fused
//! multiply-adds), and `u / (eᵘ − 1)` without a branch ([`u_over_expm1`], [`efun`]).

use std::fmt::Debug;
use std::ops::{Add, Div, Mul, Neg, Sub};

use crate::fast_exp::{exp_f32, exp_f32_fused, exp_f64, exp_f64_fused};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f64 {}
    impl Sealed for f32 {}
}

/// A lane number type the model equations are written over: `f64`, or `f32` (the batch
/// simulator's single-precision lanes). Channel code ([`crate::Channel`]) uses its arithmetic,
/// comparisons (`if a < b { x } else { y }` selects without a branch), [`Real::c`] for
/// constants and [`Real::abs`].
pub trait Real:
    sealed::Sealed
    + Copy
    + Debug
    + Default
    + PartialOrd
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// |u| below which `u / (eᵘ − 1)` is evaluated by its series ([`u_over_expm1`]).
    const SERIES_BELOW: Self;

    /// A constant, rounded to this type.
    fn c(x: f64) -> Self;
    /// This value as `f64` (exact).
    fn to_f64(self) -> f64;
    /// |x|.
    fn abs(self) -> Self;
    /// `u / (eᵘ − 1)` near u = 0 by its series, to this type's precision up to
    /// [`Real::SERIES_BELOW`].
    fn u_over_expm1_series(u: Self) -> Self;
    /// `self·b + c` rounded once (an FMA instruction where the code is compiled for one).
    #[doc(hidden)]
    fn fused(self, b: Self, c: Self) -> Self;
    /// The branch-free polynomial exponential of [`crate::fast_exp`].
    #[doc(hidden)]
    fn poly_exp(self) -> Self;
    /// The same with fused multiply-adds.
    #[doc(hidden)]
    fn poly_exp_fused(self) -> Self;
}

/// What the batch kernel needs of a lane type beyond [`Real`].
pub(crate) trait Lane: Real {
    /// What the batch kernel writes per lane and step: in f64 the absolute potential
    /// `v_rest + v` itself; in f32 the rest-relative v, widened in a separate pass (writing
    /// f64 from f32 lanes inside the kernel halves its vector width).
    type Sample: Copy + Default + Send + Sync + 'static;
    /// The sample of potential `v` at offset `v_rest`.
    fn sample(v: Self, v_rest: f64) -> Self::Sample;
    /// The absolute potential of a sample.
    fn absolute(s: Self::Sample, v_rest: f64) -> f64;
    /// The samples themselves when they are the absolute potentials already (f64).
    fn absolute_rows<const L: usize>(out: &[[Self::Sample; L]]) -> Option<&[[f64; L]]>;
}

impl Real for f64 {
    const SERIES_BELOW: f64 = 1e-4;

    #[inline(always)]
    fn c(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn abs(self) -> Self {
        f64::abs(self)
    }
    #[inline(always)]
    fn poly_exp(self) -> Self {
        exp_f64(self)
    }
    #[inline(always)]
    fn fused(self, b: Self, c: Self) -> Self {
        self.mul_add(b, c)
    }
    #[inline(always)]
    fn poly_exp_fused(self) -> Self {
        exp_f64_fused(self)
    }
    /// 1 − u/2 + u²/12: the next term, u⁴/720, is below 10⁻¹⁸ for |u| < 10⁻⁴.
    #[inline(always)]
    fn u_over_expm1_series(u: Self) -> Self {
        1.0 - u * (0.5 - u * (1.0 / 12.0))
    }
}

impl Lane for f64 {
    type Sample = f64;

    #[inline(always)]
    fn sample(v: f64, v_rest: f64) -> f64 {
        v_rest + v
    }
    #[inline(always)]
    fn absolute(s: f64, _v_rest: f64) -> f64 {
        s
    }
    fn absolute_rows<const L: usize>(out: &[[f64; L]]) -> Option<&[[f64; L]]> {
        Some(out)
    }
}

impl Real for f32 {
    /// Wider than f64's: in f32, `eᵘ − 1` loses about 5·10⁻⁷/|u| of relative accuracy to
    /// cancellation, so the series (error u⁶/30240 < 4·10⁻¹¹ here) is kept up to |u| = 0.1.
    const SERIES_BELOW: f32 = 0.1;

    #[inline(always)]
    fn c(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    #[inline(always)]
    fn abs(self) -> Self {
        f32::abs(self)
    }
    #[inline(always)]
    fn poly_exp(self) -> Self {
        exp_f32(self)
    }
    #[inline(always)]
    fn fused(self, b: Self, c: Self) -> Self {
        self.mul_add(b, c)
    }
    #[inline(always)]
    fn poly_exp_fused(self) -> Self {
        exp_f32_fused(self)
    }
    /// 1 − u/2 + u²/12 − u⁴/720.
    #[inline(always)]
    fn u_over_expm1_series(u: Self) -> Self {
        let u2 = u * u;
        1.0 - u * 0.5 + u2 * (1.0 / 12.0 - u2 * (1.0 / 720.0))
    }
}

impl Lane for f32 {
    type Sample = f32;

    #[inline(always)]
    fn sample(v: f32, _v_rest: f64) -> f32 {
        v
    }
    #[inline(always)]
    fn absolute(s: f32, v_rest: f64) -> f64 {
        v_rest + f64::from(s)
    }
    fn absolute_rows<const L: usize>(_out: &[[f32; L]]) -> Option<&[[f64; L]]> {
        None
    }
}

/// How the equations take an exponential, and whether they fuse multiply-adds: the C
/// library's `exp` on the scalar path ([`Libm`]), the branch-free polynomial in the batch
/// kernel (with fused multiply-adds where the CPU has them). Channel code calls `E::exp` and
/// `E::mul_add` and works with all of them.
pub trait Exp<T>: Copy + Send + Sync + 'static {
    /// eˣ.
    fn exp(x: T) -> T;
    /// `a·b + c`: two roundings, or one where the strategy fuses.
    fn mul_add(a: T, b: T, c: T) -> T;
}

/// The standard library's `f64::exp` (libm), no fusing: the scalar path.
#[derive(Debug, Clone, Copy)]
pub struct Libm;

impl Exp<f64> for Libm {
    #[inline(always)]
    fn exp(x: f64) -> f64 {
        x.exp()
    }
    #[inline(always)]
    fn mul_add(a: f64, b: f64, c: f64) -> f64 {
        a * b + c
    }
}

/// [`Real::poly_exp`], no fusing: the batch path on the baseline instruction set.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Poly;

impl<T: Real> Exp<T> for Poly {
    #[inline(always)]
    fn exp(x: T) -> T {
        x.poly_exp()
    }
    #[inline(always)]
    fn mul_add(a: T, b: T, c: T) -> T {
        a * b + c
    }
}

/// [`Real::poly_exp_fused`] and fused multiply-adds: the batch path where the CPU has FMA
/// (AVX2 and AVX-512 machines), one rounding per multiply-add and fewer instructions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PolyFma;

impl<T: Real> Exp<T> for PolyFma {
    #[inline(always)]
    fn exp(x: T) -> T {
        x.poly_exp_fused()
    }
    #[inline(always)]
    fn mul_add(a: T, b: T, c: T) -> T {
        a.fused(b, c)
    }
}

/// `u / (eᵘ − 1)` given `em1 = eᵘ − 1`, with its series near u = 0 (|u| below
/// [`Real::SERIES_BELOW`]), where the division loses its accuracy and is 0/0 at u = 0: the
/// removable singularity of rates such as the classic αm at v = 25 mV. Both sides are computed
/// and one selected, so this compiles without a branch.
///
/// ```
/// use hh_model::u_over_expm1;
/// assert_eq!(u_over_expm1(0.0f64, 0.0), 1.0); // the limit
/// let u = 0.7f64;
/// assert!((u_over_expm1(u, u.exp_m1()) - u / u.exp_m1()).abs() < 1e-15);
/// ```
#[inline(always)]
pub fn u_over_expm1<T: Real>(u: T, em1: T) -> T {
    let series = T::u_over_expm1_series(u);
    let direct = u / em1;
    if u.abs() < T::SERIES_BELOW {
        series
    } else {
        direct
    }
}

/// `efun(u) = u / (eᵘ − 1)`, the published simulators' name for it, with `E`'s exponential.
///
/// ```
/// use hh_model::{Libm, efun};
/// assert_eq!(efun::<f64, Libm>(0.0), 1.0);
/// assert!((efun::<f64, Libm>(2.0) - 2.0 / (2f64.exp() - 1.0)).abs() < 1e-15);
/// ```
#[inline(always)]
pub fn efun<T: Real, E: Exp<T>>(u: T) -> T {
    u_over_expm1(u, E::exp(u) - T::c(1.0))
}
