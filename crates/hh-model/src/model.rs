//! [`Model`]: a single-compartment conductance-based model — a membrane and its channels —
//! with its parameters by name.

use crate::channel::ParameterSpec;
use crate::channels::Channels;
use crate::channels::classic::{ClassicK, ClassicNa};
use crate::channels::{Leak, pospischil};
use crate::error::{Error, Result};
use crate::real::Libm;

/// The most gates a model may have (the batch kernel's state arrays are this wide).
pub const MAX_GATES: usize = 15;
/// The most channel parameters a model may have (a name two channels share counts twice).
pub const MAX_PARAMS: usize = 32;

/// The classic squid-axon model's channels: potassium, sodium, leak (the ionic current is
/// summed in this order, as the original code did).
pub type Classic = (ClassicK, ClassicNa, Leak);
/// Pospischil et al.'s model as Gonçalves et al. (2020) simulate it: sodium, delayed-rectifier
/// potassium, M-current, leak.
pub type Pospischil = (pospischil::Na, pospischil::Kd, pospischil::M, Leak);
/// [`Pospischil`] with the L- and T-type calcium channels (off by default: `g_cal` = `g_cat` =
/// 0, as in Gonçalves et al.'s code).
pub type PospischilCalcium = (
    pospischil::Na,
    pospischil::Kd,
    pospischil::M,
    Leak,
    pospischil::CaL,
    pospischil::CaT,
);

/// How a model's potentials are measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// Absolute membrane potential, mV.
    Absolute,
    /// Relative to rest (v = 0 at rest), as Hodgkin and Huxley wrote the squid axon; the
    /// parameter `v_rest` (absolute resting potential, mV) is added to every output sample.
    RestRelative,
}

/// What a model parameter sets.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Target {
    /// The membrane capacitance.
    Capacitance,
    /// The initial potential.
    InitialPotential,
    /// The output offset of a rest-relative model.
    RestOffset,
    /// These slots of the channels' parameter vector.
    Channel(Vec<usize>),
}

/// One parameter of a model: what it is, and where it goes.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelParameter {
    /// Name, default, unit, constraint and meaning.
    pub spec: ParameterSpec,
    pub(crate) target: Target,
}

/// A single-compartment conductance-based model: a membrane of capacitance `c_m` (µF/cm²)
/// starting at potential `v0` (mV, every gate at its steady state there) and channels `C` (a
/// tuple of [`crate::Channel`]s), whose membrane equation is
/// `c_m·dV/dt = I_stim − Σ g·(V − E)` with each gate following its kinetics.
///
/// Its parameters have names — `c_m`, `v0` (and `v_rest` for a rest-relative model), then each
/// channel's, a name two channels share being one parameter — which is how a θ sets them
/// ([`crate::ModelSimulator`]). An optional membrane area (cm²) makes stimulus and noise total
/// currents (µA) divided by it.
///
/// ```
/// use hh_model::Model;
/// let m = Model::pospischil();
/// let names = m.parameter_names();
/// assert_eq!(&names[..4], ["c_m", "v0", "g_na", "e_na"]);
/// assert!(names.contains(&"tau_max") && names.contains(&"v_t"));
/// assert_eq!(m.defaults()[m.index_of("g_k")?], 5.0);
/// assert!(m.index_of("g_bogus").is_err());
/// # Ok::<(), hh_model::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Model<C> {
    name: &'static str,
    channels: C,
    frame: Frame,
    parameters: Vec<ModelParameter>,
    defaults: Vec<f64>,
    area_cm2: Option<f64>,
}

/// Names the simulator itself takes for θ (not model parameters).
pub(crate) const RUN_NAMES: [&str; 3] = ["stim_amplitude", "stim_scale", "noise_sigma"];

impl<C: Channels> Model<C> {
    /// A model named `name` of `channels`, absolute potentials, `c_m` 1 µF/cm², `v0` −65 mV.
    ///
    /// # Errors
    /// More than [`MAX_GATES`] gates or [`MAX_PARAMS`] parameters; a channel whose
    /// parameter or gate list does not have its declared length; two channels sharing a
    /// parameter name with different defaults, units or constraints; a channel parameter
    /// named like a membrane parameter (`c_m`, `v0`, `v_rest`) or a run setting
    /// (`stim_amplitude`, `stim_scale`, `noise_sigma`).
    pub fn new(name: &'static str, channels: C) -> Result<Self> {
        let bad = |reason: String| Err(Error::InvalidModel { reason });
        if C::GATES > MAX_GATES {
            return bad(format!(
                "{} gates: the batch kernel holds at most {MAX_GATES}",
                C::GATES
            ));
        }
        if C::PARAMS > MAX_PARAMS {
            return bad(format!(
                "{} channel parameters: at most {MAX_PARAMS}",
                C::PARAMS
            ));
        }
        let mut parameters = vec![
            ModelParameter {
                spec: ParameterSpec::positive("c_m", 1.0, "µF/cm²", "membrane capacitance"),
                target: Target::Capacitance,
            },
            ModelParameter {
                spec: ParameterSpec::potential(
                    "v0",
                    -65.0,
                    "initial membrane potential (every gate at its steady state there)",
                ),
                target: Target::InitialPotential,
            },
        ];
        let (mut slot, mut gates) = (0, 0);
        for info in channels.describe() {
            gates += info.gates.len();
            for spec in info.parameters {
                if ["c_m", "v0", "v_rest"].contains(&spec.name) || RUN_NAMES.contains(&spec.name) {
                    return bad(format!(
                        "channel `{}` names a parameter `{}`, which the membrane or the run \
                         uses",
                        info.name, spec.name
                    ));
                }
                match parameters.iter_mut().find(|p| p.spec.name == spec.name) {
                    Some(p) => {
                        let same = p.spec.default.to_bits() == spec.default.to_bits()
                            && p.spec.unit == spec.unit
                            && p.spec.constraint == spec.constraint;
                        match (&mut p.target, same) {
                            (Target::Channel(slots), true) => slots.push(slot),
                            _ => {
                                return bad(format!(
                                    "channel `{}` shares `{}` with another channel but with \
                                     another default, unit or constraint",
                                    info.name, spec.name
                                ));
                            }
                        }
                    }
                    None => parameters.push(ModelParameter {
                        spec,
                        target: Target::Channel(vec![slot]),
                    }),
                }
                slot += 1;
            }
        }
        if slot != C::PARAMS || gates != C::GATES {
            return bad(format!(
                "the channels list {slot} parameters and {gates} gates but declare {} and {}",
                C::PARAMS,
                C::GATES
            ));
        }
        let defaults = parameters.iter().map(|p| p.spec.default).collect();
        Ok(Self {
            name,
            channels,
            frame: Frame::Absolute,
            parameters,
            defaults,
            area_cm2: None,
        })
    }

    /// Makes the model rest-relative: potentials relative to rest, the parameter `v_rest`
    /// (absolute resting potential, mV, default 0) added to every output sample, `v0`
    /// defaulting to 0 (rest).
    pub fn rest_relative(mut self) -> Self {
        if self.frame == Frame::RestRelative {
            return self;
        }
        self.frame = Frame::RestRelative;
        self.parameters.insert(
            2,
            ModelParameter {
                spec: ParameterSpec::potential(
                    "v_rest",
                    0.0,
                    "absolute resting potential, added to every output sample",
                ),
                target: Target::RestOffset,
            },
        );
        self.defaults.insert(2, 0.0);
        self.defaults[1] = 0.0;
        self.parameters[1].spec.default = 0.0;
        self.parameters[1].spec.about = "initial potential, rest-relative (every gate at its \
                                        steady state there)";
        self
    }

    /// Sets a parameter's default value by name (what a run uses unless θ sets it).
    ///
    /// # Errors
    /// An unknown name ([`Error::UnknownParameter`]); a value outside the parameter's
    /// constraint.
    pub fn with_default(mut self, name: &str, value: f64) -> Result<Self> {
        let i = self.index_of(name)?;
        check_value(&self.parameters[i].spec, value)?;
        self.defaults[i] = value;
        Ok(self)
    }

    /// Sets the membrane area (cm²): stimulus and noise currents are then total currents in
    /// µA, divided by the area.
    ///
    /// # Errors
    /// An area that is not finite and positive.
    pub fn with_area_cm2(mut self, area: f64) -> Result<Self> {
        if !(area.is_finite() && area > 0.0) {
            return Err(sbi_core::invalid(
                "membrane_area_cm2",
                area,
                "must be positive",
            ));
        }
        self.area_cm2 = Some(area);
        Ok(self)
    }

    /// The model's name (`classic`, `pospischil`, or a user's).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The channels.
    pub fn channels(&self) -> &C {
        &self.channels
    }

    /// Absolute or rest-relative potentials.
    pub fn frame(&self) -> Frame {
        self.frame
    }

    /// The membrane area, cm², if stimulus currents are totals.
    pub fn area_cm2(&self) -> Option<f64> {
        self.area_cm2
    }

    /// Factor converting a stimulus or noise current in this model's units to µA/cm².
    pub fn current_to_density(&self) -> f64 {
        self.area_cm2.map_or(1.0, |a| 1.0 / a)
    }

    /// Every parameter, in order.
    pub fn parameters(&self) -> &[ModelParameter] {
        &self.parameters
    }

    /// Every parameter's name, in order.
    pub fn parameter_names(&self) -> Vec<&'static str> {
        self.parameters.iter().map(|p| p.spec.name).collect()
    }

    /// Every parameter's default value, in order.
    pub fn defaults(&self) -> &[f64] {
        &self.defaults
    }

    /// The position of parameter `name`.
    ///
    /// # Errors
    /// [`Error::UnknownParameter`], listing the model's names.
    pub fn index_of(&self, name: &str) -> Result<usize> {
        self.parameters
            .iter()
            .position(|p| p.spec.name == name)
            .ok_or_else(|| Error::UnknownParameter {
                name: name.to_owned(),
                known: self.parameter_names().join(", "),
            })
    }

    /// The membrane and channel values of one run, from every parameter's value (`values` in
    /// the order of [`Model::parameters`]), checked.
    ///
    /// # Errors
    /// A value outside its parameter's constraint (naming it).
    pub(crate) fn configure(&self, values: &[f64]) -> Result<Configured> {
        sbi_core::check_dim(self.parameters.len(), values.len())?;
        let mut c = Configured {
            channel: [0.0; MAX_PARAMS],
            inv_c_m: 1.0,
            v0: 0.0,
            v_rest: 0.0,
        };
        for (p, &v) in self.parameters.iter().zip(values) {
            check_value(&p.spec, v)?;
            match &p.target {
                Target::Capacitance => c.inv_c_m = 1.0 / v,
                Target::InitialPotential => c.v0 = v,
                Target::RestOffset => c.v_rest = v,
                Target::Channel(slots) => slots.iter().for_each(|&s| c.channel[s] = v),
            }
        }
        Ok(c)
    }

    /// Every gate's steady state at potential `v` with channel parameters `p` (f64, the C
    /// library's exp): the initial state of a run.
    pub(crate) fn steady_gates(&self, v: f64, p: &[f64]) -> [f64; MAX_GATES] {
        let mut kin = [crate::channel::Gate::Relax { inf: 0.0, tau: 1.0 }; MAX_GATES];
        self.channels
            .kinetics::<f64, Libm>(v, &p[..C::PARAMS], &mut kin[..C::GATES]);
        let mut x = [0.0; MAX_GATES];
        for (xi, g) in x.iter_mut().zip(&kin).take(C::GATES) {
            *xi = g.steady_state();
        }
        x
    }
}

/// Checks `value` against `spec`'s constraint.
fn check_value(spec: &ParameterSpec, value: f64) -> Result<()> {
    if spec.constraint.admits(value) {
        Ok(())
    } else {
        Err(Error::InvalidValue {
            name: spec.name.to_owned(),
            value,
            rule: spec.constraint.rule(),
        })
    }
}

/// One run's membrane and channel values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Configured {
    /// The channels' parameters, in slot order (the first `C::PARAMS`).
    pub channel: [f64; MAX_PARAMS],
    /// 1 / c_m, cm²/µF.
    pub inv_c_m: f64,
    /// The initial potential.
    pub v0: f64,
    /// The output offset (0 for an absolute model).
    pub v_rest: f64,
}

impl Model<Classic> {
    /// The classic 1952 squid-axon model (rest-relative, [`crate::channels::classic`]):
    /// parameters `c_m`, `v0`, `v_rest`, `g_k`, `e_k`, `phi`, `g_na`, `e_na`, `g_l`, `e_l`.
    pub fn classic() -> Self {
        Self::new("classic", (ClassicK, ClassicNa, Leak::classic()))
            .map(Self::rest_relative)
            .unwrap_or_else(|e| unreachable!("the classic model is valid: {e}"))
    }
}

impl Model<Pospischil> {
    /// Pospischil et al.'s model as Gonçalves et al. (2020) and the sbi tutorial simulate it
    /// ([`crate::channels::pospischil`]): absolute potentials, `c_m` 1 µF/cm², `v0` −70 mV,
    /// sodium, delayed-rectifier potassium, M-current and leak at Gonçalves et al.'s θ*.
    pub fn pospischil() -> Self {
        Self::new(
            "pospischil",
            (
                pospischil::Na,
                pospischil::Kd,
                pospischil::M,
                Leak::pospischil(),
            ),
        )
        .and_then(|m| m.with_default("v0", -70.0))
        .unwrap_or_else(|e| unreachable!("the Pospischil model is valid: {e}"))
    }
}

impl Model<PospischilCalcium> {
    /// [`Model::pospischil`] with the L- and T-type calcium channels (`g_cal`, `g_cat`
    /// default 0; `e_ca` 120 mV; `v_x` 2 mV).
    pub fn pospischil_calcium() -> Self {
        Self::new(
            "pospischil-calcium",
            (
                pospischil::Na,
                pospischil::Kd,
                pospischil::M,
                Leak::pospischil(),
                pospischil::CaL,
                pospischil::CaT,
            ),
        )
        .and_then(|m| m.with_default("v0", -70.0))
        .unwrap_or_else(|e| unreachable!("the Pospischil model is valid: {e}"))
    }
}
