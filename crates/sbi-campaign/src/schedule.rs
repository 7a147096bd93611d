//! [`Schedule`]: how a campaign's simulations are shared between ranks.

use std::ops::Range;

use crate::error::{Error, Result};

/// How the simulations are handed out. Either way each simulation depends on its global index
/// only, so the dataset is the same bit for bit; the schedule changes who computes what, and
/// so the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Schedule {
    /// Rank r of K takes the contiguous block `r·N/K … (r+1)·N/K` (sizes differ by one at
    /// most). No communication until the end: the choice when every simulation takes about
    /// as long (the HH model's fixed steps).
    #[default]
    Static,
    /// Rank 0 hands out chunks of `chunk` simulations on request, working on chunks itself in
    /// between; every other rank keeps two requests in flight so it rarely waits. For models
    /// whose run time varies with θ (adaptive steps, bursting regimes).
    Dynamic {
        /// Simulations per chunk (at least 1).
        chunk: usize,
    },
}

impl Schedule {
    /// Checks the schedule.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a chunk of 0 simulations.
    pub fn check(self) -> Result<Self> {
        match self {
            Self::Dynamic { chunk: 0 } => Err(Error::Invalid(
                "a dynamic schedule needs chunks of at least 1 simulation".into(),
            )),
            s => Ok(s),
        }
    }
}

/// Rank `rank`'s block of `n` simulations shared by `size` ranks in contiguous blocks
/// ([`Schedule::Static`]): `rank·n/size … (rank+1)·n/size`.
///
/// ```
/// use sbi_campaign::static_block;
/// assert_eq!((0..3).map(|r| static_block(10, 3, r)).collect::<Vec<_>>(), [0..3, 3..6, 6..10]);
/// ```
pub fn static_block(n: usize, size: usize, rank: usize) -> Range<usize> {
    let size = size.max(1) as u128;
    let at = |r: usize| ((n as u128 * r as u128) / size) as usize;
    at(rank)..at(rank + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_blocks_tile_the_run_and_differ_by_one_at_most() {
        for n in [0usize, 1, 2, 7, 500, 1_000_003] {
            for size in 1..=9 {
                let blocks: Vec<_> = (0..size).map(|r| static_block(n, size, r)).collect();
                assert_eq!(blocks[0].start, 0);
                assert_eq!(blocks[size - 1].end, n);
                assert!(blocks.windows(2).all(|w| w[0].end == w[1].start));
                let lens: Vec<usize> = blocks.iter().map(|b| b.len()).collect();
                let (lo, hi) = (lens.iter().min().unwrap(), lens.iter().max().unwrap());
                assert!(hi - lo <= 1, "n {n} size {size}: {lens:?}");
            }
        }
    }

    #[test]
    fn a_chunk_of_zero_is_refused() {
        assert!(Schedule::Dynamic { chunk: 0 }.check().is_err());
        assert!(Schedule::Dynamic { chunk: 1 }.check().is_ok());
    }
}
