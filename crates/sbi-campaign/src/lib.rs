//! # sbi-campaign — simulation campaigns across machines
//!
//! A campaign is the simulation step of the inference pipeline
//! ([`sbi_inference::Npe::simulate`], the same loop: [`sbi_inference::simulate_ranges`]) at
//! scale: a [`sbi_inference::Problem`] — `N` draws from any [`sbi_core::Prior`], simulated by
//! any [`sbi_core::Simulator`] and summarised by any [`sbi_core::SummaryStatistics`] — shared
//! across the ranks of an MPI job (feature `mpi`) and joined on rank 0 into one
//! [`sbi_inference::Dataset`], which [`sbi_inference::Dataset::save_npz`] writes (atomically)
//! and [`sbi_inference::Npe::train_on`] trains on. It needs no tensor library: burn is not in
//! its build.
//!
//! Every simulation is keyed by its **global index**: θ row i is draw i of the prior's seeded
//! stream and its noise comes from stream i, never from the rank, the thread or the chunk.
//! So the dataset is byte-identical for 1, 2 or 1,000 ranks, static or dynamic hand-out
//! ([`Schedule`]), and equal to the single-machine pipeline's for the same seed.
//!
//! ## Quick start
//!
//! ```
//! use sbi_campaign::{Campaign, Schedule};
//! use sbi_inference::Problem;
//! use sbi_core::{Identity, testing::LinearGaussian};
//! use sbi_prior::BoxUniform;
//!
//! let prior = BoxUniform::new(vec![-3.0, -3.0], vec![3.0, 3.0])?;
//! let simulator = LinearGaussian::new(2, 0.5)?;
//! let summary = Identity::new(2);
//! // One process here; `run_mpi(&world)` (feature `mpi`) under `mpirun -np K` shares it out.
//! let problem = Problem::new(&prior, &simulator, &summary).num_simulations(1000).seed(7);
//! let run = Campaign::new(problem)
//!     .schedule(Schedule::Dynamic { chunk: 128 })
//!     .run_local()?;
//! println!("{:.0} simulations/s", run.throughput());
//! let dataset = run.dataset.expect("rank 0 has the dataset");
//! assert_eq!(dataset.len(), 1000);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! With the `mpi` feature (needs the system's MPI: Debian's `openmpi-bin`, `libopenmpi-dev`
//! and `libclang-dev`):
//!
//! ```text
//! let universe = mpi::initialize().expect("MPI initialises once");
//! let world = universe.world();
//! let run = Campaign::new(Problem::new(&prior, &simulator, &summary).num_simulations(1_000_000)).run_mpi(&world)?;
//! if let Some(dataset) = run.dataset {      // rank 0
//!     dataset.save_npz("campaign.npz".as_ref())?;
//! }
//! ```
//!
//! The example `campaign` (examples/campaign.rs, compiled and tested) runs the notebook's HH
//! model this way; see docs/scaling.md for `mpirun`, Slurm and the measured throughput.

mod assemble;
mod campaign;
mod error;
#[cfg(feature = "mpi")]
mod mpi_run;
mod schedule;
#[cfg(feature = "mpi")]
mod wire;

pub use campaign::{Campaign, CampaignRun, RankReport};
pub use error::{Error, Result};
pub use schedule::{Schedule, static_block};

#[cfg(test)]
mod send_sync {
    fn is_send_sync<T: Send + Sync>() {}
    #[test]
    fn public_types_are_send_and_sync() {
        is_send_sync::<super::CampaignRun>();
        is_send_sync::<super::RankReport>();
        is_send_sync::<super::Schedule>();
        is_send_sync::<super::Error>();
    }
}
