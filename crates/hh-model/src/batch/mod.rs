//! The batch simulator: many θ advanced together in SIMD lanes, for any model.
//!
//! Every [`ModelSimulator`] simulates here ([`Simulator::simulate_batch_each`] and
//! [`Simulator::simulate_summarize_each`], which the inference pipeline calls, and
//! [`Simulator::simulate`] on the scalar kernel). Items run in groups of `L` lanes — 16 in f64
//! with AVX-512 (two registers, whose long per-step chains overlap) or 8 with AVX2, 16 in f32
//! — in structure-of-arrays form: the state and parameters of lane *k* are element
//! *k* of fixed-size arrays, and one step of the scheme ([`crate::Scheme`]) for the model's
//! channels is applied to every lane by a loop the compiler turns into SIMD instructions. The
//! kernel is generic over channels, scheme, lane type and exponential and monomorphised for
//! each: a user's channel gets the same code as the library's. Two things make the lanes
//! vectorise: a branch-free polynomial exponential ([`crate::fast_exp`]; the C library's
//! `exp` is a call that does not vectorise), and the removable singularities of the rates
//! resolved by selects rather than branches ([`crate::u_over_expm1`]). The kernel is compiled
//! for AVX-512, AVX2 + FMA and the baseline, and the best the CPU has is chosen at run time
//! ([`selected_isa`]), so a plain `cargo build --release` gets the fast path where it exists.
//! Groups run in parallel with rayon.
//!
//! **Reproducible.** Lanes never interact, so an item's trace depends only on its θ, the seed
//! and its index: the same for any lane width, batch split or thread count (tested). The noise
//! current is drawn in lanes too, from a counter-based generator keyed by the item (the first
//! word of [`sbi_core::item_rng`]) and the step: the same normals whatever lane or group the
//! item runs in, and the ones the scalar path draws.
//!
//! **Accurate.** In f64 the only difference from the scalar path is the exponential (≤ 2 ulp
//! instead of ≤ 1) and fused multiply-adds: traces agree to about 10⁻⁹ mV and spike counts are
//! the same (tested on a 10,000-amplitude sweep, and against the published Pospischil
//! simulator). [`Precision::F32`] doubles the lanes; its accuracy against f64 is in
//! docs/performance.md.
//!
//! **Streaming.** With a summary that streams ([`sbi_core::SummaryStatistics::stream`], as
//! every hh-stats feature set but `ap_half_width` does), `simulate_summarize_each` hands each
//! lane's samples to its summary block by block and never holds a trace: in flight per trace
//! are its lane of the two block buffers (`2 × 128` values) plus the summary's state (≈ 300
//! bytes and one record per spike), about 2.3 KiB in f64, instead of 160 KB for a notebook
//! trace.
//!
//! [`Kernel::Scalar`] keeps the one-trace-at-a-time path with the C library's `exp`, bit for
//! bit what [`Simulator::simulate`] gives per item.

mod driver;
mod kernel;

use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use sbi_core::{
    BatchResults, ItemError, RowMatrix, Simulator, StreamEnd, SummarizedResults, SummaryStatistics,
    Trace, check_dim, item_seed,
};

use crate::channels::Channels;
use crate::error::{Error, Result};
use crate::options::{Kernel, Precision};
use crate::real::{Libm, Poly, PolyFma};
use crate::scheme::{ExpEuler, ExpStaggered, PyhhEuler, Rk4, Scheme};
use crate::simulator::ModelSimulator;
use driver::{Item, Output, Plan, run_group};

/// The instruction set [`Kernel::Simd`] runs on this CPU: `avx512`, `avx2` or `baseline`.
///
/// ```
/// assert!(["avx512", "avx2", "baseline"].contains(&hh_model::selected_isa()));
/// ```
pub fn selected_isa() -> &'static str {
    kernel::selected_isa()
}

/// One result per item of a group of [`Simulator::simulate_summarize_each`].
type ItemResults<E> = Vec<Result<(), ItemError<Error, E>>>;

/// One group of items through the kernel (see [`run_group`]).
type GroupFn<C, E> =
    for<'a, 'b, 'c> fn(&'a C, &'a Plan, bool, &'b [Item], &'c mut Output<'_, E>) -> Vec<Result<()>>;

/// The kernel for a simulator's settings: the group function, its lane count, and whether it
/// runs the portable copy.
fn group_fn<C: Channels, E>(
    sim: &ModelSimulator<C>,
    kernel: Kernel,
) -> (GroupFn<C, E>, usize, bool) {
    // Without AVX2 the lanes compile to scalar instructions (measured: 33 ns per step on the
    // SSE2 baseline, against 29 for one trace at a time with libm's exp): take the scalar path.
    let scalar = kernel == Kernel::Scalar
        || (kernel == Kernel::Simd && kernel::selected_isa() == "baseline");
    // Fused multiply-adds where the dispatched kernel has them; everything else runs the
    // baseline copy, unfused.
    let fused = !scalar && kernel == Kernel::Simd && kernel::fma_available();
    let portable = !fused;
    // With AVX-512, f64 runs two registers of lanes per group: each step's long chain (exp,
    // then a division, then the next step) of one register overlaps the other's (measured: 4.8
    // → 4.3 ns per neuron-step on the notebook). Results do not depend on the lane count.
    let two_registers = fused && kernel::selected_isa() == "avx512";
    macro_rules! pick {
        ($s:ty) => {
            match (scalar, sim.precision(), fused) {
                (true, _, _) => (run_group::<f64, Libm, $s, C, 1, E> as GroupFn<C, E>, 1),
                (false, Precision::F64, true) if two_registers => {
                    (run_group::<f64, PolyFma, $s, C, 16, E> as GroupFn<C, E>, 16)
                }
                (false, Precision::F64, true) => {
                    (run_group::<f64, PolyFma, $s, C, 8, E> as GroupFn<C, E>, 8)
                }
                (false, Precision::F64, false) => {
                    (run_group::<f64, Poly, $s, C, 8, E> as GroupFn<C, E>, 8)
                }
                (false, Precision::F32, true) => {
                    (run_group::<f32, PolyFma, $s, C, 16, E> as GroupFn<C, E>, 16)
                }
                (false, Precision::F32, false) => {
                    (run_group::<f32, Poly, $s, C, 16, E> as GroupFn<C, E>, 16)
                }
            }
        };
    }
    let (run, lanes) = match sim.scheme() {
        Scheme::PyhhEuler => pick!(PyhhEuler),
        Scheme::ExpEuler => pick!(ExpEuler),
        Scheme::ExpStaggered => pick!(ExpStaggered),
        Scheme::Rk4 => pick!(Rk4),
    };
    (run, lanes, portable)
}

/// The noise key of item `index` of a batch with `seed`: the first word of its generator
/// `item_rng(seed, index)`, as [`sbi_core::Simulator::simulate`] with that generator draws it.
pub(crate) fn item_key(seed: u64, index: u64) -> u64 {
    sbi_core::SeedRng::seed_from_u64(item_seed(seed, index)).next_u64()
}

/// The items of rows `range` of `thetas` (an error where θ is invalid).
fn items<C: Channels>(
    sim: &ModelSimulator<C>,
    thetas: &RowMatrix,
    range: std::ops::Range<usize>,
    seed: u64,
    first_index: u64,
) -> Vec<Result<Item>> {
    range
        .map(|i| Item::new(sim, thetas.row(i), item_key(seed, first_index + i as u64)))
        .collect()
}

/// Runs one item alone into a trace on `kernel` (the same trace as in any group of that
/// kernel): [`sbi_core::Simulator::simulate`] on the scalar kernel, and a streamed item whose
/// summary wants its trace on the batch's.
pub(crate) fn one_trace<C: Channels, E>(
    sim: &ModelSimulator<C>,
    kernel: Kernel,
    plan: &Plan,
    theta: &[f64],
    key: u64,
) -> Result<Trace> {
    let (run, _, portable) = group_fn::<C, E>(sim, kernel);
    let item = [Item::new(sim, theta, key)?];
    let mut output = Output::<E>::Traces(vec![plan.trace_buffer()?]);
    run(sim.model().channels(), plan, portable, &item, &mut output)
        .pop()
        .unwrap_or(Ok(()))?;
    match output {
        Output::Traces(mut t) => plan.trace(t.pop().unwrap_or_default()),
        Output::Stream(_) => Err(sbi_core::Error::Empty { what: "trace" }.into()),
    }
}

/// How every [`ModelSimulator`] simulates: through the batch simulator.
impl<C: Channels> Simulator for ModelSimulator<C> {
    type Output = Trace;
    type Error = Error;

    fn theta_dim(&self) -> usize {
        self.theta_names().len()
    }

    /// One trace in f64 with the C library's `exp`, whatever the kernel setting (the batch
    /// kernels' reference); its noise (if any) is keyed by the first word drawn from `rng`.
    fn simulate<R: Rng + ?Sized>(&self, theta: &[f64], rng: &mut R) -> Result<Trace> {
        let plan = Plan::new(self);
        one_trace::<C, Error>(self, Kernel::Scalar, &plan, theta, rng.next_u64())
    }

    /// The batch simulator ([`crate::Kernel`]): SIMD lanes, or one trace at a time with
    /// [`Kernel::Scalar`]; item *i* as [`Simulator::simulate`] with
    /// `item_rng(seed, first_index + i)` (to the bit with [`Kernel::Scalar`]), in parallel.
    fn simulate_batch_each(
        &self,
        thetas: &RowMatrix,
        seed: u64,
        first_index: u64,
    ) -> Result<BatchResults<Trace, Error>> {
        check_dim(self.theta_names().len(), thetas.ncols())?;
        let plan = Plan::new(self);
        let (run, lanes, portable) = group_fn::<C, Error>(self, self.kernel());
        let groups: Vec<usize> = (0..thetas.nrows()).step_by(lanes).collect();
        let results: Vec<Vec<Result<Trace>>> = groups
            .into_par_iter()
            .map(|start| {
                let end = (start + lanes).min(thetas.nrows());
                let mut results: Vec<Option<Result<Trace>>> = Vec::with_capacity(end - start);
                let mut group = Vec::with_capacity(lanes);
                let mut buffers = Vec::with_capacity(lanes);
                let mut slots = Vec::with_capacity(lanes);
                for (i, made) in items(self, thetas, start..end, seed, first_index)
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
                let status = run(
                    self.model().channels(),
                    &plan,
                    portable,
                    &group,
                    &mut output,
                );
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

    /// The batch simulator, handing each trace's samples to the summary's stream as they are
    /// made when it has one ([`SummaryStatistics::stream`]; every hh-stats feature set but
    /// `ap_half_width` does), so no trace is held.
    fn simulate_summarize_each<F>(
        &self,
        thetas: &RowMatrix,
        seed: u64,
        first_index: u64,
        summary: &F,
        out: &mut [f64],
    ) -> Result<SummarizedResults<Error, F::Error>>
    where
        F: SummaryStatistics<Trace>,
    {
        check_dim(self.theta_names().len(), thetas.ncols())?;
        let d = summary.dim();
        check_dim(thetas.nrows() * d, out.len())?;
        if d == 0 {
            return Err(sbi_core::Error::Empty {
                what: "summary features",
            }
            .into());
        }
        let plan = Plan::new(self);
        let layout = plan.layout();
        let (run, lanes, portable) = group_fn::<C, F::Error>(self, self.kernel());
        let results: Vec<ItemResults<F::Error>> = out
            .par_chunks_mut(lanes * d)
            .enumerate()
            .map(|(g, rows)| {
                let start = g * lanes;
                let count = rows.len() / d;
                let mut results: ItemResults<F::Error> = Vec::with_capacity(count);
                let mut group = Vec::with_capacity(lanes);
                let mut slots = Vec::with_capacity(lanes);
                for (i, made) in items(self, thetas, start..start + count, seed, first_index)
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
                let status = run(
                    self.model().channels(),
                    &plan,
                    portable,
                    &group,
                    &mut output,
                );
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
                                    StreamEnd::NeedsTrace => one_trace::<C, F::Error>(
                                        self,
                                        self.kernel(),
                                        &plan,
                                        theta,
                                        item_key(seed, index),
                                    ),
                                }
                            }
                            Output::Traces(_) => {
                                plan.trace(traces[lane].take().unwrap_or_default())
                            }
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::real::PolyFma;

    use crate::HhSimulator;

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
            let items: Vec<Item> = (start..end)
                .map(|i| Item::new(sim, thetas.row(i), item_key(5, i as u64)).unwrap())
                .collect();
            let mut out = Output::<Error>::Traces((start..end).map(|_| Vec::new()).collect());
            let status = run_group::<f64, X, PyhhEuler, _, L, Error>(
                sim.model().channels(),
                &plan,
                portable,
                &items,
                &mut out,
            );
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
