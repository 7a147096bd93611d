//! [`Architecture`]: what the training loop and the generic estimator need of a network
//! architecture (the MDN's [`crate::MdnConfig`], a flow's [`crate::FlowConfig`]): its seeded
//! initial weights, its burn module, its log-density in tensors, its weights back on the host,
//! and the posterior's network made of them. A new estimator implements it in its own folder
//! (as `mdn/` and `flow/` do) and gets training, posteriors and files from the rest.

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use rand::Rng;
use sbi_core::invalid;

use crate::error::Result;
use crate::posterior::density::Net;

/// The most weights a network may have: 10⁸ (400 MB of f32, before Adam's two copies).
pub(crate) const MAX_WEIGHTS: usize = 100_000_000;

/// A trainable conditional density q(θ | x).
pub(crate) trait Architecture: Clone + PartialEq + std::fmt::Debug + Send + Sync {
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
    /// `"mdn"`, `"nsf"` or `"maf"`.
    fn name(&self) -> &'static str;
    /// The posterior's network: this architecture with trained `weights`.
    fn into_net(self, weights: Self::Weights) -> Net;
    /// The weights of `net` when it is a network of this very architecture (a warm start's
    /// starting point), else `None`.
    fn weights_of<'n>(&self, net: &'n Net) -> Option<&'n Self::Weights>;

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
