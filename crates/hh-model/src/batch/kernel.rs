//! The lane kernel: `L` traces advanced together, structure of arrays, one compiled copy per
//! instruction set, chosen at run time.
//!
//! The loop body is the scalar step of [`crate::equations`] applied to lane `k` of each array;
//! with the polynomial exponential and the singular points resolved by selects there is no
//! call and no branch, so the compiler turns the lane loop into SIMD instructions (`L` f64 =
//! one AVX-512 register or two AVX2 ones). Lanes never interact and no operation is fused
//! (Rust does not contract `a * b + c` into an FMA by itself), so every instruction set gives
//! the same bits, whatever the lane width.

// Structure-of-arrays loops index several arrays by the same lane `k`: that is the point
// (the compiler turns each `for k in 0..L` into one vector instruction per array).
#![allow(clippy::needless_range_loop)]

use multiversion::multiversion;

use crate::equations::{Coeffs, Step, Vars};
use crate::real::{Exp, Real};
use crate::simulate::DIVERGENCE_MV;

/// The states of `L` traces.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LaneState<T, const L: usize> {
    pub v: [T; L],
    pub m: [T; L],
    pub h: [T; L],
    pub n: [T; L],
}

impl<T: Real, const L: usize> LaneState<T, L> {
    /// Every lane at `y`.
    pub fn splat(y: Vars<T>) -> Self {
        Self {
            v: [y.v; L],
            m: [y.m; L],
            h: [y.h; L],
            n: [y.n; L],
        }
    }

    /// Puts lane `k` at `y`.
    pub fn set(&mut self, k: usize, y: Vars<T>) {
        self.v[k] = y.v;
        self.m[k] = y.m;
        self.h[k] = y.h;
        self.n[k] = y.n;
    }
}

/// The membrane constants of `L` traces (θ may set any of them per trace).
#[derive(Debug, Clone, Copy)]
pub(crate) struct LaneCoeffs<T, const L: usize> {
    pub g_na: [T; L],
    pub g_k: [T; L],
    pub g_l: [T; L],
    pub e_na: [T; L],
    pub e_k: [T; L],
    pub e_l: [T; L],
    pub inv_c_m: [T; L],
    pub phi: [T; L],
}

impl<T: Real, const L: usize> LaneCoeffs<T, L> {
    /// Every lane with `c`.
    pub fn splat(c: Coeffs<T>) -> Self {
        Self {
            g_na: [c.g_na; L],
            g_k: [c.g_k; L],
            g_l: [c.g_l; L],
            e_na: [c.e_na; L],
            e_k: [c.e_k; L],
            e_l: [c.e_l; L],
            inv_c_m: [c.inv_c_m; L],
            phi: [c.phi; L],
        }
    }

    /// Gives lane `k` the constants `c`.
    pub fn set(&mut self, k: usize, c: Coeffs<T>) {
        self.g_na[k] = c.g_na;
        self.g_k[k] = c.g_k;
        self.g_l[k] = c.g_l;
        self.e_na[k] = c.e_na;
        self.e_k[k] = c.e_k;
        self.e_l[k] = c.e_l;
        self.inv_c_m[k] = c.inv_c_m;
        self.phi[k] = c.phi;
    }
}

/// The samples as flattened rows of absolute potentials in f64, `rows[i] = offset[i] + out[i]`
/// (`offset`: each lane's v_rest, row after row), for f32 lanes: one loop along memory (a
/// loop over rows would vectorise by gathers).
#[multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx512bw+fma", "x86_64+avx2+fma"))]
pub(crate) fn widen<T: Real>(out: &[T::Sample], offset: &[f64], rows: &mut [f64]) {
    for ((dst, s), o) in rows.iter_mut().zip(out).zip(offset) {
        *dst = T::absolute(*s, *o);
    }
}

/// What the kernel reports of a block besides the potentials: per lane, the first row whose
/// rest-relative |v| exceeds [`DIVERGENCE_MV`] or is NaN (−1: none) and that v. The output
/// offset `v_rest` rides along.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Watch<T, const L: usize> {
    pub v_rest: [f64; L],
    pub row: [T; L],
    pub v: [T; L],
}

/// Advances every lane by `stim.len()` steps of `dt` (`stim[j][k]`: lane `k`'s stimulus
/// density on step `j`), writing each lane's absolute potential `v_rest + v` (f64) after step
/// `j` to `out[j][k]` — the rows a summary's stream takes — and watching for divergence.
#[inline(always)]
fn advance_lanes<T: Real, X: Exp<T>, S: Step, const L: usize>(
    y: &mut LaneState<T, L>,
    c: &LaneCoeffs<T, L>,
    dt: T,
    stim: &[[T; L]],
    watch: &mut Watch<T, L>,
    out: &mut [[T::Sample; L]],
) {
    let limit = T::c(DIVERGENCE_MV);
    for (j, (s, o)) in stim.iter().zip(out.iter_mut()).enumerate() {
        let row = T::c(j as f64);
        for k in 0..L {
            let coeffs = Coeffs {
                g_na: c.g_na[k],
                g_k: c.g_k[k],
                g_l: c.g_l[k],
                e_na: c.e_na[k],
                e_k: c.e_k[k],
                e_l: c.e_l[k],
                inv_c_m: c.inv_c_m[k],
                phi: c.phi[k],
            };
            let yk = Vars {
                v: y.v[k],
                m: y.m[k],
                h: y.h[k],
                n: y.n[k],
            };
            let next = S::advance::<T, X>(yk, &coeffs, s[k], dt);
            y.v[k] = next.v;
            y.m[k] = next.m;
            y.h[k] = next.h;
            y.n[k] = next.n;
            o[k] = T::sample(next.v, watch.v_rest[k]);
            // The first row where |v| > limit or v is NaN, and that v (selects, no branch).
            let within = next.v.abs() <= limit;
            let fresh = !within & (watch.row[k] < T::c(0.0));
            watch.row[k] = if fresh { row } else { watch.row[k] };
            watch.v[k] = if fresh { next.v } else { watch.v[k] };
        }
    }
}

/// [`advance_lanes`] compiled for AVX-512 (Ice Lake's set, as multiversion requires), for
/// AVX2 + FMA, and for the baseline; the best the CPU has is selected on the first call.
#[multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx512bw+fma", "x86_64+avx2+fma"))]
fn advance_dispatched<T: Real, X: Exp<T>, S: Step, const L: usize>(
    y: &mut LaneState<T, L>,
    c: &LaneCoeffs<T, L>,
    dt: T,
    stim: &[[T; L]],
    watch: &mut Watch<T, L>,
    out: &mut [[T::Sample; L]],
) {
    advance_lanes::<T, X, S, L>(y, c, dt, stim, watch, out);
}

/// [`advance_lanes`] compiled for the baseline only.
fn advance_baseline<T: Real, X: Exp<T>, S: Step, const L: usize>(
    y: &mut LaneState<T, L>,
    c: &LaneCoeffs<T, L>,
    dt: T,
    stim: &[[T; L]],
    watch: &mut Watch<T, L>,
    out: &mut [[T::Sample; L]],
) {
    advance_lanes::<T, X, S, L>(y, c, dt, stim, watch, out);
}

/// [`advance_lanes`] with run-time dispatch, or, with `portable`, the copy compiled for the
/// target's baseline (x86-64: SSE2) whatever the CPU.
#[inline]
pub(crate) fn advance<T: Real, X: Exp<T>, S: Step, const L: usize>(
    portable: bool,
    y: &mut LaneState<T, L>,
    c: &LaneCoeffs<T, L>,
    dt: T,
    stim: &[[T; L]],
    watch: &mut Watch<T, L>,
    out: &mut [[T::Sample; L]],
) {
    if portable {
        advance_baseline::<T, X, S, L>(y, c, dt, stim, watch, out);
    } else {
        advance_dispatched::<T, X, S, L>(y, c, dt, stim, watch, out);
    }
}

/// Whether this CPU has fused multiply-add instructions (then the dispatched kernel fuses).
pub(crate) fn fma_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(target_arch = "aarch64")]
    {
        true
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        false
    }
}

/// The instruction set [`advance`] runs on this CPU: `avx512`, `avx2` or `baseline`, by the
/// features multiversion checks for each target.
pub(crate) fn selected_isa() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        // multiversion adds Ice Lake's AVX-512 extensions to any AVX-512 target.
        let avx512 = has!("avx512f")
            && has!("avx512vl")
            && has!("avx512dq")
            && has!("avx512bw")
            && has!("avx512cd")
            && has!("avx512bitalg")
            && has!("avx512ifma")
            && has!("avx512vbmi")
            && has!("avx512vbmi2")
            && has!("avx512vnni")
            && has!("avx512vpopcntdq")
            && has!("gfni")
            && has!("vaes")
            && has!("vpclmulqdq")
            && has!("fma");
        if avx512 {
            return "avx512";
        }
        if has!("avx2") && has!("fma") {
            return "avx2";
        }
    }
    "baseline"
}
