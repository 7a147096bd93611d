//! The lane kernel: `L` traces advanced together, structure of arrays, one compiled copy per
//! instruction set, chosen at run time.
//!
//! The loop body is the scalar step of a scheme ([`crate::Scheme`]) for the model's channels
//! applied to lane `k` of each array;
//! with the polynomial exponential and the singular points resolved by selects there is no
//! call and no branch, so the compiler turns the lane loop into SIMD instructions (`L` f64 =
//! one AVX-512 register or two AVX2 ones). Lanes never interact and no operation is fused
//! (Rust does not contract `a * b + c` into an FMA by itself), so every instruction set gives
//! the same bits, whatever the lane width.

// Structure-of-arrays loops index several arrays by the same lane `k`: that is the point
// (the compiler turns each `for k in 0..L` into one vector instruction per array).
#![allow(clippy::needless_range_loop)]

use multiversion::multiversion;

use crate::channels::Channels;
use crate::model::{MAX_GATES, MAX_PARAMS};
use crate::real::{Exp, Lane};
use crate::scheme::{State, Step};
use crate::simulate::DIVERGENCE_MV;

/// `L` traces in structure-of-arrays form: the state (`y[i][k]`: variable i — V, then the
/// gates — of lane k), the channels' parameters and 1/c_m per lane.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lanes<T, const L: usize> {
    pub y: [[T; L]; 1 + MAX_GATES],
    pub p: [[T; L]; MAX_PARAMS],
    pub inv_c_m: [T; L],
}

impl<T: Lane, const L: usize> Lanes<T, L> {
    /// Every lane at state `y` with parameters `p` and 1/c_m `inv_c_m`.
    pub fn splat(y: &State<f64>, p: &[f64; MAX_PARAMS], inv_c_m: f64) -> Self {
        let mut out = Self {
            y: [[T::c(0.0); L]; 1 + MAX_GATES],
            p: [[T::c(0.0); L]; MAX_PARAMS],
            inv_c_m: [T::c(inv_c_m); L],
        };
        for k in 0..L {
            out.set_state(k, y);
            for (row, v) in out.p.iter_mut().zip(p) {
                row[k] = T::c(*v);
            }
        }
        out
    }

    /// Puts lane `k` at state `y`.
    pub fn set_state(&mut self, k: usize, y: &State<f64>) {
        for (row, v) in self.y.iter_mut().zip(y) {
            row[k] = T::c(*v);
        }
    }

    /// Gives lane `k` the parameters `p` and 1/c_m `inv_c_m`.
    pub fn set_params(&mut self, k: usize, p: &[f64; MAX_PARAMS], inv_c_m: f64) {
        for (row, v) in self.p.iter_mut().zip(p) {
            row[k] = T::c(*v);
        }
        self.inv_c_m[k] = T::c(inv_c_m);
    }
}

/// The samples as flattened rows of absolute potentials in f64, `rows[i] = offset[i] + out[i]`
/// (`offset`: each lane's v_rest, row after row), for f32 lanes: one loop along memory (a
/// loop over rows would vectorise by gathers).
#[multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx512bw+fma", "x86_64+avx2+fma"))]
pub(crate) fn widen<T: Lane>(out: &[T::Sample], offset: &[f64], rows: &mut [f64]) {
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
/// density on step `j`), writing each lane's sample `v_rest + V` after step `j` to `out[j][k]`
/// — the rows a summary's stream takes — and watching for divergence.
#[inline(always)]
fn advance_lanes<T: Lane, X: Exp<T>, S: Step, C: Channels, const L: usize>(
    ch: &C,
    lanes: &mut Lanes<T, L>,
    dt: T,
    stim: &[[T; L]],
    watch: &mut Watch<T, L>,
    out: &mut [[T::Sample; L]],
) {
    let limit = T::c(DIVERGENCE_MV);
    for (j, (s, o)) in stim.iter().zip(out.iter_mut()).enumerate() {
        let row = T::c(j as f64);
        for k in 0..L {
            let mut y = [T::c(0.0); 1 + MAX_GATES];
            for i in 0..1 + C::GATES {
                y[i] = lanes.y[i][k];
            }
            let mut p = [T::c(0.0); MAX_PARAMS];
            for i in 0..C::PARAMS {
                p[i] = lanes.p[i][k];
            }
            S::advance::<T, X, C>(ch, &p[..C::PARAMS], lanes.inv_c_m[k], &mut y, s[k], dt);
            for i in 0..1 + C::GATES {
                lanes.y[i][k] = y[i];
            }
            let v = y[0];
            o[k] = T::sample(v, watch.v_rest[k]);
            // The first row where |v| > limit or v is NaN, and that v (selects, no branch).
            let within = v.abs() <= limit;
            let fresh = !within & (watch.row[k] < T::c(0.0));
            watch.row[k] = if fresh { row } else { watch.row[k] };
            watch.v[k] = if fresh { v } else { watch.v[k] };
        }
    }
}

/// [`advance_lanes`] compiled for AVX-512 (Ice Lake's set, as multiversion requires), for
/// AVX2 + FMA, and for the baseline; the best the CPU has is selected on the first call.
#[multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx512bw+fma", "x86_64+avx2+fma"))]
fn advance_dispatched<T: Lane, X: Exp<T>, S: Step, C: Channels, const L: usize>(
    ch: &C,
    lanes: &mut Lanes<T, L>,
    dt: T,
    stim: &[[T; L]],
    watch: &mut Watch<T, L>,
    out: &mut [[T::Sample; L]],
) {
    advance_lanes::<T, X, S, C, L>(ch, lanes, dt, stim, watch, out);
}

/// [`advance_lanes`] compiled for the baseline only.
fn advance_baseline<T: Lane, X: Exp<T>, S: Step, C: Channels, const L: usize>(
    ch: &C,
    lanes: &mut Lanes<T, L>,
    dt: T,
    stim: &[[T; L]],
    watch: &mut Watch<T, L>,
    out: &mut [[T::Sample; L]],
) {
    advance_lanes::<T, X, S, C, L>(ch, lanes, dt, stim, watch, out);
}

/// [`advance_lanes`] with run-time dispatch, or, with `portable`, the copy compiled for the
/// target's baseline (x86-64: SSE2) whatever the CPU.
#[inline]
pub(crate) fn advance<T: Lane, X: Exp<T>, S: Step, C: Channels, const L: usize>(
    portable: bool,
    ch: &C,
    lanes: &mut Lanes<T, L>,
    dt: T,
    stim: &[[T; L]],
    watch: &mut Watch<T, L>,
    out: &mut [[T::Sample; L]],
) {
    if portable {
        advance_baseline::<T, X, S, C, L>(ch, lanes, dt, stim, watch, out);
    } else {
        advance_dispatched::<T, X, S, C, L>(ch, lanes, dt, stim, watch, out);
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
