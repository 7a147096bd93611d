//! Model parameters and the system of equations.

use crate::equations::{Coeffs, Vars};
use crate::error::{Result, check_param};
use crate::rates::Rates;
use crate::real::{Libm, Real};
use sbi_core::invalid;

/// Parameters of the classic Hodgkin–Huxley (1952) squid-axon model, rest-relative.
///
/// Potentials are in mV **relative to rest** (v = 0 at rest, depolarisation positive), as HH
/// wrote them and as pyHH uses them; [`HhParams::v_rest`] is the absolute resting potential
/// that is added to every output sample (absolute potential = `v_rest + v`). It is a pure
/// offset: it changes no dynamics, because the rest-relative model does not depend on it —
/// which is exactly what "resting potential" means in HH's formulation.
///
/// Units: mV, ms, µF/cm² (capacitance), mS/cm² (conductances), µA/cm² (current densities);
/// with [`HhParams::membrane_area_cm2`] set, stimulus and noise currents are total currents in
/// µA and are divided by the area.
///
/// The membrane equation is
/// `c_m·dv/dt = I_stim − g_na·m³h·(v − e_na) − g_k·n⁴·(v − e_k) − g_l·(v − e_l)`
/// and each gate x ∈ {m, h, n} follows `dx/dt = φ·(αₓ(v)·(1 − x) − βₓ(v)·x)` with the rates
/// of [`Rates`].
///
/// ```
/// let p = hh_model::HhParams::default().with_v_rest(-65.0).with_temperature_celsius(6.3);
/// assert_eq!(p.g_na, 120.0);
/// assert!((p.phi - 1.0).abs() < 1e-12);
/// assert!(p.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct HhParams {
    /// Membrane capacitance, µF/cm² (1).
    pub c_m: f64,
    /// Maximal sodium conductance, mS/cm² (120).
    pub g_na: f64,
    /// Maximal potassium conductance, mS/cm² (36).
    pub g_k: f64,
    /// Leak conductance, mS/cm² (0.3).
    pub g_l: f64,
    /// Sodium reversal potential, mV rest-relative (115).
    pub e_na: f64,
    /// Potassium reversal potential, mV rest-relative (−12).
    pub e_k: f64,
    /// Leak reversal potential, mV rest-relative (10.6).
    pub e_l: f64,
    /// Absolute resting potential, mV, added to every output sample (0: output rest-relative).
    pub v_rest: f64,
    /// Temperature factor φ multiplying every rate (1 at HH's 6.3 °C; see
    /// [`HhParams::with_temperature_celsius`]).
    pub phi: f64,
    /// Membrane area, cm². `None`: stimulus and noise are current densities (µA/cm²).
    /// `Some(a)`: they are total currents (µA), divided by `a`.
    pub membrane_area_cm2: Option<f64>,
}

impl Default for HhParams {
    fn default() -> Self {
        Self {
            c_m: 1.0,
            g_na: 120.0,
            g_k: 36.0,
            g_l: 0.3,
            e_na: 115.0,
            e_k: -12.0,
            e_l: 10.6,
            v_rest: 0.0,
            phi: 1.0,
            membrane_area_cm2: None,
        }
    }
}

impl HhParams {
    /// Sets the absolute resting potential (mV).
    pub fn with_v_rest(mut self, v_rest: f64) -> Self {
        self.v_rest = v_rest;
        self
    }

    /// Sets φ = 3^((T − 6.3)/10) for temperature `celsius` (Q10 = 3, HH's reference 6.3 °C).
    pub fn with_temperature_celsius(mut self, celsius: f64) -> Self {
        self.phi = 3f64.powf((celsius - 6.3) / 10.0);
        self
    }

    /// Sets φ directly.
    pub fn with_phi(mut self, phi: f64) -> Self {
        self.phi = phi;
        self
    }

    /// Multiplies all three maximal conductances by `scale`.
    pub fn with_conductance_scale(mut self, scale: f64) -> Self {
        self.g_na *= scale;
        self.g_k *= scale;
        self.g_l *= scale;
        self
    }

    /// Sets the membrane area (cm²): currents become total currents in µA.
    pub fn with_membrane_area_cm2(mut self, area: f64) -> Self {
        self.membrane_area_cm2 = Some(area);
        self
    }

    /// Checks every value: finite; `c_m`, `phi`, area positive; conductances non-negative.
    ///
    /// # Errors
    /// [`sbi_core::Error::InvalidParameter`] naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        check_param("c_m", self.c_m, true)?;
        check_param("phi", self.phi, true)?;
        for (name, g) in [("g_na", self.g_na), ("g_k", self.g_k), ("g_l", self.g_l)] {
            check_param(name, g, false)?;
            if g < 0.0 {
                return Err(invalid(name, g, "must be non-negative"));
            }
        }
        for (name, e) in [
            ("e_na", self.e_na),
            ("e_k", self.e_k),
            ("e_l", self.e_l),
            ("v_rest", self.v_rest),
        ] {
            check_param(name, e, false)?;
        }
        if let Some(a) = self.membrane_area_cm2 {
            check_param("membrane_area_cm2", a, true)?;
        }
        Ok(())
    }

    /// The constants as the integrators use them (1/c_m precomputed), in precision `T`.
    pub(crate) fn coeffs<T: Real>(&self) -> Coeffs<T> {
        Coeffs {
            g_na: T::c(self.g_na),
            g_k: T::c(self.g_k),
            g_l: T::c(self.g_l),
            e_na: T::c(self.e_na),
            e_k: T::c(self.e_k),
            e_l: T::c(self.e_l),
            inv_c_m: T::c(1.0 / self.c_m),
            phi: T::c(self.phi),
        }
    }

    /// Factor converting a stimulus/noise current in this model's units to µA/cm².
    pub fn current_to_density(&self) -> f64 {
        self.membrane_area_cm2.map_or(1.0, |a| 1.0 / a)
    }
}

/// The model state: rest-relative potential and the three gates.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct State {
    /// Rest-relative membrane potential, mV.
    pub v: f64,
    /// Sodium activation m.
    pub m: f64,
    /// Sodium inactivation h.
    pub h: f64,
    /// Potassium activation n.
    pub n: f64,
}

impl State {
    /// As the generic equations take it.
    #[inline(always)]
    pub(crate) fn vars(&self) -> Vars<f64> {
        Vars {
            v: self.v,
            m: self.m,
            h: self.h,
            n: self.n,
        }
    }

    #[inline(always)]
    pub(crate) fn from_vars(y: Vars<f64>) -> Self {
        Self {
            v: y.v,
            m: y.m,
            h: y.h,
            n: y.n,
        }
    }

    /// Potential `v` with every gate at its steady state at `v`.
    ///
    /// ```
    /// let s = hh_model::State::steady(0.0);
    /// assert!((s.m - 0.0529).abs() < 1e-4 && (s.h - 0.5961).abs() < 1e-4);
    /// ```
    pub fn steady(v: f64) -> Self {
        let (m, h, n) = Rates::at(v, 1.0).steady_state();
        Self { v, m, h, n }
    }

    /// Checks every field is finite and the gates lie in `[0, 1]`.
    ///
    /// # Errors
    /// [`sbi_core::Error::InvalidParameter`].
    pub fn validate(&self) -> Result<()> {
        check_param("state.v", self.v, false)?;
        for (name, x) in [
            ("state.m", self.m),
            ("state.h", self.h),
            ("state.n", self.n),
        ] {
            check_param(name, x, false)?;
            if !(0.0..=1.0).contains(&x) {
                return Err(invalid(name, x, "gate must lie in [0, 1]"));
            }
        }
        Ok(())
    }
}

/// The HH system of ODEs: pure, holds parameters only. Steppers
/// ([`crate::Stepper`]) advance a [`State`] with it.
#[derive(Debug, Clone, PartialEq)]
pub struct HodgkinHuxley {
    params: HhParams,
    coeffs: Coeffs<f64>,
}

impl HodgkinHuxley {
    /// The system with validated parameters.
    ///
    /// # Errors
    /// As [`HhParams::validate`].
    pub fn new(params: HhParams) -> Result<Self> {
        params.validate()?;
        Ok(Self {
            coeffs: params.coeffs(),
            params,
        })
    }

    /// The parameters.
    pub fn params(&self) -> &HhParams {
        &self.params
    }

    /// 1 / c_m, cm²/µF.
    #[inline(always)]
    pub fn inv_c_m(&self) -> f64 {
        self.coeffs.inv_c_m
    }

    /// The constants as the integrators use them.
    #[inline(always)]
    pub(crate) fn coeffs(&self) -> &Coeffs<f64> {
        &self.coeffs
    }

    /// Rates at `v`, with φ applied.
    #[inline(always)]
    pub fn rates(&self, v: f64) -> Rates {
        Rates::at(v, self.params.phi)
    }

    /// Total ionic current density at state `y`, µA/cm² (outward positive).
    #[inline(always)]
    pub fn ionic_current(&self, y: &State) -> f64 {
        crate::equations::ionic_current::<f64, Libm>(&y.vars(), &self.coeffs)
    }

    /// The right-hand side dy/dt of the ODE system at stimulus density `i_stim` (µA/cm²).
    #[inline(always)]
    pub fn rhs(&self, y: &State, i_stim: f64) -> State {
        State::from_vars(crate::equations::rhs::<f64, Libm>(
            &y.vars(),
            &self.coeffs,
            i_stim,
        ))
    }
}
