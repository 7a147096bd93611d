//! Named random streams: every random quantity of a seeded run comes from its own stream of
//! the run's seed, named here, in one place, so that no two uses share a stream by accident
//! and no magic number is spelled out where a stream is used.
//!
//! ```
//! use sbi_core::streams;
//! let seed = 7;
//! // θ of a run are drawn from one stream, simulation i's noise from item i of another.
//! let theta_rng = streams::PRIOR_DRAWS.rng(seed);
//! let noise_seed = streams::SIMULATIONS.seed(seed); // then item_rng(noise_seed, i)
//! assert_ne!(streams::PRIOR_DRAWS.seed(seed), noise_seed);
//! # let _ = theta_rng;
//! ```

use rand::SeedableRng;

use crate::{SeedRng, item_seed};

/// A named stream of a run's seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stream(u64);

impl Stream {
    /// The stream with id `id` (the ids below are taken).
    pub const fn new(id: u64) -> Self {
        Self(id)
    }

    /// Its id.
    pub const fn id(self) -> u64 {
        self.0
    }

    /// The stream's seed for a run seeded with `seed`: `item_seed(seed, id)`.
    pub const fn seed(self, seed: u64) -> u64 {
        item_seed(seed, self.0)
    }

    /// The stream's generator for a run seeded with `seed`.
    pub fn rng(self, seed: u64) -> SeedRng {
        SeedRng::seed_from_u64(self.seed(seed))
    }

    /// The stream's seed derived as `seed ^ id`: the derivation a few streams have used since
    /// before this module existed, kept so their results stay reproducible.
    pub const fn xor(self, seed: u64) -> u64 {
        seed ^ self.0
    }
}

/// The θ of a run: draw i is row i.
pub const PRIOR_DRAWS: Stream = Stream(0);
/// Simulation i's randomness: `item_rng(SIMULATIONS.seed(seed), i)`.
pub const SIMULATIONS: Stream = Stream(1);
/// The density estimator's training (initialisation, validation split, minibatches).
pub const TRAINING: Stream = Stream(2);
/// Posterior samples at the observation.
pub const POSTERIOR_SAMPLES: Stream = Stream(5);
/// Simulations at posterior draws over a recording (posterior predictive), item i for draw i.
pub const PREDICTIVE_SIMULATIONS: Stream = Stream(6);
/// The posterior draws of the notebook's posterior-predictive picture.
pub const PREDICTIVE_DRAWS: Stream = Stream(7);
/// The simulations of the notebook's posterior-predictive picture.
pub const PREDICTIVE_NOISE: Stream = Stream(8);
/// The simulated observation at a true θ.
pub const OBSERVATION: Stream = Stream(1_000_003);
/// Held-out θ of a validation, drawn from the prior.
pub const VALIDATION_PRIOR: Stream = Stream(9_000_001);
/// Held-out simulation i of a validation.
pub const VALIDATION_SIMULATIONS: Stream = Stream(9_000_002);
/// Posterior samples at held-out observation i of a validation.
pub const VALIDATION_SAMPLES: Stream = Stream(9_000_003);
/// The MAP search's posterior samples (derived with [`Stream::xor`] from the training seed).
pub const MAP_SEARCH: Stream = Stream(0x4d41_5000);
/// The jitter that makes SBC ranks continuous (derived with [`Stream::xor`]).
pub const SBC_JITTER: Stream = Stream(0x5342_4300);
/// The spike study's prediction trials (derived with [`Stream::xor`]).
pub const SPIKE_PREDICTION: Stream = Stream(0xC0FFEE);
/// The spike study's fitting trials (derived with [`Stream::xor`]).
pub const SPIKE_FIT: Stream = Stream(0xF2E5_4000_0000_0001);
/// The misspecification tests' split of the simulations into fit, reference and held-out
/// sets.
pub const MISSPECIFICATION_SPLIT: Stream = Stream(0x4d49_5300);
/// TARP's reference points and posterior samples.
pub const TARP: Stream = Stream(0x5441_5200);
/// L-C2ST's posterior samples and label permutations.
pub const LOCAL_C2ST: Stream = Stream(0x4c43_3200);

/// Round `r` (from 1) of a sequential run: its simulations.
pub const fn round_simulations(r: usize) -> Stream {
    Stream(1000 + r as u64)
}

/// Round `r` (from 1) of a sequential run: its truncated prior.
pub const fn round_truncation(r: usize) -> Stream {
    Stream(2000 + r as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No two named streams share an id for rounds 1…999 (sequential runs are bounded far
    /// below that).
    #[test]
    fn stream_ids_are_distinct() {
        let mut ids = vec![
            PRIOR_DRAWS,
            SIMULATIONS,
            TRAINING,
            POSTERIOR_SAMPLES,
            PREDICTIVE_SIMULATIONS,
            PREDICTIVE_DRAWS,
            PREDICTIVE_NOISE,
            OBSERVATION,
            VALIDATION_PRIOR,
            VALIDATION_SIMULATIONS,
            VALIDATION_SAMPLES,
            MAP_SEARCH,
            SBC_JITTER,
            SPIKE_PREDICTION,
            SPIKE_FIT,
            MISSPECIFICATION_SPLIT,
            TARP,
            LOCAL_C2ST,
        ];
        ids.extend((1..=999).map(round_simulations));
        ids.extend((1..=999).map(round_truncation));
        let n = ids.len();
        ids.sort_by_key(|s| s.id());
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
}
