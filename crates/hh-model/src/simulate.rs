//! Running a protocol: the integration loop, monomorphised per scheme.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use sbi_core::Trace;

use crate::error::{Error, Result};
use crate::params::{HhParams, HodgkinHuxley, State};
use crate::protocol::{InitialState, Protocol, Stimulus};
use crate::stepper::{ExpEuler, PyhhEuler, Rk4, Scheme, Stepper};

/// |v| above this (mV, rest-relative) or NaN counts as a diverged integration.
pub(crate) const DIVERGENCE_MV: f64 = 1000.0;

/// Per-run overrides that [`crate::HhSimulator`] maps θ onto without cloning the protocol.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Overrides {
    /// Replaces the amplitude of every pulse.
    pub stim_amplitude: Option<f64>,
    /// Replaces the protocol's noise strength.
    pub noise_sigma: Option<f64>,
    /// Multiplies the whole stimulus.
    pub stim_scale: Option<f64>,
}

impl Overrides {
    /// The factor an item's stimulus segments are multiplied by, when segments are built
    /// with a unit amplitude under θ's `stim_amplitude`: the amplitude times the scale. The
    /// scalar and batch paths both use it, so their stimuli agree to the bit.
    pub(crate) fn stim_factor(&self) -> f64 {
        self.stim_amplitude.unwrap_or(1.0) * self.stim_scale.unwrap_or(1.0)
    }
}

/// The stimulus as piecewise-constant segments `(end_step, density)`, covering `0..n` in order:
/// the integration loop then runs without per-step stimulus logic.
pub(crate) fn segments(
    protocol: &Protocol,
    amplitude: Option<f64>,
    to_density: f64,
) -> Vec<(usize, f64)> {
    let n = protocol.num_steps;
    match &protocol.stimulus {
        Stimulus::Pulses(ps) => {
            let ranges: Vec<_> = ps
                .iter()
                .map(|p| (p.steps(protocol.dt_ms, n), amplitude.unwrap_or(p.amplitude)))
                .collect();
            let mut cuts: Vec<usize> = ranges
                .iter()
                .flat_map(|(r, _)| [r.start, r.end])
                .chain([n])
                .filter(|&c| c > 0)
                .collect();
            cuts.sort_unstable();
            cuts.dedup();
            let mut start = 0;
            cuts.into_iter()
                .map(|end| {
                    let value: f64 = ranges
                        .iter()
                        .filter(|(r, _)| r.contains(&start))
                        .map(|(_, a)| a * to_density)
                        .sum();
                    start = end;
                    (end, value)
                })
                .collect()
        }
        Stimulus::Waveform(w) => w
            .iter()
            .enumerate()
            .map(|(i, x)| (i + 1, x * to_density))
            .collect(),
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
    let dt = protocol.dt_ms;
    let mut stim = segments(protocol, ov.stim_amplitude.map(|_| 1.0), to_density);
    if ov.stim_amplitude.is_some() || ov.stim_scale.is_some() {
        let factor = ov.stim_factor();
        stim.iter_mut().for_each(|s| s.1 *= factor);
    }
    let noise_sigma = ov.noise_sigma.unwrap_or(protocol.noise_sigma);
    // Per-step noise current, density units: sigma·ξ/√dt.
    let noise_scale = noise_sigma * to_density / dt.sqrt();
    let y0 = match protocol.initial {
        InitialState::Rest => State::steady(0.0),
        InitialState::Given(s) => s,
    };
    let values = match scheme {
        Scheme::PyhhEuler => integrate(&sys, PyhhEuler, y0, &stim, dt, noise_scale, rng),
        Scheme::ExpEuler => integrate(&sys, ExpEuler, y0, &stim, dt, noise_scale, rng),
        Scheme::Rk4 => integrate(&sys, Rk4, y0, &stim, dt, noise_scale, rng),
    }?;
    let trace = Trace::new(dt, 0.0, values)?;
    Ok(match protocol.stimulus_window() {
        Some(w) => trace.with_stimulus(w),
        None => trace,
    })
}

/// The likely cause of a divergence, from the run's settings: the noise if there is any (its
/// per-step kick σ·√dt, in density units), else a stimulus far beyond physiology, else dt.
pub(crate) fn divergence_hint(noise_kick: f64, stimulus: f64, dt: f64) -> String {
    if noise_kick > 0.0 {
        format!(
            "the noise current is too strong for the model (its per-step kick σ·√dt is \
             {noise_kick:.3e} µA/cm²·ms); lower the noise σ"
        )
    } else if stimulus.abs() > 1e4 {
        format!("the stimulus ({stimulus:.3e} µA/cm²) is far beyond the physiological range")
    } else {
        format!("the time step dt = {dt} ms is too large for this scheme; try a smaller dt")
    }
}

/// Integrates from `y` through the stimulus segments `stim` (`(end step, density)`, in order,
/// the last ending at the run's last step) with per-step noise scale `noise_scale`.
#[inline(never)]
fn integrate<S: Stepper, R: Rng + ?Sized>(
    sys: &HodgkinHuxley,
    mut stepper: S,
    mut y: State,
    stim: &[(usize, f64)],
    dt: f64,
    noise_scale: f64,
    rng: &mut R,
) -> Result<Vec<f64>> {
    let n = stim.last().map_or(0, |s| s.0);
    let v_rest = sys.params().v_rest;
    let mut out = Vec::new();
    out.try_reserve_exact(n)
        .map_err(|_| sbi_core::Error::TooLarge {
            what: "trace (out of memory)",
            nrows: n,
            ncols: 1,
            max: sbi_core::MAX_ENTRIES,
        })?;
    out.resize(n, 0.0);
    let noisy = noise_scale != 0.0;
    let mut start = 0;
    for &(end, value) in stim {
        for (i, slot) in out[start..end].iter_mut().enumerate() {
            let mut i_stim = value;
            if noisy {
                let xi: f64 = StandardNormal.sample(rng);
                i_stim += noise_scale * xi;
            }
            stepper.step(sys, &mut y, i_stim, dt);
            // NaN fails `is_finite` too, so one test catches both.
            if !(y.v.is_finite() && y.v.abs() <= DIVERGENCE_MV) {
                let step = start + i;
                return Err(Error::Diverged {
                    step,
                    t_ms: step as f64 * dt,
                    v: y.v,
                    hint: divergence_hint(noise_scale * dt.sqrt(), value, dt),
                });
            }
            *slot = v_rest + y.v;
        }
        start = end;
    }
    Ok(out)
}
