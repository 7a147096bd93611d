//! The MDN's trained weights on the host ([`Weights`]): a small dense MLP x ↦ the mixture's
//! parameters, and the mixture it gives at one observation.

use serde::{Deserialize, Serialize};

use crate::dense::Dense;
use crate::error::{Error, Result};
use crate::mdn::config::MdnConfig;
use crate::mdn::mixture::{Mixture, tri};

/// All weights of the network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Weights {
    pub hidden: Vec<Dense>,
    pub output: Dense,
}

impl Weights {
    /// Checks shapes: `x_dim → hidden… → K·(1 + d + d(d+1)/2)`.
    pub(crate) fn check(&self, x_dim: usize, theta_dim: usize, k: usize) -> Result<()> {
        let mut d_in = x_dim;
        for (i, l) in self.hidden.iter().enumerate() {
            l.check(&format!("hidden layer {i}"))?;
            if l.d_in != d_in {
                return Err(Error::InvalidFile(format!("hidden layer {i} input width")));
            }
            d_in = l.d_out;
        }
        self.output.check("output layer")?;
        if self.output.d_in != d_in || self.output.d_out != k * (1 + theta_dim + tri(theta_dim)) {
            return Err(Error::InvalidFile("output layer shape".into()));
        }
        Ok(())
    }

    /// The network's raw output at standardised observation `x_z`:
    /// `[logits (K) | means (K·d) | factors (K·d(d+1)/2)]`.
    pub(crate) fn forward(&self, x_z: &[f64]) -> Vec<f64> {
        let mut a = x_z.to_vec();
        let mut b = Vec::new();
        for l in &self.hidden {
            l.forward(&a, true, &mut b);
            std::mem::swap(&mut a, &mut b);
        }
        self.output.forward(&a, false, &mut b);
        b
    }

    /// The mixture at standardised observation `x_z`, in standardised θ units.
    pub(crate) fn mixture(&self, x_z: &[f64], d: usize, cfg: &MdnConfig) -> Result<Mixture> {
        Mixture::from_raw(
            &self.forward(x_z),
            d,
            cfg.num_components,
            cfg.precision_epsilon,
            cfg.min_factor_diagonal,
        )
    }
}
