//! [`Substepped`]: integrate on a finer grid than the output is sampled on.

use rand::Rng;
use sbi_core::{BatchResults, RowMatrix, Simulator, Trace};

use crate::error::{Error, Result};
use crate::protocol::{Protocol, Stimulus};

/// A trace simulator integrated at `dt / k` whose output keeps every `k`-th sample, so that
/// it lines up with a recording sampled at `dt`: output sample *i* is the state after step
/// `(i + 1)·k` of the fine grid, labelled `t = i·dt` as [`crate::simulate`] labels its
/// samples.
///
/// Build the inner simulator on [`Protocol::from_samples`] (the recording's stimulus held
/// for `k` fine steps per sample) and wrap it:
///
/// ```
/// use hh_model::{HhParams, HhSimulator, Protocol, Scheme, Substepped};
/// use rand::SeedableRng;
/// use sbi_core::{SeedRng, Simulator};
///
/// // 30 ms sampled at 20 kHz (dt 0.05 ms), integrated at 0.0125 ms (4 sub-steps).
/// let current: Vec<f64> = (0..600).map(|i| if (200..400).contains(&i) { 10.0 } else { 0.0 }).collect();
/// let protocol = Protocol::from_samples(0.05, &current, 4)?;
/// let inner = HhSimulator::new(HhParams::default(), protocol, Scheme::Rk4, &["g_na"])?;
/// let sim = Substepped::new(inner, 4)?;
/// let trace = sim.simulate(&[120.0], &mut SeedRng::seed_from_u64(0))?;
/// assert_eq!(trace.len(), 600);
/// assert_eq!(trace.dt_ms(), 0.05);
/// # Ok::<(), hh_model::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Substepped<S> {
    inner: S,
    k: usize,
}

impl<S> Substepped<S> {
    /// Keeps every `k`-th sample of `inner`'s traces (`k = 1`: `inner` unchanged).
    ///
    /// # Errors
    /// `k = 0`.
    pub fn new(inner: S, k: usize) -> Result<Self> {
        if k == 0 {
            return Err(sbi_core::invalid::<Error>(
                "substeps",
                0.0,
                "must be at least 1",
            ));
        }
        Ok(Self { inner, k })
    }

    /// The fine-grid simulator.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// Fine steps per output sample.
    pub fn substeps(&self) -> usize {
        self.k
    }

    fn decimate(&self, trace: Trace) -> Result<Trace> {
        if self.k == 1 {
            return Ok(trace);
        }
        let window = trace.stimulus();
        let dt = trace.dt_ms() * self.k as f64;
        let values: Vec<f64> = trace
            .values()
            .iter()
            .skip(self.k - 1)
            .step_by(self.k)
            .copied()
            .collect();
        let out = Trace::new(dt, trace.t0_ms(), values)?;
        Ok(match window {
            Some(w) => out.with_stimulus(w),
            None => out,
        })
    }
}

impl Protocol {
    /// A protocol driven by a sampled current: `samples.len()` samples of `dt_ms`, each held
    /// for `substeps` integration steps of `dt_ms / substeps` (a [`Stimulus::Waveform`] of
    /// `samples.len()·substeps` values), no noise, starting at rest. Pair it with
    /// [`Substepped`] to get traces sampled at `dt_ms`.
    ///
    /// # Errors
    /// `substeps = 0`, a non-positive `dt_ms`, no samples, too many steps, or a non-finite
    /// sample.
    pub fn from_samples(dt_ms: f64, samples: &[f64], substeps: usize) -> Result<Self> {
        if substeps == 0 {
            return Err(sbi_core::invalid::<Error>(
                "substeps",
                0.0,
                "must be at least 1",
            ));
        }
        let n = samples
            .len()
            .checked_mul(substeps)
            .filter(|&n| n <= crate::MAX_STEPS)
            .ok_or_else(|| {
                sbi_core::invalid::<Error>(
                    "num_steps",
                    samples.len() as f64 * substeps as f64,
                    "must be between 1 and 100,000,000 (an 800 MB trace)",
                )
            })?;
        let waveform: Vec<f64> = samples
            .iter()
            .flat_map(|&x| std::iter::repeat_n(x, substeps))
            .collect();
        let p =
            Protocol::new(dt_ms / substeps as f64, n).with_stimulus(Stimulus::Waveform(waveform));
        p.validate()?;
        Ok(p)
    }
}

impl<S: Simulator<Output = Trace, Error = Error>> Simulator for Substepped<S> {
    type Output = Trace;
    type Error = Error;

    fn theta_dim(&self) -> usize {
        self.inner.theta_dim()
    }

    fn simulate<R: Rng + ?Sized>(&self, theta: &[f64], rng: &mut R) -> Result<Trace> {
        self.decimate(self.inner.simulate(theta, rng)?)
    }

    /// The inner simulator's batch (its SIMD lanes for [`crate::HhSimulator`]), each trace
    /// then thinned: item *i* is [`Simulator::simulate`] with `item_rng(seed, first_index + i)`.
    fn simulate_batch_each(
        &self,
        thetas: &RowMatrix,
        seed: u64,
        first_index: u64,
    ) -> Result<BatchResults<Trace, Error>> {
        Ok(self
            .inner
            .simulate_batch_each(thetas, seed, first_index)?
            .into_iter()
            .map(|r| r.and_then(|t| self.decimate(t)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{HhParams, HhSimulator, Scheme};
    use rand::SeedableRng;
    use sbi_core::SeedRng;

    fn pulse_train() -> Vec<f64> {
        (0..400)
            .map(|i| if (100..300).contains(&i) { 8.0 } else { 0.0 })
            .collect()
    }

    #[test]
    fn keeps_every_kth_sample_of_the_fine_run() {
        let current = pulse_train();
        let fine = HhSimulator::new(
            HhParams::default(),
            Protocol::from_samples(0.05, &current, 5).unwrap(),
            Scheme::Rk4,
            &["g_k"],
        )
        .unwrap();
        let sim = Substepped::new(fine.clone(), 5).unwrap();
        let mut rng = SeedRng::seed_from_u64(3);
        let full = fine.simulate(&[36.0], &mut rng).unwrap();
        let thin = sim.simulate(&[36.0], &mut rng).unwrap();
        assert_eq!(full.len(), 2000);
        assert_eq!(thin.len(), 400);
        assert!((thin.dt_ms() - 0.05).abs() < 1e-15);
        for i in 0..400 {
            assert_eq!(thin.values()[i], full.values()[5 * i + 4]);
        }
        // The batch path thins the SIMD kernel's traces the same way.
        let thetas = RowMatrix::from_rows(&[[36.0], [30.0]]).unwrap();
        let batch = sim.simulate_batch_each(&thetas, 9, 0).unwrap();
        let one = sim
            .simulate(&[30.0], &mut sbi_core::item_rng(9, 1))
            .unwrap();
        assert_eq!(batch[1].as_ref().unwrap().len(), 400);
        for (a, b) in batch[1].as_ref().unwrap().values().iter().zip(one.values()) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
    }

    #[test]
    fn sub_steps_converge_to_the_fine_solution() {
        // Exponential Euler at 0.05 ms vs 0.01 ms and 0.002 ms: the error shrinks.
        let current = pulse_train();
        let run = |k: usize| {
            let p = Protocol::from_samples(0.05, &current, k).unwrap();
            let inner = HhSimulator::new(HhParams::default(), p, Scheme::ExpEuler, &[]).unwrap();
            Substepped::new(inner, k)
                .unwrap()
                .simulate(&[], &mut SeedRng::seed_from_u64(0))
                .unwrap()
        };
        let (coarse, mid, fine) = (run(1), run(5), run(25));
        let err = |a: &Trace| {
            a.values()
                .iter()
                .zip(fine.values())
                .map(|(x, y)| (x - y).abs())
                .fold(0.0, f64::max)
        };
        assert!(
            err(&mid) < 0.3 * err(&coarse),
            "{} vs {}",
            err(&mid),
            err(&coarse)
        );
    }

    #[test]
    fn bad_settings_are_errors() {
        assert!(Substepped::new(HhSimulator::notebook(), 0).is_err());
        assert!(Protocol::from_samples(0.05, &[1.0], 0).is_err());
        assert!(Protocol::from_samples(0.05, &[], 2).is_err());
        assert!(Protocol::from_samples(-1.0, &[1.0], 2).is_err());
        assert!(Protocol::from_samples(0.05, &[f64::NAN], 2).is_err());
        assert!(Protocol::from_samples(0.05, &[0.0; 1000], usize::MAX / 10).is_err());
    }
}
