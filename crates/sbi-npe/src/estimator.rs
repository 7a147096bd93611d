//! The density estimators that train a [`DirectPosterior`]: one generic [`Estimator`] over
//! the network architecture — [`MdnEstimator`] (mixture-density network) and
//! [`FlowEstimator`] (NSF or MAF) — and [`NeuralEstimator`], any of them chosen by name at
//! run time.

use sbi_core::{DensityEstimator, Fitted, Progress, TrainingData};

use crate::architecture::Architecture;
use crate::error::{Error, Result};
use crate::flow::{FlowConfig, FlowKind};
use crate::mdn::MdnConfig;
use crate::posterior::DirectPosterior;
use crate::posterior::trained_on::TrainedOn;
use crate::train::{TrainConfig, Warm, train};

/// Trains a network of architecture `A` — a mixture-density network ([`MdnConfig`]) or a
/// normalising flow ([`FlowConfig`]) — as q(θ | x) on simulated pairs
/// ([`DensityEstimator::fit`]) and returns the posterior, restricted to the prior's support,
/// with its training report. Use it as [`MdnEstimator`] or [`FlowEstimator`].
///
/// ```no_run
/// use sbi_core::{Bounds, DensityEstimator, RowMatrix, TrainingData};
/// use sbi_npe::{FlowEstimator, MdnConfig, MdnEstimator, TrainConfig};
/// # let (theta, x) = (RowMatrix::zeros(10, 2)?, RowMatrix::zeros(10, 2)?);
/// let support = Bounds { low: vec![-3.0; 2], high: vec![3.0; 2] };
/// let data = TrainingData::new(theta, x, support)?;
/// let mdn = MdnEstimator::new()
///     .with_mdn(MdnConfig::new().with_num_components(5))
///     .with_train(TrainConfig::new().with_max_epochs(200));
/// let fitted = mdn.fit(&data, 1, &mut ())?;
/// println!("stopped after {} epochs: {:?}", fitted.report.unwrap().epochs, "…");
/// let nsf = FlowEstimator::nsf().fit(&data, 1, &mut ())?.posterior;
/// assert_eq!(nsf.estimator_name(), "nsf");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Estimator<A> {
    /// The network architecture.
    pub architecture: A,
    /// Training settings.
    pub train: TrainConfig,
}

/// The mixture-density network estimator (sbi's `mdn`; the notebook's).
pub type MdnEstimator = Estimator<MdnConfig>;
/// The normalising-flow estimator (sbi's `nsf` and `maf`).
pub type FlowEstimator = Estimator<FlowConfig>;

impl<A> Estimator<A> {
    /// An estimator of architecture `architecture` with the default training.
    pub fn with_architecture(architecture: A) -> Self {
        Self {
            architecture,
            train: TrainConfig::new(),
        }
    }

    /// Sets the training settings.
    pub fn with_train(mut self, train: TrainConfig) -> Self {
        self.train = train;
        self
    }

    /// The training settings, to change one in place.
    pub fn train_mut(&mut self) -> &mut TrainConfig {
        &mut self.train
    }
}

impl Default for MdnEstimator {
    fn default() -> Self {
        Self::new()
    }
}

impl MdnEstimator {
    /// sbi's default architecture and training.
    pub fn new() -> Self {
        Self::with_architecture(MdnConfig::new())
    }

    /// Sets the architecture.
    pub fn with_mdn(mut self, mdn: MdnConfig) -> Self {
        self.architecture = mdn;
        self
    }
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
        Self::with_architecture(flow)
    }
}

/// The fit of `fit` and `fit_from`: from `warm` when given, else from scratch.
fn fit_with<A: Architecture>(
    est: &Estimator<A>,
    data: &TrainingData,
    seed: u64,
    progress: &mut dyn Progress,
    warm: Option<Warm<'_, A::Weights>>,
) -> Result<Fitted<DirectPosterior>> {
    let t = train(data, &est.architecture, &est.train, seed, progress, warm)?;
    let posterior = DirectPosterior {
        net: est.architecture.clone().into_net(t.weights),
        train: est.train.clone(),
        seed,
        theta_z: t.theta_z,
        x_z: t.x_z,
        support: data.support().clone(),
        report: Some(t.report.clone()),
        trained_on: TrainedOn::default(),
    };
    Ok(Fitted {
        posterior,
        report: Some(t.report),
    })
}

impl<A: Architecture> DensityEstimator for Estimator<A> {
    type Posterior = DirectPosterior;
    type Error = Error;

    /// Trains with seed `seed` (initialisation, validation split and minibatch order: same
    /// seed, same network), reporting every epoch to `progress`. Rows with non-finite x are
    /// dropped and counted in the report.
    ///
    /// # Errors
    /// Invalid configuration, fewer than two rows with finite x ([`Error::Empty`]), a
    /// training that never gave a finite validation loss ([`Error::Diverged`]).
    fn fit(
        &self,
        data: &TrainingData,
        seed: u64,
        progress: &mut dyn Progress,
    ) -> Result<Fitted<DirectPosterior>> {
        fit_with(self, data, seed, progress, None)
    }

    /// Continues from `previous`'s weights, with its standardisation of θ and x (as sbi's
    /// sequential rounds do: the z-scoring of round 0 is kept).
    ///
    /// # Errors
    /// [`Error::WarmStart`] when `previous` is not a network of this architecture and
    /// dimensions; otherwise as `fit`.
    fn fit_from(
        &self,
        previous: &DirectPosterior,
        data: &TrainingData,
        seed: u64,
        progress: &mut dyn Progress,
    ) -> Result<Fitted<DirectPosterior>> {
        let Some(weights) = self.architecture.weights_of(&previous.net) else {
            return Err(Error::WarmStart(format!(
                "the previous posterior is a {} network; a warm start of this estimator needs \
                 a {} of this configuration",
                previous.estimator_name(),
                self.architecture.name()
            )));
        };
        if previous.theta_dim() != data.theta_dim() || previous.x_dim() != data.x_dim() {
            return Err(Error::WarmStart(format!(
                "the previous posterior is for {} parameters and {} features; the data have {} \
                 and {}",
                previous.theta_dim(),
                previous.x_dim(),
                data.theta_dim(),
                data.x_dim()
            )));
        }
        let warm = Warm {
            weights,
            theta_z: &previous.theta_z,
            x_z: &previous.x_z,
        };
        fit_with(self, data, seed, progress, Some(warm))
    }
}

/// A density estimator chosen at run time: `"mdn"`, `"nsf"` or `"maf"`
/// ([`NeuralEstimator::from_name`]), each with sbi's defaults.
///
/// Which to choose (docs/npe.md has the measurements): the **MDN** (default; the notebook's)
/// trains fastest and is exact for posteriors that are mixtures of a few Gaussians; the
/// **NSF** fits curved, bounded or multimodal posteriors best (the SBI benchmark's
/// two moons, crescents) at a few times the training cost; the **MAF** is sbi's classic flow,
/// between the two.
///
/// ```
/// use sbi_npe::{NeuralEstimator, TrainConfig};
/// let mut est = NeuralEstimator::from_name("nsf")?;
/// est.train_mut().max_epochs = 50;
/// assert_eq!((est.name(), est.train_config().max_epochs), ("nsf", 50));
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
            Self::Mdn(m) => m.architecture.name(),
            Self::Flow(f) => f.architecture.name(),
        }
    }

    /// Sets the training settings.
    pub fn with_train(mut self, train: TrainConfig) -> Self {
        *self.train_mut() = train;
        self
    }

    /// The training settings.
    pub fn train_config(&self) -> &TrainConfig {
        match self {
            Self::Mdn(m) => &m.train,
            Self::Flow(f) => &f.train,
        }
    }

    /// The training settings, to change one in place.
    pub fn train_mut(&mut self) -> &mut TrainConfig {
        match self {
            Self::Mdn(m) => &mut m.train,
            Self::Flow(f) => &mut f.train,
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
        data: &TrainingData,
        seed: u64,
        progress: &mut dyn Progress,
    ) -> Result<Fitted<DirectPosterior>> {
        match self {
            Self::Mdn(m) => m.fit(data, seed, progress),
            Self::Flow(f) => f.fit(data, seed, progress),
        }
    }

    fn fit_from(
        &self,
        previous: &DirectPosterior,
        data: &TrainingData,
        seed: u64,
        progress: &mut dyn Progress,
    ) -> Result<Fitted<DirectPosterior>> {
        match self {
            Self::Mdn(m) => m.fit_from(previous, data, seed, progress),
            Self::Flow(f) => f.fit_from(previous, data, seed, progress),
        }
    }
}
