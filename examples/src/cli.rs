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

/// Runs an example's `main` body: on error prints `error: …` and the usage to standard error
/// and exits with status 2.
pub fn run(usage: &str, body: impl FnOnce() -> Result<(), CliError>) {
    if let Err(CliError(msg)) = body() {
        eprintln!("error: {msg}\n\n{usage}");
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
