//! # hh-model — the Hodgkin–Huxley ODE core of hh-sbi
//!
//! The classic 1952 squid-axon model, written rest-relative as HH (and pyHH) did, with the
//! absolute resting potential `v_rest` as a real parameter: the returned trace is `v_rest + v`.
//!
//! * [`HhParams`] (classic constants by `Default`, units in its docs), [`State`], and the pure
//!   system [`HodgkinHuxley`] with its rates [`Rates`];
//! * integrators behind one [`Stepper`] interface: [`PyhhEuler`] (forward Euler in pyHH's
//!   order, reproducing its traces), [`ExpEuler`] (Rush–Larsen) and [`Rk4`], chosen at run time
//!   by [`Scheme`];
//! * [`Protocol`]: time step, duration, [`Stimulus`] (pulses by time window or a sampled
//!   waveform), seeded white-noise current, [`InitialState`];
//! * [`Substepped`]: integrate at `dt / k`, output at `dt` (to match a recording's sampling,
//!   with [`Protocol::from_samples`]);
//! * [`simulate`] for one run and [`HhSimulator`], an [`sbi_core::Simulator`] mapping θ onto
//!   named parameters, with parallel batches that are identical for any thread count.
//!
//! Bad input (dt ≤ 0, NaN parameters, wrong waveform length, unknown parameter names) and
//! diverging integrations are [`Error`]s, never panics.
//!
//! ## Quick start
//!
//! ```
//! use hh_model::{HhSimulator, Scheme};
//! use rand::SeedableRng;
//! use sbi_core::{SeedRng, Simulator};
//!
//! // The notebook's protocol: 200 ms, dt = 0.01 ms, pulse from 70 to 130 ms.
//! let sim = HhSimulator::notebook().with_scheme(Scheme::Rk4);
//! let mut rng = SeedRng::seed_from_u64(1);
//! let trace = sim.simulate(&[-65.0, 7.0], &mut rng)?; // θ = (v_rest mV, amplitude µA/cm²)
//! let peak = trace.values().iter().cloned().fold(f64::MIN, f64::max);
//! assert!(peak > 20.0, "7 µA/cm² makes the neuron spike (peak {peak} mV)");
//! println!("{} samples, dt = {} ms, peak {peak:.1} mV", trace.len(), trace.dt_ms());
//! # Ok::<(), hh_model::Error>(())
//! ```
#![deny(missing_docs)]

mod batch;
mod equations;
mod error;
/// Branch-free polynomial exponentials (the batch kernel's), from sbi-core.
pub use sbi_core::fast_exp;
mod params;
mod protocol;
mod rates;
mod real;
mod simulate;
mod simulator;
mod stepper;
mod substeps;

pub use batch::{Kernel, Precision, selected_isa};
pub use error::{Error, Result};
pub use params::{HhParams, HodgkinHuxley, State};
pub use protocol::{InitialState, MAX_STEPS, Protocol, Pulse, Stimulus};
pub use rates::Rates;
pub use simulate::simulate;
pub use simulator::{HhSimulator, Parameter};
pub use stepper::{ExpEuler, PyhhEuler, Rk4, Scheme, Stepper};
pub use substeps::Substepped;

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}
    #[test]
    fn public_types_are_send_sync() {
        assert_send_sync::<crate::HhSimulator>();
        assert_send_sync::<crate::HodgkinHuxley>();
        assert_send_sync::<crate::Protocol>();
        assert_send_sync::<crate::Error>();
    }
}
