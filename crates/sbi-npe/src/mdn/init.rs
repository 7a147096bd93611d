//! The MDN's seeded initial weights ([`init_weights`]).

use rand::{Rng, RngExt};

use crate::dense::Dense;
use crate::mdn::config::MdnConfig;
use crate::mdn::mixture::tri;
use crate::mdn::weights::Weights;

/// Seeded initialisation: hidden layers as PyTorch's `Linear` (U(±1/√fan_in)); the output layer
/// starts near a uniform mixture (logit weights ±10⁻³, biases 0) with near-identity precision
/// factors (weights ±10⁻³, diagonal biases softplus⁻¹(1), off-diagonal 0) and means that
/// depend on x from the start (PyTorch's default bounds).
pub(crate) fn init_weights<R: Rng + ?Sized>(
    cfg: &MdnConfig,
    dx: usize,
    d: usize,
    rng: &mut R,
) -> Weights {
    let mut hidden = Vec::new();
    let mut d_in = dx;
    for _ in 0..cfg.num_hidden_layers {
        let bound = 1.0 / (d_in as f64).sqrt();
        let h = cfg.hidden_features;
        hidden.push(Dense::uniform(d_in, h, bound, rng));
        d_in = h;
    }
    let (k, t) = (cfg.num_components, tri(d));
    let d_out = k * (1 + d + t);
    let bound = 1.0 / (d_in as f64).sqrt();
    let mut weight = vec![0f32; d_in * d_out];
    let mut bias = vec![0f32; d_out];
    let diag_bias = (std::f64::consts::E - 1.0).ln() as f32; // softplus⁻¹(1)
    for o in 0..d_out {
        let is_mean = o >= k && o < k + k * d;
        let w_bound = if is_mean { bound } else { 1e-3 };
        for i in 0..d_in {
            weight[i * d_out + o] = rng.random_range(-w_bound..w_bound) as f32;
        }
        bias[o] = if is_mean {
            rng.random_range(-bound..bound) as f32
        } else if o >= k + k * d {
            // Factor entry; diagonal entries sit at offsets 0, d, d + (d − 1), … of each block.
            let e = (o - k - k * d) % t;
            let mut diag = 0;
            let mut is_diag = false;
            for i in 0..d {
                if e == diag {
                    is_diag = true;
                }
                diag += d - i;
            }
            if is_diag { diag_bias } else { 0.0 }
        } else {
            0.0
        };
    }
    Weights {
        hidden,
        output: Dense {
            d_in,
            d_out,
            weight,
            bias,
        },
    }
}
