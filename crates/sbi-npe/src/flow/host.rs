//! Trained normalising flows on the host, in f64: their weights ([`FlowWeights`]), their
//! seeded initialisation, and the flow at one observation ([`FlowAtX`]: log-density and
//! sampling in standardised θ units).
//!
//! The transforms, data (standardised θ) to noise z, as nflows defines them:
//!
//! * **NSF** transform t: a rational-quadratic spline coupling ([`crate::spline`]) on the
//!   θ coordinates of one parity (even for even t, odd for odd t; the only coordinate when
//!   d = 1), with K bins' parameters from a residual network of (the other coordinates, x):
//!   initial linear layer to H units, `num_blocks` blocks h ← h + W₂ relu(W₁ relu(h)) ⊙
//!   σ(W_c x), a final linear layer; then an LU-factored linear map y = L·U·v + b (L unit lower
//!   triangular, U upper triangular with diagonal softplus(u) + 10⁻³), identity at
//!   initialisation;
//! * **MAF** transform t: z = scale ⊙ θ + shift with (scale⁻, shift) from a MADE of θ and x
//!   (masked layers of H tanh units, output i depending on θ coordinates before i only),
//!   scale = softplus(scale⁻) + 10⁻³ (nflows 0.14, which sbi 0.27 uses); then the coordinates
//!   reversed.
//!
//! q(θ | x) = N(z; 0, I) · Π |det ∂(transform)|. Sampling runs the inverses in reverse order
//! (a MAF inverse takes d passes of its MADE).

// Triangular solves and autoregressive passes index several arrays by the same row and column.
#![allow(clippy::needless_range_loop)]

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::dense::Dense;
use crate::error::{Error, Result};
use crate::flow::config::{FlowConfig, FlowKind};
use crate::flow::spline::{Spline, num_params};
use crate::math::HALF_LN_2PI;
use crate::math::softplus;

/// The LU map's diagonal floor (nflows' `LULinear` ε).
pub(crate) const LU_EPS: f64 = 1e-3;
/// The MAF scale's floor (nflows' `MaskedAffineAutoregressiveTransform` ε).
pub(crate) const MAF_EPS: f64 = 1e-3;

/// One residual block: h ← h + second(relu(first(relu(h)))) ⊙ σ(context(x)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ResBlock {
    pub first: Dense,
    pub second: Dense,
    pub context: Dense,
}

/// The spline coupling's conditioner: (identity coordinates, x) ↦ spline parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ResNet {
    pub initial: Dense,
    pub blocks: Vec<ResBlock>,
    pub last: Dense,
}

/// y = L·U·v + b: `entries` d × d row-major (strictly lower part: L; strictly upper: U),
/// `diag` the unconstrained diagonal of U.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Lu {
    pub entries: Vec<f32>,
    pub diag: Vec<f32>,
    pub bias: Vec<f32>,
}

/// A MADE: masked input layer plus a context layer, hidden masked layers, masked output
/// `[scale⁻ (d) | shift (d)]`. Masked-out weights are stored as 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Made {
    pub initial: Dense,
    pub context: Dense,
    pub hidden: Vec<Dense>,
    pub last: Dense,
}

/// One transform of the flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum Transform {
    /// Spline coupling, then the LU map (none when d = 1, as sbi).
    Spline { net: ResNet, lu: Option<Lu> },
    /// Affine autoregressive, then the reversal.
    Affine { made: Made },
}

/// All weights of a flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct FlowWeights {
    pub transforms: Vec<Transform>,
}

/// Which θ coordinates transform `t`'s spline coupling changes (the others condition it).
pub(crate) fn coupling_split(d: usize, t: usize) -> (Vec<usize>, Vec<usize>) {
    if d == 1 {
        return (vec![], vec![0]);
    }
    (0..d).partition(|j| j % 2 != t % 2)
}

/// MADE degrees of the hidden units: unit j has degree j mod max(1, d − 1) + min(1, d − 1).
fn hidden_degrees(d: usize, h: usize) -> Vec<usize> {
    let (max, min) = ((d.saturating_sub(1)).max(1), (d.saturating_sub(1)).min(1));
    (0..h).map(|j| j % max + min).collect()
}

/// The 0/1 masks (d_in × d_out row-major, as [`Dense`]) of a MADE's layers for d
/// coordinates and h hidden units: input, hidden (every hidden layer), output.
pub(crate) fn made_masks(d: usize, h: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let input: Vec<usize> = (1..=d).collect();
    let hidden = hidden_degrees(d, h);
    let mask = |ins: &[usize], outs: &[usize], strict: bool| -> Vec<f32> {
        let mut m = Vec::with_capacity(ins.len() * outs.len());
        for i in ins {
            for o in outs {
                m.push(f32::from(u8::from(if strict { o > i } else { o >= i })));
            }
        }
        m
    };
    let output: Vec<usize> = (0..2 * d).map(|j| j % d + 1).collect();
    (
        mask(&input, &hidden, false),
        mask(&hidden, &hidden, false),
        mask(&hidden, &output, true),
    )
}

/// Zeroes the masked-out weights of `layer`.
pub(crate) fn apply_mask(layer: &mut Dense, mask: &[f32]) {
    for (w, m) in layer.weight.iter_mut().zip(mask) {
        *w *= m;
    }
}

/// softplus⁻¹(1 − ε): the LU diagonal's initial value (U = I).
fn lu_identity_diag() -> f32 {
    ((1.0 - LU_EPS).exp() - 1.0).ln() as f32
}

impl FlowConfig {
    /// Seeded initialisation for `dx` features and `d` parameters: every linear layer as
    /// PyTorch's (U(±1/√fan_in)), each residual block's second layer U(±10⁻³) (nflows), the
    /// LU maps at the identity, MADE weights masked.
    pub(crate) fn init_weights<R: Rng + ?Sized>(
        &self,
        dx: usize,
        d: usize,
        rng: &mut R,
    ) -> FlowWeights {
        let h = self.hidden_features;
        let lin = |d_in: usize, d_out: usize, rng: &mut R| {
            Dense::uniform(d_in, d_out, 1.0 / (d_in.max(1) as f64).sqrt(), rng)
        };
        let transforms = (0..self.num_transforms)
            .map(|t| match self.kind {
                FlowKind::Nsf => {
                    let (id, tr) = coupling_split(d, t);
                    let initial = lin(id.len() + dx, h, rng);
                    let blocks = (0..self.num_blocks)
                        .map(|_| ResBlock {
                            first: lin(h, h, rng),
                            second: Dense::uniform(h, h, 1e-3, rng),
                            context: lin(dx, h, rng),
                        })
                        .collect();
                    let last = lin(h, tr.len() * num_params(self.num_bins), rng);
                    let lu = (d > 1).then(|| Lu {
                        entries: vec![0.0; d * d],
                        diag: vec![lu_identity_diag(); d],
                        bias: vec![0.0; d],
                    });
                    Transform::Spline {
                        net: ResNet {
                            initial,
                            blocks,
                            last,
                        },
                        lu,
                    }
                }
                FlowKind::Maf => {
                    let (m_in, m_hidden, m_out) = made_masks(d, h);
                    let mut initial = lin(d, h, rng);
                    apply_mask(&mut initial, &m_in);
                    let context = lin(dx, h, rng);
                    let hidden = (0..self.num_blocks)
                        .map(|_| {
                            let mut l = lin(h, h, rng);
                            apply_mask(&mut l, &m_hidden);
                            l
                        })
                        .collect();
                    let mut last = lin(h, 2 * d, rng);
                    apply_mask(&mut last, &m_out);
                    Transform::Affine {
                        made: Made {
                            initial,
                            context,
                            hidden,
                            last,
                        },
                    }
                }
            })
            .collect();
        FlowWeights { transforms }
    }

    /// Weights a flow of this configuration has for `dx` features and `d` parameters, or
    /// `None` beyond `usize`.
    pub(crate) fn num_weights(&self, dx: usize, d: usize) -> Option<usize> {
        let h = self.hidden_features;
        let lin = |i: usize, o: usize| i.checked_add(1)?.checked_mul(o);
        let per = match self.kind {
            FlowKind::Nsf => {
                let block = lin(h, h)?
                    .checked_mul(2)?
                    .checked_add(lin(dx, h)?)?
                    .checked_mul(self.num_blocks)?;
                let out = lin(h, d.checked_mul(num_params(self.num_bins))?)?;
                lin(d.checked_add(dx)?, h)?
                    .checked_add(block)?
                    .checked_add(out)?
                    .checked_add(d.checked_mul(d + 2)?)?
            }
            FlowKind::Maf => lin(d, h)?
                .checked_add(lin(dx, h)?)?
                .checked_add(lin(h, h)?.checked_mul(self.num_blocks)?)?
                .checked_add(lin(h, d.checked_mul(2)?)?)?,
        };
        per.checked_mul(self.num_transforms)
    }
}

impl FlowWeights {
    /// Checks that the weights fit `cfg` for `dx` features and `d` parameters: layer
    /// shapes, finite values, and masked-out MADE weights equal to 0 (so the autoregressive
    /// structure, and with it the density, holds).
    pub(crate) fn check(&self, cfg: &FlowConfig, dx: usize, d: usize) -> Result<()> {
        let bad = |m: String| Error::InvalidFile(m);
        if self.transforms.len() != cfg.num_transforms {
            return Err(bad(format!(
                "{} transforms for a configuration of {}",
                self.transforms.len(),
                cfg.num_transforms
            )));
        }
        let h = cfg.hidden_features;
        let shape = |l: &Dense, what: String, i: usize, o: usize| -> Result<()> {
            l.check(&what)?;
            if (l.d_in, l.d_out) != (i, o) {
                return Err(bad(format!(
                    "{what}: shape {} × {}, expected {i} × {o}",
                    l.d_in, l.d_out
                )));
            }
            Ok(())
        };
        for (t, tr) in self.transforms.iter().enumerate() {
            match (cfg.kind, tr) {
                (FlowKind::Nsf, Transform::Spline { net, lu }) => {
                    let (id, trf) = coupling_split(d, t);
                    shape(
                        &net.initial,
                        format!("transform {t} initial"),
                        id.len() + dx,
                        h,
                    )?;
                    if net.blocks.len() != cfg.num_blocks {
                        return Err(bad(format!("transform {t}: wrong number of blocks")));
                    }
                    for (b, blk) in net.blocks.iter().enumerate() {
                        shape(&blk.first, format!("transform {t} block {b}"), h, h)?;
                        shape(&blk.second, format!("transform {t} block {b}"), h, h)?;
                        shape(&blk.context, format!("transform {t} block {b}"), dx, h)?;
                    }
                    let out = trf.len() * num_params(cfg.num_bins);
                    shape(&net.last, format!("transform {t} last"), h, out)?;
                    match lu {
                        None if d == 1 => {}
                        Some(lu)
                            if lu.entries.len() == d * d
                                && lu.diag.len() == d
                                && lu.bias.len() == d
                                && d > 1 =>
                        {
                            let all = lu.entries.iter().chain(&lu.diag).chain(&lu.bias);
                            if all.into_iter().any(|v| !v.is_finite()) {
                                return Err(bad(format!("transform {t}: non-finite LU weight")));
                            }
                        }
                        _ => return Err(bad(format!("transform {t}: LU map shapes"))),
                    }
                }
                (FlowKind::Maf, Transform::Affine { made }) => {
                    let (m_in, m_hidden, m_out) = made_masks(d, h);
                    let masked = |l: &Dense, m: &[f32], what: String| -> Result<()> {
                        if l.weight.iter().zip(m).any(|(w, m)| *m == 0.0 && *w != 0.0) {
                            return Err(bad(format!(
                                "{what}: a masked-out weight is not 0 (the MADE would not be \
                                 autoregressive)"
                            )));
                        }
                        Ok(())
                    };
                    shape(&made.initial, format!("transform {t} initial"), d, h)?;
                    masked(&made.initial, &m_in, format!("transform {t} initial"))?;
                    shape(&made.context, format!("transform {t} context"), dx, h)?;
                    if made.hidden.len() != cfg.num_blocks {
                        return Err(bad(format!("transform {t}: wrong number of blocks")));
                    }
                    for (b, l) in made.hidden.iter().enumerate() {
                        shape(l, format!("transform {t} block {b}"), h, h)?;
                        masked(l, &m_hidden, format!("transform {t} block {b}"))?;
                    }
                    shape(&made.last, format!("transform {t} last"), h, 2 * d)?;
                    masked(&made.last, &m_out, format!("transform {t} last"))?;
                }
                _ => {
                    return Err(bad(format!(
                        "transform {t} is not of the configured kind ({})",
                        cfg.kind.name()
                    )));
                }
            }
        }
        Ok(())
    }

    /// The flow at standardised observation `x_z`: the parts of every conditioner that
    /// depend on x alone, computed once.
    pub(crate) fn at<'a>(&'a self, cfg: &'a FlowConfig, x_z: &[f64], d: usize) -> FlowAtX<'a> {
        let mut buf = Vec::new();
        let context = self
            .transforms
            .iter()
            .enumerate()
            .map(|(t, tr)| match tr {
                Transform::Spline { net, .. } => {
                    let n_id = coupling_split(d, t).0.len();
                    let mut base: Vec<f64> =
                        net.initial.bias.iter().map(|b| f64::from(*b)).collect();
                    net.initial.accumulate(n_id, x_z, &mut base);
                    let gates = net
                        .blocks
                        .iter()
                        .map(|b| {
                            b.context.forward(x_z, false, &mut buf);
                            buf.iter().map(|v| sigmoid(*v)).collect()
                        })
                        .collect();
                    Context { base, gates }
                }
                Transform::Affine { made } => {
                    made.context.forward(x_z, false, &mut buf);
                    let base = buf
                        .iter()
                        .zip(&made.initial.bias)
                        .map(|(c, b)| c + f64::from(*b))
                        .collect();
                    Context {
                        base,
                        gates: Vec::new(),
                    }
                }
            })
            .collect();
        FlowAtX {
            cfg,
            weights: self,
            d,
            context,
        }
    }
}

/// tanh v = 1 − 2/(e²ᵛ + 1) with the polynomial exponential (which vectorises over a layer;
/// the C library's `tanh` does not): absolute error below 10⁻¹⁵ (tested), ±1 exactly beyond
/// |v| ≈ 19,
/// NaN kept.
fn tanh(v: f64) -> f64 {
    1.0 - 2.0 / (sbi_core::fast_exp::exp_f64(2.0 * v) + 1.0)
}

/// [`tanh`] of every element, compiled for AVX-512 and AVX2 and chosen at run time (the same
/// operations in every version: bit-identical results).
#[multiversion::multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx512bw", "x86_64+avx2"))]
fn tanh_in_place(v: &mut [f64]) {
    v.iter_mut().for_each(|h| *h = tanh(*h));
}

fn sigmoid(v: f64) -> f64 {
    1.0 / (1.0 + (-v).exp())
}

/// What a transform's conditioner takes from x alone.
#[derive(Debug, Clone)]
struct Context {
    /// NSF: the initial layer's bias plus its x part; MAF: the same for the MADE's input
    /// layer (its bias plus the context layer).
    base: Vec<f64>,
    /// NSF: each block's gate σ(W_c x + b_c).
    gates: Vec<Vec<f64>>,
}

/// Scratch buffers for one evaluation.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scratch {
    /// A mixture's standard-normal draw (see [`crate::posterior::density::Density`]).
    pub z: Vec<f64>,
    h: Vec<f64>,
    t: Vec<f64>,
    u: Vec<f64>,
    out: Vec<f64>,
    v: Vec<f64>,
    w: Vec<f64>,
    /// A layer's weights in f64 for the matrix product.
    w64: Vec<f64>,
    spline: Option<Spline>,
}

/// `out` = n copies of the row `base`.
fn broadcast(base: &[f64], n: usize, out: &mut Vec<f64>) {
    out.clear();
    for _ in 0..n {
        out.extend_from_slice(base);
    }
}

/// The columns `cols` of the rows of `m` (d columns each), row-major into `out`.
fn gather(m: &[f64], d: usize, cols: &[usize], out: &mut Vec<f64>) {
    out.clear();
    for row in m.chunks_exact(d) {
        out.extend(cols.iter().map(|&j| row[j]));
    }
}

/// The flow at one observation, in standardised θ units.
#[derive(Debug, Clone)]
pub(crate) struct FlowAtX<'a> {
    cfg: &'a FlowConfig,
    weights: &'a FlowWeights,
    d: usize,
    context: Vec<Context>,
}

impl FlowAtX<'_> {
    /// Dimension of θ.
    pub(crate) fn dim(&self) -> usize {
        self.d
    }

    /// The spline parameters of a transform for `n` rows of identity coordinates `x_id`
    /// (n × n_id), into `s.out` (n × parameters).
    fn spline_params(&self, net: &ResNet, ctx: &Context, x_id: &[f64], n: usize, s: &mut Scratch) {
        broadcast(&ctx.base, n, &mut s.h);
        net.initial.accumulate_rows(0, x_id, &mut s.h, &mut s.w64);
        for (b, gate) in net.blocks.iter().zip(&ctx.gates) {
            s.t.clear();
            s.t.extend(s.h.iter().map(|v| v.max(0.0)));
            b.first.forward_rows(&s.t, true, &mut s.u, &mut s.w64);
            b.second.forward_rows(&s.u, false, &mut s.t, &mut s.w64);
            for (h, t) in
                s.h.chunks_exact_mut(gate.len())
                    .zip(s.t.chunks_exact(gate.len()))
            {
                for ((h, t), g) in h.iter_mut().zip(t).zip(gate) {
                    *h += t * g;
                }
            }
        }
        net.last.forward_rows(&s.h, false, &mut s.out, &mut s.w64);
    }

    /// The MADE's output `[scale⁻ | shift]` for `n` rows of θ `v` (n × d), into `s.out`
    /// (n × 2d).
    fn made_params(&self, made: &Made, ctx: &Context, v: &[f64], n: usize, s: &mut Scratch) {
        broadcast(&ctx.base, n, &mut s.h);
        made.initial.accumulate_rows(0, v, &mut s.h, &mut s.w64);
        tanh_in_place(&mut s.h);
        for l in &made.hidden {
            l.forward_rows(&s.h, false, &mut s.t, &mut s.w64);
            tanh_in_place(&mut s.t);
            std::mem::swap(&mut s.h, &mut s.t);
        }
        made.last.forward_rows(&s.h, false, &mut s.out, &mut s.w64);
    }

    /// z = T(θ) in place and ln |det ∂T/∂θ|.
    #[cfg(test)]
    pub(crate) fn forward(&self, theta: &mut [f64], s: &mut Scratch) -> f64 {
        let mut logdet = [0.0];
        self.forward_rows(theta, &mut logdet, s);
        logdet[0]
    }

    /// z = T(θ) in place for the rows of `theta` (n × d, row-major) and each row's
    /// ln |det ∂T/∂θ| into `logdet` (n). The layers run as matrix products over the rows.
    pub(crate) fn forward_rows(&self, theta: &mut [f64], logdet: &mut [f64], s: &mut Scratch) {
        let d = self.d;
        let n = logdet.len();
        let (bins, bound, hidden) = (
            self.cfg.num_bins,
            self.cfg.tail_bound,
            self.cfg.hidden_features,
        );
        let mut spline = s.spline.take().unwrap_or_else(Spline::new);
        logdet.fill(0.0);
        for (t, (tr, ctx)) in self
            .weights
            .transforms
            .iter()
            .zip(&self.context)
            .enumerate()
        {
            match tr {
                Transform::Spline { net, lu } => {
                    let (id, trf) = coupling_split(d, t);
                    let mut x_id = std::mem::take(&mut s.w);
                    gather(theta, d, &id, &mut x_id);
                    self.spline_params(net, ctx, &x_id, n, s);
                    s.w = x_id;
                    let p = num_params(bins);
                    let width = trf.len() * p;
                    for ((row, params), ld) in theta
                        .chunks_exact_mut(d)
                        .zip(s.out.chunks_exact(width))
                        .zip(logdet.iter_mut())
                    {
                        for (i, &j) in trf.iter().enumerate() {
                            spline.set(&params[i * p..(i + 1) * p], bins, bound, hidden);
                            let (y, l) = spline.forward(row[j]);
                            row[j] = y;
                            *ld += l;
                        }
                        if let Some(lu) = lu {
                            *ld += lu_forward(lu, d, row, &mut s.v);
                        }
                    }
                }
                Transform::Affine { made } => {
                    self.made_params(made, ctx, theta, n, s);
                    for ((row, out), ld) in theta
                        .chunks_exact_mut(d)
                        .zip(s.out.chunks_exact(2 * d))
                        .zip(logdet.iter_mut())
                    {
                        for j in 0..d {
                            let scale = softplus(out[j]) + MAF_EPS;
                            row[j] = scale * row[j] + out[d + j];
                            *ld += scale.ln();
                        }
                        row.reverse();
                    }
                }
            }
        }
        s.spline = Some(spline);
    }

    /// θ = T⁻¹(z) in place.
    #[cfg(test)]
    pub(crate) fn inverse(&self, z: &mut [f64], s: &mut Scratch) {
        self.inverse_rows(z, s);
    }

    /// θ = T⁻¹(z) in place for the rows of `z` (n × d, row-major).
    pub(crate) fn inverse_rows(&self, z: &mut [f64], s: &mut Scratch) {
        let d = self.d;
        let n = z.len() / d;
        let (bins, bound, hidden) = (
            self.cfg.num_bins,
            self.cfg.tail_bound,
            self.cfg.hidden_features,
        );
        let mut spline = s.spline.take().unwrap_or_else(Spline::new);
        for (t, (tr, ctx)) in self
            .weights
            .transforms
            .iter()
            .zip(&self.context)
            .enumerate()
            .rev()
        {
            match tr {
                Transform::Spline { net, lu } => {
                    if let Some(lu) = lu {
                        for row in z.chunks_exact_mut(d) {
                            lu_inverse(lu, d, row, &mut s.v);
                        }
                    }
                    let (id, trf) = coupling_split(d, t);
                    let mut x_id = std::mem::take(&mut s.w);
                    gather(z, d, &id, &mut x_id);
                    self.spline_params(net, ctx, &x_id, n, s);
                    s.w = x_id;
                    let p = num_params(bins);
                    let width = trf.len() * p;
                    for (row, params) in z.chunks_exact_mut(d).zip(s.out.chunks_exact(width)) {
                        for (i, &j) in trf.iter().enumerate() {
                            spline.set(&params[i * p..(i + 1) * p], bins, bound, hidden);
                            row[j] = spline.inverse(row[j]).0;
                        }
                    }
                }
                Transform::Affine { made } => {
                    z.chunks_exact_mut(d).for_each(|row| row.reverse());
                    // Coordinate j depends on coordinates < j only: after pass j, it is exact.
                    let mut w = std::mem::take(&mut s.w);
                    w.clear();
                    w.resize(n * d, 0.0);
                    for j in 0..d {
                        self.made_params(made, ctx, &w, n, s);
                        for ((wr, zr), out) in w
                            .chunks_exact_mut(d)
                            .zip(z.chunks_exact(d))
                            .zip(s.out.chunks_exact(2 * d))
                        {
                            let scale = softplus(out[j]) + MAF_EPS;
                            wr[j] = (zr[j] - out[d + j]) / scale;
                        }
                    }
                    z.copy_from_slice(&w);
                    s.w = w;
                }
            }
        }
        s.spline = Some(spline);
    }

    /// ln q(θ | x) at standardised θ.
    pub(crate) fn log_prob(&self, theta_z: &[f64], s: &mut Scratch) -> f64 {
        let (mut z, mut lp) = (theta_z.to_vec(), [0.0]);
        self.log_prob_rows(&mut z, &mut lp, s);
        lp[0]
    }

    /// ln q(θ | x) of the rows of standardised `theta_z` (n × d) into `out` (n); `theta_z`
    /// is overwritten (with z).
    pub(crate) fn log_prob_rows(&self, theta_z: &mut [f64], out: &mut [f64], s: &mut Scratch) {
        self.forward_rows(theta_z, out, s);
        for (lp, z) in out.iter_mut().zip(theta_z.chunks_exact(self.d)) {
            let v = -0.5 * z.iter().map(|v| v * v).sum::<f64>() - self.d as f64 * HALF_LN_2PI + *lp;
            *lp = if v.is_nan() { f64::NEG_INFINITY } else { v };
        }
    }

    /// One draw in standardised units into `out`.
    pub(crate) fn sample_into<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        out: &mut [f64],
        s: &mut Scratch,
    ) {
        self.sample_rows(rng, out, s);
    }

    /// Draws into every row of `out` (n × d, row-major): the base draws row by row (the same
    /// stream as one draw at a time), then the inverse over all rows.
    pub(crate) fn sample_rows<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        out: &mut [f64],
        s: &mut Scratch,
    ) {
        for v in out.iter_mut() {
            *v = StandardNormal.sample(rng);
        }
        self.inverse_rows(out, s);
    }
}

/// y = L·U·v + b in place; returns ln |det| = Σ ln Uᵢᵢ.
fn lu_forward(lu: &Lu, d: usize, v: &mut [f64], tmp: &mut Vec<f64>) -> f64 {
    let e = |i: usize, j: usize| f64::from(lu.entries[i * d + j]);
    let diag: Vec<f64> = lu
        .diag
        .iter()
        .map(|u| softplus(f64::from(*u)) + LU_EPS)
        .collect();
    tmp.clear();
    // u = U v
    for i in 0..d {
        let mut acc = diag[i] * v[i];
        for j in i + 1..d {
            acc += e(i, j) * v[j];
        }
        tmp.push(acc);
    }
    // y = L u + b
    for i in 0..d {
        let mut acc = tmp[i];
        for j in 0..i {
            acc += e(i, j) * tmp[j];
        }
        v[i] = acc + f64::from(lu.bias[i]);
    }
    diag.iter().map(|u| u.ln()).sum()
}

/// v = U⁻¹ L⁻¹ (y − b) in place.
fn lu_inverse(lu: &Lu, d: usize, y: &mut [f64], tmp: &mut Vec<f64>) {
    let e = |i: usize, j: usize| f64::from(lu.entries[i * d + j]);
    tmp.clear();
    // L u = y − b (unit diagonal): forward substitution.
    for i in 0..d {
        let mut acc = y[i] - f64::from(lu.bias[i]);
        for j in 0..i {
            acc -= e(i, j) * tmp[j];
        }
        tmp.push(acc);
    }
    // U v = u: back substitution.
    for i in (0..d).rev() {
        let mut acc = tmp[i];
        for j in i + 1..d {
            acc -= e(i, j) * y[j];
        }
        y[i] = acc / (softplus(f64::from(lu.diag[i])) + LU_EPS);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use sbi_core::SeedRng;

    /// Every dense layer of a flow.
    fn layers(w: &mut FlowWeights) -> Vec<&mut Dense> {
        let mut out = Vec::new();
        for t in &mut w.transforms {
            match t {
                Transform::Spline { net, .. } => {
                    out.push(&mut net.initial);
                    for b in &mut net.blocks {
                        out.extend([&mut b.first, &mut b.second, &mut b.context]);
                    }
                    out.push(&mut net.last);
                }
                Transform::Affine { made } => {
                    out.extend([&mut made.initial, &mut made.context]);
                    out.extend(made.hidden.iter_mut());
                    out.push(&mut made.last);
                }
            }
        }
        out
    }

    /// A flow far from its (near-identity) initialisation: every weight perturbed by
    /// U(±scale), MADE masks kept, LU maps random.
    pub(crate) fn random_flow(
        cfg: &FlowConfig,
        dx: usize,
        d: usize,
        scale: f64,
        rng: &mut SeedRng,
    ) -> FlowWeights {
        let mut w = cfg.init_weights(dx, d, rng);
        for l in layers(&mut w) {
            for v in l.weight.iter_mut().chain(l.bias.iter_mut()) {
                *v += rng.random_range(-scale..scale) as f32;
            }
        }
        let (m_in, m_hidden, m_out) = made_masks(d, cfg.hidden_features);
        for t in &mut w.transforms {
            match t {
                Transform::Affine { made } => {
                    apply_mask(&mut made.initial, &m_in);
                    made.hidden
                        .iter_mut()
                        .for_each(|l| apply_mask(l, &m_hidden));
                    apply_mask(&mut made.last, &m_out);
                }
                Transform::Spline { lu: Some(lu), .. } => {
                    for v in lu
                        .entries
                        .iter_mut()
                        .chain(&mut lu.diag)
                        .chain(&mut lu.bias)
                    {
                        *v += rng.random_range(-0.5..0.5) as f32;
                    }
                }
                Transform::Spline { lu: None, .. } => {}
            }
        }
        w
    }

    pub(crate) fn configs() -> Vec<FlowConfig> {
        vec![
            FlowConfig::nsf().with_hidden_features(16),
            FlowConfig::maf().with_hidden_features(16),
        ]
    }

    /// inverse(forward(θ)) = θ for NSF and MAF, d = 1 … 5, inside the tail bound and far
    /// outside it.
    #[test]
    fn inverse_undoes_forward() {
        let mut rng = SeedRng::seed_from_u64(11);
        for cfg in configs() {
            for d in 1..=5 {
                let w = random_flow(&cfg, 3, d, 0.3, &mut rng);
                let x: Vec<f64> = (0..3).map(|_| rng.random_range(-2.0..2.0)).collect();
                let at = w.at(&cfg, &x, d);
                let mut s = Scratch::default();
                for k in 0..200 {
                    let spread = if k % 4 == 0 { 8.0 } else { 3.0 };
                    let theta: Vec<f64> =
                        (0..d).map(|_| rng.random_range(-spread..spread)).collect();
                    let mut v = theta.clone();
                    at.forward(&mut v, &mut s);
                    at.inverse(&mut v, &mut s);
                    for (a, b) in v.iter().zip(&theta) {
                        assert!(
                            (a - b).abs() < 1e-8,
                            "{:?} d {d}: {theta:?} → {v:?}",
                            cfg.kind
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn tanh_matches_the_c_library() {
        let mut worst: f64 = 0.0;
        for i in -40_000..=40_000 {
            let v = f64::from(i) * 5e-4;
            worst = worst.max((tanh(v) - v.tanh()).abs());
        }
        assert!(worst < 1e-15, "{worst}");
        assert_eq!((tanh(1e6), tanh(-1e6)), (1.0, -1.0));
        assert!(tanh(f64::NAN).is_nan());
    }

    /// A block of rows through the flow (the matrix-product path) gives each row's one-row
    /// result, forward (with its log-det) and inverse, to rounding.
    #[test]
    fn blocks_of_rows_agree_with_one_row_at_a_time() {
        let mut rng = SeedRng::seed_from_u64(12);
        for cfg in configs() {
            for d in 1..=5 {
                let w = random_flow(&cfg, 3, d, 0.3, &mut rng);
                let x: Vec<f64> = (0..3).map(|_| rng.random_range(-2.0..2.0)).collect();
                let at = w.at(&cfg, &x, d);
                let mut s = Scratch::default();
                let n = 37;
                let theta: Vec<f64> = (0..n * d).map(|_| rng.random_range(-4.0..4.0)).collect();
                let (mut rows, mut logdet) = (theta.clone(), vec![0.0; n]);
                at.forward_rows(&mut rows, &mut logdet, &mut s);
                let mut inv = theta.clone();
                at.inverse_rows(&mut inv, &mut s);
                for i in 0..n {
                    let mut one = theta[i * d..(i + 1) * d].to_vec();
                    let ld = at.forward(&mut one, &mut s);
                    assert!(
                        (ld - logdet[i]).abs() < 1e-10,
                        "{:?} d {d} row {i}",
                        cfg.kind
                    );
                    for (a, b) in one.iter().zip(&rows[i * d..(i + 1) * d]) {
                        assert!((a - b).abs() < 1e-10, "{:?} d {d} row {i}", cfg.kind);
                    }
                    let mut one = theta[i * d..(i + 1) * d].to_vec();
                    at.inverse(&mut one, &mut s);
                    for (a, b) in one.iter().zip(&inv[i * d..(i + 1) * d]) {
                        assert!((a - b).abs() < 1e-10, "{:?} d {d} row {i}", cfg.kind);
                    }
                }
            }
        }
    }

    /// ln |det ∂z/∂θ| equals the log-determinant of a central-difference Jacobian.
    #[test]
    fn log_det_matches_a_finite_difference_jacobian() {
        let mut rng = SeedRng::seed_from_u64(12);
        for cfg in configs() {
            for d in [1, 2, 3, 5] {
                let w = random_flow(&cfg, 2, d, 0.3, &mut rng);
                let at = w.at(&cfg, &[0.3, -0.7], d);
                let mut s = Scratch::default();
                for _ in 0..20 {
                    let theta: Vec<f64> = (0..d).map(|_| rng.random_range(-2.5..2.5)).collect();
                    let mut v = theta.clone();
                    let logdet = at.forward(&mut v, &mut s);
                    let h = 1e-6;
                    let mut jac = nalgebra::DMatrix::<f64>::zeros(d, d);
                    for j in 0..d {
                        let (mut plus, mut minus) = (theta.clone(), theta.clone());
                        plus[j] += h;
                        minus[j] -= h;
                        at.forward(&mut plus, &mut s);
                        at.forward(&mut minus, &mut s);
                        for i in 0..d {
                            jac[(i, j)] = (plus[i] - minus[i]) / (2.0 * h);
                        }
                    }
                    let fd = jac.determinant().abs().ln();
                    assert!(
                        (fd - logdet).abs() < 1e-4,
                        "{:?} d {d}: fd {fd} vs {logdet}",
                        cfg.kind
                    );
                }
            }
        }
    }

    /// A MADE's output for coordinate i does not move when coordinates ≥ i do.
    #[test]
    fn made_is_autoregressive() {
        let mut rng = SeedRng::seed_from_u64(13);
        let cfg = FlowConfig::maf()
            .with_hidden_features(16)
            .with_num_transforms(1);
        let d = 4;
        let w = random_flow(&cfg, 2, d, 0.5, &mut rng);
        let Transform::Affine { made } = &w.transforms[0] else {
            unreachable!()
        };
        let at = w.at(&cfg, &[0.1, 0.2], d);
        let mut s = Scratch::default();
        let base = vec![0.3, -0.2, 0.8, 0.1];
        at.made_params(made, &at.context[0], &base, 1, &mut s);
        let before = s.out.clone();
        for moved in 0..d {
            let mut v = base.clone();
            v[moved] += 1.0;
            at.made_params(made, &at.context[0], &v, 1, &mut s);
            for i in 0..=moved {
                assert_eq!(s.out[i], before[i], "scale {i} moved with θ{moved}");
                assert_eq!(s.out[d + i], before[d + i], "shift {i} moved with θ{moved}");
            }
        }
    }
}
