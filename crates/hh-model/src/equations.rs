//! The HH equations, written once over any [`Real`] and any exponential ([`Exp`]): the scalar
//! steppers use them in f64 with `f64::exp`, the batch simulator in SIMD lanes with the
//! polynomial exponential, in f64 or f32. Formulas and units: [`crate::HhParams`],
//! [`crate::Rates`].

use crate::real::{Exp, Real};

/// e¹, e^2.5, e³: the constant factors of exp((10 − v)/10), exp((25 − v)/10), exp((30 − v)/10).
const E1: f64 = std::f64::consts::E;
const E25: f64 = 12.182_493_960_703_473;
const E3: f64 = 20.085_536_923_187_668;

/// The state (v, m, h, n) in any precision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Vars<T> {
    pub v: T,
    pub m: T,
    pub h: T,
    pub n: T,
}

/// The constants of the membrane equation, as the integrators use them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Coeffs<T> {
    pub g_na: T,
    pub g_k: T,
    pub g_l: T,
    pub e_na: T,
    pub e_k: T,
    pub e_l: T,
    pub inv_c_m: T,
    pub phi: T,
}

/// The six rates (1/ms) at one potential.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GateRates<T> {
    pub alpha_m: T,
    pub beta_m: T,
    pub alpha_h: T,
    pub beta_h: T,
    pub alpha_n: T,
    pub beta_n: T,
}

/// `u / (eᵘ − 1)` given `em1 = eᵘ − 1`, with its series near u = 0; both sides are computed
/// and one selected, so this compiles without a branch.
#[inline(always)]
fn u_over_expm1<T: Real>(u: T, em1: T) -> T {
    let series = T::u_over_expm1_series(u);
    let direct = u / em1;
    if u.abs() < T::SERIES_BELOW {
        series
    } else {
        direct
    }
}

/// The rates at rest-relative `v` (mV) times the temperature factor `phi`. All exponentials
/// but exp(−v/18) are powers of exp(−v/80): two exponentials per evaluation instead of six.
#[inline(always)]
pub(crate) fn rates<T: Real, E: Exp<T>>(v: T, phi: T) -> GateRates<T> {
    // Multiplications by constant reciprocals: a division is ~4× the cost on the critical
    // path, and the results differ from the textbook's divisions by an ulp or so.
    let e80 = E::exp(v * T::c(-1.0 / 80.0));
    let e40 = e80 * e80;
    let e20 = e40 * e40;
    let e10 = e20 * e20;
    let e18 = E::exp(v * T::c(-1.0 / 18.0));
    let one = T::c(1.0);
    let um = (T::c(25.0) - v) * T::c(0.1);
    let un = (T::c(10.0) - v) * T::c(0.1);
    GateRates {
        alpha_m: phi * u_over_expm1(um, E::mul_add(T::c(E25), e10, -one)),
        beta_m: phi * T::c(4.0) * e18,
        alpha_h: phi * T::c(0.07) * e20,
        beta_h: phi / E::mul_add(T::c(E3), e10, one),
        alpha_n: phi * T::c(0.1) * u_over_expm1(un, E::mul_add(T::c(E1), e10, -one)),
        beta_n: phi * T::c(0.125) * e80,
    }
}

/// I_ion = g_Na·m³h·(v − E_Na) + g_K·n⁴·(v − E_K) + g_L·(v − E_L), µA/cm².
#[inline(always)]
pub(crate) fn ionic_current<T: Real, E: Exp<T>>(y: &Vars<T>, c: &Coeffs<T>) -> T {
    let m3 = y.m * y.m * y.m;
    let n2 = y.n * y.n;
    let k = n2 * n2 * c.g_k * (y.v - c.e_k);
    let na_k = E::mul_add(m3 * c.g_na * y.h, y.v - c.e_na, k);
    E::mul_add(c.g_l, y.v - c.e_l, na_k)
}

/// dx/dt = α·(1 − x) − β·x of a gate.
#[inline(always)]
fn gate<T: Real, E: Exp<T>>(x: T, alpha: T, beta: T) -> T {
    E::mul_add(alpha, T::c(1.0) - x, -(beta * x))
}

/// The right-hand side dy/dt at stimulus density `i_stim`.
#[inline(always)]
pub(crate) fn rhs<T: Real, E: Exp<T>>(y: &Vars<T>, c: &Coeffs<T>, i_stim: T) -> Vars<T> {
    let r = rates::<T, E>(y.v, c.phi);
    Vars {
        v: (i_stim - ionic_current::<T, E>(y, c)) * c.inv_c_m,
        m: gate::<T, E>(y.m, r.alpha_m, r.beta_m),
        h: gate::<T, E>(y.h, r.alpha_h, r.beta_h),
        n: gate::<T, E>(y.n, r.alpha_n, r.beta_n),
    }
}

/// One integration step of a scheme, in any precision (the schemes' docs: [`crate::Stepper`]
/// implementors).
pub(crate) trait Step: Copy + Send + Sync + 'static {
    /// `y` advanced by `dt` ms at stimulus density `i_stim`.
    fn advance<T: Real, E: Exp<T>>(y: Vars<T>, c: &Coeffs<T>, i_stim: T, dt: T) -> Vars<T>;
}

impl Step for crate::PyhhEuler {
    #[inline(always)]
    fn advance<T: Real, E: Exp<T>>(y: Vars<T>, c: &Coeffs<T>, i_stim: T, dt: T) -> Vars<T> {
        let r = rates::<T, E>(y.v, c.phi);
        Vars {
            v: E::mul_add(dt * (i_stim - ionic_current::<T, E>(&y, c)), c.inv_c_m, y.v),
            n: E::mul_add(dt, gate::<T, E>(y.n, r.alpha_n, r.beta_n), y.n),
            m: E::mul_add(dt, gate::<T, E>(y.m, r.alpha_m, r.beta_m), y.m),
            h: E::mul_add(dt, gate::<T, E>(y.h, r.alpha_h, r.beta_h), y.h),
        }
    }
}

impl Step for crate::ExpEuler {
    #[inline(always)]
    fn advance<T: Real, E: Exp<T>>(y: Vars<T>, c: &Coeffs<T>, i_stim: T, dt: T) -> Vars<T> {
        let r = rates::<T, E>(y.v, c.phi);
        let relax = |x: T, a: T, b: T| {
            let k = a + b;
            let inf = a / k;
            E::mul_add(x - inf, E::exp(-dt * k), inf)
        };
        Vars {
            v: E::mul_add(dt * (i_stim - ionic_current::<T, E>(&y, c)), c.inv_c_m, y.v),
            m: relax(y.m, r.alpha_m, r.beta_m),
            h: relax(y.h, r.alpha_h, r.beta_h),
            n: relax(y.n, r.alpha_n, r.beta_n),
        }
    }
}

#[inline(always)]
fn axpy<T: Real, E: Exp<T>>(y: &Vars<T>, a: T, d: &Vars<T>) -> Vars<T> {
    Vars {
        v: E::mul_add(a, d.v, y.v),
        m: E::mul_add(a, d.m, y.m),
        h: E::mul_add(a, d.h, y.h),
        n: E::mul_add(a, d.n, y.n),
    }
}

impl Step for crate::Rk4 {
    #[inline(always)]
    fn advance<T: Real, E: Exp<T>>(y: Vars<T>, c: &Coeffs<T>, i_stim: T, dt: T) -> Vars<T> {
        let half = T::c(0.5) * dt;
        let two = T::c(2.0);
        let k1 = rhs::<T, E>(&y, c, i_stim);
        let k2 = rhs::<T, E>(&axpy::<T, E>(&y, half, &k1), c, i_stim);
        let k3 = rhs::<T, E>(&axpy::<T, E>(&y, half, &k2), c, i_stim);
        let k4 = rhs::<T, E>(&axpy::<T, E>(&y, dt, &k3), c, i_stim);
        let w = dt / T::c(6.0);
        let sum = |a: T, b: T, c: T, d: T| a + two * (b + c) + d;
        Vars {
            v: E::mul_add(w, sum(k1.v, k2.v, k3.v, k4.v), y.v),
            m: E::mul_add(w, sum(k1.m, k2.m, k3.m, k4.m), y.m),
            h: E::mul_add(w, sum(k1.h, k2.h, k3.h, k4.h), y.h),
            n: E::mul_add(w, sum(k1.n, k2.n, k3.n, k4.n), y.n),
        }
    }
}
