//! Integrators: one [`Stepper`] interface, three schemes.

use crate::equations::Step;
use crate::params::{HodgkinHuxley, State};
use crate::real::Libm;

/// Advances a [`State`] by one time step of a [`HodgkinHuxley`] system.
///
/// The stimulus density `i_stim` (µA/cm²) is held constant over the step (zero-order hold), as
/// in pyHH. Steppers may keep scratch space, hence `&mut self`; the system stays pure.
///
/// ```
/// use hh_model::{HhParams, HodgkinHuxley, Rk4, State, Stepper};
/// let sys = HodgkinHuxley::new(HhParams::default())?;
/// let mut y = State::steady(0.0);
/// let mut rk4 = Rk4;
/// for _ in 0..100 {
///     rk4.step(&sys, &mut y, 10.0, 0.01);
/// }
/// assert!(y.v > 5.0);
/// # Ok::<(), hh_model::Error>(())
/// ```
pub trait Stepper {
    /// Advances `y` by `dt` ms.
    fn step(&mut self, sys: &HodgkinHuxley, y: &mut State, i_stim: f64, dt: f64);
}

/// Forward Euler in pyHH's order: rates at vₙ; v updated with the old gates; gates updated with
/// the rates at vₙ. Reproduces pyHH's traces to rounding. First order; stable for the classic
/// model up to dt ≈ 0.05 ms.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PyhhEuler;

impl Stepper for PyhhEuler {
    #[inline(always)]
    fn step(&mut self, sys: &HodgkinHuxley, y: &mut State, i_stim: f64, dt: f64) {
        *y = State::from_vars(<Self as Step>::advance::<f64, Libm>(
            y.vars(),
            sys.coeffs(),
            i_stim,
            dt,
        ));
    }
}

/// Exponential Euler (Rush–Larsen): v by forward Euler with the old gates; each gate solved
/// exactly over the step with its rates frozen at vₙ,
/// `x ← x∞ + (x − x∞)·exp(−dt·(α + β))`. First order, but the gates stay in [0, 1] and are
/// stable at any dt, so larger steps are usable than with plain Euler.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpEuler;

impl Stepper for ExpEuler {
    #[inline(always)]
    fn step(&mut self, sys: &HodgkinHuxley, y: &mut State, i_stim: f64, dt: f64) {
        *y = State::from_vars(<Self as Step>::advance::<f64, Libm>(
            y.vars(),
            sys.coeffs(),
            i_stim,
            dt,
        ));
    }
}

/// Classic fourth-order Runge–Kutta on the full system (four right-hand-side evaluations per
/// step). Fourth order for a smooth stimulus; the stimulus is constant within a step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rk4;

impl Stepper for Rk4 {
    #[inline(always)]
    fn step(&mut self, sys: &HodgkinHuxley, y: &mut State, i_stim: f64, dt: f64) {
        *y = State::from_vars(<Self as Step>::advance::<f64, Libm>(
            y.vars(),
            sys.coeffs(),
            i_stim,
            dt,
        ));
    }
}

/// The integration scheme, chosen at run time (e.g. from a command-line flag).
///
/// ```
/// use hh_model::Scheme;
/// let s: Scheme = "exp-euler".parse()?;
/// assert_eq!(s, Scheme::ExpEuler);
/// assert_eq!(s.to_string(), "exp-euler");
/// assert!("euler".parse::<Scheme>().is_err());
/// # Ok::<(), hh_model::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum Scheme {
    /// [`PyhhEuler`]: `pyhh-euler`.
    #[default]
    PyhhEuler,
    /// [`ExpEuler`]: `exp-euler`.
    ExpEuler,
    /// [`Rk4`]: `rk4`.
    Rk4,
}

impl Scheme {
    /// Every scheme, in a fixed order.
    pub const ALL: [Scheme; 3] = [Scheme::PyhhEuler, Scheme::ExpEuler, Scheme::Rk4];

    /// The scheme's name: `pyhh-euler`, `exp-euler` or `rk4`.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::PyhhEuler => "pyhh-euler",
            Scheme::ExpEuler => "exp-euler",
            Scheme::Rk4 => "rk4",
        }
    }
}

impl std::fmt::Display for Scheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Scheme {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scheme::ALL
            .into_iter()
            .find(|x| x.name() == s)
            .ok_or_else(|| crate::Error::UnknownScheme(s.to_owned()))
    }
}
