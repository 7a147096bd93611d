//! Several sweeps of one cell as one observation — the recommended way to use a family of
//! recordings (current steps at several amplitudes, a ramp, short pulses) with neural
//! posterior estimation: [`Sweeps`] runs every sweep's simulator (each with its own protocol)
//! for one θ, and [`PerSweep`] summarises each sweep's output with its own features and
//! concatenates them, names prefixed by the sweep. The pipeline sees an ordinary simulator
//! and summary: nothing else changes.
//!
//! ```
//! use rand::{RngExt, SeedableRng, Rng};
//! use sbi_core::sweeps::{PerSweep, Sweeps};
//! use sbi_core::{Error, Identity, SeedRng, Simulator, SummaryStatistics};
//!
//! /// θ plus a step of `level` and noise: one sweep's protocol.
//! struct Step { level: f64 }
//! impl Simulator for Step {
//!     type Output = Vec<f64>;
//!     type Error = Error;
//!     fn theta_dim(&self) -> usize { 1 }
//!     fn simulate<R: Rng + ?Sized>(&self, th: &[f64], rng: &mut R) -> Result<Vec<f64>, Error> {
//!         Ok(vec![th[0] * self.level + rng.random::<f64>()])
//!     }
//! }
//! let sim = Sweeps::new(vec![Step { level: 1.0 }, Step { level: 3.0 }])?;
//! let x = sim.simulate(&[0.5], &mut SeedRng::seed_from_u64(1))?;
//! assert_eq!(x.len(), 2); // one output per sweep
//! let features = PerSweep::new(vec![("sweep0".into(), Identity::new(1)), ("sweep3".into(), Identity::new(1))])?;
//! let names = SummaryStatistics::<Vec<Vec<f64>>>::names(&features);
//! assert_eq!(names, ["sweep0/x0", "sweep3/x0"]);
//! assert_eq!(features.summarize(&x)?.len(), 2);
//! # Ok::<(), sbi_core::Error>(())
//! ```

use rand::Rng;

use crate::error::{Error, Result};
use crate::traits::{Simulator, SummaryStatistics};

/// At most this many sweeps in one observation.
pub const MAX_SWEEPS: usize = 1000;

/// One simulator per sweep, all taking the same θ: one simulation is every sweep's, in order,
/// drawing from the same random stream one after the other (so a seed gives the same sweeps
/// whatever the thread count). Parallel over θ as any simulator; each sweep runs its
/// simulator's one-θ path.
#[derive(Debug, Clone)]
pub struct Sweeps<S> {
    sweeps: Vec<S>,
}

impl<S: Simulator> Sweeps<S> {
    /// The sweeps' simulators, in observation order.
    ///
    /// # Errors
    /// No sweep, more than [`MAX_SWEEPS`], or simulators taking different numbers of
    /// parameters.
    pub fn new(sweeps: Vec<S>) -> Result<Self> {
        check_count(sweeps.len())?;
        let dim = sweeps[0].theta_dim();
        if let Some(k) = sweeps.iter().position(|s| s.theta_dim() != dim) {
            return Err(Error::InvalidParameter {
                name: "sweeps",
                value: k as f64,
                reason: "every sweep's simulator must take the same parameters",
            });
        }
        Ok(Self { sweeps })
    }

    /// The sweeps' simulators.
    pub fn sweeps(&self) -> &[S] {
        &self.sweeps
    }
}

fn check_count(n: usize) -> Result<()> {
    match n {
        0 => Err(Error::Empty { what: "sweeps" }),
        n if n > MAX_SWEEPS => Err(Error::TooLarge {
            what: "sweeps",
            nrows: n,
            ncols: 1,
            max: MAX_SWEEPS,
        }),
        _ => Ok(()),
    }
}

impl<S: Simulator> Simulator for Sweeps<S> {
    type Output = Vec<S::Output>;
    type Error = S::Error;

    fn theta_dim(&self) -> usize {
        self.sweeps[0].theta_dim()
    }

    fn simulate<R: Rng + ?Sized>(
        &self,
        theta: &[f64],
        rng: &mut R,
    ) -> Result<Self::Output, Self::Error> {
        self.sweeps.iter().map(|s| s.simulate(theta, rng)).collect()
    }
}

/// Each sweep's features by its own summary (its own stimulus window, say), concatenated in
/// sweep order; names are `label/name`.
#[derive(Debug, Clone)]
pub struct PerSweep<F> {
    sweeps: Vec<(String, F)>,
}

impl<F> PerSweep<F> {
    /// `(label, summary)` per sweep, in observation order.
    ///
    /// # Errors
    /// No sweep or more than [`MAX_SWEEPS`].
    pub fn new(sweeps: Vec<(String, F)>) -> Result<Self> {
        check_count(sweeps.len())?;
        Ok(Self { sweeps })
    }

    /// The sweeps' labels and summaries.
    pub fn sweeps(&self) -> &[(String, F)] {
        &self.sweeps
    }
}

impl<T: Sync, F: SummaryStatistics<T>> SummaryStatistics<Vec<T>> for PerSweep<F> {
    type Error = F::Error;

    fn dim(&self) -> usize {
        self.sweeps.iter().map(|(_, f)| f.dim()).sum()
    }

    fn names(&self) -> Vec<String> {
        self.sweeps
            .iter()
            .flat_map(|(label, f)| f.names().into_iter().map(move |n| format!("{label}/{n}")))
            .collect()
    }

    /// # Errors
    /// An output with another number of sweeps; the first sweep whose summary fails.
    fn summarize_into(&self, outputs: &Vec<T>, out: &mut [f64]) -> Result<(), Self::Error> {
        crate::check_dim(self.dim(), out.len())?;
        crate::check_dim(self.sweeps.len(), outputs.len())?;
        let mut rest = out;
        for ((_, f), output) in self.sweeps.iter().zip(outputs) {
            let (head, tail) = rest.split_at_mut(f.dim());
            f.summarize_into(output, head)?;
            rest = tail;
        }
        Ok(())
    }
}
