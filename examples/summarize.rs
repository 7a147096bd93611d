//! Summary features of a trace file.
//!
//! ```text
//! cargo run --release --example summarize -- trace.csv --features sbi7 --json
//! ```

use std::path::PathBuf;

use hh_sbi_examples::cli::{self, CliError, parse_f64};
use hh_stats::FeatureSet;
use sbi_core::{SummaryStatistics, TimeWindow, Trace};

const USAGE: &str = "\
usage: summarize <trace.csv> [--features notebook|sbi7|all] [--json]
                 [--stim-window <start_ms> <end_ms>]

Prints the summary features of a membrane-potential trace stored as CSV with header
`t_ms,vm_mv` (as written by the `simulate` example). The stimulus window is the notebook
protocol's, 70-130 ms, unless --stim-window is given. --json prints one JSON object
{feature name: value}. Feature definitions: the docs of hh_stats::Feature.";

struct Args {
    path: PathBuf,
    features: FeatureSet,
    json: bool,
    window: TimeWindow,
}

fn parse_args() -> Result<Args, CliError> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let (mut path, mut features, mut json) = (None, FeatureSet::notebook(), false);
    let mut window = TimeWindow::new(70.0, 130.0)?;
    while let Some(arg) = parser.next()? {
        match arg {
            Long("features") => {
                features = FeatureSet::preset_named(&parser.value()?.to_string_lossy())?;
            }
            Long("json") => json = true,
            Long("stim-window") => {
                let start = parse_f64("--stim-window", parser.value()?)?;
                let end = parse_f64("--stim-window", parser.value()?)?;
                window = TimeWindow::new(start, end)
                    .map_err(|e| CliError(format!("--stim-window: {e}")))?;
            }
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            Value(v) if path.is_none() => path = Some(PathBuf::from(v)),
            _ => return Err(arg.unexpected().into()),
        }
    }
    Ok(Args {
        path: path.ok_or_else(|| CliError("a trace file <trace.csv> is required".into()))?,
        features,
        json,
        window,
    })
}

fn main() {
    cli::run(USAGE, || {
        let args = parse_args()?;
        let trace = Trace::read_csv(&args.path)?.with_stimulus(args.window);
        let values = args.features.summarize(&trace)?;
        let names = args.features.names();
        if args.json {
            let object: serde_json::Map<String, serde_json::Value> = names
                .into_iter()
                .zip(values)
                .map(|(n, v)| (n, serde_json::Value::from(v)))
                .collect();
            println!("{}", serde_json::Value::Object(object));
        } else {
            let width = names.iter().map(String::len).max().unwrap_or(0);
            for (n, v) in names.iter().zip(values) {
                println!("{n:>width$}  {v}");
            }
        }
        Ok(())
    });
}
