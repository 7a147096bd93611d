//! [`ModelSimulator`]: any [`Model`] under a [`Protocol`] as an [`sbi_core::Simulator`] whose
//! θ sets named parameters; [`HhSimulator`], the classic squid axon's.

use sbi_core::{check_dim, check_finite};

use crate::channels::Channels;
use crate::error::{Error, Result};
use crate::model::{Classic, Configured, MAX_GATES, Model};
use crate::options::{Kernel, Precision};
use crate::params::HhParams;
use crate::protocol::{InitialState, Protocol, Stimulus};
use crate::scheme::{Scheme, State};

/// What a θ component sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// A model parameter, by position.
    Model(usize),
    /// The amplitude of every stimulus pulse.
    StimAmplitude,
    /// A factor on the whole stimulus.
    StimScale,
    /// The noise strength.
    NoiseSigma,
}

/// One θ component: its name as given, what it sets, and whether it is the negated value
/// (a name written `-v_t` takes −V_T, as Gonçalves et al. parametrise V_T and E_leak).
#[derive(Debug, Clone, PartialEq)]
struct Component {
    name: String,
    target: Target,
    negated: bool,
}

/// A model under a protocol as a [`sbi_core::Simulator`]: θ components set model parameters by name
/// ([`Model::parameter_names`]) or run settings — `stim_amplitude` (every pulse's amplitude,
/// µA/cm² or µA with an area), `stim_scale` (a factor on the whole stimulus: with a recorded
/// current and a fixed area, the unknown part of the density), `noise_sigma` (always a
/// density, µA/cm²·√ms, with an area too — the unit `infer_recording --noise` takes; the
/// protocol's own noise is in the model's current unit, µA·√ms with an area) — and a name
/// written `-name`
/// takes the negated value. Everything θ does not set keeps the model's default.
///
/// ```
/// use hh_model::{Model, ModelSimulator, Protocol, Scheme};
/// use rand::SeedableRng;
/// use sbi_core::{SeedRng, Simulator};
///
/// // Gonçalves et al.'s benchmark: θ = (g_Na, g_K) of the Pospischil model.
/// let sim = ModelSimulator::for_model(Model::pospischil(), Protocol::goncalves(),
///     Scheme::ExpStaggered, &["g_na", "g_k"])?;
/// let trace = sim.simulate(&[50.0, 5.0], &mut SeedRng::seed_from_u64(0))?;
/// assert_eq!(trace.len(), 12_001);
/// assert_eq!(trace.values()[0], -70.0); // V0, then one sample per step
/// assert!(trace.values().iter().any(|v| *v > 0.0)); // it spikes
/// assert!(ModelSimulator::for_model(Model::pospischil(), Protocol::goncalves(),
///     Scheme::ExpStaggered, &["g_nA"]).is_err());
/// # Ok::<(), hh_model::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSimulator<C> {
    model: Model<C>,
    protocol: Protocol,
    scheme: Scheme,
    theta: Vec<Component>,
    precision: Precision,
    kernel: Kernel,
}

/// The classic squid-axon model as a simulator (the notebook's).
pub type HhSimulator = ModelSimulator<Classic>;

/// One run's settings, from one θ.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Run {
    /// The membrane and channels.
    pub model: Configured,
    /// The initial state.
    pub initial: State<f64>,
    /// The factor on the protocol's stimulus.
    pub stim_factor: f64,
    /// The noise strength, in the model's units.
    pub noise_sigma: f64,
}

impl<C: Channels> ModelSimulator<C> {
    /// `model` under `protocol`, integrated by `scheme`, θ setting `theta_names` in order.
    ///
    /// # Errors
    /// An invalid protocol; an unknown name ([`Error::UnknownParameter`], listing the
    /// model's), a name given twice, `stim_amplitude` without a pulse stimulus; an explicit
    /// initial state for a model other than the classic one.
    pub fn for_model(
        model: Model<C>,
        protocol: Protocol,
        scheme: Scheme,
        theta_names: &[&str],
    ) -> Result<Self> {
        protocol.validate()?;
        if let InitialState::Given(_) = protocol.initial
            && model.name() != "classic"
        {
            return Err(Error::UnsupportedParameter {
                name: "initial",
                reason: "an explicit initial state is the classic model's (v, m, h, n); other \
                         models start at v0 with their gates at steady state",
            });
        }
        let mut theta: Vec<Component> = Vec::with_capacity(theta_names.len());
        for &given in theta_names {
            let (negated, name) = match given.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, given),
            };
            let target = match name {
                "stim_amplitude" => Target::StimAmplitude,
                "stim_scale" => Target::StimScale,
                "noise_sigma" => Target::NoiseSigma,
                _ => Target::Model(model.index_of(name).map_err(|e| match e {
                    Error::UnknownParameter { known, .. } => Error::UnknownParameter {
                        name: given.to_owned(),
                        known: format!("{known}, stim_amplitude, stim_scale, noise_sigma"),
                    },
                    other => other,
                })?),
            };
            if theta.iter().any(|c| c.target == target) {
                return Err(Error::UnsupportedParameter {
                    name: "θ",
                    reason: "a parameter is named twice in θ",
                });
            }
            if target == Target::StimAmplitude
                && !matches!(&protocol.stimulus, Stimulus::Pulses(ps) if !ps.is_empty())
            {
                return Err(Error::UnsupportedParameter {
                    name: "stim_amplitude",
                    reason: "needs a protocol with at least one stimulus pulse",
                });
            }
            theta.push(Component {
                name: given.to_owned(),
                target,
                negated,
            });
        }
        Ok(Self {
            model,
            protocol,
            scheme,
            theta,
            precision: Precision::F64,
            kernel: Kernel::Simd,
        })
    }

    /// Uses another integration scheme.
    pub fn with_scheme(mut self, scheme: Scheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// Runs batches in `precision` ([`Precision::F64`] by default; see [`crate::Precision`]).
    /// Single runs ([`sbi_core::Simulator::simulate`]) are always f64.
    pub fn with_precision(mut self, precision: Precision) -> Self {
        self.precision = precision;
        self
    }

    /// Runs batches on `kernel` ([`Kernel::Simd`] by default).
    pub fn with_kernel(mut self, kernel: Kernel) -> Self {
        self.kernel = kernel;
        self
    }

    /// Sets the protocol's noise strength (µA/cm²·√ms, µA·√ms with an area), unless θ sets
    /// it.
    ///
    /// # Errors
    /// A negative or non-finite `sigma`.
    pub fn with_noise_sigma(mut self, sigma: f64) -> Result<Self> {
        self.protocol.noise_sigma = sigma;
        self.protocol.validate()?;
        Ok(self)
    }

    /// The batch precision.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The batch kernel.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// The model.
    pub fn model(&self) -> &Model<C> {
        &self.model
    }

    /// The protocol.
    pub fn protocol(&self) -> &Protocol {
        &self.protocol
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The θ component names, in order, as given (`-v_t` for a negated one).
    pub fn theta_names(&self) -> Vec<&str> {
        self.theta.iter().map(|c| c.name.as_str()).collect()
    }

    /// Whether θ sets the pulses' amplitude.
    pub(crate) fn sets_amplitude(&self) -> bool {
        self.theta.iter().any(|c| c.target == Target::StimAmplitude)
    }

    /// One θ's run settings, validated.
    pub(crate) fn configure(&self, theta: &[f64]) -> Result<Run> {
        check_dim(self.theta.len(), theta.len())?;
        check_finite(theta)?;
        let mut values = self.model.defaults().to_vec();
        let (mut amplitude, mut scale, mut sigma) = (None, None, None);
        for (c, &raw) in self.theta.iter().zip(theta) {
            let value = if c.negated { -raw } else { raw };
            match c.target {
                Target::Model(i) => values[i] = value,
                Target::StimAmplitude => amplitude = Some(value),
                Target::StimScale => scale = Some(value),
                Target::NoiseSigma => {
                    if value < 0.0 {
                        return Err(Error::InvalidValue {
                            name: c.name.clone(),
                            value: raw,
                            rule: "noise_sigma must be non-negative",
                        });
                    }
                    // A density; the run's noise is in the model's current unit.
                    sigma = Some(value / self.model.current_to_density());
                }
            }
        }
        let model = self.model.configure(&values)?;
        let mut initial = [0.0; 1 + MAX_GATES];
        match self.protocol.initial {
            InitialState::Rest => {
                initial[0] = model.v0;
                let gates = self.model.steady_gates(model.v0, &model.channel);
                initial[1..].copy_from_slice(&gates);
            }
            // The classic model's gates are (n, m, h) in channel order.
            InitialState::Given(s) => initial[..4].copy_from_slice(&[s.v, s.n, s.m, s.h]),
        }
        Ok(Run {
            model,
            initial,
            stim_factor: amplitude.unwrap_or(1.0) * scale.unwrap_or(1.0),
            noise_sigma: sigma.unwrap_or(self.protocol.noise_sigma),
        })
    }
}

impl HhSimulator {
    /// The classic model with parameters `params` under `protocol`, θ setting
    /// `theta_names` in order (any of the classic model's names — `c_m`, `v0`, `v_rest`,
    /// `g_k`, `e_k`, `phi`, `g_na`, `e_na`, `g_l`, `e_l` — or `stim_amplitude`, `stim_scale`,
    /// `noise_sigma`).
    ///
    /// ```
    /// use hh_model::{HhParams, HhSimulator, Protocol, Scheme};
    /// use sbi_core::{RowMatrix, Simulator};
    ///
    /// let sim = HhSimulator::new(HhParams::default(), Protocol::notebook(5.0),
    ///     Scheme::PyhhEuler, &["v_rest", "stim_amplitude"])?;
    /// let traces = sim.simulate_batch(&RowMatrix::from_rows(&[[50.0, 5.0], [40.0, 3.0]])?, 0)?;
    /// assert_eq!(traces[0].len(), 20_000);
    /// assert!((traces[0].values()[0] - 50.0).abs() < 1e-3); // at rest, v = v_rest
    /// assert!(HhSimulator::new(Default::default(), Protocol::notebook(5.0),
    ///     Default::default(), &["v_rest", "bogus"]).is_err());
    /// # Ok::<(), hh_model::Error>(())
    /// ```
    ///
    /// # Errors
    /// Invalid base parameters; as [`ModelSimulator::for_model`].
    pub fn new(
        params: HhParams,
        protocol: Protocol,
        scheme: Scheme,
        theta_names: &[&str],
    ) -> Result<Self> {
        Self::for_model(params.model()?, protocol, scheme, theta_names)
    }

    /// The original notebook's simulator: classic HH, [`Protocol::notebook`], pyHH-order
    /// Euler, θ = (`v_rest` mV, `stim_amplitude` µA/cm²).
    pub fn notebook() -> Self {
        Self::new(
            HhParams::default(),
            Protocol::notebook(5.0),
            Scheme::PyhhEuler,
            &["v_rest", "stim_amplitude"],
        )
        .unwrap_or_else(|e| unreachable!("the notebook's simulator is valid: {e}"))
    }
}
