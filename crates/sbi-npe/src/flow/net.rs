//! Normalising flows in burn, for training: the same transforms as the host form
//! ([`crate::flow`]), written in tensors so that burn differentiates the log-density.

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::{Device, Int, Tensor, TensorData, activation};

use crate::backend::{dense_to_linear, linear_to_dense, to_host};
use crate::error::Result;
use crate::flow::config::{FlowConfig, FlowKind};
use crate::flow::host::{
    FlowWeights, LU_EPS, Lu, MAF_EPS, Made, ResBlock, ResNet, Transform, apply_mask,
    coupling_split, made_masks,
};
use crate::flow::spline::{SplineConsts, host_tensor, num_params, spline_forward};
use crate::math::HALF_LN_2PI;

#[derive(Module, Debug)]
pub(crate) struct ResBlockNet {
    first: Linear,
    second: Linear,
    context: Linear,
}

#[derive(Module, Debug)]
pub(crate) struct ResNetNet {
    initial: Linear,
    blocks: Vec<ResBlockNet>,
    last: Linear,
}

#[derive(Module, Debug)]
pub(crate) struct LuNet {
    entries: Param<Tensor<2>>,
    diag: Param<Tensor<1>>,
    bias: Param<Tensor<1>>,
}

#[derive(Module, Debug)]
pub(crate) struct MadeNet {
    initial: Linear,
    context: Linear,
    hidden: Vec<Linear>,
    last: Linear,
}

/// A flow's trainable parameters: NSF transforms use `conditioners` and `lu` (empty when
/// d = 1), MAF transforms `mades`.
#[derive(Module, Debug)]
pub(crate) struct FlowNet {
    conditioners: Vec<ResNetNet>,
    lu: Vec<LuNet>,
    mades: Vec<MadeNet>,
}

/// One coupling parity's column indices: the transformed coordinates, the identity ones
/// (none when d = 1), and where each coordinate sits in `[identity…, transformed…]`.
#[derive(Debug, Clone)]
struct Split {
    tr: Cols,
    id: Option<Cols>,
    /// How `[identity | transformed]` columns go back to θ's order.
    back: Back,
    n_tr: usize,
}

/// Some columns of a tensor: a contiguous range (a `narrow`) or any set (a `select`).
#[derive(Debug, Clone)]
enum Cols {
    Range(usize, usize),
    Set(Box<Tensor<1, Int>>),
}

impl Cols {
    fn new(cols: &[usize], device: &Device) -> Self {
        let contiguous = cols.windows(2).all(|w| w[1] == w[0] + 1);
        match cols.first() {
            Some(&start) if contiguous => Self::Range(start, cols.len()),
            _ => Self::Set(Box::new(indices(cols, device))),
        }
    }

    fn take(&self, v: Tensor<2>) -> Tensor<2> {
        match self {
            Self::Range(start, len) => v.narrow(1, *start, *len),
            Self::Set(i) => v.select(1, (**i).clone()),
        }
    }
}

/// θ from the identity part and the transformed part of a coupling.
#[derive(Debug, Clone)]
enum Back {
    /// θ = [identity | transformed].
    IdFirst,
    /// θ = [transformed | identity].
    TrFirst,
    /// θ = [identity | transformed] with its columns selected.
    Select(Box<Tensor<1, Int>>),
}

/// Constant tensors of a flow's log-density.
#[derive(Debug, Clone)]
pub(crate) struct FlowLayout {
    d: usize,
    /// Coupling parities 0 and 1.
    splits: Vec<Split>,
    spline: SplineConsts,
    /// `[d, d]`: strictly lower / strictly upper / identity.
    lower: Tensor<2>,
    upper: Tensor<2>,
    eye: Tensor<2>,
    /// MADE masks: input `[d, h]`, hidden `[h, h]`, output `[h, 2d]`.
    masks: (Tensor<2>, Tensor<2>, Tensor<2>),
    /// `[d, d]`: reverses the coordinates.
    reverse: Tensor<2>,
}

fn indices(cols: &[usize], device: &Device) -> Tensor<1, Int> {
    let v: Vec<i64> = cols.iter().map(|&c| c as i64).collect();
    Tensor::<1, Int>::from_data(TensorData::new(v, [cols.len()]), device)
}

impl FlowLayout {
    pub(crate) fn new(cfg: &FlowConfig, d: usize, device: &Device) -> Self {
        let splits = (0..2)
            .map(|parity| {
                let (id, tr) = coupling_split(d, parity);
                let order: Vec<usize> = id.iter().chain(&tr).copied().collect();
                let back: Vec<usize> = (0..d)
                    .map(|j| order.iter().position(|&o| o == j).unwrap_or(j))
                    .collect();
                let in_order = |v: &[usize]| v.iter().enumerate().all(|(i, &c)| i == c);
                let tr_then_id: Vec<usize> = tr.iter().chain(&id).copied().collect();
                let back = if in_order(&order) {
                    Back::IdFirst
                } else if in_order(&tr_then_id) {
                    Back::TrFirst
                } else {
                    Back::Select(Box::new(indices(&back, device)))
                };
                Split {
                    tr: Cols::new(&tr, device),
                    id: (!id.is_empty()).then(|| Cols::new(&id, device)),
                    back,
                    n_tr: tr.len(),
                }
            })
            .collect();
        let square = |f: &dyn Fn(usize, usize) -> bool| {
            let v = (0..d * d)
                .map(|k| f32::from(u8::from(f(k / d, k % d))))
                .collect();
            host_tensor(v, [d, d], device)
        };
        let h = cfg.hidden_features;
        let (m_in, m_hidden, m_out) = made_masks(d, h);
        Self {
            d,
            splits,
            spline: SplineConsts::new(cfg.num_bins.max(2), cfg.tail_bound, cfg.hidden_features),
            lower: square(&|i, j| j < i),
            upper: square(&|i, j| j > i),
            eye: square(&|i, j| i == j),
            masks: (
                host_tensor(m_in, [d, h], device),
                host_tensor(m_hidden, [h, h], device),
                host_tensor(m_out, [h, 2 * d], device),
            ),
            reverse: square(&|i, j| i + j == d - 1),
        }
    }
}

fn bias_row(l: &Linear) -> Option<Tensor<2>> {
    l.bias.as_ref().map(|b| b.val().unsqueeze::<2>())
}

/// x·(W ⊙ mask) + b.
fn masked(l: &Linear, x: Tensor<2>, mask: &Tensor<2>) -> Tensor<2> {
    let y = x.matmul(l.weight.val() * mask.clone());
    match bias_row(l) {
        Some(b) => y + b,
        None => y,
    }
}

fn param1(v: &[f32], device: &Device) -> Param<Tensor<1>> {
    Param::from_tensor(Tensor::<1>::from_data(
        TensorData::new(v.to_vec(), [v.len()]),
        device,
    ))
}

/// An elementwise activation computed on the host, value and local derivative in one pass
/// (with the vectorised [`sbi_core::fast_exp`]), and attached to burn's graph as the tangent
/// line f′(z₀)·z + (f(z₀) − f′(z₀)·z₀): value f(z₀) (to f32 rounding of the two terms),
/// gradient f′(z₀). burn's own `sigmoid` and `tanh` recompute themselves in the backward pass
/// with the C library's exponential; this cut a MAF training epoch by a third, and the tangent
/// form takes two tensor operations where the detach identity f + f′·(z − detach z) takes
/// three.
fn host_activation(z: Tensor<2>, f: impl Fn(f32) -> (f32, f32)) -> Result<Tensor<2>> {
    let shape = z.dims();
    let mut value = to_host(z.clone().detach())?;
    let mut slope = vec![0f32; value.len()];
    for (v, s) in value.iter_mut().zip(&mut slope) {
        let z0 = *v;
        let (f0, g) = f(z0);
        (*v, *s) = (f0 - g * z0, g);
    }
    let device = z.device();
    Ok(z * host_tensor(slope, shape, &device) + host_tensor(value, shape, &device))
}

/// σ(z) = 1/(1 + e⁻ᶻ) and σ(1 − σ) (e⁻ᶻ = ∞ gives 0, without a branch).
fn sigmoid(z: f32) -> (f32, f32) {
    let g = 1.0 / (1.0 + sbi_core::fast_exp::exp_f32(-z));
    (g, g * (1.0 - g))
}

/// tanh z = 1 − 2/(e²ᶻ + 1) and 1 − tanh² (absolute error below 2·10⁻⁷; ±1 beyond |z| ≈ 9).
fn tanh(z: f32) -> (f32, f32) {
    let t = 1.0 - 2.0 / (sbi_core::fast_exp::exp_f32(2.0 * z) + 1.0);
    (t, 1.0 - t * t)
}

impl ResNetNet {
    fn forward(&self, input: Tensor<2>, x: &Tensor<2>) -> Result<Tensor<2>> {
        let mut h = self.initial.forward(input);
        for b in &self.blocks {
            let t = b.first.forward(activation::relu(h.clone()));
            let t = b.second.forward(activation::relu(t));
            h = h + t * host_activation(b.context.forward(x.clone()), sigmoid)?;
        }
        Ok(self.last.forward(h))
    }
}

impl FlowNet {
    pub(crate) fn from_weights(w: &FlowWeights, device: &Device) -> Self {
        let (mut conditioners, mut lu, mut mades) = (Vec::new(), Vec::new(), Vec::new());
        for t in &w.transforms {
            match t {
                Transform::Spline { net, lu: l } => {
                    conditioners.push(ResNetNet {
                        initial: dense_to_linear(&net.initial, device),
                        blocks: net
                            .blocks
                            .iter()
                            .map(|b| ResBlockNet {
                                first: dense_to_linear(&b.first, device),
                                second: dense_to_linear(&b.second, device),
                                context: dense_to_linear(&b.context, device),
                            })
                            .collect(),
                        last: dense_to_linear(&net.last, device),
                    });
                    if let Some(l) = l {
                        let d = l.diag.len();
                        lu.push(LuNet {
                            entries: Param::from_tensor(host_tensor(
                                l.entries.clone(),
                                [d, d],
                                device,
                            )),
                            diag: param1(&l.diag, device),
                            bias: param1(&l.bias, device),
                        });
                    }
                }
                Transform::Affine { made } => mades.push(MadeNet {
                    initial: dense_to_linear(&made.initial, device),
                    context: dense_to_linear(&made.context, device),
                    hidden: made
                        .hidden
                        .iter()
                        .map(|l| dense_to_linear(l, device))
                        .collect(),
                    last: dense_to_linear(&made.last, device),
                }),
            }
        }
        Self {
            conditioners,
            lu,
            mades,
        }
    }

    /// The host weights, masked-out MADE weights set to exactly 0.
    pub(crate) fn to_weights(&self, cfg: &FlowConfig, d: usize) -> Result<FlowWeights> {
        let transforms = match cfg.kind {
            FlowKind::Nsf => {
                let mut lus = self.lu.iter();
                self.conditioners
                    .iter()
                    .map(|c| {
                        let net = ResNet {
                            initial: linear_to_dense(&c.initial)?,
                            blocks: c
                                .blocks
                                .iter()
                                .map(|b| {
                                    Ok(ResBlock {
                                        first: linear_to_dense(&b.first)?,
                                        second: linear_to_dense(&b.second)?,
                                        context: linear_to_dense(&b.context)?,
                                    })
                                })
                                .collect::<Result<_>>()?,
                            last: linear_to_dense(&c.last)?,
                        };
                        let lu = match lus.next() {
                            Some(l) => Some(Lu {
                                entries: to_host(l.entries.val())?,
                                diag: to_host(l.diag.val())?,
                                bias: to_host(l.bias.val())?,
                            }),
                            None => None,
                        };
                        Ok(Transform::Spline { net, lu })
                    })
                    .collect::<Result<_>>()?
            }
            FlowKind::Maf => {
                let (m_in, m_hidden, m_out) = made_masks(d, cfg.hidden_features);
                self.mades
                    .iter()
                    .map(|m| {
                        let mut initial = linear_to_dense(&m.initial)?;
                        apply_mask(&mut initial, &m_in);
                        let hidden = m
                            .hidden
                            .iter()
                            .map(|l| {
                                let mut l = linear_to_dense(l)?;
                                apply_mask(&mut l, &m_hidden);
                                Ok(l)
                            })
                            .collect::<Result<_>>()?;
                        let mut last = linear_to_dense(&m.last)?;
                        apply_mask(&mut last, &m_out);
                        Ok(Transform::Affine {
                            made: Made {
                                initial,
                                context: linear_to_dense(&m.context)?,
                                hidden,
                                last,
                            },
                        })
                    })
                    .collect::<Result<_>>()?
            }
        };
        Ok(FlowWeights { transforms })
    }

    /// ln q(θ | x) per row, standardised units: `theta` `[B, d]`, `x` `[B, dₓ]` → `[B]`.
    pub(crate) fn log_prob(
        &self,
        theta: Tensor<2>,
        x: Tensor<2>,
        lay: &FlowLayout,
    ) -> Result<Tensor<1>> {
        let [b, d] = theta.dims();
        let mut v = theta;
        let mut logdet = Tensor::<2>::zeros([b, 1], &v.device());
        // The LU maps' log-determinants do not depend on the row: summed apart, added once.
        let mut lu_logdet: Option<Tensor<1>> = None;
        for (t, net) in self.conditioners.iter().enumerate() {
            let split = &lay.splits[t % 2];
            let n_tr = split.n_tr;
            let x_tr = split.tr.take(v.clone());
            let (input, x_id) = match &split.id {
                Some(id) => {
                    let x_id = id.take(v.clone());
                    (Tensor::cat(vec![x_id.clone(), x.clone()], 1), Some(x_id))
                }
                None => (x.clone(), None),
            };
            let p = num_params(lay.spline_bins());
            let params = net.forward(input, &x)?.reshape([b * n_tr, p]);
            let (y, ld) = spline_forward(x_tr.reshape([b * n_tr, 1]), params, &lay.spline)?;
            let y = y.reshape([b, n_tr]);
            v = match (x_id, &split.back) {
                (Some(x_id), Back::IdFirst) => Tensor::cat(vec![x_id, y], 1),
                (Some(x_id), Back::TrFirst) => Tensor::cat(vec![y, x_id], 1),
                (Some(x_id), Back::Select(back)) => {
                    Tensor::cat(vec![x_id, y], 1).select(1, (**back).clone())
                }
                (None, _) => y,
            };
            logdet = if n_tr == 1 {
                logdet + ld
            } else {
                logdet + ld.reshape([b, n_tr]).sum_dim(1)
            };
            if let Some(lu) = self.lu.get(t) {
                let diag = activation::softplus(lu.diag.val(), 1.0).add_scalar(LU_EPS);
                let entries = lu.entries.val();
                let upper = entries.clone() * lay.upper.clone()
                    + lay.eye.clone() * diag.clone().unsqueeze::<2>();
                let lower = entries * lay.lower.clone() + lay.eye.clone();
                // Row vectors: y = v·(L·U)ᵀ + b.
                v = v.matmul(lower.matmul(upper).transpose()) + lu.bias.val().unsqueeze::<2>();
                let ld = diag.log().sum();
                lu_logdet = Some(match lu_logdet {
                    Some(total) => total + ld,
                    None => ld,
                });
            }
        }
        if let Some(total) = lu_logdet {
            logdet = logdet + total.unsqueeze::<2>();
        }
        for m in &self.mades {
            let (m_in, m_hidden, m_out) = &lay.masks;
            let mut h = host_activation(
                masked(&m.initial, v.clone(), m_in) + m.context.forward(x.clone()),
                tanh,
            )?;
            for l in &m.hidden {
                h = host_activation(masked(l, h, m_hidden), tanh)?;
            }
            let out = masked(&m.last, h, m_out);
            let scale = activation::softplus(out.clone().narrow(1, 0, d), 1.0).add_scalar(MAF_EPS);
            let shift = out.narrow(1, d, d);
            v = (scale.clone() * v + shift).matmul(lay.reverse.clone());
            logdet = logdet + scale.log().sum_dim(1);
        }
        let lp = v.square().sum_dim(1).mul_scalar(-0.5) + logdet - (lay.d as f64 * HALF_LN_2PI);
        Ok(lp.reshape([b]))
    }
}

impl FlowLayout {
    fn spline_bins(&self) -> usize {
        self.spline.bins()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::plain_device;
    use crate::flow::host::Scratch;
    use crate::flow::host::tests::{configs, random_flow};
    use burn::tensor::TensorData;
    use rand::{RngExt, SeedableRng};
    use sbi_core::SeedRng;

    /// The log-density training optimises (burn, f32) is the one inference evaluates (host,
    /// f64) for the same weights, and sampling (host inverses) inverts what burn scores.
    #[test]
    fn training_and_inference_log_densities_agree() {
        let device = plain_device();
        let mut rng = SeedRng::seed_from_u64(14);
        let (dx, rows) = (3, 64);
        for cfg in configs() {
            for d in [1, 2, 4] {
                let w = random_flow(&cfg, dx, d, 0.3, &mut rng);
                let net = FlowNet::from_weights(&w, &device);
                let lay = FlowLayout::new(&cfg, d, &device);
                let xs: Vec<f32> = (0..rows * dx)
                    .map(|_| rng.random_range(-2.0..2.0))
                    .collect();
                let th: Vec<f32> = (0..rows * d).map(|_| rng.random_range(-4.0..4.0)).collect();
                let t = |v: &[f32], c: usize| {
                    Tensor::<2>::from_data(TensorData::new(v.to_vec(), [rows, c]), &device)
                };
                let burn = net
                    .log_prob(t(&th, d), t(&xs, dx), &lay)
                    .unwrap()
                    .into_data()
                    .try_into_vec::<f32>()
                    .unwrap();
                let mut s = Scratch::default();
                for r in 0..rows {
                    let x: Vec<f64> = xs[r * dx..(r + 1) * dx]
                        .iter()
                        .map(|v| f64::from(*v))
                        .collect();
                    let theta: Vec<f64> = th[r * d..(r + 1) * d]
                        .iter()
                        .map(|v| f64::from(*v))
                        .collect();
                    let host = w.at(&cfg, &x, d).log_prob(&theta, &mut s);
                    let diff = (f64::from(burn[r]) - host).abs();
                    assert!(
                        diff < 2e-3 * (1.0 + host.abs()),
                        "{:?} d {d} row {r}: burn {} host {host}",
                        cfg.kind,
                        burn[r]
                    );
                }
                // Round trip through the module keeps the weights.
                assert_eq!(net.to_weights(&cfg, d).unwrap(), w);
            }
        }
    }
}
