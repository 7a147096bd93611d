//! The mixture-density network in burn, for training ([`MdnNet`]): the same network as the
//! host's [`Weights`], written in tensors so that burn differentiates the log-density.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor, TensorData, activation};

use crate::backend::{dense_to_linear, linear_to_dense};
use crate::error::Result;
use crate::math::HALF_LN_2PI;
use crate::mdn::config::MdnConfig;
use crate::mdn::mixture::tri;
use crate::mdn::weights::Weights;

/// Floor of a component's log-density in training (f32): −10³⁰.
const MIN_COMPONENT_LOG_PROB: f64 = -1e30;

/// MLP x ↦ mixture parameters: `hidden` ReLU layers and a linear output layer.
#[derive(Module, Debug)]
pub(crate) struct MdnNet {
    hidden: Vec<Linear>,
    output: Linear,
}

/// Constant 0/1 matrices that place the upper-triangular factor entries (see [`MdnNet::log_prob`]).
pub(crate) struct Layout {
    d: usize,
    k: usize,
    eps: f64,
    min_diag: f64,
    /// `[d, T]`: column t picks δ at the column index of entry t.
    pick_col: Tensor<2>,
    /// `[T, d]`: sums entry t into its row.
    to_row: Tensor<2>,
    /// `[1, T]`: 1 on diagonal entries.
    diag: Tensor<2>,
}

impl Layout {
    pub(crate) fn new(d: usize, cfg: &MdnConfig, device: &Device) -> Self {
        let (k, eps, min_diag) = (
            cfg.num_components,
            cfg.precision_epsilon,
            cfg.min_factor_diagonal,
        );
        let t = tri(d);
        let (mut pick, mut rows, mut diag) = (vec![0f32; d * t], vec![0f32; t * d], vec![0f32; t]);
        let mut idx = 0;
        for i in 0..d {
            for j in i..d {
                pick[j * t + idx] = 1.0;
                rows[idx * d + i] = 1.0;
                if i == j {
                    diag[idx] = 1.0;
                }
                idx += 1;
            }
        }
        let mk = |v: Vec<f32>, s: [usize; 2]| Tensor::<2>::from_data(TensorData::new(v, s), device);
        Self {
            d,
            k,
            eps,
            min_diag,
            pick_col: mk(pick, [d, t]),
            to_row: mk(rows, [t, d]),
            diag: mk(diag, [1, t]),
        }
    }
}

impl MdnNet {
    pub(crate) fn from_weights(w: &Weights, device: &Device) -> Self {
        Self {
            hidden: w
                .hidden
                .iter()
                .map(|l| dense_to_linear(l, device))
                .collect(),
            output: dense_to_linear(&w.output, device),
        }
    }

    pub(crate) fn to_weights(&self) -> Result<Weights> {
        Ok(Weights {
            hidden: self
                .hidden
                .iter()
                .map(linear_to_dense)
                .collect::<Result<_>>()?,
            output: linear_to_dense(&self.output)?,
        })
    }

    /// ln q(θ | x) per row, standardised units: `theta` `[B, d]`, `x` `[B, dₓ]` → `[B]`.
    ///
    /// For each component, with δ = θ − μₖ and the upper-triangular factor Aₖ (diagonal through
    /// softplus): ln N = −(d/2) ln 2π + Σᵢ ln Aₖ,ᵢᵢ − ½(‖Aₖδ‖² + ε‖δ‖²). The log-determinant
    /// term is ½ ln det(AₖᵀAₖ), as in sbi/pyknos (the ε·I in the precision only enters the
    /// quadratic form: an error below ε·tr(Pₖ⁻¹), negligible); no Cholesky is needed. The
    /// mixture is combined by a stable log-sum-exp.
    pub(crate) fn log_prob(&self, theta: Tensor<2>, x: Tensor<2>, lay: &Layout) -> Tensor<1> {
        let (d, k, t) = (lay.d, lay.k, tri(lay.d));
        let [b, _] = theta.dims();
        let mut h = x;
        for l in &self.hidden {
            h = activation::relu(l.forward(h));
        }
        let out = self.output.forward(h);
        let log_w = activation::log_softmax(out.clone().narrow(1, 0, k), 1);
        let means = out.clone().narrow(1, k, k * d).reshape([b * k, d]);
        let raw = out.narrow(1, k + k * d, k * t).reshape([b * k, t]);
        // Diagonal entries through softplus plus a floor, off-diagonal ones as they are. The
        // floor keeps ln Aᵢᵢ finite: a diagonal that underflowed to 0 gave a component of
        // log-density −∞ whose mixture weight is 0, and the backward pass then multiplied
        // that 0 by d ln(x)/dx = ∞ — a NaN gradient from a finite loss.
        let diag = lay.diag.clone();
        let a = raw.clone()
            + (activation::softplus(raw.clone(), 1.0).add_scalar(lay.min_diag) - raw)
                * diag.clone();
        let half_log_det = (a.clone() * diag.clone() - diag.clone().sub_scalar(1.0))
            .log()
            .sum_dim(1); // [b·k, 1]: Σ ln Aᵢᵢ (off-diagonal slots contribute ln 1)
        let theta_rep = theta
            .unsqueeze_dim::<3>(1)
            .repeat_dim(1, k)
            .reshape([b * k, d]);
        let delta = theta_rep - means;
        let a_delta = (a * delta.clone().matmul(lay.pick_col.clone())).matmul(lay.to_row.clone());
        let quad = a_delta.square().sum_dim(1) + delta.square().sum_dim(1).mul_scalar(lay.eps);
        // Bounded below, so that a row far from every component (each quadratic form
        // overflowing) still has a finite log-sum-exp; the clamp passes no gradient there.
        let comp = ((half_log_det - quad.mul_scalar(0.5)).reshape([b, k]) + log_w
            - (d as f64 * HALF_LN_2PI))
            .clamp_min(MIN_COMPONENT_LOG_PROB);
        // Stable log-sum-exp over components (burn has none).
        crate::tensor_ops::log_sum_exp(comp).reshape([b])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::plain_device;
    use crate::dense::Dense;
    use rand::{RngExt, SeedableRng};
    use sbi_core::SeedRng;

    /// Random weights for `dx` features, `d` parameters, `k` components.
    fn random_weights(dx: usize, d: usize, k: usize, rng: &mut SeedRng) -> Weights {
        let mut dense = |d_in: usize, d_out: usize, scale: f64| Dense {
            d_in,
            d_out,
            weight: (0..d_in * d_out)
                .map(|_| rng.random_range(-scale..scale) as f32)
                .collect(),
            bias: (0..d_out)
                .map(|_| rng.random_range(-scale..scale) as f32)
                .collect(),
        };
        let h = 16;
        Weights {
            hidden: vec![dense(dx, h, 0.8), dense(h, h, 0.5)],
            output: dense(h, k * (1 + d + tri(d)), 0.5),
        }
    }

    /// The density training optimises (burn, f32) is the density inference evaluates (host,
    /// f64) for the same weights: to 10⁻⁴ with ε = 0, and within the bound ½·ε·tr((AₖᵀAₖ)⁻¹)
    /// of the ε·I left out of burn's log-determinant otherwise.
    #[test]
    fn training_and_inference_log_densities_agree() {
        let (dx, d, k, rows) = (3, 3, 4, 64);
        let mut rng = SeedRng::seed_from_u64(17);
        let device = plain_device();
        for eps in [0.0, 1e-4] {
            let cfg = MdnConfig::new()
                .with_num_components(k)
                .with_precision_epsilon(eps);
            let w = random_weights(dx, d, k, &mut rng);
            let net = MdnNet::from_weights(&w, &device);
            let layout = Layout::new(d, &cfg, &device);
            let xs: Vec<f64> = (0..rows * dx)
                .map(|_| rng.random_range(-2.0..2.0))
                .collect();
            let thetas: Vec<f64> = (0..rows * d).map(|_| rng.random_range(-2.0..2.0)).collect();
            let tensor = |v: &[f64], c: usize| {
                let data: Vec<f32> = v.iter().map(|x| *x as f32).collect();
                Tensor::<2>::from_data(TensorData::new(data, [rows, c]), &device)
            };
            let burn: Vec<f32> = net
                .log_prob(tensor(&thetas, d), tensor(&xs, dx), &layout)
                .into_data()
                .try_into_vec::<f32>()
                .unwrap();
            for r in 0..rows {
                // The host evaluates the f32-rounded inputs burn saw.
                let round = |v: &[f64]| v.iter().map(|x| f64::from(*x as f32)).collect::<Vec<_>>();
                let x = round(&xs[r * dx..(r + 1) * dx]);
                let theta = round(&thetas[r * d..(r + 1) * d]);
                let mix = w.mixture(&x, d, &cfg).unwrap();
                let host = mix.log_prob(&theta);
                // ½ ln det(AᵀA + εI) − ½ ln det(AᵀA) ≤ ½·ε·tr((AᵀA)⁻¹) per component (ln det
                // is concave), and a log-sum-exp moves by at most the largest shift.
                let bound = (0..k)
                    .map(|c| {
                        let p = nalgebra::DMatrix::from_row_slice(
                            d,
                            d,
                            &mix.precisions[c * d * d..(c + 1) * d * d],
                        );
                        let ata = p - nalgebra::DMatrix::<f64>::identity(d, d) * eps;
                        0.5 * eps * ata.try_inverse().unwrap().trace()
                    })
                    .fold(0.0, f64::max);
                let diff = (f64::from(burn[r]) - host).abs();
                assert!(
                    diff <= 1e-4 + bound,
                    "ε {eps}, row {r}: burn {} vs host {host} (bound {bound})",
                    burn[r]
                );
            }
        }
    }
}
