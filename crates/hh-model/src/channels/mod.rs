//! The channel library — the classic squid-axon channels ([`classic`]), Pospischil et al.'s
//! cortical channels ([`pospischil`]) and a [`Leak`] — and [`Channels`], a model's channels
//! together: a tuple of [`Channel`]s, their gates and parameters laid out one after the other.

pub mod classic;
mod leak;
pub mod pospischil;

pub use leak::Leak;

use crate::channel::{Channel, Gate, ParameterSpec};
use crate::real::{Exp, Real};

/// One channel of a model, as [`Channels::describe`] lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelInfo {
    /// The channel's name.
    pub name: &'static str,
    /// Its parameters, in order.
    pub parameters: Vec<ParameterSpec>,
    /// Its gates, in order.
    pub gates: Vec<&'static str>,
}

/// The channels of a model: a tuple of one to eight [`Channel`]s (`(Na, Kd, M, Leak)`), whose
/// gates and parameters are laid out in tuple order. Implemented for tuples; a model takes any
/// such tuple, user channels included.
///
/// The ionic current is summed in tuple order, the first channel's current first:
/// `I = g₁·(V − E₁)`, then `I ← g·(V − E) + I` for each further channel.
pub trait Channels: Clone + std::fmt::Debug + Send + Sync + 'static {
    /// Gates of all channels.
    const GATES: usize;
    /// Parameters of all channels (a name two channels share counts twice here).
    const PARAMS: usize;

    /// Each channel's name, parameters and gates, in order.
    fn describe(&self) -> Vec<ChannelInfo>;

    /// Every gate's kinetics at potential `v`, in order, into `out` (`GATES` entries); `p`
    /// holds every channel's parameters (`PARAMS` entries).
    fn kinetics<T: Real, E: Exp<T>>(&self, v: T, p: &[T], out: &mut [Gate<T>]);

    /// The ionic current, µA/cm² (outward positive), at gates `x` and potential `v`.
    fn ionic_current<T: Real, E: Exp<T>>(&self, p: &[T], x: &[T], v: T) -> T;

    /// The total conductance Σg (mS/cm²) and Σg·E (µA/cm²) at gates `x` and potential `v`:
    /// the membrane equation is then `C·dV/dt = Σg·E − Σg·V + I_stim`.
    fn conductances<T: Real, E: Exp<T>>(&self, p: &[T], x: &[T], v: T) -> (T, T);
}

macro_rules! tuple_channels {
    ($first:ident $(, $rest:ident)*) => {
        #[allow(non_snake_case)]
        impl<$first: Channel $(, $rest: Channel)*> Channels for ($first, $($rest,)*) {
            const GATES: usize = $first::GATES $(+ $rest::GATES)*;
            const PARAMS: usize = $first::PARAMS $(+ $rest::PARAMS)*;

            fn describe(&self) -> Vec<ChannelInfo> {
                let ($first, $($rest,)*) = self;
                vec![
                    ChannelInfo {
                        name: $first.name(),
                        parameters: $first.parameters(),
                        gates: $first.gates(),
                    },
                    $(ChannelInfo {
                        name: $rest.name(),
                        parameters: $rest.parameters(),
                        gates: $rest.gates(),
                    },)*
                ]
            }

            #[inline(always)]
            fn kinetics<T: Real, E: Exp<T>>(&self, v: T, p: &[T], out: &mut [Gate<T>]) {
                let ($first, $($rest,)*) = self;
                let (mut pi, mut gi) = (0usize, 0usize);
                $first.kinetics::<T, E>(
                    v,
                    &p[pi..pi + $first::PARAMS],
                    &mut out[gi..gi + $first::GATES],
                );
                pi += $first::PARAMS;
                gi += $first::GATES;
                $(
                    $rest.kinetics::<T, E>(
                        v,
                        &p[pi..pi + $rest::PARAMS],
                        &mut out[gi..gi + $rest::GATES],
                    );
                    pi += $rest::PARAMS;
                    gi += $rest::GATES;
                )*
                let _ = (pi, gi);
            }

            #[inline(always)]
            fn ionic_current<T: Real, E: Exp<T>>(&self, p: &[T], x: &[T], v: T) -> T {
                let ($first, $($rest,)*) = self;
                let (mut pi, mut gi) = (0usize, 0usize);
                let ps = &p[pi..pi + $first::PARAMS];
                let g = $first.conductance::<T, E>(ps, &x[gi..gi + $first::GATES], v);
                #[allow(unused_mut)]
                let mut current = g * (v - $first.reversal(ps));
                pi += $first::PARAMS;
                gi += $first::GATES;
                $(
                    let ps = &p[pi..pi + $rest::PARAMS];
                    let g = $rest.conductance::<T, E>(ps, &x[gi..gi + $rest::GATES], v);
                    current = E::mul_add(g, v - $rest.reversal(ps), current);
                    pi += $rest::PARAMS;
                    gi += $rest::GATES;
                )*
                let _ = (pi, gi);
                current
            }

            #[inline(always)]
            fn conductances<T: Real, E: Exp<T>>(&self, p: &[T], x: &[T], v: T) -> (T, T) {
                let ($first, $($rest,)*) = self;
                let (mut pi, mut gi) = (0usize, 0usize);
                let ps = &p[pi..pi + $first::PARAMS];
                let g = $first.conductance::<T, E>(ps, &x[gi..gi + $first::GATES], v);
                #[allow(unused_mut)]
                let (mut total, mut driven) = (g, g * $first.reversal(ps));
                pi += $first::PARAMS;
                gi += $first::GATES;
                $(
                    let ps = &p[pi..pi + $rest::PARAMS];
                    let g = $rest.conductance::<T, E>(ps, &x[gi..gi + $rest::GATES], v);
                    total = total + g;
                    driven = E::mul_add(g, $rest.reversal(ps), driven);
                    pi += $rest::PARAMS;
                    gi += $rest::GATES;
                )*
                let _ = (pi, gi);
                (total, driven)
            }
        }
    };
}

tuple_channels!(A);
tuple_channels!(A, B);
tuple_channels!(A, B, C);
tuple_channels!(A, B, C, D);
tuple_channels!(A, B, C, D, F);
tuple_channels!(A, B, C, D, F, G);
tuple_channels!(A, B, C, D, F, G, H);
tuple_channels!(A, B, C, D, F, G, H, I);
