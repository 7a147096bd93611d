//! Running items through the lane kernel: their settings, the stimulus and noise of each
//! block of steps, divergence checks, and where the samples go.

use rand_distr::{Distribution, StandardNormal};
use sbi_core::{SampleStream, SeedRng, TimeWindow, TraceLayout, item_rng};

use super::kernel::{self, LaneCoeffs, LaneState, Watch};
use crate::equations::{Step, Vars};
use crate::error::{Error, Result};
use crate::params::{HhParams, State};
use crate::protocol::InitialState;
use crate::real::{Exp, Real};
use crate::simulate::{divergence_hint, segments};
use crate::simulator::{HhSimulator, Parameter};

/// Steps per block: the kernel advances this many steps between hand-overs of the samples
/// (two `BLOCK × L` buffers, 8 KiB each for 8 f64 lanes, stay in the L1 cache).
pub(crate) const BLOCK: usize = 128;

/// What every item of a batch shares: time step, step count, stimulus timing and start.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    dt: f64,
    n: usize,
    /// `(end step, density)` of each stimulus segment; an item's stimulus is the density
    /// times its scale (its θ amplitude, or 1).
    base: Vec<(usize, f64)>,
    y0: State,
    window: Option<TimeWindow>,
}

impl Plan {
    pub(crate) fn new(sim: &HhSimulator) -> Self {
        let protocol = sim.protocol();
        let by_amplitude = sim.theta_parameters().contains(&Parameter::StimAmplitude);
        let to_density = sim.params().current_to_density();
        Self {
            dt: protocol.dt_ms,
            n: protocol.num_steps,
            // With θ setting the amplitude, each pulse contributes `1·to_density` and the
            // item scales it: `to_density·A`, the scalar path's `A·to_density` to the bit.
            base: segments(protocol, by_amplitude.then_some(1.0), to_density),
            y0: match protocol.initial {
                InitialState::Rest => State::steady(0.0),
                InitialState::Given(s) => s,
            },
            window: protocol.stimulus_window(),
        }
    }

    /// The layout of every output trace.
    pub(crate) fn layout(&self) -> TraceLayout {
        TraceLayout::new(self.dt, 0.0, self.n, self.window)
    }

    /// An empty trace buffer of the run's length.
    ///
    /// # Errors
    /// [`sbi_core::Error::TooLarge`] when the memory is not there.
    pub(crate) fn trace_buffer(&self) -> Result<Vec<f64>> {
        let mut v = Vec::new();
        v.try_reserve_exact(self.n)
            .map_err(|_| sbi_core::Error::TooLarge {
                what: "trace (out of memory)",
                nrows: self.n,
                ncols: 1,
                max: sbi_core::MAX_ENTRIES,
            })?;
        Ok(v)
    }

    /// A finished trace with the protocol's stimulus window.
    pub(crate) fn trace(&self, values: Vec<f64>) -> Result<sbi_core::Trace> {
        let t = sbi_core::Trace::new(self.dt, 0.0, values)?;
        Ok(match self.window {
            Some(w) => t.with_stimulus(w),
            None => t,
        })
    }

    /// The stimulus density (before the item's scale) on `step`.
    fn base_at(&self, step: usize) -> f64 {
        self.base.iter().find(|s| s.0 > step).map_or(0.0, |s| s.1)
    }
}

/// One item's settings: model constants, output offset, stimulus scale, noise and its stream.
pub(crate) struct Item {
    params: HhParams,
    stim_scale: f64,
    /// Per-step noise current, density units: σ·ξ/√dt (0: no noise, no draw).
    noise_scale: f64,
    rng: SeedRng,
}

impl Item {
    /// Item `index` of a batch with `seed`, at `theta`.
    ///
    /// # Errors
    /// As [`HhSimulator::configure`] (dimension, finiteness, parameter ranges).
    pub(crate) fn new(sim: &HhSimulator, theta: &[f64], seed: u64, index: u64) -> Result<Self> {
        let (params, ov) = sim.configure(theta)?;
        let sigma = ov.noise_sigma.unwrap_or(sim.protocol().noise_sigma);
        let noise_scale = sigma * params.current_to_density() / sim.protocol().dt_ms.sqrt();
        Ok(Self {
            stim_scale: ov.stim_factor(),
            noise_scale,
            params,
            rng: item_rng(seed, index),
        })
    }
}

/// Where a group's samples go: one summary stream over all its lanes (fed rows of `L`
/// samples, spare lanes included), or one trace per item.
pub(crate) enum Output<'a, E> {
    Stream(Box<dyn SampleStream<E> + 'a>),
    Traces(Vec<Vec<f64>>),
}

fn vars<T: Real>(s: State) -> Vars<T> {
    Vars {
        v: T::c(s.v),
        m: T::c(s.m),
        h: T::c(s.h),
        n: T::c(s.n),
    }
}

/// Runs up to `L` items together (`items.len() ≤ L`; spare lanes idle at rest), sending the
/// samples `v_rest + v` to `output`; one status per item: `Ok`, or [`Error::Diverged`] at the
/// first step where |v| > 1000 mV or v is NaN (the item's trace then ends there; a stream's
/// lane goes on with the lane restarted at rest, and its features are not to be read).
pub(crate) fn run_group<T: Real, X: Exp<T>, S: Step, const L: usize, E>(
    plan: &Plan,
    portable: bool,
    items: &mut [Item],
    output: &mut Output<'_, E>,
) -> Vec<Result<()>> {
    let active = items.len().min(L);
    let y0 = vars::<T>(plan.y0);
    let mut y = LaneState::<T, L>::splat(y0);
    let mut c = LaneCoeffs::<T, L>::splat(HhParams::default().coeffs());
    for (k, item) in items.iter().enumerate().take(active) {
        c.set(k, item.params.coeffs());
    }
    let dt = T::c(plan.dt);
    let mut scale = [0.0f64; L];
    let mut v_rest = [0.0f64; L];
    for (k, item) in items.iter().enumerate().take(active) {
        scale[k] = item.stim_scale;
        v_rest[k] = item.params.v_rest;
    }
    let noisy = items.iter().any(|item| item.noise_scale != 0.0);
    let mut stim = [[T::default(); L]; BLOCK];
    let mut out = [[T::Sample::default(); L]; BLOCK];
    let mut widened = [[0.0f64; L]; BLOCK];
    let offset = v_rest.repeat(BLOCK);
    let mut status: Vec<Result<()>> = (0..active).map(|_| Ok(())).collect();
    let mut live = [false; L];
    live[..active].fill(true);
    let (mut step, mut seg) = (0, 0);
    while step < plan.n {
        let len = BLOCK.min(plan.n - step);
        // The block's steps, segment by segment (the density is constant within one).
        let mut j = 0;
        while j < len {
            while plan.base[seg].0 <= step + j {
                seg += 1;
            }
            let (end, base) = plan.base[seg];
            let upto = (end - step).min(len);
            let mut lane = [T::default(); L];
            for (slot, s) in lane.iter_mut().zip(&scale) {
                *slot = T::c(base * s);
            }
            stim[j..upto].fill(lane);
            if noisy {
                // The scalar path's order: density, then `+ noise_scale·ξ`, ξ from the item's
                // own stream, drawn only when it has noise.
                for row in &mut stim[j..upto] {
                    for (slot, item) in row.iter_mut().zip(items.iter_mut()) {
                        if item.noise_scale != 0.0 {
                            let xi: f64 = StandardNormal.sample(&mut item.rng);
                            *slot = T::c(base * item.stim_scale + item.noise_scale * xi);
                        }
                    }
                }
            }
            j = upto;
        }
        let mut watch = Watch {
            v_rest,
            row: [T::c(-1.0); L],
            v: [T::default(); L],
        };
        kernel::advance::<T, X, S, L>(
            portable,
            &mut y,
            &c,
            dt,
            &stim[..len],
            &mut watch,
            &mut out[..len],
        );
        let rows = match T::absolute_rows(&out[..len]) {
            Some(rows) => rows,
            None => {
                let n = len * L;
                kernel::widen::<T>(
                    &out.as_flattened()[..n],
                    &offset[..n],
                    &mut widened.as_flattened_mut()[..n],
                );
                &widened[..len]
            }
        };
        if let Output::Stream(stream) = output {
            stream.push(rows.as_flattened());
        }
        for (k, item) in items.iter_mut().enumerate().take(active) {
            if !live[k] {
                continue;
            }
            let bad = watch.row[k].to_f64();
            let good = if bad < 0.0 { len } else { bad as usize };
            if let Output::Traces(traces) = output {
                traces[k].extend(rows[..good].iter().map(|row| row[k]));
            }
            if good < len {
                let at = step + good;
                live[k] = false;
                y.set(k, y0);
                status[k] = Err(Error::Diverged {
                    step: at,
                    t_ms: at as f64 * plan.dt,
                    v: watch.v[k].to_f64(),
                    hint: divergence_hint(
                        item.noise_scale * plan.dt.sqrt(),
                        plan.base_at(at) * item.stim_scale,
                        plan.dt,
                    ),
                });
            }
        }
        step += len;
    }
    status
}
