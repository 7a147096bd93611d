//! The error type of sbi-campaign.

/// What can go wrong in a campaign.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The pipeline's step failed on this rank: no simulation, a prior draw, a simulator that
    /// rejects the batch, every simulation failing ([`sbi_inference::Error::SimulationsFailed`]).
    #[error(transparent)]
    Inference(#[from] sbi_inference::Error),
    /// A shared type (a matrix) rejected its input.
    #[error(transparent)]
    Core(#[from] sbi_core::Error),
    /// A setting is out of range (e.g. a chunk of 0 simulations).
    #[error("invalid campaign: {0}")]
    Invalid(String),
    /// One rank failed; every rank stopped and nothing was written.
    #[error("rank {rank} of {size} failed: {message}")]
    RankFailed {
        /// The first rank that failed.
        rank: usize,
        /// The number of ranks.
        size: usize,
        /// What it reported.
        message: String,
    },
    /// Another rank failed (rank 0 returns [`Error::RankFailed`] with the cause).
    #[error("rank {rank}: another rank failed; rank 0 reports which and why")]
    PeerFailed {
        /// This rank.
        rank: usize,
    },
    /// A rank's share does not fit one MPI message (counts are 32-bit in MPI).
    #[error(
        "rank {rank}'s share holds {count} values, more than one MPI message takes \
         (2³¹ − 1): run with more ranks"
    )]
    TooLarge {
        /// The rank.
        rank: usize,
        /// Its number of values.
        count: usize,
    },
    /// The pieces the ranks sent do not cover every simulation exactly once (a defect, or
    /// data damaged in transit): the dataset would not be whole.
    #[error("the gathered rows are not the run's: {0}")]
    Incomplete(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
