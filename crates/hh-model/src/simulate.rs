//! One classic run ([`simulate`]), and what every run shares: the stimulus as segments, the
//! divergence limit and its diagnosis.

use rand::Rng;
use sbi_core::{Simulator, Trace};

use crate::error::Result;
use crate::params::HhParams;
use crate::protocol::{Protocol, Stimulus};
use crate::scheme::Scheme;
use crate::simulator::HhSimulator;

/// |V| above this (mV) or NaN counts as a diverged integration.
pub(crate) const DIVERGENCE_MV: f64 = 1000.0;

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

/// Simulates `protocol` with the classic model's `params` and `scheme`, returning the
/// absolute membrane potential `v_rest + v` (mV), one sample per step (sample *i* = state after
/// step *i + 1*, labelled `t = i·dt`, as pyHH labels it), with the stimulus window attached;
/// the same as [`crate::HhSimulator`] with no θ.
///
/// The noise, when the protocol has some, is keyed by the first word drawn from `rng`.
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
/// Invalid parameters or protocol, or [`crate::Error::Diverged`] when the integration blows up.
pub fn simulate<R: Rng + ?Sized>(
    params: &HhParams,
    protocol: &Protocol,
    scheme: Scheme,
    rng: &mut R,
) -> Result<Trace> {
    HhSimulator::new(params.clone(), protocol.clone(), scheme, &[])?.simulate(&[], rng)
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
