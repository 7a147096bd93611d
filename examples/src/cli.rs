//! Command-line helpers: every example reports a bad flag with a clear message and exit code 2.

use std::fmt::Display;

/// A command-line error: the message to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError(pub String);

impl<E: Display> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError(e.to_string())
    }
}

/// Parses a flag's value as a finite `f64`.
///
/// ```
/// use hh_sbi_examples::cli::parse_f64;
/// assert_eq!(parse_f64("--stim", "5".into()).unwrap(), 5.0);
/// assert!(parse_f64("--stim", "five".into()).is_err());
/// assert!(parse_f64("--stim", "NaN".into()).is_err());
/// ```
pub fn parse_f64(flag: &str, value: std::ffi::OsString) -> Result<f64, CliError> {
    let s = value.to_string_lossy();
    match s.trim().parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(CliError(format!(
            "{flag} expects a finite number, got `{s}`"
        ))),
    }
}

/// Parses a flag's value with `FromStr`, naming the flag in the error.
///
/// ```
/// use hh_sbi_examples::cli::parse_value;
/// let n: usize = parse_value("--n", "12".into()).unwrap();
/// assert_eq!(n, 12);
/// assert!(parse_value::<usize>("--n", "-1".into()).is_err());
/// ```
pub fn parse_value<T>(flag: &str, value: std::ffi::OsString) -> Result<T, CliError>
where
    T: std::str::FromStr,
    T::Err: Display,
{
    let s = value.to_string_lossy();
    s.trim()
        .parse::<T>()
        .map_err(|e| CliError(format!("{flag}: invalid value `{s}`: {e}")))
}

/// Checks that `rows` simulations (or samples) of `cols` numbers each fit in what one run
/// holds in memory (`sbi_core::MAX_ENTRIES` numbers), before any work starts, with a message
/// that says what to change.
///
/// ```
/// use hh_sbi_examples::cli::fits_in_memory;
/// assert!(fits_in_memory("--num-simulations", 100_000, 7).is_ok());
/// let e = fits_in_memory("--num-simulations", 100_000_000, 15).unwrap_err();
/// assert!(e.0.contains("use fewer"), "{}", e.0);
/// ```
///
/// # Errors
/// A [`CliError`] naming `flag`, the numbers asked for and the limit.
pub fn fits_in_memory(flag: &str, rows: usize, cols: usize) -> Result<(), CliError> {
    sbi_core::check_size("a run", rows, cols)
        .map(|_| ())
        .map_err(|_| {
            CliError(format!(
                "{flag} {rows} with {cols} numbers each (parameters and features) needs \
             {:.2e} numbers in memory, more than one run holds ({}, 8 GiB): use fewer, or split \
             them into campaign parts (the `campaign` example)",
                rows as f64 * cols as f64,
                sbi_core::MAX_ENTRIES
            ))
        })
}

/// Runs an example: `parse` reads the command line, `body` does the work. A flag error prints
/// `error: …` and the usage; an error while working prints `error: …` alone (the usage would
/// bury what went wrong). Either exits with status 2.
pub fn run<A>(
    usage: &str,
    parse: impl FnOnce() -> Result<A, CliError>,
    body: impl FnOnce(A) -> Result<(), CliError>,
) {
    let args = match parse() {
        Ok(args) => args,
        Err(CliError(msg)) => {
            eprintln!("error: {msg}\n\n{usage}");
            std::process::exit(2);
        }
    };
    if let Err(CliError(msg)) = body(args) {
        eprintln!("error: {msg}");
        std::process::exit(2);
    }
}

/// Prints one note per kind of failed simulation of a pipeline run (count, stage, the first
/// one's index and message) to standard error.
pub fn report_failures(dataset: &sbi_inference::Dataset) {
    for kind in dataset.failure_kinds() {
        eprintln!(
            "note: {} simulations failed ({}) and were dropped; the first, simulation {}: {}",
            kind.count,
            kind.stage.name(),
            kind.first_index,
            kind.first_message
        );
    }
}

/// The reports of a sequential run's rounds as JSON: round, simulations so far, the prior
/// mass they were drawn from, validation loss.
pub fn rounds_json(rounds: &[sbi_inference::RoundReport]) -> serde_json::Value {
    rounds
        .iter()
        .map(|r| {
            serde_json::json!({
                "round": r.round,
                "num_simulations": r.num_simulations,
                "prior_mass": r.prior_mass,
                "validation_loss": r.validation_loss,
            })
        })
        .collect()
}

/// Prints one line per round of a sequential run: simulations so far, the prior mass its θ
/// were drawn from, validation loss.
pub fn print_rounds(rounds: &[sbi_inference::RoundReport]) {
    for r in rounds {
        println!(
            "round {}: {} simulations in all, drawn from {:.2} % of the prior, validation loss {:.4}",
            r.round + 1,
            r.num_simulations,
            100.0 * r.prior_mass,
            r.validation_loss
        );
    }
}

/// A count flag's range, and why it ends there: every count a user types is parsed by
/// [`Count::parse`] against one of the [`counts`] (docs/reliability.md lists them all), so a
/// typo is an error that names the range, never an allocation that aborts or a run that
/// cannot end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// What is counted, in the user's words (e.g. "sequential rounds").
    pub what: &'static str,
    /// The smallest value that makes sense.
    pub min: usize,
    /// The largest value accepted.
    pub max: usize,
    /// Why the range ends there.
    pub why: &'static str,
}

impl Count {
    /// Parses `value` as a whole number in `min..=max`, naming `flag` and the range in the
    /// error (underscores and a plain exponent such as `1e6` are accepted).
    ///
    /// ```
    /// use hh_sbi_examples::cli::counts;
    /// assert_eq!(counts::ROUNDS.parse("--rounds", "3".into()).unwrap(), 3);
    /// assert_eq!(counts::SIMULATIONS.parse("--num-simulations", "1e5".into()).unwrap(), 100_000);
    /// let e = counts::ROUNDS.parse("--rounds", "18446744073709551615".into()).unwrap_err();
    /// assert!(e.0.contains("1 to 100"), "{}", e.0);
    /// assert!(counts::THREADS.parse("--threads", "0".into()).is_err());
    /// assert!(counts::THREADS.parse("--threads", "1.5".into()).is_err());
    /// ```
    ///
    /// # Errors
    /// A [`CliError`] for text that is not a whole number, or a number outside the range.
    pub fn parse(&self, flag: &str, value: std::ffi::OsString) -> Result<usize, CliError> {
        let s = value.to_string_lossy();
        let text = s.trim().replace('_', "");
        let n = match text.parse::<u128>() {
            Ok(n) => Some(n),
            Err(_) => text
                .parse::<f64>()
                .ok()
                .filter(|x| {
                    x.is_finite() && *x >= 0.0 && x.fract() == 0.0 && text.contains(['e', 'E'])
                })
                .map(|x| x.min(u128::MAX as f64) as u128),
        }
        .ok_or_else(|| CliError(format!("{flag} expects a whole number, got `{s}`")))?;
        match usize::try_from(n) {
            Ok(n) if (self.min..=self.max).contains(&n) => Ok(n),
            _ => Err(CliError(format!(
                "{flag} takes {} to {} {} ({}), got {s}",
                self.min, self.max, self.what, self.why
            ))),
        }
    }
}

/// The ranges of every count flag of the examples.
pub mod counts {
    use super::Count;

    /// `--rounds`: sequential rounds.
    pub const ROUNDS: Count = Count {
        what: "sequential rounds",
        min: 1,
        max: sbi_inference::MAX_ROUNDS,
        why: "each round is a simulation campaign and a training; truncation converges in a few",
    };
    /// `--threads`: worker threads.
    pub const THREADS: Count = Count {
        what: "threads",
        min: 1,
        max: 1024,
        why: "more than the machine's cores only adds overhead, and each thread holds memory and counts against the system's thread limit",
    };
    /// `--num-simulations`: simulations of a run.
    pub const SIMULATIONS: Count = Count {
        what: "simulations",
        min: 1,
        max: 100_000_000,
        why: "10⁸ is 1000 times the field's largest published budget; the data must also fit in memory (θ and features, at most 2³⁰ numbers)",
    };
    /// `--num-samples`: posterior samples.
    pub const POSTERIOR_SAMPLES: Count = Count {
        what: "posterior samples",
        min: 2,
        max: 10_000_000,
        why: "10⁷ draws estimate any quantile to 10⁻³; the samples are held in memory",
    };
    /// `--num-samples` of a synthesized trace: voltage samples.
    pub const TRACE_SAMPLES: Count = Count {
        what: "samples per trace",
        min: 2,
        max: hh_model::MAX_STEPS,
        why: "hh-model's limit of steps per protocol (an 800 MB trace)",
    };
    /// `--chunk`: simulations per work item of a dynamic schedule.
    pub const CHUNK: Count = Count {
        what: "simulations per chunk",
        min: 1,
        max: 1_000_000,
        why: "a chunk is one work item; larger chunks only unbalance the ranks",
    };
    /// `--trials`, `--fresh-trials`: noisy trials per stimulus of the spike study.
    pub const TRIALS: Count = Count {
        what: "trials per point",
        min: 1,
        max: spike_fit::MAX_TRIALS,
        why: "spike-fit's limit: one threshold per trial is kept (80 MB per point)",
    };
    /// `--ensemble`: networks of an ensemble.
    pub const ENSEMBLE: Count = Count {
        what: "networks",
        min: 1,
        max: sbi_inference::MAX_MEMBERS,
        why: "each member is a full training run",
    };
    /// `--validate`: held-out parameter sets.
    pub const VALIDATE: Count = Count {
        what: "parameter sets",
        min: 1,
        max: sbi_inference::MAX_VALIDATION,
        why: "each is a simulation and a posterior sampled 1000 times",
    };
    /// `--substeps`: integration steps per recorded sample.
    pub const SUBSTEPS: Count = Count {
        what: "integration steps per sample",
        min: 1,
        max: 1000,
        why: "1000 sub-steps of a 0.1 ms sample is 0.1 µs, far below any channel's time constant",
    };
    /// `--traces`: traces of a throughput run.
    pub const TRACES: Count = Count {
        what: "traces",
        min: 1,
        max: 100_000_000,
        why: "each trace is a 200 ms simulation; 10⁸ take hours on one machine",
    };
    /// `--points`: points of a grid or a curve.
    pub const POINTS: Count = Count {
        what: "points",
        min: 2,
        max: 10_000,
        why: "far more than a picture shows",
    };
    /// `--batch-size`: rows per training minibatch.
    pub const BATCH_SIZE: Count = Count {
        what: "rows per minibatch",
        min: 1,
        max: 1_000_000,
        why: "a minibatch is held as tensors with every layer's activations; beyond the data it is the whole data",
    };
    /// Every count, with the flags that take it (for docs/reliability.md, checked by a test).
    pub const ALL: [(&str, Count); 13] = [
        ("--rounds", ROUNDS),
        ("--threads", THREADS),
        ("--num-simulations", SIMULATIONS),
        ("--num-samples (posterior)", POSTERIOR_SAMPLES),
        ("--num-samples (synthesize_recording)", TRACE_SAMPLES),
        ("--chunk", CHUNK),
        ("--trials, --fresh-trials", TRIALS),
        ("--ensemble", ENSEMBLE),
        ("--validate, --calibration", VALIDATE),
        ("--substeps", SUBSTEPS),
        ("--traces", TRACES),
        ("--points", POINTS),
        ("--batch-size", BATCH_SIZE),
    ];
}
