//! "Try it yourself", in a browser: sliders for the true V_rest and stimulus (and the noise,
//! for a posterior trained with noise); each move simulates the observation, samples the
//! posterior at it and redraws the joint posterior with the truth marked, both marginals with
//! 90 % intervals, the observation and posterior-predictive traces, and the numbers.
//!
//! ```text
//! cargo run --release --example explorer                     # trains the notebook posterior
//! cargo run --release --example explorer -- --noise 1 --port 8000
//! cargo run --release --example explorer -- --load-posterior p.json   # from hh_posterior --save-posterior
//! ```
//!
//! Serves 127.0.0.1 only; every asset comes from this program (no CDN). See docs/explorer.md.

use std::io::Write as _;
use std::path::PathBuf;

use hh_model::HhSimulator;
use hh_sbi_examples::cli::{self, CliError, counts, parse_f64, parse_value};
use hh_sbi_examples::explorer::{Explorer, MAX_SEED, NUM_SAMPLES, View};
use hh_sbi_examples::http::{self, Request, Response};
use hh_sbi_examples::notebook::{HIGH, LOW, load_checked, trained_on};
use hh_sbi_examples::progress::TerminalProgress;
use hh_stats::FeatureSet;
use sbi_core::SummaryStatistics;
use sbi_inference::{Dataset, Npe, Problem};
use sbi_npe::{DirectPosterior, MdnEstimator, TrainConfig};
use sbi_prior::BoxUniform;

const USAGE: &str = "\
usage: explorer [--load-posterior FILE] [--port P] [--noise <sigma>] [--features notebook|sbi7]
                [--num-simulations N] [--seed S]

Trains the notebook's posterior (as hh_posterior does: N simulations, default 500, seed S,
default 0) or loads one saved by hh_posterior --save-posterior (trained with the same --noise
and --features), then serves the explorer page on http://127.0.0.1:P/ (default port 8000;
0 picks a free port) and prints its address. A GET of /?v_rest=..&stim=..&noise=..&seed=..
renders that state, so a link reproduces a view; /api/view?.. answers the same as JSON.";

const PAGE: &str = include_str!("explorer/index.html");
const SCRIPT: &str = include_str!("explorer/explorer.js");
const STYLE: &str = include_str!("explorer/explorer.css");

struct Args {
    load: Option<PathBuf>,
    port: u16,
    noise: f64,
    features: String,
    num_simulations: usize,
    seed: u64,
}

fn parse_args() -> Result<Args, CliError> {
    use lexopt::prelude::*;
    let mut p = lexopt::Parser::from_env();
    let mut a = Args {
        load: None,
        port: 8000,
        noise: 0.0,
        features: "notebook".into(),
        num_simulations: 500,
        seed: 0,
    };
    while let Some(arg) = p.next()? {
        match arg {
            Long("load-posterior") => a.load = Some(PathBuf::from(p.value()?)),
            Long("port") => a.port = parse_value("--port", p.value()?)?,
            Long("noise") => a.noise = parse_f64("--noise", p.value()?)?,
            Long("features") => a.features = p.value()?.to_string_lossy().into_owned(),
            Long("num-simulations") => {
                a.num_simulations = counts::SIMULATIONS.parse("--num-simulations", p.value()?)?
            }
            Long("seed") => a.seed = parse_value("--seed", p.value()?)?,
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(arg.unexpected().into()),
        }
    }
    if a.noise < 0.0 {
        return Err(CliError("--noise must be non-negative".into()));
    }
    if a.num_simulations < 20 {
        return Err(CliError("--num-simulations must be at least 20".into()));
    }
    cli::fits_in_memory("--num-simulations", a.num_simulations, 3 + 2)?;
    Ok(a)
}

/// Trains the notebook posterior as `hh_posterior` does, or loads and checks a saved one.
/// The posterior, and its training simulations when they were made here (a loaded
/// posterior brings none).
fn posterior(
    args: &Args,
    sim: &HhSimulator,
    features: &FeatureSet,
) -> Result<(DirectPosterior, Option<Dataset>), CliError> {
    let prior = BoxUniform::new(LOW.to_vec(), HIGH.to_vec())?;
    let expected = trained_on(sim, features, args.noise);
    match &args.load {
        Some(path) => Ok((load_checked(path, features, &expected)?, None)),
        None => {
            let est = MdnEstimator::new().with_train(TrainConfig::new().with_whiten_x(true));
            let mut progress = TerminalProgress::new("explorer");
            let run = Npe::new(
                Problem::new(&prior, sim, features)
                    .num_simulations(args.num_simulations)
                    .seed(args.seed),
            )
            .progress(&mut progress)
            .train(&est)?;
            Ok((run.posterior.with_trained_on(expected), Some(run.dataset)))
        }
    }
}

/// `text` with HTML's special characters escaped.
fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page in the state of `view`.
fn page(explorer: &Explorer, features: &str, view: &View) -> String {
    let r = view.request;
    let noisy = explorer.train_noise() > 0.0;
    let mut query = format!("v_rest={}&stim={}&seed={}", r.v_rest, r.stim, r.seed);
    if noisy {
        query.push_str(&format!("&noise={}", r.noise));
    }
    let trained = if noisy {
        format!("simulations with noise σ = {}", explorer.train_noise())
    } else {
        "noise-free simulations".to_owned()
    };
    [
        ("{{FEATURES}}", features.to_owned()),
        ("{{NUM_SAMPLES}}", NUM_SAMPLES.to_string()),
        ("{{TRAINED}}", trained),
        ("{{V_REST}}", format!("{:.1}", r.v_rest)),
        ("{{STIM}}", format!("{:.2}", r.stim)),
        ("{{NOISE}}", format!("{:.2}", r.noise)),
        ("{{TRAIN_NOISE}}", format!("{}", explorer.train_noise())),
        ("{{MAX_NOISE}}", format!("{}", explorer.max_noise())),
        (
            "{{NOISE_STEP}}",
            format!("{}", (explorer.max_noise() / 60.0).max(1e-3)),
        ),
        (
            "{{NOISE_HIDDEN}}",
            if noisy { "" } else { "hidden" }.to_owned(),
        ),
        (
            "{{NOISE_DISABLED}}",
            if noisy { "" } else { "disabled" }.to_owned(),
        ),
        ("{{SEED}}", r.seed.to_string()),
        ("{{QUERY}}", query),
        ("{{ROWS}}", view.table_rows()),
        ("{{SERVER_MS}}", format!("{:.0}", 1000.0 * view.seconds)),
        ("{{CHECK}}", html_escape(&view.check_text())),
        (
            "{{CHECK_CLASS}}",
            if view.warns() { "warning" } else { "" }.to_owned(),
        ),
        ("{{SVG_POSTERIOR}}", view.pictures.posterior.clone()),
        ("{{SVG_OBSERVED}}", view.pictures.observed.clone()),
        ("{{SVG_PREDICTIVE}}", view.pictures.predictive.clone()),
    ]
    .iter()
    .fold(PAGE.to_owned(), |html, (key, value)| {
        html.replace(key, value)
    })
}

/// One request: the page, its assets, or a view as JSON. Bad parameters get a 400 with the
/// reason; a view that cannot be computed (e.g. the posterior fails at that observation) a
/// 422; anything else a 404 or 405.
fn handle(request: &Request, explorer: &Explorer, features: &str) -> Response {
    let url = request.target.as_str();
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let ok = |content_type, body| Response {
        status: 200,
        content_type,
        body,
    };
    match path {
        "/" | "/api/view" => {
            // `/` alone is the default view; any query must be complete (a link has it all).
            let strict = path == "/api/view" || !query.is_empty();
            let req = match explorer.parse(query, strict) {
                Ok(r) => r,
                Err(message) => return Response::text(400, message),
            };
            match explorer.view(req) {
                Ok(view) if path == "/api/view" => {
                    ok("application/json", view.to_json().to_string())
                }
                Ok(view) => ok("text/html; charset=utf-8", page(explorer, features, &view)),
                Err(CliError(message)) => Response::text(422, message),
            }
        }
        "/explorer.js" => ok("text/javascript; charset=utf-8", SCRIPT.into()),
        "/explorer.css" => ok("text/css; charset=utf-8", STYLE.into()),
        _ => Response::text(404, format!("no page {path}")),
    }
}

fn main() {
    cli::run(USAGE, parse_args, |args| {
        let sim = HhSimulator::notebook().with_noise_sigma(args.noise)?;
        let features = FeatureSet::preset_named(&args.features)?;
        let (posterior, simulations) = posterior(&args, &sim, &features)?;
        let mut explorer = Explorer::new(sim, features.clone(), posterior, args.noise);
        if let Some(simulations) = simulations {
            explorer = explorer.with_model_check(simulations)?;
        }
        // Fail at once if the default view cannot be drawn.
        explorer.view(explorer.default_request())?;
        let listener = std::net::TcpListener::bind(("127.0.0.1", args.port))
            .map_err(|e| CliError(format!("cannot listen on 127.0.0.1:{}: {e}", args.port)))?;
        let port = listener.local_addr()?.port();
        println!(
            "explorer: serving http://127.0.0.1:{port}/ (seeds up to {MAX_SEED}; Ctrl-C stops)"
        );
        std::io::stdout().flush()?;
        let names = features.names().join(", ");
        // Each connection on its own thread, within the limits of `http` (docs/reliability.md).
        http::serve(&listener, &|request| handle(request, &explorer, &names))?;
        Ok(())
    });
}
