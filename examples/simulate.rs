//! Simulate the notebook's protocol once and write the trace (and optionally a picture).
//!
//! ```text
//! cargo run --release --example simulate -- --v-rest -65 --stim 7 --scheme rk4 \
//!     --out trace.csv --plot trace.svg
//! ```

use std::path::PathBuf;

use hh_model::{HhSimulator, Scheme};
use hh_sbi_examples::cli::{self, CliError, parse_f64, parse_value};
use hh_sbi_examples::plot::{PALETTE, Series, plot_traces};
use rand::SeedableRng;
use sbi_core::{SeedRng, Simulator};

const USAGE: &str = "\
usage: simulate [--v-rest <mV>] [--stim <µA/cm²>] [--scheme <pyhh-euler|exp-euler|rk4>]
                [--noise <µA/cm²*sqrt(ms)>] [--seed <u64>] --out <trace.csv> [--plot <trace.svg>]

Simulates the notebook protocol (classic HH, 200 ms, dt 0.01 ms, current pulse 70-130 ms) and
writes the absolute membrane potential v_rest + v as CSV `t_ms,vm_mv` (row i = potential after
step i+1, labelled t = i*dt, as pyHH). Defaults: --v-rest 0 --stim 5 --scheme pyhh-euler,
no noise, seed 0.";

struct Args {
    v_rest: f64,
    stim: f64,
    scheme: Scheme,
    noise: f64,
    seed: u64,
    out: PathBuf,
    plot: Option<PathBuf>,
}

fn parse_args() -> Result<Args, CliError> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let (mut v_rest, mut stim, mut scheme, mut noise, mut seed) =
        (0.0, 5.0, Scheme::PyhhEuler, 0.0, 0u64);
    let (mut out, mut plot) = (None, None);
    while let Some(arg) = parser.next()? {
        match arg {
            Long("v-rest") => v_rest = parse_f64("--v-rest", parser.value()?)?,
            Long("stim") => stim = parse_f64("--stim", parser.value()?)?,
            Long("scheme") => scheme = parse_value("--scheme", parser.value()?)?,
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
    Ok(Args {
        v_rest,
        stim,
        scheme,
        noise,
        seed,
        out: out.ok_or_else(|| CliError("--out <trace.csv> is required".into()))?,
        plot,
    })
}

fn main() {
    cli::run(USAGE, || {
        let args = parse_args()?;
        let sim = HhSimulator::notebook()
            .with_scheme(args.scheme)
            .with_noise_sigma(args.noise)?;
        let mut rng = SeedRng::seed_from_u64(args.seed);
        let start = std::time::Instant::now();
        let trace = sim.simulate(&[args.v_rest, args.stim], &mut rng)?;
        let elapsed = start.elapsed();
        trace.write_csv(&args.out)?;
        let peak = trace.values().iter().cloned().fold(f64::MIN, f64::max);
        eprintln!(
            "simulated {} steps ({}) in {:.2} ms; peak {peak:.2} mV; wrote {}",
            trace.len(),
            args.scheme,
            elapsed.as_secs_f64() * 1e3,
            args.out.display()
        );
        if let Some(svg) = &args.plot {
            let title = format!(
                "Hodgkin-Huxley, v_rest = {} mV, stimulus {} µA/cm² ({})",
                args.v_rest, args.stim, args.scheme
            );
            let window = trace
                .stimulus()
                .map(|w| (w, format!("stimulus {} µA/cm²", args.stim)));
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
