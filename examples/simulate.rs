//! Simulate one trace of a model under a protocol and write it (and optionally a picture).
//!
//! ```text
//! cargo run --release --example simulate -- --v-rest -65 --stim 7 --scheme rk4 \
//!     --out trace.csv --plot trace.svg
//! cargo run --release --example simulate -- --model pospischil --param g_na=50 --param g_k=5 \
//!     --protocol goncalves --out trace.csv --plot trace.svg
//! ```

use std::path::PathBuf;

use hh_model::{Channels, Model, ModelSimulator, Protocol, Scheme};
use hh_sbi_examples::cli::{self, CliError, parse_f64, parse_value};
use hh_sbi_examples::plot::{PALETTE, Series, plot_traces};
use rand::SeedableRng;
use sbi_core::{SeedRng, Simulator, Trace};

const USAGE: &str = "\
usage: simulate [--model <classic|pospischil|pospischil-calcium>] [--protocol <notebook|goncalves>]
                [--param <name=value>]... [--v-rest <mV>] [--stim <amplitude>]
                [--scheme <pyhh-euler|exp-euler|exp-staggered|rk4>]
                [--noise <µA/cm²*sqrt(ms)>] [--seed <u64>] --out <trace.csv> [--plot <trace.svg>]

Simulates one trace and writes the membrane potential as CSV `t_ms,vm_mv`.
--model classic (default): the 1952 squid axon, rest-relative; the trace is v_rest + v.
--model pospischil: Pospischil et al.'s cortical model as Gonçalves et al. 2020 simulate it
  (sodium, delayed rectifier, M-current, leak; pospischil-calcium adds L- and T-type calcium).
--protocol notebook (classic's default): 200 ms at dt 0.01 ms, a pulse from 70 to 130 ms; row i
  is the potential after step i+1, labelled t = i*dt, as pyHH. goncalves (pospischil's default):
  120 ms at dt 0.01 ms from t = 0 (12,001 samples), 3.248 µA/cm² from 10 to 110 ms.
--param sets any model parameter by name (repeatable; an unknown name lists the model's).
--v-rest is --param v_rest=...; --stim sets the pulse amplitude (µA/cm²; notebook default 5).
Defaults: --scheme pyhh-euler for classic, exp-staggered otherwise; no noise; seed 0.";

struct Args {
    model: String,
    protocol: Option<String>,
    params: Vec<(String, f64)>,
    stim: Option<f64>,
    scheme: Option<Scheme>,
    noise: f64,
    seed: u64,
    out: PathBuf,
    plot: Option<PathBuf>,
}

fn parse_args() -> Result<Args, CliError> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let (mut model, mut protocol, mut params) = ("classic".to_owned(), None, Vec::new());
    let (mut stim, mut scheme, mut noise, mut seed) = (None, None, 0.0, 0u64);
    let (mut out, mut plot) = (None, None);
    while let Some(arg) = parser.next()? {
        match arg {
            Long("model") => model = parser.value()?.to_string_lossy().into_owned(),
            Long("protocol") => protocol = Some(parser.value()?.to_string_lossy().into_owned()),
            Long("param") => {
                let s = parser.value()?.to_string_lossy().into_owned();
                let (name, value) = s
                    .split_once('=')
                    .ok_or_else(|| CliError(format!("--param expects name=value, got `{s}`")))?;
                params.push((name.trim().to_owned(), parse_f64("--param", value.into())?));
            }
            Long("v-rest") => {
                params.push(("v_rest".into(), parse_f64("--v-rest", parser.value()?)?))
            }
            Long("stim") => stim = Some(parse_f64("--stim", parser.value()?)?),
            Long("scheme") => scheme = Some(parse_value("--scheme", parser.value()?)?),
            Long("noise") => noise = parse_f64("--noise", parser.value()?)?,
            Long("seed") => seed = parse_value("--seed", parser.value()?)?,
            Long("out") => out = Some(PathBuf::from(parser.value()?)),
            Long("plot") => plot = Some(PathBuf::from(parser.value()?)),
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(arg.unexpected().into()),
        }
    }
    if noise < 0.0 {
        return Err(CliError(format!(
            "--noise is the current noise's σ (µA/cm²·√ms) and must be non-negative, got {noise}"
        )));
    }
    Ok(Args {
        model,
        protocol,
        params,
        stim,
        scheme,
        noise,
        seed,
        out: out.ok_or_else(|| CliError("--out <trace.csv> is required".into()))?,
        plot,
    })
}

/// The protocol named `name`.
fn protocol(name: &str) -> Result<Protocol, CliError> {
    match name {
        "notebook" => Ok(Protocol::notebook(5.0)),
        "goncalves" => Ok(Protocol::goncalves()),
        other => Err(CliError(format!(
            "unknown protocol `{other}`: notebook or goncalves"
        ))),
    }
}

/// One trace of `model` with the flags' parameters; its stimulus amplitude for the picture.
fn run<C: Channels>(model: Model<C>, args: &Args, default: &str) -> Result<(Trace, f64), CliError> {
    let protocol = protocol(args.protocol.as_deref().unwrap_or(default))?;
    let amplitude = match &protocol.stimulus {
        hh_model::Stimulus::Pulses(p) => args.stim.unwrap_or(p[0].amplitude),
        _ => 0.0,
    };
    let mut names: Vec<&str> = args.params.iter().map(|(n, _)| n.as_str()).collect();
    let mut theta: Vec<f64> = args.params.iter().map(|(_, v)| *v).collect();
    names.push("stim_amplitude");
    theta.push(amplitude);
    let scheme = args.scheme.unwrap_or(if model.name() == "classic" {
        Scheme::PyhhEuler
    } else {
        Scheme::ExpStaggered
    });
    let sim =
        ModelSimulator::for_model(model, protocol, scheme, &names)?.with_noise_sigma(args.noise)?;
    let trace = sim.simulate(&theta, &mut SeedRng::seed_from_u64(args.seed))?;
    Ok((trace, amplitude))
}

fn main() {
    cli::run(USAGE, parse_args, |args| {
        let start = std::time::Instant::now();
        let (trace, amplitude) = match args.model.as_str() {
            "classic" => run(Model::classic(), &args, "notebook")?,
            "pospischil" => run(Model::pospischil(), &args, "goncalves")?,
            "pospischil-calcium" => run(Model::pospischil_calcium(), &args, "goncalves")?,
            other => {
                return Err(CliError(format!(
                    "unknown model `{other}`: classic, pospischil or pospischil-calcium"
                )));
            }
        };
        let elapsed = start.elapsed();
        trace.write_csv(&args.out)?;
        let peak = trace.values().iter().cloned().fold(f64::MIN, f64::max);
        eprintln!(
            "simulated {} samples of the {} model in {:.2} ms; peak {peak:.2} mV; wrote {}",
            trace.len(),
            args.model,
            elapsed.as_secs_f64() * 1e3,
            args.out.display()
        );
        if let Some(svg) = &args.plot {
            let set: Vec<String> = args
                .params
                .iter()
                .map(|(n, v)| format!("{n} = {v}"))
                .collect();
            let title = format!("{} model {}", args.model, set.join(", "));
            let window = trace
                .stimulus()
                .map(|w| (w, format!("stimulus {amplitude:.3} µA/cm²")));
            let series = [Series {
                label: "membrane potential".into(),
                trace: &trace,
                color: PALETTE[0],
                width: 2,
            }];
            plot_traces(svg, &title, &series, window)
                .map_err(|e| CliError(format!("{}: {e}", svg.display())))?;
            eprintln!("wrote {}", svg.display());
        }
        Ok(())
    });
}
