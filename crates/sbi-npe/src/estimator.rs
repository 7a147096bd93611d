//! The density estimators that train a [`DirectPosterior`]: [`MdnEstimator`] (mixture-density
//! network), [`FlowEstimator`] (NSF or MAF), and [`NeuralEstimator`], either one chosen by
//! name at run time.

use sbi_core::{Bounds, DensityEstimator, Progress, RowMatrix};

use crate::architecture::Architecture;
use crate::config::{FlowConfig, FlowKind, MdnConfig, TrainConfig};
use crate::density::Net;
use crate::error::{Error, Result};
use crate::persist::check_support;
use crate::posterior::{DirectPosterior, TrainedOn};
use crate::train::{Warm, train};

/// Trains a mixture-density network q(θ | x) on simulated pairs
/// ([`DensityEstimator::fit`]) and returns the posterior, restricted to the prior's support.
///
/// ```no_run
/// use sbi_core::{Bounds, DensityEstimator, RowMatrix};
/// use sbi_npe::{MdnConfig, MdnEstimator, TerminalProgress, TrainConfig};
/// # let (theta, x) = (RowMatrix::zeros(10, 2)?, RowMatrix::zeros(10, 2)?);
/// let est = MdnEstimator::new()
///     .with_mdn(MdnConfig::new().with_num_components(5))
///     .with_train(TrainConfig::new().with_max_epochs(200));
/// let support = Bounds { low: vec![-3.0; 2], high: vec![3.0; 2] };
/// let mut progress = TerminalProgress::new("training");
/// let posterior = est.fit(&theta, &x, &support, 1, &mut progress)?;
/// # Ok::<(), sbi_npe::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MdnEstimator {
    /// Network architecture.
    pub mdn: MdnConfig,
    /// Training settings.
    pub train: TrainConfig,
}

impl Default for MdnConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl MdnEstimator {
    /// Default architecture and training (sbi's).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the architecture.
    pub fn with_mdn(mut self, mdn: MdnConfig) -> Self {
        self.mdn = mdn;
        self
    }

    /// Sets the training settings.
    pub fn with_train(mut self, train: TrainConfig) -> Self {
        self.train = train;
        self
    }
}

impl MdnEstimator {
    /// The fit of `fit` and `fit_from`: from `warm` when given, else from scratch.
    fn fit_with(
        &self,
        theta: &RowMatrix,
        x: &RowMatrix,
        support: &Bounds,
        seed: u64,
        progress: &mut dyn Progress,
        warm: Option<Warm<'_, crate::mlp::Weights>>,
    ) -> Result<DirectPosterior> {
        fit(
            &self.mdn,
            &self.train,
            theta,
            x,
            support,
            seed,
            progress,
            warm,
            |config, weights| Net::Mdn { config, weights },
        )
    }
}

impl DensityEstimator for MdnEstimator {
    type Posterior = DirectPosterior;
    type Error = Error;

    /// Trains with seed `seed` (initialisation, validation split and minibatch order: same
    /// seed, same network), reporting every epoch to `progress`. Rows with non-finite x are
    /// dropped and counted in the report.
    ///
    /// # Errors
    /// Invalid configuration, row-count mismatch, non-finite θ, fewer than two rows with
    /// finite x ([`Error::Empty`]), a support of the wrong dimension, inverted, or not
    /// containing every θ row ([`Error::InvalidSupport`]), a training that never gave a finite
    /// validation loss ([`Error::Diverged`]).
    fn fit(
        &self,
        theta: &RowMatrix,
        x: &RowMatrix,
        support: &Bounds,
        seed: u64,
        progress: &mut dyn Progress,
    ) -> Result<DirectPosterior> {
        self.fit_with(theta, x, support, seed, progress, None)
    }

    /// Continues from `previous`'s weights, with its standardisation of θ and x (as sbi's
    /// sequential rounds do: the z-scoring of round 0 is kept).
    ///
    /// # Errors
    /// [`Error::WarmStart`] when `previous` is not an MDN of this configuration and
    /// dimensions; otherwise as `fit`.
    fn fit_from(
        &self,
        previous: &DirectPosterior,
        theta: &RowMatrix,
        x: &RowMatrix,
        support: &Bounds,
        seed: u64,
        progress: &mut dyn Progress,
    ) -> Result<DirectPosterior> {
        let weights = match &previous.net {
            Net::Mdn { config, weights } if *config == self.mdn => weights,
            _ => return Err(warm_mismatch(previous, "an mdn of this configuration")),
        };
        let warm = warm_of(previous, weights, theta, x)?;
        self.fit_with(theta, x, support, seed, progress, Some(warm))
    }
}

/// Trains a conditional normalising flow q(θ | x) — a neural spline flow or a masked
/// autoregressive flow ([`FlowConfig`]) — on simulated pairs, with the same training loop,
/// defaults and guarantees as [`MdnEstimator`], and returns the posterior, restricted to the
/// prior's support.
///
/// ```no_run
/// use sbi_core::{Bounds, DensityEstimator, RowMatrix};
/// use sbi_npe::{FlowEstimator, TrainConfig};
/// # let (theta, x) = (RowMatrix::zeros(10, 2)?, RowMatrix::zeros(10, 2)?);
/// let est = FlowEstimator::nsf().with_train(TrainConfig::new().with_max_epochs(200));
/// let support = Bounds { low: vec![-3.0; 2], high: vec![3.0; 2] };
/// let posterior = est.fit(&theta, &x, &support, 1, &mut ())?;
/// assert_eq!(posterior.estimator_name(), "nsf");
/// # Ok::<(), sbi_npe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FlowEstimator {
    /// Flow architecture.
    pub flow: FlowConfig,
    /// Training settings.
    pub train: TrainConfig,
}

impl FlowEstimator {
    /// sbi's neural spline flow ([`FlowConfig::nsf`]) with the default training.
    pub fn nsf() -> Self {
        Self::new(FlowConfig::nsf())
    }

    /// sbi's masked autoregressive flow ([`FlowConfig::maf`]) with the default training.
    pub fn maf() -> Self {
        Self::new(FlowConfig::maf())
    }

    /// A flow of architecture `flow` with the default training.
    pub fn new(flow: FlowConfig) -> Self {
        Self {
            flow,
            train: TrainConfig::new(),
        }
    }

    /// Sets the training settings.
    pub fn with_train(mut self, train: TrainConfig) -> Self {
        self.train = train;
        self
    }
}

impl FlowEstimator {
    /// The fit of `fit` and `fit_from`: from `warm` when given, else from scratch.
    fn fit_with(
        &self,
        theta: &RowMatrix,
        x: &RowMatrix,
        support: &Bounds,
        seed: u64,
        progress: &mut dyn Progress,
        warm: Option<Warm<'_, crate::flow::FlowWeights>>,
    ) -> Result<DirectPosterior> {
        fit(
            &self.flow,
            &self.train,
            theta,
            x,
            support,
            seed,
            progress,
            warm,
            |config, weights| Net::Flow { config, weights },
        )
    }
}

impl DensityEstimator for FlowEstimator {
    type Posterior = DirectPosterior;
    type Error = Error;

    /// As [`MdnEstimator`]'s `fit`: seeded, progress per epoch, rows with non-finite x
    /// dropped.
    ///
    /// # Errors
    /// As [`MdnEstimator`]'s `fit`.
    fn fit(
        &self,
        theta: &RowMatrix,
        x: &RowMatrix,
        support: &Bounds,
        seed: u64,
        progress: &mut dyn Progress,
    ) -> Result<DirectPosterior> {
        self.fit_with(theta, x, support, seed, progress, None)
    }

    /// Continues from `previous`'s weights and standardisation, as the MDN's `fit_from`.
    ///
    /// # Errors
    /// [`Error::WarmStart`] when `previous` is not a flow of this configuration and
    /// dimensions; otherwise as `fit`.
    fn fit_from(
        &self,
        previous: &DirectPosterior,
        theta: &RowMatrix,
        x: &RowMatrix,
        support: &Bounds,
        seed: u64,
        progress: &mut dyn Progress,
    ) -> Result<DirectPosterior> {
        let weights = match &previous.net {
            Net::Flow { config, weights } if *config == self.flow => weights,
            _ => return Err(warm_mismatch(previous, "a flow of this configuration")),
        };
        let warm = warm_of(previous, weights, theta, x)?;
        self.fit_with(theta, x, support, seed, progress, Some(warm))
    }
}

/// A density estimator chosen at run time: `"mdn"`, `"nsf"` or `"maf"`
/// ([`NeuralEstimator::from_name`]), each with sbi's defaults.
///
/// ```
/// use sbi_npe::{NeuralEstimator, TrainConfig};
/// let est = NeuralEstimator::from_name("nsf")?.with_train(TrainConfig::new().with_max_epochs(50));
/// assert_eq!(est.name(), "nsf");
/// assert!(NeuralEstimator::from_name("gan").is_err());
/// # Ok::<(), sbi_npe::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum NeuralEstimator {
    /// A mixture-density network.
    Mdn(MdnEstimator),
    /// A normalising flow.
    Flow(FlowEstimator),
}

impl NeuralEstimator {
    /// The names [`NeuralEstimator::from_name`] takes.
    pub const NAMES: [&'static str; 3] = ["mdn", "nsf", "maf"];

    /// The estimator named `name` (`mdn`, `nsf` or `maf`) with sbi's defaults.
    ///
    /// # Errors
    /// [`Error::UnknownEstimator`] for any other name.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "mdn" => Ok(Self::Mdn(MdnEstimator::new())),
            "nsf" => Ok(Self::Flow(FlowEstimator::nsf())),
            "maf" => Ok(Self::Flow(FlowEstimator::maf())),
            _ => Err(Error::UnknownEstimator(name.to_owned())),
        }
    }

    /// `"mdn"`, `"nsf"` or `"maf"`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Mdn(_) => "mdn",
            Self::Flow(f) => f.flow.kind.name(),
        }
    }

    /// Sets the training settings.
    pub fn with_train(self, train: TrainConfig) -> Self {
        match self {
            Self::Mdn(m) => Self::Mdn(m.with_train(train)),
            Self::Flow(f) => Self::Flow(f.with_train(train)),
        }
    }

    /// The training settings.
    pub fn train_config(&self) -> &TrainConfig {
        match self {
            Self::Mdn(m) => &m.train,
            Self::Flow(f) => &f.train,
        }
    }
}

/// The mixture-density network with sbi's defaults (the notebook's estimator).
impl Default for NeuralEstimator {
    fn default() -> Self {
        Self::Mdn(MdnEstimator::new())
    }
}

impl std::str::FromStr for NeuralEstimator {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::from_name(s)
    }
}

impl From<FlowKind> for NeuralEstimator {
    fn from(kind: FlowKind) -> Self {
        Self::Flow(FlowEstimator::new(FlowConfig::new(kind)))
    }
}

impl From<MdnEstimator> for NeuralEstimator {
    fn from(e: MdnEstimator) -> Self {
        Self::Mdn(e)
    }
}

impl From<FlowEstimator> for NeuralEstimator {
    fn from(e: FlowEstimator) -> Self {
        Self::Flow(e)
    }
}

impl DensityEstimator for NeuralEstimator {
    type Posterior = DirectPosterior;
    type Error = Error;

    fn fit(
        &self,
        theta: &RowMatrix,
        x: &RowMatrix,
        support: &Bounds,
        seed: u64,
        progress: &mut dyn Progress,
    ) -> Result<DirectPosterior> {
        match self {
            Self::Mdn(m) => m.fit(theta, x, support, seed, progress),
            Self::Flow(f) => f.fit(theta, x, support, seed, progress),
        }
    }

    fn fit_from(
        &self,
        previous: &DirectPosterior,
        theta: &RowMatrix,
        x: &RowMatrix,
        support: &Bounds,
        seed: u64,
        progress: &mut dyn Progress,
    ) -> Result<DirectPosterior> {
        match self {
            Self::Mdn(m) => m.fit_from(previous, theta, x, support, seed, progress),
            Self::Flow(f) => f.fit_from(previous, theta, x, support, seed, progress),
        }
    }
}

fn warm_mismatch(previous: &DirectPosterior, needed: &str) -> Error {
    Error::WarmStart(format!(
        "the previous posterior is a {} network; a warm start of this estimator needs {needed}",
        previous.estimator_name()
    ))
}

/// The warm start from `previous`, whose dimensions must be the data's.
fn warm_of<'a, W>(
    previous: &'a DirectPosterior,
    weights: &'a W,
    theta: &RowMatrix,
    x: &RowMatrix,
) -> Result<Warm<'a, W>> {
    if previous.theta_dim() != theta.ncols() || previous.x_dim() != x.ncols() {
        return Err(Error::WarmStart(format!(
            "the previous posterior is for {} parameters and {} features; the data have {} and {}",
            previous.theta_dim(),
            previous.x_dim(),
            theta.ncols(),
            x.ncols()
        )));
    }
    Ok(Warm {
        weights,
        theta_z: &previous.theta_z,
        x_z: &previous.x_z,
    })
}

/// The fit every estimator shares: the support checks, training, and the posterior.
#[allow(clippy::too_many_arguments)]
fn fit<A: Architecture + Clone>(
    arch: &A,
    tc: &TrainConfig,
    theta: &RowMatrix,
    x: &RowMatrix,
    support: &Bounds,
    seed: u64,
    progress: &mut dyn Progress,
    warm: Option<Warm<'_, A::Weights>>,
    net: impl FnOnce(A, A::Weights) -> Net,
) -> Result<DirectPosterior> {
    sbi_core::check_dim(theta.ncols(), support.low.len())?;
    sbi_core::check_dim(theta.ncols(), support.high.len())?;
    check_support(support).map_err(Error::InvalidSupport)?;
    // θ drawn from the prior lie in its support; θ outside mean another prior's support
    // was given, and every posterior sample would be rejected.
    if let Some(row) = theta.rows().position(|t| !support.contains(t)) {
        return Err(Error::InvalidSupport(format!(
            "training θ row {row} = {:?} lies outside the support [{:?}, {:?}]: the \
             support must be the bounds of the prior θ was drawn from",
            theta.row(row),
            support.low,
            support.high
        )));
    }
    let t = train(theta, x, arch, tc, seed, progress, warm)?;
    Ok(DirectPosterior {
        net: net(arch.clone(), t.weights),
        train: tc.clone(),
        seed,
        theta_z: t.theta_z,
        x_z: t.x_z,
        support: support.clone(),
        report: Some(t.report),
        trained_on: TrainedOn::default(),
    })
}
