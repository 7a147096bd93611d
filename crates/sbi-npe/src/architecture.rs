//! What the training loop needs of a network architecture (the MDN's [`MdnConfig`], a flow's
//! [`FlowConfig`]): its seeded initial weights, its burn module, its log-density in tensors,
//! and its weights back on the host.

use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::tensor::{Device, Tensor};
use rand::Rng;

use crate::config::{FlowConfig, MdnConfig};
use crate::error::Result;
use crate::flow::FlowWeights;
use crate::flow_net::{FlowLayout, FlowNet};
use crate::mlp::Weights;
use crate::network::{Layout, MdnNet};
use sbi_core::invalid;

/// The most weights a network may have: 10⁸ (400 MB of f32, before Adam's two copies).
pub(crate) const MAX_WEIGHTS: usize = 100_000_000;

/// A trainable conditional density q(θ | x).
pub(crate) trait Architecture {
    /// The burn module.
    type Net: Module;
    /// Constant tensors its log-density uses.
    type Layout;
    /// The host weights.
    type Weights;

    /// Checks the configuration.
    fn validate(&self) -> Result<()>;
    /// Weights for `dx` features and `d` parameters (`None` beyond `usize`).
    fn num_weights(&self, dx: usize, d: usize) -> Option<usize>;
    /// Seeded initial weights.
    fn init<R: Rng + ?Sized>(&self, dx: usize, d: usize, rng: &mut R) -> Self::Weights;
    /// The module holding `w` on `device`.
    fn build(&self, w: &Self::Weights, device: &Device) -> Self::Net;
    /// The constants for `d` parameters on `device`.
    fn layout(&self, d: usize, device: &Device) -> Self::Layout;
    /// ln q(θ | x) per row of standardised `theta` `[B, d]` and `x` `[B, dₓ]`.
    fn log_prob(
        net: &Self::Net,
        theta: Tensor<2>,
        x: Tensor<2>,
        lay: &Self::Layout,
    ) -> Result<Tensor<1>>;
    /// The module's weights on the host.
    fn extract(&self, net: &Self::Net, d: usize) -> Result<Self::Weights>;

    /// Refuses networks of more than [`MAX_WEIGHTS`] weights.
    fn check_size(&self, dx: usize, d: usize) -> Result<()> {
        match self.num_weights(dx, d) {
            Some(t) if t <= MAX_WEIGHTS => Ok(()),
            total => Err(invalid(
                "network size",
                total.map_or(f64::INFINITY, |t| t as f64),
                "the network would have more than 10⁸ weights (θ or x dimension, components, \
                 transforms or hidden units too large)",
            )),
        }
    }
}

impl Architecture for MdnConfig {
    type Net = MdnNet;
    type Layout = Layout;
    type Weights = Weights;

    fn validate(&self) -> Result<()> {
        MdnConfig::validate(self)
    }

    fn num_weights(&self, dx: usize, d: usize) -> Option<usize> {
        let h = self.hidden_features;
        let out = crate::mlp::tri(d)
            .checked_add(1 + d)
            .and_then(|t| t.checked_mul(self.num_components))?;
        let hidden = (dx + 1) * h + self.num_hidden_layers.saturating_sub(1) * (h + 1) * h;
        let last = if self.num_hidden_layers == 0 { dx } else { h };
        (last + 1).checked_mul(out)?.checked_add(hidden)
    }

    fn init<R: Rng + ?Sized>(&self, dx: usize, d: usize, rng: &mut R) -> Weights {
        crate::train::init_mdn_weights(self, dx, d, rng)
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
}

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
