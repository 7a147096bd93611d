//! Neural posterior estimation on the linear-Gaussian toy, whose posterior is known exactly.
//!
//! ```text
//! cargo run --release --example npe_gaussian_linear -- --x-obs 1.0 -0.5 --json
//! ```

use std::collections::BTreeMap;
use std::time::Instant;

use hh_sbi_examples::cli::{self, CliError, counts, parse_f64, parse_value};
use hh_sbi_examples::posterior::{Source, Trained, train};
use hh_sbi_examples::progress::TerminalProgress;
use rand::SeedableRng;
use sbi_core::testing::LinearGaussian;
use sbi_core::{Identity, Posterior, RowMatrix, SeedRng};
use sbi_inference::Problem;
use sbi_npe::NeuralEstimator;
use sbi_prior::BoxUniform;

const USAGE: &str = "\
usage: npe_gaussian_linear --x-obs <x1> <x2> [--num-simulations N] [--seed S] [--ensemble M]
                           [--estimator mdn|nsf|maf] [--sigma S] [--rounds R [--warm-start]]
                           [--save-dataset FILE.npz | --dataset FILE.npz] [--json]

Trains a neural posterior (--estimator: mdn, a mixture of 10 Gaussians, the default; nsf, a
neural spline flow; maf, a masked autoregressive flow) on the toy x = theta + N(0, 0.5^2 I) with prior
BoxUniform([-3,-3], [3,3]) (default 5000 simulations, seed 0), draws 10,000 posterior samples
at x-obs and prints their mean vector and covariance matrix, next to the exact posterior's
moments. --ensemble M trains M networks on the same simulations and samples their
equal-weight mixture (default 1: one network). --save-dataset writes the simulations as a
NumPy .npz (arrays theta, x, failed, x_names, failure_*: numpy.load reads it); --dataset
trains on such a file instead of simulating (theta must be 2 columns in the prior box).
--sigma sets the noise (default 0.5; 0.05 makes a posterior on 0.1 % of the box).
--rounds R runs truncated sequential NPE (TSNPE) for x-obs: R rounds of N simulations each,
rounds after the first drawn from the prior truncated to where the current posterior has
its mass, retrained on all simulations (docs/npe.md); one network, simulated data only.
--warm-start continues each round's training from the previous round's network.
--json prints {\"mean\": [..], \"cov\": [[..],[..]], \"exact_mean\": [..],
\"exact_std\": [..], ...}.";

struct Args {
    sigma: f64,
    rounds: usize,
    warm_start: bool,
    x_obs: [f64; 2],
    num_simulations: usize,
    seed: u64,
    ensemble: usize,
    save_dataset: Option<std::path::PathBuf>,
    dataset: Option<std::path::PathBuf>,
    json: bool,
    estimator: NeuralEstimator,
}

fn parse_args() -> Result<Args, CliError> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let (mut x_obs, mut num_simulations, mut seed, mut json) = (None, 5000usize, 0u64, false);
    let mut ensemble = 1usize;
    let (mut sigma, mut rounds, mut warm_start) = (0.5, 1usize, false);
    let mut estimator = NeuralEstimator::default();
    let (mut save_dataset, mut dataset) = (None, None);
    while let Some(arg) = parser.next()? {
        match arg {
            Long("x-obs") => {
                let a = parse_f64("--x-obs", parser.value()?)?;
                let b = parse_f64("--x-obs", parser.value()?)?;
                x_obs = Some([a, b]);
            }
            Long("num-simulations") => {
                num_simulations =
                    counts::SIMULATIONS.parse("--num-simulations", parser.value()?)?;
            }
            Long("seed") => seed = parse_value("--seed", parser.value()?)?,
            Long("ensemble") => ensemble = counts::ENSEMBLE.parse("--ensemble", parser.value()?)?,
            Long("sigma") => sigma = parse_f64("--sigma", parser.value()?)?,
            Long("rounds") => rounds = counts::ROUNDS.parse("--rounds", parser.value()?)?,
            Long("warm-start") => warm_start = true,
            Long("save-dataset") => save_dataset = Some(parser.value()?.into()),
            Long("dataset") => dataset = Some(parser.value()?.into()),
            Long("json") => json = true,
            Long("estimator") => estimator = parse_value("--estimator", parser.value()?)?,
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(arg.unexpected().into()),
        }
    }
    if rounds > 1 && (ensemble > 1 || dataset.is_some()) {
        return Err(CliError(
            "--rounds simulates each round itself, with one network: it takes neither \
             --ensemble nor --dataset"
                .into(),
        ));
    }
    if num_simulations < 10 {
        return Err(CliError("--num-simulations must be at least 10".into()));
    }
    Ok(Args {
        sigma,
        rounds,
        warm_start,
        x_obs: x_obs.ok_or_else(|| CliError("--x-obs <x1> <x2> is required".into()))?,
        num_simulations,
        seed,
        ensemble,
        save_dataset,
        dataset,
        json,
        estimator,
    })
}

fn main() {
    cli::run(USAGE, parse_args, |args| {
        let (low, high) = ([-3.0, -3.0], [3.0, 3.0]);
        let prior = BoxUniform::new(low.to_vec(), high.to_vec())?;
        let simulator = LinearGaussian::new(2, args.sigma)?;
        let identity = Identity::new(2);
        let problem = Problem::new(&prior, &simulator, &identity)
            .num_simulations(args.num_simulations)
            .seed(args.seed);
        let no_settings = BTreeMap::new();
        let source = match (&args.dataset, args.rounds) {
            (Some(path), _) => Source::Dataset {
                path,
                settings: &no_settings,
            },
            (None, 1) => Source::Simulate,
            (None, rounds) => Source::Rounds {
                x_obs: &args.x_obs,
                rounds,
                warm_start: args.warm_start,
            },
        };
        let mut progress = TerminalProgress::new("npe").quiet(args.json);
        let run = train(
            problem,
            source,
            &args.estimator,
            args.ensemble,
            &mut progress,
        )?;
        if let Some(path) = &args.save_dataset {
            run.dataset.save_npz(path)?;
        }
        let start = Instant::now();
        let samples =
            run.posterior
                .sample(&args.x_obs, 10_000, &mut SeedRng::seed_from_u64(args.seed))?;
        let sample_seconds = start.elapsed().as_secs_f64();
        let exact = simulator.posterior_moments(&args.x_obs, &low, &high)?;
        report(
            &args,
            &run,
            &samples.column_means(),
            &samples.covariance()?,
            exact,
            sample_seconds,
        );
        Ok(())
    });
}

/// Prints the posterior's moments beside the exact ones (a table, or JSON).
fn report(
    args: &Args,
    run: &Trained,
    mean: &[f64],
    cov: &RowMatrix,
    (exact_mean, exact_std): (Vec<f64>, Vec<f64>),
    sample_seconds: f64,
) {
    let cov = [
        [cov.get(0, 0), cov.get(0, 1)],
        [cov.get(1, 0), cov.get(1, 1)],
    ];
    if !args.json {
        cli::print_rounds(&run.rounds);
        println!(
            "{} posterior at x = {:?} (10,000 samples)",
            args.estimator.name(),
            args.x_obs
        );
        println!("  mean        [{:.4}, {:.4}]", mean[0], mean[1]);
        println!("  covariance  [[{:.4}, {:.4}],", cov[0][0], cov[0][1]);
        println!("               [{:.4}, {:.4}]]", cov[1][0], cov[1][1]);
        println!(
            "exact: mean [{:.4}, {:.4}], std [{:.4}, {:.4}] (independent truncated normals)",
            exact_mean[0], exact_mean[1], exact_std[0], exact_std[1]
        );
        return;
    }
    let epochs: Vec<usize> = run.report.training.iter().map(|r| r.epochs).collect();
    let epochs = match epochs.as_slice() {
        [one] if args.rounds == 1 => serde_json::json!(one),
        all => serde_json::json!(all),
    };
    let out = serde_json::json!({
        "x_obs": args.x_obs,
        "num_simulations": run.dataset.len(),
        "seed": args.seed,
        "mean": mean,
        "cov": cov,
        "exact_mean": exact_mean,
        "exact_std": exact_std,
        "ensemble": args.ensemble,
        "estimator": args.estimator.name(),
        "epochs": epochs,
        "sigma": args.sigma,
        "rounds": cli::rounds_json(&run.rounds),
        "seconds": {
            "simulate": run.report.simulate_seconds,
            "train": run.report.train_seconds,
            "sample": sample_seconds,
        },
    });
    println!("{out}");
}
