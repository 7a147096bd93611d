//! Global gradient-norm clipping ([`clip_global_norm`]), as PyTorch's `clip_grad_norm_`.

use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;

use crate::error::{Error, Result};

/// A one-element tensor's value on the host.
pub(crate) fn scalar(t: Tensor<1>) -> Result<f64> {
    let v = t
        .into_data()
        .try_into_vec::<f32>()
        .map_err(|e| Error::Backend(format!("{e:?}")))?;
    Ok(f64::from(v.first().copied().unwrap_or(f32::NAN)))
}

/// Every float parameter of a module with its rank, for global-norm clipping.
pub(crate) fn param_ids<M: Module>(module: &M) -> Vec<(ParamId, usize)> {
    struct Collect(Vec<(ParamId, usize)>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.push((param.id, D));
        }
    }
    let mut c = Collect(Vec::new());
    module.visit(&mut c);
    c.0
}

/// Scales all gradients by `max_norm / ‖g‖` when their global 2-norm exceeds `max_norm > 0`
/// (PyTorch's `clip_grad_norm_`, which sbi uses; burn's own clipping is per parameter).
/// Returns the norm before clipping (NaN or ∞ when a gradient is not finite: nothing is
/// scaled then, and the caller skips the step).
pub(crate) fn clip_global_norm<M: Module>(
    grads: &mut GradientsParams,
    net: &M,
    max_norm: f64,
) -> Result<f64> {
    let ids = param_ids(net);
    let mut total: Option<Tensor<1>> = None;
    for &(id, rank) in &ids {
        let sq = match rank {
            2 => grads.get::<2>(id).map(|g| g.square().sum()),
            _ => grads.get::<1>(id).map(|g| g.square().sum()),
        };
        if let Some(sq) = sq {
            total = Some(match total {
                Some(t) => t + sq,
                None => sq,
            });
        }
    }
    let Some(total) = total else { return Ok(0.0) };
    let norm = scalar(total)?.sqrt();
    if max_norm > 0.0 && norm.is_finite() && norm > max_norm {
        let scale = max_norm / (norm + 1e-6);
        for (id, rank) in ids {
            match rank {
                2 => {
                    if let Some(g) = grads.remove::<2>(id) {
                        grads.register(id, g.mul_scalar(scale));
                    }
                }
                _ => {
                    if let Some(g) = grads.remove::<1>(id) {
                        grads.register(id, g.mul_scalar(scale));
                    }
                }
            }
        }
    }
    Ok(norm)
}
