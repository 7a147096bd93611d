//! The mixture-density network (sbi's `mdn`): its configuration ([`MdnConfig`]), seeded
//! initialisation, burn module for training, host weights, and the Gaussian mixture it gives
//! at one observation — wired into training and posteriors by [`Architecture`].

pub(crate) mod config;
pub(crate) mod init;
pub(crate) mod mixture;
pub(crate) mod net;
pub(crate) mod weights;

pub use config::MdnConfig;

use burn::tensor::{Device, Tensor};
use rand::Rng;

use crate::architecture::Architecture;
use crate::error::Result;
use crate::posterior::density::Net;
use mixture::tri;
use net::{Layout, MdnNet};
use weights::Weights;

impl Architecture for MdnConfig {
    type Net = MdnNet;
    type Layout = Layout;
    type Weights = Weights;

    fn validate(&self) -> Result<()> {
        MdnConfig::validate(self)
    }

    fn num_weights(&self, dx: usize, d: usize) -> Option<usize> {
        let h = self.hidden_features;
        let out = tri(d)
            .checked_add(1 + d)
            .and_then(|t| t.checked_mul(self.num_components))?;
        let hidden = (dx + 1) * h + self.num_hidden_layers.saturating_sub(1) * (h + 1) * h;
        let last = if self.num_hidden_layers == 0 { dx } else { h };
        (last + 1).checked_mul(out)?.checked_add(hidden)
    }

    fn init<R: Rng + ?Sized>(&self, dx: usize, d: usize, rng: &mut R) -> Weights {
        init::init_weights(self, dx, d, rng)
    }

    fn build(&self, w: &Weights, device: &Device) -> MdnNet {
        MdnNet::from_weights(w, device)
    }

    fn layout(&self, d: usize, device: &Device) -> Layout {
        Layout::new(d, self, device)
    }

    fn log_prob(net: &MdnNet, theta: Tensor<2>, x: Tensor<2>, lay: &Layout) -> Result<Tensor<1>> {
        Ok(net.log_prob(theta, x, lay))
    }

    fn extract(&self, net: &MdnNet, _d: usize) -> Result<Weights> {
        net.to_weights()
    }

    fn name(&self) -> &'static str {
        "mdn"
    }

    fn into_net(self, weights: Weights) -> Net {
        Net::Mdn {
            config: self,
            weights,
        }
    }

    fn weights_of<'n>(&self, net: &'n Net) -> Option<&'n Weights> {
        match net {
            Net::Mdn { config, weights } if config == self => Some(weights),
            _ => None,
        }
    }
}
