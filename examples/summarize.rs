//! Summary features of a trace file: hh-stats' presets or eFEL's features.
//!
//! ```text
//! cargo run --release --example summarize -- trace.csv --features sbi7 --json
//! cargo run --release --example summarize -- cell.csv --stim-window 100 600 \
//!     --features efel:Spikecount,AP_amplitude@first,voltage_base
//! cargo run --release --example summarize -- cell.csv --stim-window 100 600 --efel-values
//! ```

use std::path::PathBuf;

use hh_sbi_examples::cli::{self, CliError, parse_f64};
use hh_stats::TraceFeatures;
use hh_stats::efel::{EfelFeature, EfelFeatures, EfelSettings, EfelValues};
use sbi_core::{SummaryStatistics, Table, TimeWindow, Trace};

const USAGE: &str = "\
usage: summarize <trace.csv> [--features notebook|sbi7|all|goncalves1|goncalves4|goncalves7|efel|efel:<name>[@first|@last],…]
                 [--json] [--stim-window <start_ms> <end_ms>]
                 [--efel-setting <name>=<value>]… [--stimulus-current <nA>] [--efel-values]

Prints the summary features of a membrane-potential trace stored as CSV with header
`t_ms,vm_mv` (as written by the `simulate` example). Times need not be uniform: other
times are interpolated onto eFEL's grid (interp_step, 0.1 ms), which is reported. The
stimulus window is the notebook protocol's, 70-130 ms, unless --stim-window is given.

--features efel… takes eFEL's features by eFEL's names (docs/features.md), each per-spike
one reduced by its mean, or its first or last value (`AP_amplitude@first`);
--efel-setting sets an eFEL setting by eFEL's name (Threshold=-30, interp_step=0.025, …);
--stimulus-current gives ohmic_input_resistance its divisor. --json prints one JSON object
{feature name: value}. --efel-values prints every eFEL feature's values as eFEL's
get_feature_values gives them, {name: [values] or null}, computed from the file's own
times as eFEL would be given them.";

struct Args {
    path: PathBuf,
    features: TraceFeatures,
    json: bool,
    window: TimeWindow,
    settings: EfelSettings,
    current_na: Option<f64>,
    efel_values: bool,
}

fn parse_args() -> Result<Args, CliError> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let (mut path, mut features, mut json) = (None, TraceFeatures::parse("notebook")?, false);
    let mut window = TimeWindow::new(70.0, 130.0)?;
    let (mut settings, mut current_na, mut efel_values) = (EfelSettings::default(), None, false);
    while let Some(arg) = parser.next()? {
        match arg {
            Long("features") => {
                features = TraceFeatures::parse(&parser.value()?.to_string_lossy())?;
            }
            Long("json") => json = true,
            Long("efel-values") => efel_values = true,
            Long("stim-window") => {
                let start = parse_f64("--stim-window", parser.value()?)?;
                let end = parse_f64("--stim-window", parser.value()?)?;
                window = TimeWindow::new(start, end)
                    .map_err(|e| CliError(format!("--stim-window: {e}")))?;
            }
            Long("efel-setting") => {
                let text = parser.value()?.to_string_lossy().into_owned();
                let (name, value) = text.split_once('=').ok_or_else(|| {
                    CliError(format!(
                        "--efel-setting expects <name>=<value>, got `{text}`"
                    ))
                })?;
                let value = parse_f64("--efel-setting", value.into())?;
                settings = settings.set(name.trim(), value)?;
            }
            Long("stimulus-current") => {
                current_na = Some(parse_f64("--stimulus-current", parser.value()?)?);
            }
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            Value(v) if path.is_none() => path = Some(PathBuf::from(v)),
            _ => return Err(arg.unexpected().into()),
        }
    }
    if let TraceFeatures::Efel(f) = features {
        let f = f.with_settings(settings.clone());
        features = TraceFeatures::Efel(match current_na {
            Some(i) => f.with_stimulus_current(i),
            None => f,
        });
    }
    Ok(Args {
        path: path.ok_or_else(|| CliError("a trace file <trace.csv> is required".into()))?,
        features: features.with_stimulus_window(window),
        json,
        window,
        settings,
        current_na,
        efel_values,
    })
}

/// Every eFEL feature's values on the file's own times, as JSON.
fn efel_values(args: &Args) -> Result<serde_json::Value, CliError> {
    let table = Table::read(&args.path)?;
    if table.columns() != ["t_ms", "vm_mv"] {
        return Err(CliError(format!(
            "{}: expected header `t_ms,vm_mv`, found `{}`",
            args.path.display(),
            table.columns().join(",")
        )));
    }
    let (t, v) = (table.column(0), table.column(1));
    let w = args.window;
    let values = EfelValues::from_times(
        &t,
        &v,
        w.start_ms,
        w.end_ms,
        &args.settings,
        args.current_na,
    )?;
    let object = EfelFeature::ALL
        .iter()
        .map(|&f| {
            let value = values
                .get(f)
                .map_or(serde_json::Value::Null, serde_json::Value::from);
            (f.name().to_owned(), value)
        })
        .collect();
    Ok(serde_json::Value::Object(object))
}

fn main() {
    cli::run(USAGE, parse_args, |args| {
        if args.efel_values {
            println!("{}", efel_values(&args)?);
            return Ok(());
        }
        let step = match &args.features {
            TraceFeatures::Efel(f) => EfelFeatures::settings(f).interp_step,
            TraceFeatures::Hh(_) | TraceFeatures::Goncalves(_) => {
                sbi_core::resample::DEFAULT_STEP_MS
            }
        };
        let (trace, resampled) = Trace::read_csv_resampled(&args.path, step)?;
        if let Some(r) = resampled {
            eprintln!("{}: {r}", args.path.display());
        }
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
