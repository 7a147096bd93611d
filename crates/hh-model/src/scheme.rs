//! The integration schemes ([`Scheme`]), written once for every model and lane type: one step
//! of state `[V, gates…]` over `dt` ms with the stimulus density held constant.

use crate::channel::Gate;
use crate::channels::Channels;
use crate::model::MAX_GATES;
use crate::real::{Exp, Real};

/// The integration scheme, chosen at run time (e.g. from a command-line flag).
///
/// ```
/// use hh_model::Scheme;
/// let s: Scheme = "exp-euler".parse()?;
/// assert_eq!(s, Scheme::ExpEuler);
/// assert_eq!(s.to_string(), "exp-euler");
/// assert_eq!("exp-staggered".parse::<Scheme>()?, Scheme::ExpStaggered);
/// assert!("euler".parse::<Scheme>().is_err());
/// # Ok::<(), hh_model::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum Scheme {
    /// `pyhh-euler`: forward Euler in pyHH's order — every rate at Vₙ; V updated with the old
    /// gates; each gate by `x + dt·dx/dt` at Vₙ. Reproduces pyHH's classic traces to rounding.
    /// First order; stable for the classic model up to dt ≈ 0.05 ms.
    #[default]
    PyhhEuler,
    /// `exp-euler`: exponential Euler for the gates (Rush–Larsen): V by forward Euler with the
    /// old gates; each gate solved exactly over the step with its kinetics frozen at Vₙ,
    /// `x ← x∞ + (x − x∞)·exp(−dt/τ)`. The gates stay in [0, 1] at any dt.
    ExpEuler,
    /// `exp-staggered`: exponential Euler in the staggered order of the published Pospischil
    /// simulator (Gonçalves et al. 2020; the sbi package's Hodgkin–Huxley tutorial): first V,
    /// exactly over the step for the conductances of the old gates, `V ← V∞ + (V − V∞)·
    /// exp(−dt·Σg/c_m)` with `V∞ = (Σg·E + I)/Σg`; then every gate relaxed at the new V.
    ExpStaggered,
    /// `rk4`: classic fourth-order Runge–Kutta on the whole system (four right-hand sides per
    /// step); the stimulus is constant within a step.
    Rk4,
}

impl Scheme {
    /// Every scheme, in a fixed order.
    pub const ALL: [Scheme; 4] = [
        Scheme::PyhhEuler,
        Scheme::ExpEuler,
        Scheme::ExpStaggered,
        Scheme::Rk4,
    ];

    /// The scheme's name: `pyhh-euler`, `exp-euler`, `exp-staggered` or `rk4`.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::PyhhEuler => "pyhh-euler",
            Scheme::ExpEuler => "exp-euler",
            Scheme::ExpStaggered => "exp-staggered",
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

/// The state of one trace: `y[0]` is V, `y[1..=GATES]` the gates.
pub(crate) type State<T> = [T; 1 + MAX_GATES];

/// One step of a scheme for any channels `C`, lane type `T` and exponential `E`. `p` holds the
/// channels' parameters, `inv_c_m` is 1/c_m.
pub(crate) trait Step: Copy + Send + Sync + 'static {
    fn advance<T: Real, E: Exp<T>, C: Channels>(
        ch: &C,
        p: &[T],
        inv_c_m: T,
        y: &mut State<T>,
        i_stim: T,
        dt: T,
    );
}

/// Marker types of the schemes, for monomorphised kernels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PyhhEuler;
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExpEuler;
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExpStaggered;
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rk4;

/// Every gate's kinetics at `v`.
#[inline(always)]
fn kinetics<T: Real, E: Exp<T>, C: Channels>(ch: &C, p: &[T], v: T) -> [Gate<T>; MAX_GATES] {
    let mut k = [Gate::Rates {
        alpha: T::c(0.0),
        beta: T::c(0.0),
    }; MAX_GATES];
    ch.kinetics::<T, E>(v, p, &mut k[..C::GATES]);
    k
}

/// dV/dt at state `y`.
#[inline(always)]
fn dv<T: Real, E: Exp<T>, C: Channels>(ch: &C, p: &[T], inv_c_m: T, y: &State<T>, i: T) -> T {
    (i - ch.ionic_current::<T, E>(p, &y[1..=C::GATES], y[0])) * inv_c_m
}

/// V by forward Euler from the old gates, then every gate by `update(kinetics at Vₙ, x)`: the
/// shared form of [`PyhhEuler`] and [`ExpEuler`].
#[inline(always)]
fn euler_v_then_gates<T: Real, E: Exp<T>, C: Channels>(
    ch: &C,
    p: &[T],
    inv_c_m: T,
    y: &mut State<T>,
    i_stim: T,
    dt: T,
    update: impl Fn(Gate<T>, T) -> T,
) {
    let v = y[0];
    let k = kinetics::<T, E, C>(ch, p, v);
    let current = ch.ionic_current::<T, E>(p, &y[1..=C::GATES], v);
    y[0] = E::mul_add(dt * (i_stim - current), inv_c_m, v);
    for g in 0..C::GATES {
        y[1 + g] = update(k[g], y[1 + g]);
    }
}

impl Step for PyhhEuler {
    #[inline(always)]
    fn advance<T: Real, E: Exp<T>, C: Channels>(
        ch: &C,
        p: &[T],
        inv_c_m: T,
        y: &mut State<T>,
        i_stim: T,
        dt: T,
    ) {
        euler_v_then_gates::<T, E, C>(ch, p, inv_c_m, y, i_stim, dt, |k, x| {
            E::mul_add(dt, k.derivative::<E>(x), x)
        });
    }
}

impl Step for ExpEuler {
    #[inline(always)]
    fn advance<T: Real, E: Exp<T>, C: Channels>(
        ch: &C,
        p: &[T],
        inv_c_m: T,
        y: &mut State<T>,
        i_stim: T,
        dt: T,
    ) {
        euler_v_then_gates::<T, E, C>(ch, p, inv_c_m, y, i_stim, dt, |k, x| k.relax::<E>(x, dt));
    }
}

impl Step for ExpStaggered {
    #[inline(always)]
    fn advance<T: Real, E: Exp<T>, C: Channels>(
        ch: &C,
        p: &[T],
        inv_c_m: T,
        y: &mut State<T>,
        i_stim: T,
        dt: T,
    ) {
        let v = y[0];
        let (g, ge) = ch.conductances::<T, E>(p, &y[1..=C::GATES], v);
        let v_inf = (ge + i_stim) / g;
        let exact = E::mul_add(v - v_inf, E::exp(-dt * g * inv_c_m), v_inf);
        // Without any conductance the membrane integrates the current (V∞ would be ±∞).
        let euler = E::mul_add(dt * i_stim, inv_c_m, v);
        let v_new = if g > T::c(0.0) { exact } else { euler };
        y[0] = v_new;
        let k = kinetics::<T, E, C>(ch, p, v_new);
        for i in 0..C::GATES {
            y[1 + i] = k[i].relax::<E>(y[1 + i], dt);
        }
    }
}

/// `y + a·d`, component by component.
#[inline(always)]
fn axpy<T: Real, E: Exp<T>, const N: usize>(y: &[T; N], a: T, d: &[T; N], n: usize) -> [T; N] {
    let mut out = *y;
    for i in 0..n {
        out[i] = E::mul_add(a, d[i], y[i]);
    }
    out
}

/// dy/dt at `y`.
#[inline(always)]
fn rhs<T: Real, E: Exp<T>, C: Channels>(
    ch: &C,
    p: &[T],
    inv_c_m: T,
    y: &State<T>,
    i_stim: T,
) -> State<T> {
    let k = kinetics::<T, E, C>(ch, p, y[0]);
    let mut d = [T::c(0.0); 1 + MAX_GATES];
    d[0] = dv::<T, E, C>(ch, p, inv_c_m, y, i_stim);
    for g in 0..C::GATES {
        d[1 + g] = k[g].derivative::<E>(y[1 + g]);
    }
    d
}

impl Step for Rk4 {
    #[inline(always)]
    fn advance<T: Real, E: Exp<T>, C: Channels>(
        ch: &C,
        p: &[T],
        inv_c_m: T,
        y: &mut State<T>,
        i_stim: T,
        dt: T,
    ) {
        let n = 1 + C::GATES;
        let half = T::c(0.5) * dt;
        let two = T::c(2.0);
        let k1 = rhs::<T, E, C>(ch, p, inv_c_m, y, i_stim);
        let k2 = rhs::<T, E, C>(ch, p, inv_c_m, &axpy::<T, E, _>(y, half, &k1, n), i_stim);
        let k3 = rhs::<T, E, C>(ch, p, inv_c_m, &axpy::<T, E, _>(y, half, &k2, n), i_stim);
        let k4 = rhs::<T, E, C>(ch, p, inv_c_m, &axpy::<T, E, _>(y, dt, &k3, n), i_stim);
        let w = dt / T::c(6.0);
        for i in 0..n {
            let sum = k1[i] + two * (k2[i] + k3[i]) + k4[i];
            y[i] = E::mul_add(w, sum, y[i]);
        }
    }
}
