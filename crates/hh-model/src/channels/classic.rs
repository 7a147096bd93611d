//! The classic 1952 squid-axon channels of Hodgkin and Huxley, rest-relative (v = 0 at rest,
//! mV), with the temperature factor φ (`phi`, 1 at 6.3 °C) multiplying every rate:
//!
//! | gate | α(v), 1/ms | β(v), 1/ms |
//! |---|---|---|
//! | m | 0.1·(25 − v) / (exp((25 − v)/10) − 1) | 4·exp(−v/18) |
//! | h | 0.07·exp(−v/20) | 1 / (exp((30 − v)/10) + 1) |
//! | n | 0.01·(10 − v) / (exp((10 − v)/10) − 1) | 0.125·exp(−v/80) |
//!
//! I_Na = g_na·m³h·(v − e_na), I_K = g_k·n⁴·(v − e_k) (and the leak, [`super::Leak`]).
//! Defaults: g_na 120, g_k 36 mS/cm²; e_na 115, e_k −12 mV. Source: Hodgkin & Huxley, J.
//! Physiol. 117:500 (1952), as pyHH writes it.
//!
//! αm and αn have removable 0/0 points (v = 25 and v = 10 mV), evaluated through
//! `u / (eᵘ − 1)` with its series near 0 ([`crate::u_over_expm1`]). All exponentials but
//! exp(−v/18) are powers of exp(−v/80); sodium and potassium compute the same powers, which the
//! compiler shares once both are inlined into one step.

use crate::channel::{Channel, Gate, ParameterSpec};
use crate::real::{Exp, Real, u_over_expm1};

/// e¹, e^2.5, e³: the constant factors of exp((10 − v)/10), exp((25 − v)/10), exp((30 − v)/10).
const E1: f64 = std::f64::consts::E;
const E25: f64 = 12.182_493_960_703_473;
const E3: f64 = 20.085_536_923_187_668;

/// The temperature factor, shared by both channels.
const PHI: ParameterSpec = ParameterSpec::positive(
    "phi",
    1.0,
    "",
    "temperature factor of every rate (3^((T − 6.3 °C)/10))",
);

/// exp(−v/80) and its powers exp(−v/40), exp(−v/20), exp(−v/10).
#[inline(always)]
fn powers<T: Real, E: Exp<T>>(v: T) -> [T; 4] {
    let e80 = E::exp(v * T::c(-1.0 / 80.0));
    let e40 = e80 * e80;
    let e20 = e40 * e40;
    let e10 = e20 * e20;
    [e80, e40, e20, e10]
}

/// The sodium channel, m³h. Parameters `g_na` (mS/cm²), `e_na` (mV, rest-relative), `phi`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ClassicNa;

impl Channel for ClassicNa {
    const GATES: usize = 2;
    const PARAMS: usize = 3;

    fn name(&self) -> &'static str {
        "na"
    }

    fn parameters(&self) -> Vec<ParameterSpec> {
        vec![
            ParameterSpec::conductance("g_na", 120.0, "maximal sodium conductance"),
            ParameterSpec::potential("e_na", 115.0, "sodium reversal potential, rest-relative"),
            PHI,
        ]
    }

    fn gates(&self) -> Vec<&'static str> {
        vec!["m", "h"]
    }

    #[inline(always)]
    fn kinetics<T: Real, E: Exp<T>>(&self, v: T, p: &[T], out: &mut [Gate<T>]) {
        let phi = p[2];
        let [_, _, e20, e10] = powers::<T, E>(v);
        let e18 = E::exp(v * T::c(-1.0 / 18.0));
        let one = T::c(1.0);
        let um = (T::c(25.0) - v) * T::c(0.1);
        out[0] = Gate::Rates {
            alpha: phi * u_over_expm1(um, E::mul_add(T::c(E25), e10, -one)),
            beta: phi * T::c(4.0) * e18,
        };
        out[1] = Gate::Rates {
            alpha: phi * T::c(0.07) * e20,
            beta: phi / E::mul_add(T::c(E3), e10, one),
        };
    }

    #[inline(always)]
    fn conductance<T: Real, E: Exp<T>>(&self, p: &[T], x: &[T], _v: T) -> T {
        let (m, h) = (x[0], x[1]);
        m * m * m * p[0] * h
    }

    #[inline(always)]
    fn reversal<T: Real>(&self, p: &[T]) -> T {
        p[1]
    }
}

/// The delayed-rectifier potassium channel, n⁴. Parameters `g_k` (mS/cm²), `e_k` (mV,
/// rest-relative), `phi`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ClassicK;

impl Channel for ClassicK {
    const GATES: usize = 1;
    const PARAMS: usize = 3;

    fn name(&self) -> &'static str {
        "k"
    }

    fn parameters(&self) -> Vec<ParameterSpec> {
        vec![
            ParameterSpec::conductance("g_k", 36.0, "maximal potassium conductance"),
            ParameterSpec::potential("e_k", -12.0, "potassium reversal potential, rest-relative"),
            PHI,
        ]
    }

    fn gates(&self) -> Vec<&'static str> {
        vec!["n"]
    }

    #[inline(always)]
    fn kinetics<T: Real, E: Exp<T>>(&self, v: T, p: &[T], out: &mut [Gate<T>]) {
        let phi = p[2];
        let [e80, _, _, e10] = powers::<T, E>(v);
        let un = (T::c(10.0) - v) * T::c(0.1);
        out[0] = Gate::Rates {
            alpha: phi * T::c(0.1) * u_over_expm1(un, E::mul_add(T::c(E1), e10, -T::c(1.0))),
            beta: phi * T::c(0.125) * e80,
        };
    }

    #[inline(always)]
    fn conductance<T: Real, E: Exp<T>>(&self, p: &[T], x: &[T], _v: T) -> T {
        let n2 = x[0] * x[0];
        n2 * n2 * p[0]
    }

    #[inline(always)]
    fn reversal<T: Real>(&self, p: &[T]) -> T {
        p[1]
    }
}
