//! Running a protocol: the integration loop, monomorphised per scheme.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use sbi_core::Trace;

use crate::error::{Error, Result};
use crate::params::{HhParams, HodgkinHuxley, State};
use crate::protocol::{InitialState, Protocol, Stimulus};
use crate::stepper::{ExpEuler, PyhhEuler, Rk4, Scheme, Stepper};

/// |v| above this (mV, rest-relative) or NaN counts as a diverged integration.
const DIVERGENCE_MV: f64 = 1000.0;

/// Per-run overrides that [`crate::HhSimulator`] maps θ onto without cloning the protocol.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Overrides {
    /// Replaces the amplitude of every pulse.
    pub stim_amplitude: Option<f64>,
    /// Replaces the protocol's noise strength.
    pub noise_sigma: Option<f64>,
}

/// The stimulus as seen by the loop: pulses as step ranges (density units), or a waveform.
enum StepStimulus<'a> {
    Pulses(Vec<(usize, usize, f64)>),
    Waveform(&'a [f64], f64),
}

impl StepStimulus<'_> {
    #[inline(always)]
    fn at(&self, i: usize) -> f64 {
        match self {
            StepStimulus::Pulses(ps) => ps
                .iter()
                .map(|&(a, b, amp)| if i >= a && i < b { amp } else { 0.0 })
                .sum(),
            StepStimulus::Waveform(w, scale) => w[i] * scale,
        }
    }
}

/// Simulates `protocol` with `params` and `scheme`, returning the absolute membrane potential
/// `v_rest + v` (mV), one sample per step (sample *i* = state after step *i + 1*, labelled
/// `t = i·dt`, as pyHH labels it), with the stimulus window attached.
///
/// `rng` is drawn from only when the protocol has noise.
///
/// ```
/// use hh_model::{HhParams, Protocol, Scheme, simulate};
/// use rand::SeedableRng;
/// let mut rng = sbi_core::SeedRng::seed_from_u64(0);
/// let params = HhParams::default().with_v_rest(-65.0);
/// let trace = simulate(&params, &Protocol::notebook(5.0), Scheme::PyhhEuler, &mut rng)?;
/// assert_eq!(trace.len(), 20_000);
/// assert!((trace.values()[0] + 65.0).abs() < 1e-3); // starts at rest
/// # Ok::<(), hh_model::Error>(())
/// ```
///
/// # Errors
/// Invalid parameters or protocol, or [`Error::Diverged`] when the integration blows up.
pub fn simulate<R: Rng + ?Sized>(
    params: &HhParams,
    protocol: &Protocol,
    scheme: Scheme,
    rng: &mut R,
) -> Result<Trace> {
    params.validate()?;
    protocol.validate()?;
    run(params, protocol, scheme, Overrides::default(), rng)
}

/// The loop, after validation. Overrides are validated here.
pub(crate) fn run<R: Rng + ?Sized>(
    params: &HhParams,
    protocol: &Protocol,
    scheme: Scheme,
    ov: Overrides,
    rng: &mut R,
) -> Result<Trace> {
    let sys = HodgkinHuxley::new(params.clone())?;
    let to_density = params.current_to_density();
    let n = protocol.num_steps;
    let dt = protocol.dt_ms;
    let stim = match &protocol.stimulus {
        Stimulus::Pulses(ps) => StepStimulus::Pulses(
            ps.iter()
                .map(|p| {
                    let r = p.steps(dt, n);
                    let amp = ov.stim_amplitude.unwrap_or(p.amplitude);
                    (r.start, r.end, amp * to_density)
                })
                .collect(),
        ),
        Stimulus::Waveform(w) => StepStimulus::Waveform(w, to_density),
    };
    let noise_sigma = ov.noise_sigma.unwrap_or(protocol.noise_sigma);
    // Per-step noise current, density units: sigma·ξ/√dt.
    let noise_scale = noise_sigma * to_density / dt.sqrt();
    let y0 = match protocol.initial {
        InitialState::Rest => State::steady(0.0),
        InitialState::Given(s) => s,
    };
    let values = match scheme {
        Scheme::PyhhEuler => integrate(&sys, PyhhEuler, y0, &stim, dt, n, noise_scale, rng),
        Scheme::ExpEuler => integrate(&sys, ExpEuler, y0, &stim, dt, n, noise_scale, rng),
        Scheme::Rk4 => integrate(&sys, Rk4, y0, &stim, dt, n, noise_scale, rng),
    }?;
    let trace = Trace::new(dt, 0.0, values)?;
    Ok(match protocol.stimulus_window() {
        Some(w) => trace.with_stimulus(w),
        None => trace,
    })
}

#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn integrate<S: Stepper, R: Rng + ?Sized>(
    sys: &HodgkinHuxley,
    mut stepper: S,
    mut y: State,
    stim: &StepStimulus<'_>,
    dt: f64,
    n: usize,
    noise_scale: f64,
    rng: &mut R,
) -> Result<Vec<f64>> {
    let v_rest = sys.params().v_rest;
    let mut out = Vec::with_capacity(n);
    let noisy = noise_scale != 0.0;
    for i in 0..n {
        let mut i_stim = stim.at(i);
        if noisy {
            let xi: f64 = StandardNormal.sample(rng);
            i_stim += noise_scale * xi;
        }
        stepper.step(sys, &mut y, i_stim, dt);
        // `!(a <= b)` is also true for NaN.
        if !(y.v.abs() <= DIVERGENCE_MV) {
            return Err(Error::Diverged {
                step: i,
                t_ms: i as f64 * dt,
                v: y.v,
            });
        }
        out.push(v_rest + y.v);
    }
    Ok(out)
}
