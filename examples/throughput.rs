//! How fast the batch simulator runs the notebook protocol.
//!
//! ```text
//! cargo run --release --example throughput -- --traces 10000 --precision f64 \
//!     --scheme pyhh-euler --threads 1 --json
//! ```

use std::collections::BTreeMap;

use hh_model::{HhSimulator, Kernel, Precision, Scheme, selected_isa};
use hh_sbi_examples::cli::{self, CliError, counts, parse_value};
use hh_stats::{Feature, FeatureSet};
use sbi_core::{RowMatrix, Simulator};

const USAGE: &str = "\
usage: throughput [--traces <N>] [--precision <f64|f32>] [--scheme <pyhh-euler|exp-euler|rk4>]
                  [--threads <N>] [--kernel <simd|portable|scalar>] [--json]

Simulates the notebook protocol (classic HH, 200 ms at dt 0.01 ms, pulse 70-130 ms, v_rest 0,
no noise) for N amplitudes evenly spaced over 3..7 uA/cm^2 (linspace(3, 7, N)), counting
spikes on the fly (hh-stats' spike_count, streamed), and prints ns per neuron-step, traces per
second and the spike-count histogram. Defaults: --traces 10000 --precision f64
--scheme pyhh-euler, all cores, --kernel simd.";

struct Args {
    traces: usize,
    precision: Precision,
    scheme: Scheme,
    threads: Option<usize>,
    kernel: Kernel,
    json: bool,
}

fn parse_args() -> Result<Args, CliError> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let mut args = Args {
        traces: 10_000,
        precision: Precision::F64,
        scheme: Scheme::PyhhEuler,
        threads: None,
        kernel: Kernel::Simd,
        json: false,
    };
    while let Some(arg) = parser.next()? {
        match arg {
            Long("traces") => args.traces = counts::TRACES.parse("--traces", parser.value()?)?,
            Long("precision") => args.precision = parse_value("--precision", parser.value()?)?,
            Long("scheme") => args.scheme = parse_value("--scheme", parser.value()?)?,
            Long("threads") => {
                args.threads = Some(counts::THREADS.parse("--threads", parser.value()?)?)
            }
            Long("kernel") => args.kernel = parse_value("--kernel", parser.value()?)?,
            Long("json") => args.json = true,
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(arg.unexpected().into()),
        }
    }
    if args.traces == 0 {
        return Err(CliError("--traces must be at least 1".into()));
    }
    Ok(args)
}

fn main() {
    cli::run(USAGE, parse_args, |args| {
        let sim = HhSimulator::notebook()
            .with_scheme(args.scheme)
            .with_precision(args.precision)
            .with_kernel(args.kernel);
        let n = args.traces;
        let mut thetas = RowMatrix::zeros(n, 2)?;
        for i in 0..n {
            let amp = if n == 1 {
                3.0
            } else {
                3.0 + 4.0 * i as f64 / (n - 1) as f64
            };
            thetas.row_mut(i).copy_from_slice(&[0.0, amp]);
        }
        let spikes = FeatureSet::new(&[Feature::SpikeCount])?;
        let mut counts = vec![0.0; n];
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(args.threads.unwrap_or(0))
            .build()
            .map_err(|e| CliError(format!("cannot start the thread pool: {e}")))?;
        let threads = pool.current_num_threads();
        let start = std::time::Instant::now();
        let results =
            pool.install(|| sim.simulate_summarize_each(&thetas, 0, 0, &spikes, &mut counts))?;
        let seconds = start.elapsed().as_secs_f64();
        if let Some((i, e)) = results
            .iter()
            .enumerate()
            .find_map(|(i, r)| r.as_ref().err().map(|e| (i, e)))
        {
            return Err(CliError(format!("trace {i} failed: {e}")));
        }
        let steps = sim.protocol().num_steps;
        let ns_per_step = seconds * 1e9 / (n * steps) as f64;
        let per_second = n as f64 / seconds;
        let mut histogram: BTreeMap<u64, usize> = BTreeMap::new();
        for c in &counts {
            *histogram.entry(*c as u64).or_default() += 1;
        }
        report(
            &args,
            &histogram,
            [n, steps, threads],
            ns_per_step,
            per_second,
        );
        Ok(())
    });
}

/// Prints the speed and the spike-count histogram (a table, or JSON).
fn report(
    args: &Args,
    histogram: &BTreeMap<u64, usize>,
    [n, steps, threads]: [usize; 3],
    ns_per_step: f64,
    per_second: f64,
) {
    if args.json {
        let hist: serde_json::Map<String, serde_json::Value> = histogram
            .iter()
            .map(|(k, v)| (k.to_string(), (*v).into()))
            .collect();
        let doc = serde_json::json!({
            "ns_per_neuron_step": ns_per_step,
            "traces_per_second": per_second,
            "spike_count_histogram": hist,
            "traces": n,
            "threads": threads,
            "precision": args.precision.name(),
            "scheme": args.scheme.name(),
            "kernel": args.kernel.name(),
            "isa": selected_isa(),
        });
        println!("{doc}");
    } else {
        println!(
            "{n} traces × {steps} steps, {} {} on {} ({}), {threads} thread(s)",
            args.scheme,
            args.precision,
            args.kernel,
            selected_isa()
        );
        println!("{ns_per_step:.2} ns per neuron-step, {per_second:.0} traces per second");
        println!("spike-count histogram (spikes: traces):");
        for (k, v) in histogram {
            println!("  {k}: {v}");
        }
    }
}
