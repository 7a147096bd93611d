//! The error type of `sbi-inference`.

/// A boxed error of a component the pipeline drives (a simulator, a density estimator, a
/// posterior).
pub type BoxedError = Box<dyn std::error::Error + Send + Sync>;

/// Errors of the inference pipeline, its datasets, rounds and diagnostics.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// θ and x have different numbers of rows.
    #[error("θ has {theta} rows but x has {x}")]
    RowMismatch {
        /// Rows of θ.
        theta: usize,
        /// Rows of x.
        x: usize,
    },
    /// Nothing to work on: too few simulations, no feature, no pair or sample for a
    /// diagnostic.
    #[error("nothing to work on: {what}")]
    Empty {
        /// What is empty, and what was needed.
        what: String,
    },
    /// The prior could not draw the parameters of the simulations.
    #[error("drawing θ from the prior failed: {0}")]
    PriorSampling(String),
    /// Too few simulations succeeded to train on (or the first ones all failed the same
    /// way); the first failure says why.
    #[error(
        "{failed} of {total} simulations failed (the simulator or the summary returned an \
         error or a non-finite feature); the first failure: {first}"
    )]
    SimulationsFailed {
        /// Simulations that failed.
        failed: usize,
        /// Simulations run.
        total: usize,
        /// What the first failure (lowest index) said.
        first: String,
    },
    /// The simulator refused a whole batch (e.g. θ of the wrong width for it).
    #[error("the simulator failed: {0}")]
    Simulator(BoxedError),
    /// The density estimator failed (its own error: [`Error::downcast_ref`] recovers it).
    #[error(transparent)]
    Estimator(BoxedError),
    /// A posterior failed (its own error: [`Error::downcast_ref`] recovers it).
    #[error(transparent)]
    Posterior(BoxedError),
    /// A dataset's arrays are missing, of the wrong type or shape, or do not fit together.
    #[error("invalid dataset: {0}")]
    InvalidDataset(String),
    /// A dataset does not fit the run it is used for (parameters, features, settings or
    /// prior differ); the message names both sides.
    #[error("the dataset does not fit this run: {0}")]
    DatasetMismatch(String),
    /// A dataset was simulated with another value of a setting than the run it is used for.
    #[error("the dataset was simulated with {name} = {dataset}; this run has {run}")]
    SettingMismatch {
        /// The setting.
        name: String,
        /// Its value in the dataset.
        dataset: String,
        /// Its value in this run.
        run: String,
    },
    /// The members of an ensemble do not fit together (or there are none).
    #[error("incompatible ensemble members: {0}")]
    IncompatibleMembers(String),
    /// The truncated prior of a sequential round cannot be sampled (no prior draw inside the
    /// region, or too few to go on).
    #[error("truncated prior: {0}")]
    Truncation(String),
    /// Importance sampling of a posterior found too little weight inside the prior.
    #[error("importance sampling failed: {0}")]
    ImportanceSampling(String),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// A shape or finiteness error from `sbi-core`.
    #[error(transparent)]
    Core(#[from] sbi_core::Error),
}

impl Error {
    /// The simulator's, estimator's or posterior's own error, when it is a `T`.
    ///
    /// ```
    /// let e = sbi_inference::Error::Estimator(Box::new(sbi_core::Error::Empty { what: "x" }));
    /// assert!(e.downcast_ref::<sbi_core::Error>().is_some());
    /// ```
    pub fn downcast_ref<T: std::error::Error + 'static>(&self) -> Option<&T> {
        match self {
            Self::Simulator(e) | Self::Estimator(e) | Self::Posterior(e) => e.downcast_ref::<T>(),
            _ => None,
        }
    }

    /// Wraps a density estimator's error.
    pub fn estimator(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Estimator(Box::new(e))
    }

    /// Wraps a posterior's error.
    pub fn posterior(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Posterior(Box::new(e))
    }
}

/// `Result` with the [`enum@Error`] of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
