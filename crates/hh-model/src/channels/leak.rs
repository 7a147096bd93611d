//! [`Leak`]: a passive conductance with no gate.

use crate::channel::{Channel, Gate, ParameterSpec};
use crate::real::{Exp, Real};

/// A leak: I = g·(V − E), no gate. Its two parameters are named per model (the classic
/// model's `g_l`, `e_l`; Pospischil's `g_leak`, `e_leak`).
///
/// ```
/// use hh_model::{Channel, channels::Leak};
/// let leak = Leak::new("g_leak", 0.1, "e_leak", -70.0);
/// assert_eq!(leak.parameters()[1].name, "e_leak");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Leak {
    g: ParameterSpec,
    e: ParameterSpec,
}

impl Leak {
    /// A leak with conductance parameter `g_name` (default `g`, mS/cm²) and reversal
    /// parameter `e_name` (default `e`, mV).
    pub const fn new(g_name: &'static str, g: f64, e_name: &'static str, e: f64) -> Self {
        Self {
            g: ParameterSpec::conductance(g_name, g, "leak conductance"),
            e: ParameterSpec::potential(e_name, e, "leak reversal potential"),
        }
    }

    /// The classic squid axon's leak: `g_l` 0.3 mS/cm², `e_l` 10.6 mV rest-relative.
    pub const fn classic() -> Self {
        Self::new("g_l", 0.3, "e_l", 10.6)
    }

    /// Pospischil et al.'s leak as Gonçalves et al. 2020 set it: `g_leak` 0.1 mS/cm²,
    /// `e_leak` −70 mV.
    pub const fn pospischil() -> Self {
        Self::new("g_leak", 0.1, "e_leak", -70.0)
    }
}

impl Channel for Leak {
    const GATES: usize = 0;
    const PARAMS: usize = 2;

    fn name(&self) -> &'static str {
        "leak"
    }

    fn parameters(&self) -> Vec<ParameterSpec> {
        vec![self.g, self.e]
    }

    fn gates(&self) -> Vec<&'static str> {
        Vec::new()
    }

    #[inline(always)]
    fn kinetics<T: Real, E: Exp<T>>(&self, _v: T, _p: &[T], _out: &mut [Gate<T>]) {}

    #[inline(always)]
    fn conductance<T: Real, E: Exp<T>>(&self, p: &[T], _x: &[T], _v: T) -> T {
        p[0]
    }

    #[inline(always)]
    fn reversal<T: Real>(&self, p: &[T]) -> T {
        p[1]
    }
}
