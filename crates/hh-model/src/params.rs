//! [`HhParams`]: the classic squid-axon model's parameters as one value, and its [`State`].

use crate::error::{Result, check_param};
use crate::model::{Classic, Model};
use crate::rates::Rates;
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
/// of [`Rates`]. [`HhParams::model`] gives [`Model::classic`] with these values as defaults.
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

    /// [`Model::classic`] with these values as its defaults (and the area, if set).
    ///
    /// # Errors
    /// As [`HhParams::validate`].
    pub fn model(&self) -> Result<Model<Classic>> {
        self.validate()?;
        let mut m = Model::classic();
        for (name, value) in [
            ("c_m", self.c_m),
            ("v_rest", self.v_rest),
            ("g_na", self.g_na),
            ("g_k", self.g_k),
            ("g_l", self.g_l),
            ("e_na", self.e_na),
            ("e_k", self.e_k),
            ("e_l", self.e_l),
            ("phi", self.phi),
        ] {
            m = m.with_default(name, value)?;
        }
        match self.membrane_area_cm2 {
            Some(a) => m.with_area_cm2(a),
            None => Ok(m),
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
