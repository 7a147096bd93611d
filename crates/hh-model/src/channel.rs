//! [`Channel`]: an ion channel of a conductance-based model — its gates' kinetics, its
//! conductance and its reversal potential, written once over any lane number type ([`Real`])
//! and exponential ([`Exp`]), so that one definition runs on the scalar path and in the SIMD
//! batch kernel (monomorphised; no call, no branch).

use crate::real::{Exp, Real};

/// A gate's kinetics at one membrane potential.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Gate<T> {
    /// Opening and closing rates α and β, 1/ms: dx/dt = α·(1 − x) − β·x.
    Rates {
        /// α, 1/ms.
        alpha: T,
        /// β, 1/ms.
        beta: T,
    },
    /// Steady state x∞ and time constant τ (ms): dx/dt = (x∞ − x)/τ.
    Relax {
        /// x∞, in [0, 1].
        inf: T,
        /// τ, ms.
        tau: T,
    },
}

impl<T: Real> Gate<T> {
    /// The steady state x∞.
    #[inline(always)]
    pub fn steady_state(self) -> T {
        match self {
            Gate::Rates { alpha, beta } => alpha / (alpha + beta),
            Gate::Relax { inf, .. } => inf,
        }
    }

    /// dx/dt at gate value `x`.
    #[inline(always)]
    pub fn derivative<E: Exp<T>>(self, x: T) -> T {
        match self {
            Gate::Rates { alpha, beta } => E::mul_add(alpha, T::c(1.0) - x, -(beta * x)),
            Gate::Relax { inf, tau } => (inf - x) / tau,
        }
    }

    /// `x` after `dt` ms with the kinetics held fixed (exact for a frozen potential):
    /// `x∞ + (x − x∞)·exp(−dt/τ)`.
    #[inline(always)]
    pub fn relax<E: Exp<T>>(self, x: T, dt: T) -> T {
        match self {
            Gate::Rates { alpha, beta } => {
                let k = alpha + beta;
                let inf = alpha / k;
                E::mul_add(x - inf, E::exp(-dt * k), inf)
            }
            Gate::Relax { inf, tau } => E::mul_add(x - inf, E::exp(-dt / tau), inf),
        }
    }
}

/// What values a parameter may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Constraint {
    /// Any finite value (potentials).
    Finite,
    /// Finite and ≥ 0 (conductances).
    NonNegative,
    /// Finite and > 0 (capacitances, time constants, factors).
    Positive,
}

impl Constraint {
    /// Whether `value` satisfies the constraint.
    pub fn admits(self, value: f64) -> bool {
        value.is_finite()
            && match self {
                Constraint::Finite => true,
                Constraint::NonNegative => value >= 0.0,
                Constraint::Positive => value > 0.0,
            }
    }

    /// The rule in words, for errors.
    pub fn rule(self) -> &'static str {
        match self {
            Constraint::Finite => "must be finite",
            Constraint::NonNegative => "must be finite and non-negative",
            Constraint::Positive => "must be finite and positive",
        }
    }
}

/// A parameter of a channel: its name (a θ component sets it by name), default value, unit,
/// constraint and meaning. Two channels of one model that name a parameter alike share it (the
/// Pospischil sodium and delayed-rectifier channels share `v_t`, the delayed rectifier and the
/// M-current `e_k`): setting the name sets it in both.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParameterSpec {
    /// The name, e.g. `g_na`.
    pub name: &'static str,
    /// The default value.
    pub default: f64,
    /// The unit, e.g. `mS/cm²`.
    pub unit: &'static str,
    /// What values it may take.
    pub constraint: Constraint,
    /// What it is, in a few words.
    pub about: &'static str,
}

impl ParameterSpec {
    /// A maximal conductance, mS/cm² (≥ 0).
    pub const fn conductance(name: &'static str, default: f64, about: &'static str) -> Self {
        Self {
            name,
            default,
            unit: "mS/cm²",
            constraint: Constraint::NonNegative,
            about,
        }
    }

    /// A potential, mV (any finite value).
    pub const fn potential(name: &'static str, default: f64, about: &'static str) -> Self {
        Self {
            name,
            default,
            unit: "mV",
            constraint: Constraint::Finite,
            about,
        }
    }

    /// A positive quantity in `unit`.
    pub const fn positive(
        name: &'static str,
        default: f64,
        unit: &'static str,
        about: &'static str,
    ) -> Self {
        Self {
            name,
            default,
            unit,
            constraint: Constraint::Positive,
            about,
        }
    }
}

/// An ion channel of a single-compartment conductance-based model: `GATES` gating variables
/// with their kinetics, a conductance (mS/cm²) made of its maximal conductance and gates, and a
/// reversal potential (mV); its current is `g·(V − E)`, µA/cm², outward positive.
///
/// Implement it for a small value (a unit struct is typical) in any crate: a model built with
/// it ([`crate::Model`]) runs on every path of hh-model — the scalar integrators, the SIMD
/// batch kernel in f64 and f32, streamed features — without editing hh-model. The methods are
/// generic over the lane number type `T` ([`Real`]: `f64` or `f32`) and the exponential `E`
/// ([`Exp`]); write them without branches on values (use `if` only to select between two
/// computed values, as [`crate::efun`] does), so the batch kernel vectorises. Parameters come in
/// `p`, in the order of [`Channel::parameters`]; gate values in `x`, in the order of
/// [`Channel::gates`].
///
/// ```
/// use hh_model::{Channel, Exp, Gate, ParameterSpec, Real};
///
/// /// A leak that is 10 % stronger above −50 mV (an example; any smooth function works).
/// #[derive(Debug, Clone, Copy)]
/// struct Leakish;
///
/// impl Channel for Leakish {
///     const GATES: usize = 0;
///     const PARAMS: usize = 2;
///     fn name(&self) -> &'static str { "leakish" }
///     fn parameters(&self) -> Vec<ParameterSpec> {
///         vec![
///             ParameterSpec::conductance("g_leakish", 0.1, "maximal conductance"),
///             ParameterSpec::potential("e_leakish", -70.0, "reversal potential"),
///         ]
///     }
///     fn gates(&self) -> Vec<&'static str> { vec![] }
///     fn kinetics<T: Real, E: Exp<T>>(&self, _v: T, _p: &[T], _out: &mut [Gate<T>]) {}
///     fn conductance<T: Real, E: Exp<T>>(&self, p: &[T], _x: &[T], v: T) -> T {
///         let boost = if v > T::c(-50.0) { T::c(1.1) } else { T::c(1.0) };
///         p[0] * boost
///     }
///     fn reversal<T: Real>(&self, p: &[T]) -> T { p[1] }
/// }
/// assert_eq!(Leakish.conductance::<f64, hh_model::Libm>(&[0.1, -70.0], &[], -40.0), 0.1 * 1.1);
/// ```
pub trait Channel: Clone + std::fmt::Debug + Send + Sync + 'static {
    /// The number of gates.
    const GATES: usize;
    /// The number of parameters ([`Channel::parameters`]' length).
    const PARAMS: usize;

    /// A short name (e.g. `na`), for messages and documentation.
    fn name(&self) -> &'static str;

    /// The parameters, `PARAMS` of them, in the order `p` holds them.
    fn parameters(&self) -> Vec<ParameterSpec>;

    /// The gates' names, `GATES` of them, in the order `x` holds them (e.g. `m`, `h`).
    fn gates(&self) -> Vec<&'static str>;

    /// The kinetics of every gate at potential `v` (mV) into `out` (`GATES` entries).
    fn kinetics<T: Real, E: Exp<T>>(&self, v: T, p: &[T], out: &mut [Gate<T>]);

    /// The conductance, mS/cm², at gate values `x` and potential `v` (a gate taken at its
    /// steady state instantly may use `v`).
    fn conductance<T: Real, E: Exp<T>>(&self, p: &[T], x: &[T], v: T) -> T;

    /// The reversal potential, mV.
    fn reversal<T: Real>(&self, p: &[T]) -> T;
}
