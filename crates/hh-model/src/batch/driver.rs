//! Running items through the lane kernel: their settings, the stimulus and noise of each
//! block of steps, divergence checks, and where the samples go.

// Structure-of-arrays loops index several arrays by the same lane `k`.
#![allow(clippy::needless_range_loop)]

use sbi_core::{SampleStream, TimeWindow, TraceLayout};

use super::kernel::{self, Lanes, Watch};
use crate::channels::Channels;
use crate::error::{Error, Result};
use crate::model::MAX_PARAMS;
use crate::noise;
use crate::real::{Exp, Lane};
use crate::scheme::{State, Step};
use crate::simulate::{divergence_hint, segments};
use crate::simulator::ModelSimulator;

/// Steps per block: the kernel advances this many steps between hand-overs of the samples
/// (two `BLOCK × L` buffers, 16 KiB each for 16 f64 lanes, stay in the L1 cache).
pub(crate) const BLOCK: usize = 128;

/// What every item of a batch shares: time step, step count, stimulus timing, output layout.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    dt: f64,
    n: usize,
    /// `(end step, density)` of each stimulus segment; an item's stimulus is the density
    /// times its scale (its θ amplitude and scale, or 1).
    base: Vec<(usize, f64)>,
    /// The trace starts with the initial state (t = 0), then one sample per step.
    initial_sample: bool,
    window: Option<TimeWindow>,
}

impl Plan {
    pub(crate) fn new<C: Channels>(sim: &ModelSimulator<C>) -> Self {
        let protocol = sim.protocol();
        let to_density = sim.model().current_to_density();
        Self {
            dt: protocol.dt_ms,
            n: protocol.num_steps,
            // With θ setting the amplitude, each pulse contributes `1·to_density` and the
            // item scales it: `to_density·A`, the same product whichever path runs it.
            base: segments(protocol, sim.sets_amplitude().then_some(1.0), to_density),
            initial_sample: protocol.record_initial,
            window: protocol.stimulus_window(),
        }
    }

    /// The number of samples of every trace.
    pub(crate) fn num_samples(&self) -> usize {
        self.n + usize::from(self.initial_sample)
    }

    /// The layout of every output trace.
    pub(crate) fn layout(&self) -> TraceLayout {
        TraceLayout::new(self.dt, 0.0, self.num_samples(), self.window)
    }

    /// An empty trace buffer of the run's length.
    ///
    /// # Errors
    /// [`sbi_core::Error::TooLarge`] when the memory is not there.
    pub(crate) fn trace_buffer(&self) -> Result<Vec<f64>> {
        let mut v = Vec::new();
        v.try_reserve_exact(self.num_samples())
            .map_err(|_| sbi_core::Error::TooLarge {
                what: "trace (out of memory)",
                nrows: self.num_samples(),
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

/// One item's settings: channel parameters and membrane, initial state, output offset,
/// stimulus scale, noise and its key.
pub(crate) struct Item {
    p: [f64; MAX_PARAMS],
    inv_c_m: f64,
    y0: State<f64>,
    v_rest: f64,
    stim_scale: f64,
    /// Per-step noise current, density units: σ·ξ/√dt (0: no noise).
    noise_scale: f64,
    /// The noise stream's key.
    key: u64,
}

impl Item {
    /// An item at `theta` whose noise has stream `key`.
    ///
    /// # Errors
    /// As [`ModelSimulator`]'s configuration (dimension, finiteness, parameter ranges).
    pub(crate) fn new<C: Channels>(
        sim: &ModelSimulator<C>,
        theta: &[f64],
        key: u64,
    ) -> Result<Self> {
        let run = sim.configure(theta)?;
        Ok(Self {
            p: run.model.channel,
            inv_c_m: run.model.inv_c_m,
            y0: run.initial,
            v_rest: run.model.v_rest,
            stim_scale: run.stim_factor,
            noise_scale: run.noise_sigma * sim.model().current_to_density()
                / sim.protocol().dt_ms.sqrt(),
            key,
        })
    }
}

/// Where a group's samples go: one summary stream over all its lanes (fed rows of `L`
/// samples, spare lanes included), or one trace per item.
pub(crate) enum Output<'a, E> {
    Stream(Box<dyn SampleStream<E> + 'a>),
    Traces(Vec<Vec<f64>>),
}

/// Runs up to `L` items together (`items.len() ≤ L`; spare lanes copy the first item and are
/// not reported), sending the samples `v_rest + V` to `output`; one status per item: `Ok`, or
/// [`Error::Diverged`] at the first step where |V| > 1000 mV or V is NaN (the item's trace
/// then ends there; a stream's lane goes on with the lane restarted at its initial state, and
/// its features are not to be read).
pub(crate) fn run_group<T: Lane, X: Exp<T>, S: Step, C: Channels, const L: usize, E>(
    ch: &C,
    plan: &Plan,
    portable: bool,
    items: &[Item],
    output: &mut Output<'_, E>,
) -> Vec<Result<()>> {
    let active = items.len().min(L);
    let Some(first) = items.first() else {
        return Vec::new();
    };
    let mut lanes = Lanes::<T, L>::splat(&first.y0, &first.p, first.inv_c_m);
    let mut scale = [first.stim_scale; L];
    let mut noise_scale = [0.0f64; L];
    let mut keys = [first.key; L];
    let mut v_rest = [first.v_rest; L];
    for (k, item) in items.iter().enumerate().take(active) {
        lanes.set_state(k, &item.y0);
        lanes.set_params(k, &item.p, item.inv_c_m);
        scale[k] = item.stim_scale;
        noise_scale[k] = item.noise_scale;
        keys[k] = item.key;
        v_rest[k] = item.v_rest;
    }
    let noisy = noise_scale.iter().any(|s| *s != 0.0);
    let dt = T::c(plan.dt);
    let mut stim = [[T::default(); L]; BLOCK];
    let mut base = [0.0f64; BLOCK];
    let mut out = [[T::Sample::default(); L]; BLOCK];
    let mut widened = [[0.0f64; L]; BLOCK];
    let offset = v_rest.repeat(BLOCK);
    let mut status: Vec<Result<()>> = (0..active).map(|_| Ok(())).collect();
    let mut live = [false; L];
    live[..active].fill(true);
    if plan.initial_sample {
        // The initial state is the first sample.
        let mut row = [0.0f64; L];
        for k in 0..L {
            row[k] = T::absolute(T::sample(lanes.y[0][k], v_rest[k]), v_rest[k]);
        }
        match output {
            Output::Stream(stream) => stream.push(&row),
            Output::Traces(traces) => {
                for (k, t) in traces.iter_mut().enumerate().take(active) {
                    t.push(row[k]);
                }
            }
        }
    }
    let (mut step, mut seg) = (0, 0);
    while step < plan.n {
        let len = BLOCK.min(plan.n - step);
        // The block's stimulus, segment by segment (the density is constant within one): the
        // density times each item's scale, plus its noise current where the group has noise.
        let mut j = 0;
        while j < len {
            while plan.base[seg].0 <= step + j {
                seg += 1;
            }
            let (end, density) = plan.base[seg];
            let upto = (end - step).min(len);
            if noisy {
                base[j..upto].fill(density);
            } else {
                let quiet: [T; L] = std::array::from_fn(|k| T::c(density * scale[k]));
                stim[j..upto].fill(quiet);
            }
            j = upto;
        }
        if noisy {
            let rows = &mut stim[..len];
            noise::stimulus::<T, L>(&keys, &noise_scale, &scale, &base[..len], step as u64, rows);
        }
        let mut watch = Watch {
            v_rest,
            row: [T::c(-1.0); L],
            v: [T::default(); L],
        };
        kernel::advance::<T, X, S, C, L>(
            portable,
            ch,
            &mut lanes,
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
        for (k, item) in items.iter().enumerate().take(active) {
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
                lanes.set_state(k, &item.y0);
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
