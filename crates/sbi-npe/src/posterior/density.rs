//! The trained network of a posterior, whichever estimator made it ([`Net`]), and its
//! conditional density at one observation ([`Density`]), in standardised θ units.

use rand::Rng;

use crate::error::Result;
use crate::flow::config::FlowConfig;
use crate::flow::host::{FlowAtX, FlowWeights, Scratch};
use crate::mdn::config::MdnConfig;
use crate::mdn::mixture::Mixture;
use crate::mdn::weights::Weights;

/// A posterior's network: its configuration and trained weights.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Net {
    /// Mixture-density network.
    Mdn { config: MdnConfig, weights: Weights },
    /// Normalising flow (NSF or MAF).
    Flow {
        config: FlowConfig,
        weights: FlowWeights,
    },
}

impl Net {
    /// `"mdn"`, `"nsf"` or `"maf"`.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::Mdn { .. } => "mdn",
            Self::Flow { config, .. } => config.kind.name(),
        }
    }

    /// The density at standardised observation `x_z` for `d` parameters.
    ///
    /// # Errors
    /// A mixture the network cannot give there (non-finite outputs).
    pub(crate) fn at(&self, x_z: &[f64], d: usize) -> Result<Density<'_>> {
        Ok(match self {
            Self::Mdn { config, weights } => Density::Mixture(weights.mixture(x_z, d, config)?),
            Self::Flow { config, weights } => Density::Flow(weights.at(config, x_z, d)),
        })
    }

    /// Checks that the weights fit the configuration for `dx` features and `d` parameters.
    pub(crate) fn check(&self, dx: usize, d: usize) -> Result<()> {
        match self {
            Self::Mdn { config, weights } => {
                config.validate()?;
                if weights.hidden.len() != config.num_hidden_layers {
                    return Err(crate::Error::InvalidFile(
                        "number of hidden layers disagrees with the configuration".into(),
                    ));
                }
                weights.check(dx, d, config.num_components)
            }
            Self::Flow { config, weights } => {
                config.validate()?;
                weights.check(config, dx, d)
            }
        }
    }
}

/// A conditional density q(θ | x) at one x, standardised θ units.
#[derive(Debug, Clone)]
pub(crate) enum Density<'a> {
    Mixture(Mixture),
    Flow(FlowAtX<'a>),
}

impl Density<'_> {
    /// Dimension of θ.
    pub(crate) fn dim(&self) -> usize {
        match self {
            Self::Mixture(m) => m.d,
            Self::Flow(f) => f.dim(),
        }
    }

    /// ln q(θ_z | x); −∞ where the density is not finite.
    pub(crate) fn log_prob(&self, z: &[f64], s: &mut Scratch) -> f64 {
        match self {
            Self::Mixture(m) => m.log_prob(z),
            Self::Flow(f) => f.log_prob(z, s),
        }
    }

    /// ln q(θ_z | x) of each row of `z` (n × d, overwritten) into `out` (n).
    pub(crate) fn log_prob_rows(&self, z: &mut [f64], out: &mut [f64], s: &mut Scratch) {
        match self {
            Self::Mixture(m) => {
                for (lp, row) in out.iter_mut().zip(z.chunks_exact(m.d)) {
                    *lp = m.log_prob(row);
                }
            }
            Self::Flow(f) => f.log_prob_rows(z, out, s),
        }
    }

    /// Draws into every row of `out` (n × d): the same stream as one draw at a time.
    pub(crate) fn sample_rows<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        out: &mut [f64],
        s: &mut Scratch,
    ) {
        match self {
            Self::Mixture(m) => {
                for row in out.chunks_exact_mut(m.d) {
                    self.sample_into(rng, row, s);
                }
            }
            Self::Flow(f) => f.sample_rows(rng, out, s),
        }
    }

    /// One draw into `out`.
    pub(crate) fn sample_into<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        out: &mut [f64],
        s: &mut Scratch,
    ) {
        match self {
            Self::Mixture(m) => {
                let mut z = std::mem::take(&mut s.z);
                z.resize(m.d, 0.0);
                m.sample_into(rng, &mut z, out);
                s.z = z;
            }
            Self::Flow(f) => f.sample_into(rng, out, s),
        }
    }
}
