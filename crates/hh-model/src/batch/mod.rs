//! The batch simulator: many θ advanced together in SIMD lanes.
//!
//! [`crate::HhSimulator`]'s batch methods ([`sbi_core::Simulator::simulate_batch_each`] and
//! [`sbi_core::Simulator::simulate_summarize_each`], which the inference pipeline calls) run
//! their items in groups of `L` lanes — 8 in f64, 16 in f32 — in structure-of-arrays form:
//! the state and constants of lane *k* are element *k* of fixed-size arrays, and one step of
//! the scheme is applied to every lane by a loop the compiler turns into SIMD instructions. Two
//! things make that possible: a branch-free polynomial exponential ([`crate::fast_exp`]; the
//! C library's `exp` is a call that does not vectorise), and the removable singularities of
//! αm and αn resolved by selects rather than branches. The kernel is compiled for AVX-512,
//! AVX2 + FMA and the baseline, and the best the CPU has is chosen at run time
//! ([`selected_isa`]), so a plain `cargo build --release` gets the fast path where it exists.
//! Groups run in parallel with rayon.
//!
//! **Reproducible.** Lanes never interact and no instruction set fuses operations, so an item's
//! trace depends only on its θ, the seed and its index: the same for any lane width, batch
//! split, thread count or instruction set (tested). Noise comes from the item's own stream
//! ([`sbi_core::item_rng`]), drawn exactly as the scalar path draws it.
//!
//! **Accurate.** In f64 the only difference from the scalar path ([`crate::simulate`]) is the
//! exponential (≤ 2 ulp instead of ≤ 1): traces agree to about 10⁻⁹ mV and spike counts are the
//! same (tested on a 10,000-amplitude sweep). [`Precision::F32`] doubles the lanes; its
//! accuracy against f64 is in docs/performance.md.
//!
//! **Streaming.** With a summary that streams ([`sbi_core::SummaryStatistics::stream`], as
//! every hh-stats feature set but `ap_half_width` does), `simulate_summarize_each` hands each
//! lane's samples to its summary block by block and never holds a trace: in flight per trace
//! are its lane of the two block buffers (`2 × 128` values) plus the summary's state (≈ 300
//! bytes and one record per spike), about 2.3 KiB in f64, instead of 160 KB for a notebook
//! trace.
//!
//! [`Kernel::Scalar`] keeps the one-trace-at-a-time path with the C library's `exp`, bit for
//! bit what [`sbi_core::Simulator::simulate`] gives per item.

mod driver;
mod kernel;

use rayon::prelude::*;
use sbi_core::{
    BatchResults, ItemError, RowMatrix, StreamEnd, SummarizedResults, SummaryStatistics, Trace,
    check_dim,
};

use crate::error::{Error, Result};
use crate::real::{Libm, Poly, PolyFma};
use crate::simulator::HhSimulator;
use crate::stepper::{ExpEuler, PyhhEuler, Rk4, Scheme};
use driver::{Item, Output, Plan, run_group};

/// The floating-point precision of the batch lanes.
///
/// ```
/// use hh_model::Precision;
/// assert_eq!("f32".parse::<Precision>()?, Precision::F32);
/// assert_eq!(Precision::default().to_string(), "f64");
/// assert!("f16".parse::<Precision>().is_err());
/// # Ok::<(), hh_model::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Precision {
    /// Double precision, 8 lanes (the default).
    #[default]
    F64,
    /// Single precision, 16 lanes: about twice the throughput, about 7 significant digits.
    F32,
}

impl Precision {
    /// `f64` or `f32`.
    pub fn name(self) -> &'static str {
        match self {
            Precision::F64 => "f64",
            Precision::F32 => "f32",
        }
    }
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Precision {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "f64" => Ok(Precision::F64),
            "f32" => Ok(Precision::F32),
            other => Err(Error::UnknownPrecision(other.to_owned())),
        }
    }
}

/// Which code runs a batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Kernel {
    /// SIMD lanes on the best instruction set of this CPU (the default); on a CPU without AVX2,
    /// where lanes do not pay, the scalar path.
    #[default]
    Simd,
    /// SIMD lanes compiled for the target's baseline only (x86-64: SSE2), whatever the CPU:
    /// the portable lane code, for comparison and tests (no fused multiply-adds, so it differs
    /// from [`Kernel::Simd`] on an FMA machine at rounding level; the spike counts agree).
    Portable,
    /// One trace at a time with the C library's `exp`, in f64 whatever the precision: the
    /// reference path, bit for bit what [`sbi_core::Simulator::simulate`] gives.
    Scalar,
}

impl Kernel {
    /// Every kernel, in a fixed order.
    pub const ALL: [Kernel; 3] = [Kernel::Simd, Kernel::Portable, Kernel::Scalar];

    /// `simd`, `portable` or `scalar`.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Simd => "simd",
            Kernel::Portable => "portable",
            Kernel::Scalar => "scalar",
        }
    }
}

impl std::fmt::Display for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Kernel {
    type Err = Error;

    /// ```
    /// assert_eq!("portable".parse::<hh_model::Kernel>()?, hh_model::Kernel::Portable);
    /// # Ok::<(), hh_model::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        Kernel::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| Error::UnknownKernel(s.to_owned()))
    }
}

/// The instruction set [`Kernel::Simd`] runs on this CPU: `avx512`, `avx2` or `baseline`.
///
/// ```
/// assert!(["avx512", "avx2", "baseline"].contains(&hh_model::selected_isa()));
/// ```
pub fn selected_isa() -> &'static str {
    kernel::selected_isa()
}

/// One result per item of a group of [`summarize_each`].
type ItemResults<E> = Vec<Result<(), ItemError<Error, E>>>;

/// One group of items through the kernel (see [`run_group`]).
type GroupFn<E> =
    for<'a, 'b, 'c> fn(&'a Plan, bool, &'b mut [Item], &'c mut Output<'_, E>) -> Vec<Result<()>>;

/// The kernel for a simulator's settings: the group function, its lane count, and whether it
/// runs the portable copy.
fn group_fn<E>(sim: &HhSimulator) -> (GroupFn<E>, usize, bool) {
    // Without AVX2 the lanes compile to scalar instructions (measured: 33 ns per step on the
    // SSE2 baseline, against 29 for one trace at a time with libm's exp): take the scalar path.
    let scalar = sim.kernel() == Kernel::Scalar
        || (sim.kernel() == Kernel::Simd && kernel::selected_isa() == "baseline");
    // Fused multiply-adds where the dispatched kernel has them; everything else runs the
    // baseline copy, unfused.
    let fused = !scalar && sim.kernel() == Kernel::Simd && kernel::fma_available();
    let portable = !fused;
    macro_rules! pick {
        ($s:ty) => {
            match (scalar, sim.precision(), fused) {
                (true, _, _) => (run_group::<f64, Libm, $s, 1, E> as GroupFn<E>, 1),
                (false, Precision::F64, true) => {
                    (run_group::<f64, PolyFma, $s, 8, E> as GroupFn<E>, 8)
                }
                (false, Precision::F64, false) => {
                    (run_group::<f64, Poly, $s, 8, E> as GroupFn<E>, 8)
                }
                (false, Precision::F32, true) => {
                    (run_group::<f32, PolyFma, $s, 16, E> as GroupFn<E>, 16)
                }
                (false, Precision::F32, false) => {
                    (run_group::<f32, Poly, $s, 16, E> as GroupFn<E>, 16)
                }
            }
        };
    }
    let (run, lanes) = match sim.scheme() {
        Scheme::PyhhEuler => pick!(PyhhEuler),
        Scheme::ExpEuler => pick!(ExpEuler),
        Scheme::Rk4 => pick!(Rk4),
    };
    (run, lanes, portable)
}

/// The items of rows `range` of `thetas` (an error where θ is invalid).
fn items(
    sim: &HhSimulator,
    thetas: &RowMatrix,
    range: std::ops::Range<usize>,
    seed: u64,
    first_index: u64,
) -> Vec<Result<Item>> {
    range
        .map(|i| Item::new(sim, thetas.row(i), seed, first_index + i as u64))
        .collect()
}

/// Runs one item alone into a trace (the same trace as in any group).
fn one_trace<E>(
    sim: &HhSimulator,
    plan: &Plan,
    theta: &[f64],
    seed: u64,
    index: u64,
) -> Result<Trace> {
    let (run, _, portable) = group_fn::<E>(sim);
    let mut item = [Item::new(sim, theta, seed, index)?];
    let mut output = Output::<E>::Traces(vec![plan.trace_buffer()?]);
    run(plan, portable, &mut item, &mut output)
        .pop()
        .unwrap_or(Ok(()))?;
    match output {
        Output::Traces(mut t) => plan.trace(t.pop().unwrap_or_default()),
        Output::Stream(_) => Err(sbi_core::Error::Empty { what: "trace" }.into()),
    }
}

/// [`sbi_core::Simulator::simulate_batch_each`] for [`HhSimulator`]: whole traces.
pub(crate) fn batch_each(
    sim: &HhSimulator,
    thetas: &RowMatrix,
    seed: u64,
    first_index: u64,
) -> Result<BatchResults<Trace, Error>> {
    check_dim(sim.theta_parameters().len(), thetas.ncols())?;
    let plan = Plan::new(sim);
    let (run, lanes, portable) = group_fn::<Error>(sim);
    let groups: Vec<usize> = (0..thetas.nrows()).step_by(lanes).collect();
    let results: Vec<Vec<Result<Trace>>> = groups
        .into_par_iter()
        .map(|start| {
            let end = (start + lanes).min(thetas.nrows());
            let mut results: Vec<Option<Result<Trace>>> = Vec::with_capacity(end - start);
            let mut group = Vec::with_capacity(lanes);
            let mut buffers = Vec::with_capacity(lanes);
            let mut slots = Vec::with_capacity(lanes);
            for (i, made) in items(sim, thetas, start..end, seed, first_index)
                .into_iter()
                .enumerate()
            {
                match made.and_then(|item| Ok((item, plan.trace_buffer()?))) {
                    Ok((item, buffer)) => {
                        group.push(item);
                        buffers.push(buffer);
                        slots.push(i);
                        results.push(None);
                    }
                    Err(e) => results.push(Some(Err(e))),
                }
            }
            let mut output = Output::<Error>::Traces(buffers);
            let status = run(&plan, portable, &mut group, &mut output);
            if let Output::Traces(traces) = output {
                for ((st, values), slot) in status.into_iter().zip(traces).zip(slots) {
                    results[slot] = Some(st.and_then(|()| plan.trace(values)));
                }
            }
            results.into_iter().flatten().collect()
        })
        .collect();
    Ok(results.into_iter().flatten().collect())
}

/// [`sbi_core::Simulator::simulate_summarize_each`] for [`HhSimulator`]: each group's samples
/// go to the summary's stream over its lanes when it has one, else into traces summarised at
/// the end.
pub(crate) fn summarize_each<F>(
    sim: &HhSimulator,
    thetas: &RowMatrix,
    seed: u64,
    first_index: u64,
    summary: &F,
    out: &mut [f64],
) -> Result<SummarizedResults<Error, F::Error>>
where
    F: SummaryStatistics<Trace>,
{
    check_dim(sim.theta_parameters().len(), thetas.ncols())?;
    let d = summary.dim();
    check_dim(thetas.nrows() * d, out.len())?;
    if d == 0 {
        return Err(sbi_core::Error::Empty {
            what: "summary features",
        }
        .into());
    }
    let plan = Plan::new(sim);
    let layout = plan.layout();
    let (run, lanes, portable) = group_fn::<F::Error>(sim);
    let results: Vec<ItemResults<F::Error>> = out
        .par_chunks_mut(lanes * d)
        .enumerate()
        .map(|(g, rows)| {
            let start = g * lanes;
            let count = rows.len() / d;
            let mut results: ItemResults<F::Error> = Vec::with_capacity(count);
            let mut group = Vec::with_capacity(lanes);
            let mut slots = Vec::with_capacity(lanes);
            for (i, made) in items(sim, thetas, start..start + count, seed, first_index)
                .into_iter()
                .enumerate()
            {
                match made {
                    Ok(item) => {
                        group.push(item);
                        slots.push(i);
                        results.push(Ok(()));
                    }
                    Err(e) => results.push(Err(ItemError::Simulator(e))),
                }
            }
            let mut output = match summary.stream(&layout, lanes) {
                Some(s) => Output::Stream(s),
                None => {
                    let buffers = (0..group.len())
                        .map(|_| plan.trace_buffer())
                        .collect::<Result<Vec<_>>>();
                    match buffers {
                        Ok(b) => Output::Traces(b),
                        Err(e) => {
                            for &i in &slots {
                                results[i] = Err(ItemError::Simulator(e.clone()));
                            }
                            return results;
                        }
                    }
                }
            };
            let status = run(&plan, portable, &mut group, &mut output);
            let mut traces = match &mut output {
                Output::Traces(t) => std::mem::take(t).into_iter().map(Some).collect(),
                Output::Stream(_) => Vec::new(),
            };
            for (lane, (st, i)) in status.into_iter().zip(slots).enumerate() {
                let row = &mut rows[i * d..(i + 1) * d];
                let theta = thetas.row(start + i);
                let index = first_index + (start + i) as u64;
                results[i] = st.map_err(ItemError::Simulator).and_then(|()| {
                    let trace = match &mut output {
                        Output::Stream(s) => {
                            match s.finish(lane, row).map_err(ItemError::Summary)? {
                                StreamEnd::Done => return Ok(()),
                                // The summary wants the whole trace after all: simulate the item
                                // again (same stream, same trace) into a buffer.
                                StreamEnd::NeedsTrace => {
                                    one_trace::<F::Error>(sim, &plan, theta, seed, index)
                                }
                            }
                        }
                        Output::Traces(_) => plan.trace(traces[lane].take().unwrap_or_default()),
                    }
                    .map_err(ItemError::Simulator)?;
                    summary
                        .summarize_into(&trace, row)
                        .map_err(ItemError::Summary)
                });
            }
            results
        })
        .collect();
    Ok(results.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::real::PolyFma;

    /// The traces of `thetas` through groups of `L` lanes.
    fn traces<X: crate::real::Exp<f64>, const L: usize>(
        sim: &HhSimulator,
        thetas: &RowMatrix,
        portable: bool,
    ) -> Vec<Vec<u64>> {
        let plan = Plan::new(sim);
        let mut all = Vec::new();
        for start in (0..thetas.nrows()).step_by(L) {
            let end = (start + L).min(thetas.nrows());
            let mut items: Vec<Item> = (start..end)
                .map(|i| Item::new(sim, thetas.row(i), 5, i as u64).unwrap())
                .collect();
            let mut out = Output::<Error>::Traces((start..end).map(|_| Vec::new()).collect());
            let status =
                run_group::<f64, X, PyhhEuler, L, Error>(&plan, portable, &mut items, &mut out);
            assert!(status.iter().all(|s| s.is_ok()));
            let Output::Traces(t) = out else {
                unreachable!()
            };
            all.extend(
                t.into_iter()
                    .map(|v| v.iter().map(|x| x.to_bits()).collect()),
            );
        }
        all
    }

    #[test]
    fn lane_width_does_not_change_a_bit() {
        let sim = HhSimulator::notebook().with_noise_sigma(0.3).unwrap();
        let rows: Vec<[f64; 2]> = (0..11).map(|i| [50.0, 3.0 + 0.4 * i as f64]).collect();
        let th = RowMatrix::from_rows(&rows).unwrap();
        let eight = traces::<Poly, 8>(&sim, &th, true);
        assert_eq!(traces::<Poly, 1>(&sim, &th, true), eight);
        assert_eq!(traces::<Poly, 4>(&sim, &th, true), eight);
        assert_eq!(traces::<Poly, 16>(&sim, &th, true), eight);
        if kernel::fma_available() {
            let fused = traces::<PolyFma, 8>(&sim, &th, false);
            assert_eq!(traces::<PolyFma, 4>(&sim, &th, false), fused);
            assert_ne!(fused, eight, "the fused kernel really fuses");
        }
    }
}
