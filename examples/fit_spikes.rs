//! Fit the stimulus scale δv and membrane area δa of the stochastic HH membrane to the
//! measured spike fractions — converging where the original optimiser did not.
//!
//! ```text
//! cargo run --release --example fit_spikes -- --mode corrected --method threshold --json
//! ```

use std::path::PathBuf;
use std::time::Instant;

use hh_sbi_examples::cli::{self, CliError, parse_value};
use hh_sbi_examples::spikes::{load_data, parse_mode};
use spike_fit::{
    GridSearch, Loss, Mode, NelderMead, PrintObserver, SpikeModel, Study, StudySolver,
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

fn main() {
    cli::run(USAGE, || {
        use lexopt::prelude::*;
        let mut p = lexopt::Parser::from_env();
        let (mut mode, mut method, mut trials, mut seed) =
            (Mode::Corrected, "grid".to_owned(), 1000usize, 0u64);
        let (mut loss, mut fresh, mut data_path, mut json, mut quiet) =
            (Loss::Mse, 20_000usize, None, false, false);
        while let Some(arg) = p.next()? {
            match arg {
                Long("mode") => mode = parse_mode(p.value()?)?,
                Long("method") => method = p.value()?.to_string_lossy().into_owned(),
                Long("trials") => trials = parse_value("--trials", p.value()?)?,
                Long("seed") => seed = parse_value("--seed", p.value()?)?,
                Long("fresh-trials") => fresh = parse_value("--fresh-trials", p.value()?)?,
                Long("loss") => {
                    loss = match p.value()?.to_string_lossy().as_ref() {
                        "mse" => Loss::Mse,
                        "nll" => Loss::BinomialNll,
                        other => {
                            return Err(CliError(format!(
                                "--loss must be mse or nll, got `{other}`"
                            )));
                        }
                    }
                }
                Long("data") => data_path = Some(PathBuf::from(p.value()?)),
                Long("json") => json = true,
                Long("quiet") => quiet = true,
                Short('h') | Long("help") => {
                    println!("{USAGE}");
                    std::process::exit(0);
                }
                _ => return Err(arg.unexpected().into()),
            }
        }
        if trials == 0 || fresh == 0 {
            return Err(CliError(
                "--trials and --fresh-trials must be positive".into(),
            ));
        }
        let solver: Box<dyn StudySolver> = match method.as_str() {
            "grid" => Box::new(GridSearch::default()),
            "nelder-mead" => Box::new(NelderMead::default()),
            "threshold" => Box::new(ThresholdSearch::default()),
            other => {
                return Err(CliError(format!(
                    "--method must be grid, nelder-mead or threshold, got `{other}`"
                )));
            }
        };
        let data = load_data(data_path.as_deref())?;
        let study = Study::new(SpikeModel::new(mode), data)?
            .with_trials(trials)
            .with_seed(seed);
        let start = Instant::now();
        let result = if json || quiet {
            fit(&study, solver.as_ref(), loss, (0.0, 0.0), &mut ())?
        } else {
            fit(
                &study,
                solver.as_ref(),
                loss,
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
            .with_trials(fresh)
            .with_seed(seed ^ 0xF2E5_4000_0000_0001);
        let fresh_pred = fresh_study.predict(result.delta_v, result.delta_area)?;
        let mse_fresh = spike_fit::mse(&fresh_pred, &study.data().fractions());
        let simulations = result.simulations + (study.data().len() * (trials + fresh)) as u64;
        if json {
            let out = serde_json::json!({
                "delta_v": result.delta_v,
                "delta_area": result.delta_area,
                "mse_in_sample": mse_in_sample,
                "mse_fresh": mse_fresh,
                "simulations": simulations,
                "mode": mode.to_string(),
                "method": result.solver,
                "loss_in_sample": result.cost,
                "evaluations": result.evaluations,
                "iterations": result.iterations,
                "converged": result.converged,
                "seconds": fit_seconds,
                "history": result.history,
            });
            println!("{out}");
        } else {
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
                .zip(&fresh_pred)
            {
                println!("  {x:<6} {m:>8.3}  {p:>8.3}");
            }
        }
        Ok(())
    });
}
