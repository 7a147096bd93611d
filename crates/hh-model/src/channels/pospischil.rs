//! The channels of Pospischil et al. (2008, Biol. Cybern. 99:427, "Minimal Hodgkin–Huxley type
//! models for different classes of cortical and thalamic neurons"), as Gonçalves et al. (2020,
//! eLife 9:e56261) and the sbi package's Hodgkin–Huxley tutorial simulate them: absolute
//! potentials V (mV), rates in 1/ms, `efun(z) = z / (eᶻ − 1)`:
//!
//! | channel | gates | kinetics | conductance |
//! |---|---|---|---|
//! | [`Na`] | m, h | αm = 0.32·efun(−(V − V_T − 13)/4)/0.25, βm = 0.28·efun((V − V_T − 40)/5)/0.2, αh = 0.128·exp(−(V − V_T − 17)/18), βh = 4 / (1 + exp(−(V − V_T − 40)/5)) | g_na·m³h, E_na = 53 |
//! | [`Kd`] | n | αn = 0.032·efun(−(V − V_T − 15)/5)/0.2, βn = 0.5·exp(−(V − V_T − 10)/40) | g_k·n⁴, E_k = −107 |
//! | [`M`] | p | p∞ = 1 / (1 + exp(−(V + 35)/10)), τp = τ_max / (3.3·exp((V + 35)/20) + exp(−(V + 35)/20)) | g_m·p, E_k |
//! | [`CaL`] | q, r | αq = 0.055·efun(−(V + 27)/3.8)·3.8, βq = 0.94·exp(−(V + 75)/17), αr = 0.000457·exp(−(V + 13)/50), βr = 0.0065 / (1 + exp(−(V + 15)/28)) | g_cal·q²r, E_ca = 120 |
//! | [`CaT`] | u | s∞ = 1 / (1 + exp(−(V + V_x + 57)/6.2)) (instantaneous), u∞ = 1 / (1 + exp((V + V_x + 81)/4)), τu = 30.8/3.7 + (211.4 + exp((V + V_x + 113.2)/5)) / (3.7·(1 + exp((V + V_x + 84)/3.2))) | g_cat·s∞²u, E_ca |
//!
//! and the leak ([`super::Leak::pospischil`]: g_leak 0.1 mS/cm², E_leak −70 mV). V_T (`v_t`,
//! default −60 mV) shifts both sodium and potassium kinetics and is one parameter shared by
//! [`Na`] and [`Kd`]; `e_k` is shared by [`Kd`] and [`M`], `e_ca` by [`CaL`] and [`CaT`].
//! Defaults are Gonçalves et al.'s θ*: g_na 50, g_k 5, g_m 0.07 mS/cm², τ_max 600 ms.
//!
//! Each channel computes its exponentials once and derives the others as powers or
//! reciprocals (the sodium channel's four rates from exp((V − V_T)/40) and exp(−(V − V_T)/18)),
//! which agrees with the separate exponentials of the published code to rounding.

use crate::channel::{Channel, Gate, ParameterSpec};
use crate::real::{Exp, Real, u_over_expm1};

const V_T: ParameterSpec = ParameterSpec::potential(
    "v_t",
    -60.0,
    "threshold shift V_T of the sodium and potassium kinetics",
);
const E_K: ParameterSpec = ParameterSpec::potential("e_k", -107.0, "potassium reversal potential");
const E_CA: ParameterSpec = ParameterSpec::potential("e_ca", 120.0, "calcium reversal potential");

/// `z / (eᶻ − 1)` given `ez = eᶻ`.
#[inline(always)]
fn efun<T: Real>(z: T, ez: T) -> T {
    u_over_expm1(z, ez - T::c(1.0))
}

/// x², x⁴, x⁸.
#[inline(always)]
fn squares<T: Real>(x: T) -> (T, T, T) {
    let x2 = x * x;
    let x4 = x2 * x2;
    (x2, x4, x4 * x4)
}

/// Pospischil's sodium channel, m³h, kinetics shifted by V_T. Parameters `g_na` (mS/cm²,
/// 50), `e_na` (mV, 53), `v_t` (mV, −60).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Na;

impl Channel for Na {
    const GATES: usize = 2;
    const PARAMS: usize = 3;

    fn name(&self) -> &'static str {
        "na"
    }

    fn parameters(&self) -> Vec<ParameterSpec> {
        vec![
            ParameterSpec::conductance("g_na", 50.0, "maximal sodium conductance"),
            ParameterSpec::potential("e_na", 53.0, "sodium reversal potential"),
            V_T,
        ]
    }

    fn gates(&self) -> Vec<&'static str> {
        vec!["m", "h"]
    }

    #[inline(always)]
    fn kinetics<T: Real, E: Exp<T>>(&self, v: T, p: &[T], out: &mut [Gate<T>]) {
        let v1 = v - p[2];
        // g = exp(v1/40): exp(−(v1 − 13)/4) = e^3.25/g¹⁰, exp((v1 − 40)/5) = e^−8·g⁸.
        let g = E::exp(v1 * T::c(1.0 / 40.0));
        let (g2, _, g8) = squares(g);
        let zm = (T::c(13.0) - v1) * T::c(0.25);
        let ezm = T::c(3.25f64.exp()) / (g8 * g2);
        let zb = (v1 - T::c(40.0)) * T::c(0.2);
        let ezb = T::c((-8.0f64).exp()) * g8;
        out[0] = Gate::Rates {
            alpha: T::c(0.32 / 0.25) * efun(zm, ezm),
            beta: T::c(0.28 / 0.2) * efun(zb, ezb),
        };
        out[1] = Gate::Rates {
            alpha: T::c(0.128) * E::exp((T::c(17.0) - v1) * T::c(1.0 / 18.0)),
            // 4 / (1 + exp(−(v1 − 40)/5)) = 4·e / (e + 1), e = exp((v1 − 40)/5).
            beta: T::c(4.0) * ezb / (ezb + T::c(1.0)),
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

/// Pospischil's delayed-rectifier potassium channel, n⁴, kinetics shifted by V_T. Parameters
/// `g_k` (mS/cm², 5), `e_k` (mV, −107), `v_t` (mV, −60).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Kd;

impl Channel for Kd {
    const GATES: usize = 1;
    const PARAMS: usize = 3;

    fn name(&self) -> &'static str {
        "kd"
    }

    fn parameters(&self) -> Vec<ParameterSpec> {
        vec![
            ParameterSpec::conductance("g_k", 5.0, "maximal delayed-rectifier conductance"),
            E_K,
            V_T,
        ]
    }

    fn gates(&self) -> Vec<&'static str> {
        vec!["n"]
    }

    #[inline(always)]
    fn kinetics<T: Real, E: Exp<T>>(&self, v: T, p: &[T], out: &mut [Gate<T>]) {
        let v1 = v - p[2];
        // g = exp(v1/40): exp(−(v1 − 15)/5) = e³/g⁸, exp(−(v1 − 10)/40) = e^0.25/g.
        let g = E::exp(v1 * T::c(1.0 / 40.0));
        let (_, _, g8) = squares(g);
        let zn = (T::c(15.0) - v1) * T::c(0.2);
        out[0] = Gate::Rates {
            alpha: T::c(0.032 / 0.2) * efun(zn, T::c(3f64.exp()) / g8),
            beta: T::c(0.5 * 0.25f64.exp()) / g,
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

/// The slow non-inactivating potassium channel (M-current), p. Parameters `g_m` (mS/cm²,
/// 0.07), `e_k` (mV, −107), `tau_max` (ms, 600).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct M;

impl Channel for M {
    const GATES: usize = 1;
    const PARAMS: usize = 3;

    fn name(&self) -> &'static str {
        "m"
    }

    fn parameters(&self) -> Vec<ParameterSpec> {
        vec![
            ParameterSpec::conductance("g_m", 0.07, "maximal M-current conductance"),
            E_K,
            ParameterSpec::positive(
                "tau_max",
                600.0,
                "ms",
                "largest time constant of the M-current",
            ),
        ]
    }

    fn gates(&self) -> Vec<&'static str> {
        vec!["p"]
    }

    #[inline(always)]
    fn kinetics<T: Real, E: Exp<T>>(&self, v: T, p: &[T], out: &mut [Gate<T>]) {
        // e = exp((V + 35)/20): p∞ = e²/(e² + 1), τ = τ_max·e/(3.3·e² + 1).
        let e = E::exp((v + T::c(35.0)) * T::c(0.05));
        let e2 = e * e;
        out[0] = Gate::Relax {
            inf: e2 / (e2 + T::c(1.0)),
            tau: p[2] * e / E::mul_add(T::c(3.3), e2, T::c(1.0)),
        };
    }

    #[inline(always)]
    fn conductance<T: Real, E: Exp<T>>(&self, p: &[T], x: &[T], _v: T) -> T {
        p[0] * x[0]
    }

    #[inline(always)]
    fn reversal<T: Real>(&self, p: &[T]) -> T {
        p[1]
    }
}

/// The high-threshold (L-type) calcium channel, q²r. Parameters `g_cal` (mS/cm², 0: off in
/// Gonçalves et al.'s model), `e_ca` (mV, 120).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CaL;

impl Channel for CaL {
    const GATES: usize = 2;
    const PARAMS: usize = 2;

    fn name(&self) -> &'static str {
        "cal"
    }

    fn parameters(&self) -> Vec<ParameterSpec> {
        vec![
            ParameterSpec::conductance("g_cal", 0.0, "maximal L-type calcium conductance"),
            E_CA,
        ]
    }

    fn gates(&self) -> Vec<&'static str> {
        vec!["q", "r"]
    }

    #[inline(always)]
    fn kinetics<T: Real, E: Exp<T>>(&self, v: T, _p: &[T], out: &mut [Gate<T>]) {
        let zq = -(v + T::c(27.0)) * T::c(1.0 / 3.8);
        out[0] = Gate::Rates {
            alpha: T::c(0.055 * 3.8) * efun(zq, E::exp(zq)),
            beta: T::c(0.94) * E::exp(-(v + T::c(75.0)) * T::c(1.0 / 17.0)),
        };
        out[1] = Gate::Rates {
            alpha: T::c(0.000457) * E::exp(-(v + T::c(13.0)) * T::c(1.0 / 50.0)),
            beta: T::c(0.0065) / (T::c(1.0) + E::exp(-(v + T::c(15.0)) * T::c(1.0 / 28.0))),
        };
    }

    #[inline(always)]
    fn conductance<T: Real, E: Exp<T>>(&self, p: &[T], x: &[T], _v: T) -> T {
        p[0] * x[0] * x[0] * x[1]
    }

    #[inline(always)]
    fn reversal<T: Real>(&self, p: &[T]) -> T {
        p[1]
    }
}

/// The low-threshold (T-type) calcium channel, s∞(V)²u with instantaneous activation.
/// Parameters `g_cat` (mS/cm², 0: off in Gonçalves et al.'s model), `e_ca` (mV, 120), `v_x`
/// (mV, 2: the shift of its kinetics).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CaT;

impl Channel for CaT {
    const GATES: usize = 1;
    const PARAMS: usize = 3;

    fn name(&self) -> &'static str {
        "cat"
    }

    fn parameters(&self) -> Vec<ParameterSpec> {
        vec![
            ParameterSpec::conductance("g_cat", 0.0, "maximal T-type calcium conductance"),
            E_CA,
            ParameterSpec::potential("v_x", 2.0, "shift of the T-type kinetics"),
        ]
    }

    fn gates(&self) -> Vec<&'static str> {
        vec!["u"]
    }

    #[inline(always)]
    fn kinetics<T: Real, E: Exp<T>>(&self, v: T, p: &[T], out: &mut [Gate<T>]) {
        let w = v + p[2];
        let one = T::c(1.0);
        out[0] = Gate::Relax {
            inf: one / (one + E::exp((w + T::c(81.0)) * T::c(0.25))),
            tau: T::c(30.8 / 3.7)
                + (T::c(211.4) + E::exp((w + T::c(113.2)) * T::c(0.2)))
                    / (T::c(3.7) * (one + E::exp((w + T::c(84.0)) * T::c(1.0 / 3.2)))),
        };
    }

    #[inline(always)]
    fn conductance<T: Real, E: Exp<T>>(&self, p: &[T], x: &[T], v: T) -> T {
        let s = T::c(1.0) / (T::c(1.0) + E::exp(-(v + p[2] + T::c(57.0)) * T::c(1.0 / 6.2)));
        p[0] * s * s * x[0]
    }

    #[inline(always)]
    fn reversal<T: Real>(&self, p: &[T]) -> T {
        p[1]
    }
}
