//! Fit the stimulus scale δv and membrane area δa of the stochastic HH membrane to the
//! measured spike fractions — converging where the original optimiser did not.
//!
//! ```text
//! cargo run --release --example fit_spikes -- --mode corrected --method threshold --json
//! ```

use std::path::PathBuf;
use std::time::Instant;

use hh_sbi_examples::cli::{self, CliError, counts, parse_value};
use hh_sbi_examples::spikes::{load_data, parse_mode};
use sbi_core::streams;
use spike_fit::{
    FitResult, GridSearch, Loss, Mode, NelderMead, PrintObserver, SpikeModel, Study, StudySolver,
    ThresholdSearch, fit,
};

const USAGE: &str = "\
usage: fit_spikes [--mode corrected|upstream] [--method grid|nelder-mead|threshold]
                  [--trials N] [--seed S] [--loss mse|nll] [--fresh-trials M]
                  [--data FILE] [--json] [--quiet]

Fits delta_v (stimulus scale) and delta_area (membrane area) of the study's stochastic HH
membrane to measured spike fractions (default: the study's own, compiled in; --data FILE
reads a CSV relative_stimulus,spiking_trials,trials), starting from (0, 0), with N simulated
trials per data point (default 1000) under common random numbers (seed S, default 0). Prints
the fit, the in-sample loss, and the MSE on fresh noise (M trials per point, default 20000,
another seed).
--json prints {\"delta_v\", \"delta_area\", \"mse_in_sample\", \"mse_fresh\", \"simulations\", ...}.
Defaults: --mode corrected --method grid --loss mse.";

/// The command line.
struct Args {
    mode: Mode,
    method: String,
    trials: usize,
    seed: u64,
    loss: Loss,
    fresh: usize,
    data_path: Option<PathBuf>,
    json: bool,
    quiet: bool,
}

fn parse_args() -> Result<Args, CliError> {
    use lexopt::prelude::*;
    let mut p = lexopt::Parser::from_env();
    let mut a = Args {
        mode: Mode::Corrected,
        method: "grid".to_owned(),
        trials: 1000,
        seed: 0,
        loss: Loss::Mse,
        fresh: 20_000,
        data_path: None,
        json: false,
        quiet: false,
    };
    while let Some(arg) = p.next()? {
        match arg {
            Long("mode") => a.mode = parse_mode(p.value()?)?,
            Long("method") => a.method = p.value()?.to_string_lossy().into_owned(),
            Long("trials") => a.trials = counts::TRIALS.parse("--trials", p.value()?)?,
            Long("seed") => a.seed = parse_value("--seed", p.value()?)?,
            Long("fresh-trials") => a.fresh = counts::TRIALS.parse("--fresh-trials", p.value()?)?,
            Long("loss") => {
                a.loss = match p.value()?.to_string_lossy().as_ref() {
                    "mse" => Loss::Mse,
                    "nll" => Loss::BinomialNll,
                    other => {
                        return Err(CliError(format!(
                            "--loss must be mse or nll, got `{other}`"
                        )));
                    }
                }
            }
            Long("data") => a.data_path = Some(PathBuf::from(p.value()?)),
            Long("json") => a.json = true,
            Long("quiet") => a.quiet = true,
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(arg.unexpected().into()),
        }
    }
    Ok(a)
}

/// The solver named by `--method`.
fn solver(method: &str) -> Result<Box<dyn StudySolver>, CliError> {
    Ok(match method {
        "grid" => Box::new(GridSearch::default()),
        "nelder-mead" => Box::new(NelderMead::default()),
        "threshold" => Box::new(ThresholdSearch::default()),
        other => {
            return Err(CliError(format!(
                "--method must be grid, nelder-mead or threshold, got `{other}`"
            )));
        }
    })
}

fn main() {
    cli::run(USAGE, parse_args, |a| {
        let solver = solver(&a.method)?;
        let data = load_data(a.data_path.as_deref())?;
        let study = Study::new(SpikeModel::new(a.mode), data)?
            .with_trials(a.trials)
            .with_seed(a.seed);
        let start = Instant::now();
        let result = if a.json || a.quiet {
            fit(&study, solver.as_ref(), a.loss, (0.0, 0.0), &mut ())?
        } else {
            fit(
                &study,
                solver.as_ref(),
                a.loss,
                (0.0, 0.0),
                &mut PrintObserver,
            )?
        };
        let fit_seconds = start.elapsed().as_secs_f64();
        // In-sample (the search's noise) and fresh-noise MSE of the fitted parameters.
        let in_sample = study.predict(result.delta_v, result.delta_area)?;
        let mse_in_sample = spike_fit::mse(&in_sample, &study.data().fractions());
        let fresh_study = study
            .clone()
            .with_trials(a.fresh)
            .with_seed(streams::SPIKE_FIT.xor(a.seed));
        let fresh_pred = fresh_study.predict(result.delta_v, result.delta_area)?;
        let mse = [
            mse_in_sample,
            spike_fit::mse(&fresh_pred, &study.data().fractions()),
        ];
        let simulations = result.simulations + (study.data().len() * (a.trials + a.fresh)) as u64;
        report(
            &a,
            &study,
            &result,
            &fresh_pred,
            mse,
            simulations,
            fit_seconds,
        );
        Ok(())
    });
}

/// Prints the fit (a table, or JSON).
fn report(
    a: &Args,
    study: &Study,
    result: &FitResult,
    fresh_pred: &[f64],
    [mse_in_sample, mse_fresh]: [f64; 2],
    simulations: u64,
    fit_seconds: f64,
) {
    if a.json {
        let out = serde_json::json!({
            "delta_v": result.delta_v,
            "delta_area": result.delta_area,
            "mse_in_sample": mse_in_sample,
            "mse_fresh": mse_fresh,
            "simulations": simulations,
            "mode": a.mode.to_string(),
            "method": result.solver,
            "loss_in_sample": result.cost,
            "evaluations": result.evaluations,
            "iterations": result.iterations,
            "converged": result.converged,
            "seconds": fit_seconds,
            "history": result.history,
        });
        println!("{out}");
        return;
    }
    let (mode, trials, seed, fresh) = (a.mode, a.trials, a.seed, a.fresh);
    println!(
        "{} fit ({mode} mode, {trials} trials per point, seed {seed}):",
        result.solver
    );
    println!(
        "  δv = {:+.5}   δa = {:+.5}",
        result.delta_v, result.delta_area
    );
    println!(
        "  MSE in sample {mse_in_sample:.3e}; on fresh noise ({fresh} trials per point) {mse_fresh:.3e}"
    );
    println!(
        "  {} evaluations, {} iterations, {simulations} simulated trials, {fit_seconds:.1} s{}",
        result.evaluations,
        result.iterations,
        if result.converged {
            ""
        } else {
            " (budget exhausted)"
        }
    );
    println!("  x      measured  predicted(fresh)");
    for ((x, m), p) in study
        .data()
        .x()
        .iter()
        .zip(study.data().fractions())
        .zip(fresh_pred)
    {
        println!("  {x:<6} {m:>8.3}  {p:>8.3}");
    }
}
