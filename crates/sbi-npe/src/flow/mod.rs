//! Normalising flows (sbi's `nsf` and `maf`): their configuration ([`FlowConfig`]), the
//! flow on the host in f64 (`host`: weights, initialisation, forward and inverse at one
//! observation), the same transforms in burn for training (`net`), and the rational-quadratic
//! spline (`spline`) — wired into training and posteriors by [`Architecture`].

#[cfg(test)]
mod accuracy_tests;
pub(crate) mod config;
pub(crate) mod host;
pub(crate) mod net;
pub(crate) mod spline;

pub use config::{FlowConfig, FlowKind};

use burn::tensor::{Device, Tensor};
use rand::Rng;

use crate::architecture::Architecture;
use crate::error::Result;
use crate::posterior::density::Net;
use host::FlowWeights;
use net::{FlowLayout, FlowNet};

impl Architecture for FlowConfig {
    type Net = FlowNet;
    type Layout = FlowLayout;
    type Weights = FlowWeights;

    fn validate(&self) -> Result<()> {
        FlowConfig::validate(self)
    }

    fn num_weights(&self, dx: usize, d: usize) -> Option<usize> {
        FlowConfig::num_weights(self, dx, d)
    }

    fn init<R: Rng + ?Sized>(&self, dx: usize, d: usize, rng: &mut R) -> FlowWeights {
        self.init_weights(dx, d, rng)
    }

    fn build(&self, w: &FlowWeights, device: &Device) -> FlowNet {
        FlowNet::from_weights(w, device)
    }

    fn layout(&self, d: usize, device: &Device) -> FlowLayout {
        FlowLayout::new(self, d, device)
    }

    fn log_prob(
        net: &FlowNet,
        theta: Tensor<2>,
        x: Tensor<2>,
        lay: &FlowLayout,
    ) -> Result<Tensor<1>> {
        net.log_prob(theta, x, lay)
    }

    fn extract(&self, net: &FlowNet, d: usize) -> Result<FlowWeights> {
        net.to_weights(self, d)
    }

    fn name(&self) -> &'static str {
        self.kind.name()
    }

    fn into_net(self, weights: FlowWeights) -> Net {
        Net::Flow {
            config: self,
            weights,
        }
    }

    fn weights_of<'n>(&self, net: &'n Net) -> Option<&'n FlowWeights> {
        match net {
            Net::Flow { config, weights } if config == self => Some(weights),
            _ => None,
        }
    }
}
