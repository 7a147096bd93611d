//! A synthetic current-clamp recording at known parameters: what a test of a recording
//! pipeline needs (the truth), and what `scripts/make_recording_fixtures.py` turns into ABF
//! and NWB files.
//!
//! ```text
//! cargo run --release --example synthesize_recording -- --dt-ms 0.05 --num-samples 3000 \
//!     --pulse 20:120:120 --area 2e-5 --set g_na=110,g_k=40,v_rest=-68 --noise 0.5 --out cell.csv
//! ```

use std::path::PathBuf;

use hh_io::{Current, CurrentSource, CurrentUnit, Recording};
use hh_model::{Pulse, Scheme};
use hh_sbi_examples::cli::{self, CliError, counts, parse_f64, parse_value};
use hh_sbi_examples::recording::{RecordingModel, simulator_for};
use rand::SeedableRng;
use sbi_core::{SeedRng, Simulator};

const USAGE: &str = "\
usage: synthesize_recording --num-samples N [--dt-ms DT] [--pulse START:END:AMP]...
                            [--area CM2] [--set name=value,...] [--noise SIGMA]
                            [--substeps K] [--scheme exp-euler|rk4|pyhh-euler] [--seed S]
                            --out FILE.csv

Simulates a classic HH membrane (hh-model's names and units) sampled every DT ms (default
0.05, 20 kHz) for N samples, driven by the sum of the rectangular pulses (sample i carries a
pulse when START <= i*DT < END, ms), and writes CSV t_ms,vm_mv,i_pa (with --area: pulses in
pA into CM2 of membrane) or t_ms,vm_mv,i_ua_per_cm2 (without: pulses in uA/cm2).
--set fixes model parameters (e.g. g_na=110,v_rest=-68; v_rest is the absolute resting
potential, default 0); --noise is the intrinsic current noise in uA/cm2*sqrt(ms); the run
starts at rest and uses its own stream of seed S (default 0). Defaults: exp-euler, 1 substep.";

struct Args {
    dt_ms: f64,
    num_samples: usize,
    pulses: Vec<Pulse>,
    model: RecordingModel,
    set: Vec<(String, f64)>,
    seed: u64,
    out: PathBuf,
}

fn parse_pulse(s: &str) -> Result<Pulse, CliError> {
    let v: Vec<f64> = s
        .split(':')
        .map(|x| x.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| CliError(format!("--pulse `{s}` is not START:END:AMP")))?;
    match v.as_slice() {
        [a, b, c] if a < b && c.is_finite() => Ok(Pulse::new(*a, *b, *c)),
        _ => Err(CliError(format!(
            "--pulse `{s}`: expected START:END:AMP with START < END"
        ))),
    }
}

fn parse_set(s: &str) -> Result<Vec<(String, f64)>, CliError> {
    s.split(',')
        .filter(|x| !x.trim().is_empty())
        .map(|kv| {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| CliError(format!("--set `{kv}` is not name=value")))?;
            let x = parse_f64("--set", v.into())?;
            Ok((k.trim().to_owned(), x))
        })
        .collect()
}

fn parse_args() -> Result<Args, CliError> {
    use lexopt::prelude::*;
    let mut p = lexopt::Parser::from_env();
    let mut a = Args {
        dt_ms: 0.05,
        num_samples: 0,
        pulses: Vec::new(),
        model: RecordingModel::default(),
        set: Vec::new(),
        seed: 0,
        out: PathBuf::new(),
    };
    while let Some(arg) = p.next()? {
        match arg {
            Long("dt-ms") => a.dt_ms = parse_f64("--dt-ms", p.value()?)?,
            Long("num-samples") => {
                a.num_samples = counts::TRACE_SAMPLES.parse("--num-samples", p.value()?)?
            }
            Long("pulse") => a.pulses.push(parse_pulse(&p.value()?.to_string_lossy())?),
            Long("area") => a.model.area_cm2 = Some(parse_f64("--area", p.value()?)?),
            Long("set") => a.set.extend(parse_set(&p.value()?.to_string_lossy())?),
            Long("noise") => a.model.noise = parse_f64("--noise", p.value()?)?,
            Long("substeps") => {
                a.model.substeps = counts::SUBSTEPS.parse("--substeps", p.value()?)?
            }
            Long("scheme") => a.model.scheme = parse_value::<Scheme>("--scheme", p.value()?)?,
            Long("seed") => a.seed = parse_value("--seed", p.value()?)?,
            Long("out") => a.out = PathBuf::from(p.value()?),
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(arg.unexpected().into()),
        }
    }
    if a.num_samples < 2 {
        return Err(CliError("--num-samples must be at least 2".into()));
    }
    if a.out.as_os_str().is_empty() {
        return Err(CliError("--out FILE.csv is required".into()));
    }
    Ok(a)
}

fn main() {
    cli::run(USAGE, parse_args, |a| {
        let n = a.num_samples;
        let mut current = vec![0.0; n];
        for p in &a.pulses {
            for i in p.steps(a.dt_ms, n) {
                current[i] += p.amplitude;
            }
        }
        let unit = if a.model.area_cm2.is_some() {
            CurrentUnit::PicoAmpere
        } else {
            CurrentUnit::MicroAmperePerCm2
        };
        let current = Current {
            values: current,
            unit,
            source: CurrentSource::Recorded,
        };
        let drive = Recording::new(a.dt_ms, vec![0.0; n])?.with_current(current.clone())?;
        let names: Vec<&str> = a.set.iter().map(|(k, _)| k.as_str()).collect();
        let theta: Vec<f64> = a.set.iter().map(|(_, v)| *v).collect();
        let sim = simulator_for(&drive, &names, &a.model)?;
        let trace = sim.simulate(&theta, &mut SeedRng::seed_from_u64(a.seed))?;
        let rec = Recording::new(a.dt_ms, trace.into_values())?.with_current(current)?;
        rec.write_csv(&a.out)?;
        eprintln!(
            "wrote {} samples ({} ms) to {}",
            n,
            rec.duration_ms(),
            a.out.display()
        );
        Ok(())
    });
}
