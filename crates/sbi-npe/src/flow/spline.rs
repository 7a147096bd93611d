//! The monotone rational-quadratic spline of neural spline flows (Durkan et al. 2019, as
//! nflows implements it with linear tails): K bins on [−B, B], identity outside.
//!
//! From raw network outputs (K widths, K heights, K − 1 interior derivatives):
//! widths and heights are softmax(raw / √hidden), floored at `min_bin_width` /
//! `min_bin_height` and scaled to 2B; knot derivatives are `min_derivative` + softplus(raw),
//! and 1 at ±B so the spline joins the identity tails smoothly. In bin k, with
//! ξ = (x − xₖ)/wₖ and sₖ = hₖ/wₖ,
//!
//! y = yₖ + hₖ(sₖξ² + δₖξ(1 − ξ)) / (sₖ + (δₖ₊₁ + δₖ − 2sₖ)ξ(1 − ξ)),
//!
//! and the inverse solves the quadratic in ξ this gives. [`Spline`] is the host form (f64,
//! forward and inverse); [`spline_forward`] is the training form (burn tensors, forward).

use burn::tensor::{Device, Tensor, TensorData};

use crate::error::Result;
use crate::math::softplus;
#[cfg(test)]
use crate::tensor_ops::{BinSearch, bin_one_hot};
use sbi_core::fast_exp::{exp_f32, exp_f64};

/// Lower bounds of the spline's bins and derivatives (nflows' defaults: 10⁻³ each; the
/// tensor form relies on the bin-width and bin-height floors being equal).
pub(crate) const MIN_BIN_WIDTH: f64 = 1e-3;
pub(crate) const MIN_BIN_HEIGHT: f64 = MIN_BIN_WIDTH;
pub(crate) const MIN_DERIVATIVE: f64 = 1e-3;

/// Raw parameters per transformed feature: K widths, K heights, K − 1 derivatives.
pub(crate) fn num_params(bins: usize) -> usize {
    3 * bins - 1
}

/// One spline's knots on the host.
#[derive(Debug, Clone)]
pub(crate) struct Spline {
    bound: f64,
    /// K + 1 knot positions in x and y (first −B, last B) and derivatives (first and last 1).
    xs: Vec<f64>,
    ys: Vec<f64>,
    ds: Vec<f64>,
}

/// Knot positions −B … B from raw bin sizes: softmax(raw·scale), floored, cumulated.
fn knots(raw: &[f64], scale: f64, min: f64, bound: f64, out: &mut Vec<f64>) {
    let k = raw.len();
    let m = raw.iter().fold(f64::NEG_INFINITY, |a, r| a.max(r * scale));
    out.clear();
    out.push(0.0);
    let mut total = 0.0;
    for r in raw {
        total += (r * scale - m).exp();
        out.push(total);
    }
    let spread = 1.0 - min * k as f64;
    // cumulated floored widths: Σ_{j<i} (min + spread·pⱼ) = i·min + spread·cumsum(p)ᵢ
    for (i, c) in out.iter_mut().enumerate() {
        *c = -bound + 2.0 * bound * (i as f64 * min + spread * *c / total);
    }
    out[0] = -bound;
    out[k] = bound;
}

impl Spline {
    /// An empty spline; [`Spline::set`] fills it.
    pub(crate) fn new() -> Self {
        Self {
            bound: 1.0,
            xs: Vec::new(),
            ys: Vec::new(),
            ds: Vec::new(),
        }
    }

    /// Builds the knots from `raw` (`3K − 1` values: widths, heights, derivatives), the
    /// width/height outputs divided by `√hidden` as nflows does.
    pub(crate) fn set(&mut self, raw: &[f64], bins: usize, bound: f64, hidden: usize) {
        let scale = 1.0 / (hidden as f64).sqrt();
        self.bound = bound;
        knots(&raw[..bins], scale, MIN_BIN_WIDTH, bound, &mut self.xs);
        knots(
            &raw[bins..2 * bins],
            scale,
            MIN_BIN_HEIGHT,
            bound,
            &mut self.ys,
        );
        self.ds.clear();
        self.ds.push(1.0);
        self.ds.extend(
            raw[2 * bins..]
                .iter()
                .map(|r| MIN_DERIVATIVE + softplus(*r)),
        );
        self.ds.push(1.0);
    }

    /// The bin of `v` among `edges` (K + 1 sorted knots): the last k with edges[k] ≤ v.
    fn bin(edges: &[f64], v: f64) -> usize {
        let k = edges.len() - 1;
        edges[1..k].partition_point(|e| *e <= v)
    }

    /// y = s(x) and ln s′(x).
    pub(crate) fn forward(&self, x: f64) -> (f64, f64) {
        if x.is_nan() || x.abs() > self.bound {
            return (x, 0.0);
        }
        let k = Self::bin(&self.xs, x);
        let (xk, wk) = (self.xs[k], self.xs[k + 1] - self.xs[k]);
        let (yk, hk) = (self.ys[k], self.ys[k + 1] - self.ys[k]);
        let (dk, dk1) = (self.ds[k], self.ds[k + 1]);
        let s = hk / wk;
        let xi = (x - xk) / wk;
        let t = xi * (1.0 - xi);
        let den = s + (dk1 + dk - 2.0 * s) * t;
        let y = yk + hk * (s * xi * xi + dk * t) / den;
        let dnum = s * s * (dk1 * xi * xi + 2.0 * s * t + dk * (1.0 - xi) * (1.0 - xi));
        (y, dnum.ln() - 2.0 * den.ln())
    }

    /// x = s⁻¹(y) and ln s′(x) (the forward log-derivative at the result).
    pub(crate) fn inverse(&self, y: f64) -> (f64, f64) {
        if y.is_nan() || y.abs() > self.bound {
            return (y, 0.0);
        }
        let k = Self::bin(&self.ys, y);
        let (xk, wk) = (self.xs[k], self.xs[k + 1] - self.xs[k]);
        let (yk, hk) = (self.ys[k], self.ys[k + 1] - self.ys[k]);
        let (dk, dk1) = (self.ds[k], self.ds[k + 1]);
        let s = hk / wk;
        let dy = y - yk;
        let c2 = dk1 + dk - 2.0 * s;
        let a = hk * (s - dk) + dy * c2;
        let b = hk * dk - dy * c2;
        let c = -s * dy;
        let disc = (b * b - 4.0 * a * c).max(0.0);
        // The root in [0, 1], in the form that does not cancel (nflows').
        let xi = (2.0 * c / (-b - disc.sqrt())).clamp(0.0, 1.0);
        let x = xi * wk + xk;
        let t = xi * (1.0 - xi);
        let den = s + c2 * t;
        let dnum = s * s * (dk1 * xi * xi + 2.0 * s * t + dk * (1.0 - xi) * (1.0 - xi));
        (x, dnum.ln() - 2.0 * den.ln())
    }
}

/// What [`spline_forward`] needs to know of the splines: K bins on [−B, B], raw sizes scaled
/// by 1/√hidden.
#[derive(Debug, Clone)]
pub(crate) struct SplineConsts {
    bins: usize,
    bound: f64,
    scale: f64,
}

impl SplineConsts {
    pub(crate) fn new(bins: usize, bound: f64, hidden: usize) -> Self {
        Self {
            bins,
            bound,
            scale: 1.0 / (hidden as f64).sqrt(),
        }
    }

    /// Number of bins K.
    pub(crate) fn bins(&self) -> usize {
        self.bins
    }
}

/// The spline in tensor operations: applied to `x` `[n, 1]` with raw parameters `raw`
/// `[n, 3K − 1]`, `(y, ln s′(x))`, each `[n, 1]`; the identity (log-derivative 0) outside
/// [−B, B]. burn differentiates it; it is the reference the training form
/// ([`spline_forward`]) is tested against, value and gradient.
///
/// Outside, the spline is evaluated at the clamped input (where it equals the input, with
/// derivative 1) and the difference added back: y = s(clamp(x)) + x − clamp(x), so both
/// sides need no mask, and gradients are the identity's.
#[cfg(test)]
pub(crate) fn spline_forward_tensor(
    x: Tensor<2>,
    raw: Tensor<2>,
    c: &SplineConsts,
) -> (Tensor<2>, Tensor<2>) {
    use burn::tensor::activation;
    let search = BinSearch::new(c.bins, &x.device());
    let k = c.bins;
    let [n, _] = x.dims();
    // Widths and heights together: one softmax and one cumulative sum over `[2n, K]`. The
    // floor is the same for both (MIN_BIN_WIDTH = MIN_BIN_HEIGHT).
    let sizes = activation::softmax(
        raw.clone()
            .narrow(1, 0, 2 * k)
            .reshape([2 * n, k])
            .mul_scalar(c.scale),
        1,
    )
    .mul_scalar((1.0 - MIN_BIN_WIDTH * k as f64) * 2.0 * c.bound)
    .add_scalar(MIN_BIN_WIDTH * 2.0 * c.bound);
    let lefts = (sizes.clone().cumsum(1) - sizes.clone()).sub_scalar(c.bound);
    let sizes = sizes.reshape([n, 2 * k]);
    let lefts = lefts.reshape([n, 2 * k]);
    let (w, h) = (sizes.clone().narrow(1, 0, k), sizes.narrow(1, k, k));
    let (xl, yl) = (lefts.clone().narrow(1, 0, k), lefts.narrow(1, k, k));
    let inner = activation::softplus(raw.narrow(1, 2 * k, k - 1), 1.0).add_scalar(MIN_DERIVATIVE);
    let ones = Tensor::<2>::ones([n, 1], &x.device());
    let d_all = Tensor::cat(vec![ones.clone(), inner, ones], 1);
    let xc = x.clone().clamp(-c.bound, c.bound);
    let hot = bin_one_hot(xc.clone(), xl.clone(), &search);
    let pick = |t: Tensor<2>| (t * hot.clone()).sum_dim(1);
    let (xk, wk, yk, hk) = (pick(xl), pick(w), pick(yl), pick(h));
    let (dk, dk1) = (
        pick(d_all.clone().narrow(1, 0, k)),
        pick(d_all.narrow(1, 1, k)),
    );
    let s = hk.clone() / wk.clone();
    let xi = (xc.clone() - xk) / wk;
    let one_m = xi.clone().neg().add_scalar(1.0);
    let t = xi.clone() * one_m.clone();
    let xi2 = xi.square();
    let den = s.clone() + (dk1.clone() + dk.clone() - s.clone().mul_scalar(2.0)) * t.clone();
    let y = yk + hk * (s.clone() * xi2.clone() + dk.clone() * t.clone()) / den.clone();
    let dnum = s.clone().square() * (dk1 * xi2 + s.mul_scalar(2.0) * t + dk * one_m.square());
    let ld = dnum.log() - den.log().mul_scalar(2.0);
    (y + x - xc, ld)
}

/// The spline for training: [`spline_forward_tensor`]'s values and gradients, computed on
/// the host row by row ([`forward_with_gradient`]) and attached to burn's graph by the detach
/// identity: with δ = v − detach(v) (zero in value, the identity in gradient),
///
/// y = y₀ + (∂y/∂x)·δx + Σⱼ (∂y/∂rawⱼ)·δrawⱼ,
///
/// whose value is y₀ and whose gradient is the spline's. The spline's ~70 small tensor
/// operations become 8 (training on 10,000 pairs: 67 → ≈ 15 ms per epoch).
pub(crate) fn spline_forward(
    x: Tensor<2>,
    raw: Tensor<2>,
    c: &SplineConsts,
) -> Result<(Tensor<2>, Tensor<2>)> {
    let [n, p] = raw.dims();
    let device = x.device();
    // One tensor [x | raw] (n × (1 + p)) and the partials of y and of ln s′ with respect to it.
    let v = Tensor::cat(vec![x, raw], 1);
    let values = crate::backend::to_host(v.clone().detach())?;
    let q = p + 1;
    let (mut y, mut ld) = (vec![0f32; n], vec![0f32; n]);
    let (mut gy, mut gld) = (vec![0f32; n * q], vec![0f32; n * q]);
    let (mut row, mut ry, mut rld) = (vec![0.0; p], vec![0.0; p], vec![0.0; p]);
    let mut scratch = Vec::new();
    for i in 0..n {
        let vi = &values[i * q..(i + 1) * q];
        row.iter_mut()
            .zip(&vi[1..])
            .for_each(|(r, v)| *r = f64::from(*v));
        let [yi, ldi, gxi, gldxi] =
            forward_with_gradient(&row, f64::from(vi[0]), c, &mut ry, &mut rld, &mut scratch);
        (y[i], ld[i]) = (yi as f32, ldi as f32);
        (gy[i * q], gld[i * q]) = (gxi as f32, gldxi as f32);
        for j in 0..p {
            gy[i * q + 1 + j] = ry[j] as f32;
            gld[i * q + 1 + j] = rld[j] as f32;
        }
    }
    let t = |v: Vec<f32>, cols: usize| host_tensor(v, [n, cols], &device);
    let dv = v.clone() - v.detach();
    let y = t(y, 1) + (dv.clone() * t(gy, q)).sum_dim(1);
    let ld = t(ld, 1) + (dv * t(gld, q)).sum_dim(1);
    Ok((y, ld))
}

/// softmax(scale·u) into `out`, with f32 exponentials (training's precision; the
/// normalisation and everything after it in f64).
fn softmax(u: &[f64], scale: f64, out: &mut [f64]) {
    let m = u.iter().fold(f64::NEG_INFINITY, |a, v| a.max(v * scale));
    for (o, v) in out.iter_mut().zip(u) {
        *o = f64::from(exp_f32((v * scale - m) as f32));
    }
    let total: f64 = out.iter().sum();
    out.iter_mut().for_each(|o| *o /= total);
}

/// The spline at `x` with raw parameters `raw` (3K − 1: widths, heights, derivatives, the
/// first 2K multiplied by `scale` before the softmax): `[y, ln s′(x), ∂y/∂x, ∂ln s′/∂x]`, and
/// the partial derivatives of y and of ln s′ with respect to each raw parameter in `gy` and
/// `gld`. The same knots as [`Spline::set`]; identity outside [−B, B] (all parameter
/// derivatives 0 there).
pub(crate) fn forward_with_gradient(
    raw: &[f64],
    x: f64,
    c: &SplineConsts,
    gy: &mut [f64],
    gld: &mut [f64],
    scratch: &mut Vec<f64>,
) -> [f64; 4] {
    let (bins, bound, scale) = (c.bins, c.bound, c.scale);
    gy.fill(0.0);
    gld.fill(0.0);
    if x.is_nan() || x.abs() > bound {
        return [x, 0.0, 1.0, 0.0];
    }
    let k = bins;
    let (m, spread, span) = (MIN_BIN_WIDTH, 1.0 - MIN_BIN_WIDTH * k as f64, 2.0 * bound);
    scratch.clear();
    scratch.resize(2 * k, 0.0);
    let (p, q) = scratch.split_at_mut(k);
    softmax(&raw[..k], scale, p);
    softmax(&raw[k..2 * k], scale, q);
    // Knot i: −B + 2B(i·m + S·Σ_{j<i} pⱼ); the bin is the last knot ≤ x among 0…K − 1.
    let knot = |i: usize, cum: f64| -bound + span * (i as f64 * m + spread * cum);
    let (mut bin, mut cum_p) = (0, 0.0);
    let mut acc = 0.0;
    for (i, pi) in p.iter().enumerate().take(k) {
        if i > 0 && knot(i, acc) <= x {
            bin = i;
            cum_p = acc;
        }
        acc += pi;
    }
    let cum_q: f64 = q[..bin].iter().sum();
    let xk = knot(bin, cum_p);
    let wk = if bin + 1 == k {
        bound - xk
    } else {
        span * (m + spread * p[bin])
    };
    let yk = knot(bin, cum_q);
    let hk = if bin + 1 == k {
        bound - yk
    } else {
        span * (m + spread * q[bin])
    };
    let deriv = |i: usize| {
        if i == 0 || i == k {
            (1.0, 0.0)
        } else {
            let r = raw[2 * k + i - 1];
            (MIN_DERIVATIVE + softplus(r), 1.0 / (1.0 + exp_f64(-r)))
        }
    };
    let ((dk, sk), (dk1, sk1)) = (deriv(bin), deriv(bin + 1));
    let s = hk / wk;
    let xi = (x - xk) / wk;
    let t = xi * (1.0 - xi);
    let a = dk1 + dk - 2.0 * s;
    let den = s + a * t;
    let num = s * xi * xi + dk * t;
    let r = num / den;
    let y = yk + hk * r;
    let g = dk1 * xi * xi + 2.0 * s * t + dk * (1.0 - xi) * (1.0 - xi);
    let ld = (s * s * g).ln() - 2.0 * den.ln();
    // Partials in (ξ, s, δₖ, δₖ₊₁) …
    let dt = 1.0 - 2.0 * xi;
    let dr = |dn: f64, dd: f64| (dn * den - num * dd) / (den * den);
    let (r_xi, r_s) = (
        dr(2.0 * s * xi + dk * dt, a * dt),
        dr(xi * xi, 1.0 - 2.0 * t),
    );
    let (r_dk, r_dk1) = (dr(t, t), dr(0.0, t));
    let g_xi = 2.0 * dk1 * xi + 2.0 * s * dt - 2.0 * dk * (1.0 - xi);
    let l_xi = g_xi / g - 2.0 * a * dt / den;
    let l_s = 2.0 / s + 2.0 * t / g - 2.0 * (1.0 - 2.0 * t) / den;
    let l_dk = (1.0 - xi) * (1.0 - xi) / g - 2.0 * t / den;
    let l_dk1 = xi * xi / g - 2.0 * t / den;
    // … then in (x, xₖ, wₖ, yₖ, hₖ): ξ = (x − xₖ)/wₖ, s = hₖ/wₖ.
    let (y_xi, y_s) = (hk * r_xi, hk * r_s);
    let y_x = y_xi / wk;
    let (y_xk, y_wk) = (-y_x, (-y_xi * xi - y_s * s) / wk);
    let (y_yk, y_hk) = (1.0, r + y_s / wk);
    let l_x = l_xi / wk;
    let (l_xk, l_wk) = (-l_x, (-l_xi * xi - l_s * s) / wk);
    let l_hk = l_s / wk;
    // Knots and sizes from the softmax: with Pₖ = Σ_{i<k} pᵢ,
    // ∂xₖ/∂uⱼ = 2BS·scale·(pⱼ[j < k] − Pₖpⱼ), ∂wₖ/∂uⱼ = 2BS·scale·pₖ(δₖⱼ − pⱼ).
    let c = span * spread * scale;
    let last = bin + 1 == k;
    for j in 0..k {
        let before = if j < bin { p[j] } else { 0.0 };
        let dxk = c * (before - cum_p * p[j]);
        // The last bin's width is B − xₖ.
        let dwk = if last {
            -dxk
        } else {
            c * p[bin] * (f64::from(u8::from(j == bin)) - p[j])
        };
        gy[j] = y_xk * dxk + y_wk * dwk;
        gld[j] = l_xk * dxk + l_wk * dwk;
        let before = if j < bin { q[j] } else { 0.0 };
        let dyk = c * (before - cum_q * q[j]);
        let dhk = if last {
            -dyk
        } else {
            c * q[bin] * (f64::from(u8::from(j == bin)) - q[j])
        };
        gy[k + j] = y_yk * dyk + y_hk * dhk;
        gld[k + j] = l_hk * dhk;
    }
    if bin >= 1 {
        gy[2 * k + bin - 1] += hk * r_dk * sk;
        gld[2 * k + bin - 1] += l_dk * sk;
    }
    if bin + 1 < k {
        gy[2 * k + bin] += hk * r_dk1 * sk1;
        gld[2 * k + bin] += l_dk1 * sk1;
    }
    [y, ld, y_x, l_x]
}

/// An f32 tensor of `shape` from host values.
pub(crate) fn host_tensor(v: Vec<f32>, shape: [usize; 2], device: &Device) -> Tensor<2> {
    Tensor::<2>::from_data(TensorData::new(v, shape), device)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::plain_device;
    use rand::{RngExt, SeedableRng};
    use sbi_core::SeedRng;

    const K: usize = 10;
    const B: f64 = 3.0;
    const H: usize = 50;

    fn random_spline(rng: &mut SeedRng, spread: f64) -> (Vec<f64>, Spline) {
        let raw: Vec<f64> = (0..num_params(K))
            .map(|_| rng.random_range(-spread..spread))
            .collect();
        let mut s = Spline::new();
        s.set(&raw, K, B, H);
        (raw, s)
    }

    /// inverse(forward(x)) = x over the whole interval and outside it, with the forward
    /// log-derivative at the same point, on splines from flat to very uneven.
    #[test]
    fn inverse_undoes_forward() {
        let mut rng = SeedRng::seed_from_u64(3);
        for spread in [0.1, 3.0, 30.0] {
            for _ in 0..20 {
                let (_, s) = random_spline(&mut rng, spread);
                for i in 0..=400 {
                    let x = -4.0 + 8.0 * i as f64 / 400.0;
                    let (y, ld) = s.forward(x);
                    let (back, ld_back) = s.inverse(y);
                    assert!(
                        (back - x).abs() < 1e-9,
                        "spread {spread}: {x} → {y} → {back}"
                    );
                    assert!(
                        (ld - ld_back).abs() < 1e-6 * (1.0 + ld.abs()),
                        "{ld} vs {ld_back}"
                    );
                    if x.abs() > B {
                        assert_eq!((y, ld), (x, 0.0));
                    }
                }
            }
        }
    }

    /// The log-derivative is the derivative of the forward map (central differences), and
    /// the map is continuous and increasing, with s(±B) = ±B.
    #[test]
    fn log_derivative_matches_finite_differences() {
        let mut rng = SeedRng::seed_from_u64(4);
        for _ in 0..20 {
            let (_, s) = random_spline(&mut rng, 3.0);
            assert!((s.forward(B).0 - B).abs() < 1e-12 && (s.forward(-B).0 + B).abs() < 1e-12);
            let mut prev = f64::NEG_INFINITY;
            for i in 1..400 {
                let x = -B + 2.0 * B * i as f64 / 400.0 + 1e-4;
                let eps = 1e-6;
                let fd = (s.forward(x + eps).0 - s.forward(x - eps).0) / (2.0 * eps);
                let (y, ld) = s.forward(x);
                assert!(y > prev);
                prev = y;
                assert!((fd.ln() - ld).abs() < 1e-4, "x {x}: fd {} vs {ld}", fd.ln());
            }
        }
    }

    /// The tensor form (f32) equals the host form (f64, inference) on the same raw
    /// parameters, inside and outside the bound; and the host inverse recovers x from the
    /// tensor form's output to 1e-5.
    #[test]
    fn tensor_form_matches_host_form() {
        let device = plain_device();
        let mut rng = SeedRng::seed_from_u64(5);
        let n = 300;
        let mut raws = Vec::new();
        let mut xs = Vec::new();
        let mut splines = Vec::new();
        for i in 0..n {
            // The host evaluates the f32-rounded parameters burn sees.
            let raw: Vec<f64> = random_spline(&mut rng, 2.0)
                .0
                .iter()
                .map(|r| f64::from(*r as f32))
                .collect();
            let mut s32 = Spline::new();
            s32.set(&raw, K, B, H);
            raws.extend(raw.iter().map(|r| *r as f32));
            let x = if i % 10 == 0 {
                rng.random_range(-6.0..6.0)
            } else {
                rng.random_range(-B..B)
            };
            xs.push(f64::from(x as f32));
            splines.push(s32);
        }
        let c = SplineConsts::new(K, B, H);
        let (y, ld) = spline_forward_tensor(
            host_tensor(xs.iter().map(|x| *x as f32).collect(), [n, 1], &device),
            host_tensor(raws, [n, num_params(K)], &device),
            &c,
        );
        let y = y.into_data().try_into_vec::<f32>().unwrap();
        let ld = ld.into_data().try_into_vec::<f32>().unwrap();
        for i in 0..n {
            let (hy, hld) = splines[i].forward(xs[i]);
            assert!(
                (f64::from(y[i]) - hy).abs() < 1e-5,
                "row {i}: {} vs {hy}",
                y[i]
            );
            assert!(
                (f64::from(ld[i]) - hld).abs() < 1e-4,
                "row {i}: {} vs {hld}",
                ld[i]
            );
            let back = splines[i].inverse(f64::from(y[i])).0;
            assert!((back - xs[i]).abs() < 1e-5, "row {i}: {back} vs {}", xs[i]);
        }
    }

    /// The training form (host values and derivatives, attached by the detach identity)
    /// gives the values and the gradients burn's autodiff gives for the tensor form, with
    /// respect to x and to every raw parameter, for inputs inside and outside the bound.
    #[test]
    fn training_form_has_the_tensor_forms_values_and_gradients() {
        let device = crate::backend::training_device();
        let mut rng = SeedRng::seed_from_u64(6);
        let n = 200;
        let p = num_params(K);
        let raw: Vec<f32> = (0..n * p).map(|_| rng.random_range(-3.0..3.0)).collect();
        let xs: Vec<f32> = (0..n)
            .map(|i| {
                if i % 8 == 0 {
                    rng.random_range(-5.0..5.0)
                } else {
                    rng.random_range(-2.99..2.99)
                }
            })
            .collect();
        let (wy, wl): (Vec<f32>, Vec<f32>) = (0..n)
            .map(|_| (rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)))
            .unzip();
        let c = SplineConsts::new(K, B, H);
        let run = |tensor_form: bool| {
            let x = host_tensor(xs.clone(), [n, 1], &device).require_grad();
            let r = host_tensor(raw.clone(), [n, p], &device).require_grad();
            let (y, ld) = if tensor_form {
                spline_forward_tensor(x.clone(), r.clone(), &c)
            } else {
                spline_forward(x.clone(), r.clone(), &c).unwrap()
            };
            let values = (
                y.clone().into_data().try_into_vec::<f32>().unwrap(),
                ld.clone().into_data().try_into_vec::<f32>().unwrap(),
            );
            let loss = (y * host_tensor(wy.clone(), [n, 1], &device)
                + ld * host_tensor(wl.clone(), [n, 1], &device))
            .sum();
            let grads = loss.backward();
            let gx = x
                .grad(&grads)
                .unwrap()
                .into_data()
                .try_into_vec::<f32>()
                .unwrap();
            let gr = r
                .grad(&grads)
                .unwrap()
                .into_data()
                .try_into_vec::<f32>()
                .unwrap();
            (values, gx, gr)
        };
        let ((y0, l0), gx0, gr0) = run(true);
        let ((y1, l1), gx1, gr1) = run(false);
        let close = |a: &[f32], b: &[f32], tol: f32, what: &str| {
            for (i, (u, v)) in a.iter().zip(b).enumerate() {
                assert!(
                    (u - v).abs() <= tol * (1.0 + u.abs()),
                    "{what} {i}: tensor {u} vs host {v}"
                );
            }
        };
        close(&y0, &y1, 1e-5, "y");
        close(&l0, &l1, 1e-4, "ln s′");
        close(&gx0, &gx1, 1e-3, "∂/∂x");
        close(&gr0, &gr1, 1e-3, "∂/∂raw");
        // Not vacuous: most parameter gradients are not 0.
        assert!(gr1.iter().filter(|g| g.abs() > 1e-4).count() > n * p / 2);
    }
}
