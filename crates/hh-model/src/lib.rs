//! # hh-model — conductance-based neuron models for hh-sbi
//!
//! Single-compartment models built from ion channels ([`Channel`]): a membrane of capacitance
//! `c_m` and a tuple of channels ([`Model`]), each channel with its gates' kinetics (α/β or
//! x∞/τ), its conductance and reversal potential, written once over the lane number type so
//! that one definition runs everywhere — the scalar integrators and the SIMD batch simulator,
//! in f64 and f32, with features streamed while traces are made. The library ([`channels`]):
//!
//! * the classic 1952 squid axon ([`Model::classic`]: [`channels::classic`] sodium and
//!   potassium and a leak), rest-relative as Hodgkin and Huxley (and pyHH) wrote it, with the
//!   absolute resting potential `v_rest` as a real parameter: the trace is `v_rest + v`;
//! * Pospischil et al.'s cortical channels ([`Model::pospischil`]: sodium, delayed-rectifier
//!   and M-current potassium, leak; L- and T-type calcium in [`Model::pospischil_calcium`]),
//!   the model of Gonçalves et al. 2020 and the sbi package's Hodgkin–Huxley tutorial, with its
//!   published protocol ([`Protocol::goncalves`]);
//! * your own: implement [`Channel`] for a small value in your crate and put it in a model's
//!   tuple (the `user_channel` example adds an A-type potassium current).
//!
//! A [`ModelSimulator`] runs a model under a [`Protocol`] (time step, stimulus pulses or a
//! sampled waveform, a white-noise current, the initial potential) by a [`Scheme`] (forward
//! Euler in pyHH's order, exponential Euler, the published staggered exponential Euler, RK4)
//! as an [`sbi_core::Simulator`] whose θ sets parameters by name ([`Model::parameter_names`];
//! `-name` for a negated one). Batches run in SIMD lanes ([`Kernel`], [`Precision`]: f64 or
//! f32, polynomial `exp`, AVX-512 / AVX2 chosen at run time), identical for any thread count,
//! split or lane width; the noise current comes from a counter-based generator keyed by trace
//! and step, drawn in lanes too. [`HhSimulator`] is the classic model's, with [`HhParams`] for
//! its constants; [`Substepped`] integrates at `dt / k` and keeps every k-th sample.
//!
//! Bad input (dt ≤ 0, NaN or out-of-range parameters, unknown names, wrong waveform length) and
//! diverging integrations are [`Error`]s, never panics. Equations, units and sources:
//! docs/hh-model.md.
//!
//! ## Quick start
//!
//! ```
//! use hh_model::{HhSimulator, Model, ModelSimulator, Protocol, Scheme};
//! use rand::SeedableRng;
//! use sbi_core::{SeedRng, Simulator};
//!
//! // The notebook's protocol: 200 ms, dt = 0.01 ms, pulse from 70 to 130 ms.
//! let sim = HhSimulator::notebook().with_scheme(Scheme::Rk4);
//! let mut rng = SeedRng::seed_from_u64(1);
//! let trace = sim.simulate(&[-65.0, 7.0], &mut rng)?; // θ = (v_rest mV, amplitude µA/cm²)
//! let peak = trace.values().iter().cloned().fold(f64::MIN, f64::max);
//! assert!(peak > 20.0, "7 µA/cm² makes the neuron spike (peak {peak} mV)");
//!
//! // The SBI literature's model under its published protocol, θ by name.
//! let sim = ModelSimulator::for_model(Model::pospischil(), Protocol::goncalves(),
//!     Scheme::ExpStaggered, &["g_na", "g_k", "-v_t"])?;
//! let trace = sim.simulate(&[50.0, 5.0, 60.0], &mut rng)?;
//! assert_eq!(trace.len(), 12_001);
//! # Ok::<(), hh_model::Error>(())
//! ```
#![deny(missing_docs)]

mod batch;
mod channel;
pub mod channels;
mod error;
/// Branch-free polynomial exponentials (the batch kernel's), from sbi-core.
pub use sbi_core::fast_exp;
mod model;
mod noise;
mod options;
mod params;
mod protocol;
mod rates;
mod real;
mod scheme;
mod simulate;
mod simulator;
mod substeps;

pub use batch::selected_isa;
pub use channel::{Channel, Constraint, Gate, ParameterSpec};
pub use channels::{ChannelInfo, Channels};
pub use error::{Error, Result};
pub use model::{
    Classic, Frame, MAX_GATES, MAX_PARAMS, Model, ModelParameter, Pospischil, PospischilCalcium,
};
pub use options::{Kernel, Precision};
pub use params::{HhParams, State};
pub use protocol::{InitialState, MAX_STEPS, Protocol, Pulse, Stimulus};
pub use rates::Rates;
pub use real::{Exp, Libm, Real, efun, u_over_expm1};
pub use scheme::Scheme;
pub use simulate::simulate;
pub use simulator::{HhSimulator, ModelSimulator};
pub use substeps::Substepped;

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}
    #[test]
    fn public_types_are_send_sync() {
        assert_send_sync::<crate::HhSimulator>();
        assert_send_sync::<crate::ModelSimulator<crate::Pospischil>>();
        assert_send_sync::<crate::Model<crate::PospischilCalcium>>();
        assert_send_sync::<crate::Protocol>();
        assert_send_sync::<crate::Error>();
    }
}
