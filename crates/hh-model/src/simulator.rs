//! [`HhSimulator`]: the HH model as an [`sbi_core::Simulator`] over named parameters.

use rand::Rng;
use sbi_core::{
    BatchResults, RowMatrix, Simulator, SummarizedResults, SummaryStatistics, Trace, check_dim,
    check_finite,
};

use crate::batch::{self, Kernel, Precision};

use crate::error::{Error, Result};
use crate::params::HhParams;
use crate::protocol::{Protocol, Stimulus};
use crate::simulate::{Overrides, run};
use crate::stepper::Scheme;

/// A model quantity a θ component can set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum Parameter {
    /// `v_rest`: absolute resting potential, mV (shifts the output trace).
    VRest,
    /// `stim_amplitude`: amplitude of every stimulus pulse, µA/cm² (µA with an area).
    StimAmplitude,
    /// `noise_sigma`: noise strength, µA/cm²·√ms.
    NoiseSigma,
    /// `g_na`, mS/cm².
    GNa,
    /// `g_k`, mS/cm².
    GK,
    /// `g_l`, mS/cm².
    GL,
    /// `e_na`, mV rest-relative.
    ENa,
    /// `e_k`, mV rest-relative.
    EK,
    /// `e_l`, mV rest-relative.
    EL,
    /// `c_m`, µF/cm².
    CM,
    /// `phi`: temperature factor of the rates.
    Phi,
    /// `stim_scale`: dimensionless factor on the whole stimulus (pulses or waveform). With a
    /// recorded current waveform and a fixed membrane area, it is the unknown part of the
    /// current density: the effective area is `area / stim_scale`.
    StimScale,
}

impl Parameter {
    /// Every parameter, in the order of [`Parameter::NAMES`].
    pub const ALL: [Parameter; 12] = [
        Parameter::VRest,
        Parameter::StimAmplitude,
        Parameter::NoiseSigma,
        Parameter::GNa,
        Parameter::GK,
        Parameter::GL,
        Parameter::ENa,
        Parameter::EK,
        Parameter::EL,
        Parameter::CM,
        Parameter::Phi,
        Parameter::StimScale,
    ];

    /// The names accepted by [`HhSimulator::new`].
    pub const NAMES: [&'static str; 12] = [
        "v_rest",
        "stim_amplitude",
        "noise_sigma",
        "g_na",
        "g_k",
        "g_l",
        "e_na",
        "e_k",
        "e_l",
        "c_m",
        "phi",
        "stim_scale",
    ];

    /// This parameter's name.
    pub fn name(self) -> &'static str {
        let i = Self::ALL.iter().position(|p| *p == self).unwrap_or(0);
        Self::NAMES[i]
    }
}

impl std::str::FromStr for Parameter {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::NAMES
            .iter()
            .position(|n| *n == s)
            .map(|i| Self::ALL[i])
            .ok_or_else(|| Error::UnknownParameter(s.to_owned()))
    }
}

/// The HH model as a [`Simulator`]: θ components are mapped, by name, onto model parameters;
/// everything else comes from the base parameters and protocol.
///
/// ```
/// use hh_model::HhSimulator;
/// use sbi_core::{RowMatrix, Simulator};
///
/// // The notebook's simulator: θ = (v_rest mV, stimulus amplitude µA/cm²).
/// let sim = HhSimulator::notebook();
/// let thetas = RowMatrix::from_rows(&[[50.0, 5.0], [40.0, 3.0]])?;
/// let traces = sim.simulate_batch(&thetas, 0)?;
/// assert_eq!(traces[0].len(), 20_000);
/// assert!((traces[0].values()[0] - 50.0).abs() < 1e-3); // at rest, v = v_rest
/// assert!(HhSimulator::new(Default::default(), hh_model::Protocol::notebook(5.0),
///     Default::default(), &["v_rest", "bogus"]).is_err());
/// # Ok::<(), hh_model::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct HhSimulator {
    params: HhParams,
    protocol: Protocol,
    scheme: Scheme,
    theta: Vec<Parameter>,
    precision: Precision,
    kernel: Kernel,
}

impl HhSimulator {
    /// A simulator whose θ sets the named parameters (see [`Parameter::NAMES`]) in order.
    ///
    /// # Errors
    /// Invalid base parameters or protocol; an unknown or repeated name; `stim_amplitude`
    /// without a pulse stimulus.
    pub fn new(
        params: HhParams,
        protocol: Protocol,
        scheme: Scheme,
        theta_names: &[&str],
    ) -> Result<Self> {
        params.validate()?;
        protocol.validate()?;
        let theta = theta_names
            .iter()
            .map(|s| s.parse())
            .collect::<Result<Vec<Parameter>>>()?;
        for (i, p) in theta.iter().enumerate() {
            if theta[..i].contains(p) {
                return Err(Error::UnsupportedParameter {
                    name: p.name(),
                    reason: "named twice in θ",
                });
            }
        }
        if theta.contains(&Parameter::StimAmplitude)
            && !matches!(&protocol.stimulus, Stimulus::Pulses(ps) if !ps.is_empty())
        {
            return Err(Error::UnsupportedParameter {
                name: "stim_amplitude",
                reason: "needs a protocol with at least one stimulus pulse",
            });
        }
        Ok(Self {
            params,
            protocol,
            scheme,
            theta,
            precision: Precision::F64,
            kernel: Kernel::Simd,
        })
    }

    /// The original notebook's simulator: classic HH, [`Protocol::notebook`], pyHH-order
    /// Euler, θ = (`v_rest` mV, `stim_amplitude` µA/cm²).
    pub fn notebook() -> Self {
        Self {
            params: HhParams::default(),
            protocol: Protocol::notebook(5.0),
            scheme: Scheme::PyhhEuler,
            theta: vec![Parameter::VRest, Parameter::StimAmplitude],
            precision: Precision::F64,
            kernel: Kernel::Simd,
        }
    }

    /// Uses another integration scheme.
    pub fn with_scheme(mut self, scheme: Scheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// Runs batches in `precision` ([`Precision::F64`] by default; see [`crate::Precision`]).
    /// Single runs ([`Simulator::simulate`]) are always f64.
    pub fn with_precision(mut self, precision: Precision) -> Self {
        self.precision = precision;
        self
    }

    /// Runs batches on `kernel` ([`Kernel::Simd`] by default).
    pub fn with_kernel(mut self, kernel: Kernel) -> Self {
        self.kernel = kernel;
        self
    }

    /// The batch precision.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The batch kernel.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// Sets the protocol's noise strength (µA/cm²·√ms), unless θ sets it.
    ///
    /// # Errors
    /// A negative or non-finite `sigma`.
    pub fn with_noise_sigma(mut self, sigma: f64) -> Result<Self> {
        self.protocol.noise_sigma = sigma;
        self.protocol.validate()?;
        Ok(self)
    }

    /// The base parameters.
    pub fn params(&self) -> &HhParams {
        &self.params
    }

    /// The protocol.
    pub fn protocol(&self) -> &Protocol {
        &self.protocol
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The θ components, in order.
    pub fn theta_parameters(&self) -> &[Parameter] {
        &self.theta
    }

    /// The θ component names, in order.
    pub fn theta_names(&self) -> Vec<&'static str> {
        self.theta.iter().map(|p| p.name()).collect()
    }

    /// The model parameters and run overrides of one θ, validated.
    pub(crate) fn configure(&self, theta: &[f64]) -> Result<(HhParams, Overrides)> {
        check_dim(self.theta.len(), theta.len())?;
        check_finite(theta)?;
        let mut p = self.params.clone();
        let mut ov = Overrides::default();
        for (&which, &value) in self.theta.iter().zip(theta) {
            match which {
                Parameter::VRest => p.v_rest = value,
                Parameter::StimAmplitude => ov.stim_amplitude = Some(value),
                Parameter::NoiseSigma => {
                    if value < 0.0 {
                        return Err(sbi_core::invalid(
                            "noise_sigma",
                            value,
                            "must be non-negative",
                        ));
                    }
                    ov.noise_sigma = Some(value);
                }
                Parameter::GNa => p.g_na = value,
                Parameter::GK => p.g_k = value,
                Parameter::GL => p.g_l = value,
                Parameter::ENa => p.e_na = value,
                Parameter::EK => p.e_k = value,
                Parameter::EL => p.e_l = value,
                Parameter::CM => p.c_m = value,
                Parameter::Phi => p.phi = value,
                Parameter::StimScale => ov.stim_scale = Some(value),
            }
        }
        p.validate()?;
        Ok((p, ov))
    }
}

impl Simulator for HhSimulator {
    type Output = Trace;
    type Error = Error;

    fn theta_dim(&self) -> usize {
        self.theta.len()
    }

    fn simulate<R: Rng + ?Sized>(&self, theta: &[f64], rng: &mut R) -> Result<Trace> {
        let (p, ov) = self.configure(theta)?;
        run(&p, &self.protocol, self.scheme, ov, rng)
    }

    /// The batch simulator ([`crate::Kernel`]): SIMD lanes, or one trace at a time with
    /// [`Kernel::Scalar`]; item *i* as [`Simulator::simulate`] with
    /// `item_rng(seed, first_index + i)`, in parallel.
    fn simulate_batch_each(
        &self,
        thetas: &RowMatrix,
        seed: u64,
        first_index: u64,
    ) -> Result<BatchResults<Trace, Error>> {
        batch::batch_each(self, thetas, seed, first_index)
    }

    /// The batch simulator, handing each trace's samples to the summary's stream as they are
    /// made when it has one ([`SummaryStatistics::stream`]; every hh-stats feature set but
    /// `ap_half_width` does), so no trace is held.
    fn simulate_summarize_each<F>(
        &self,
        thetas: &RowMatrix,
        seed: u64,
        first_index: u64,
        summary: &F,
        out: &mut [f64],
    ) -> Result<SummarizedResults<Error, F::Error>>
    where
        F: SummaryStatistics<Trace>,
    {
        batch::summarize_each(self, thetas, seed, first_index, summary, out)
    }
}
