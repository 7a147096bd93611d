//! The notebook, end to end: Bayesian inference of the resting potential and the stimulus
//! amplitude of a Hodgkin–Huxley neuron from one voltage trace.
//!
//! ```text
//! cargo run --release --example hh_posterior                 # defaults: V_rest 50, stim 5
//! cargo run --release --example hh_posterior -- --v-rest 44 --stim 6.2 --noise 1 --json
//! cargo run --release --example hh_posterior -- --noise 1 --num-simulations 5000 --validate 100
//! cargo run --release --example hh_posterior -- --noise 1 \
//!     --observed crates/hh-io/tests/data/notebook_abf2.abf
//! ```
//!
//! See docs/notebook.md for the story and how to read the pictures.

use std::path::{Path, PathBuf};
use std::time::Instant;

use hh_model::HhSimulator;
use hh_sbi_examples::cli::{self, CliError, parse_f64, parse_value};
use hh_sbi_examples::notebook::{
    HIGH, LOW, NAMES, Scene, describe, load_checked, load_dataset_checked, observe,
    render_pictures, trained_on,
};
use hh_sbi_examples::recording::protocol_mismatch;
use hh_stats::FeatureSet;
use rand::SeedableRng;
use sbi_core::{
    Posterior, Prior, SeedRng, Simulator, SummaryStatistics, Trace, item_rng, item_seed,
};
use sbi_npe::{
    DirectPosterior, NeuralEstimator, Npe, Sequential, SequentialConfig, TerminalProgress,
    TrainConfig,
};
use sbi_prior::BoxUniform;

const USAGE: &str = "\
usage: hh_posterior [--v-rest <mV>] [--stim <uA/cm2>] [--num-simulations N] [--num-samples M]
                    [--features notebook|sbi7] [--noise <sigma>] [--estimator mdn|nsf|maf]
                    [--seed S] [--out-dir DIR]
                    [--save-posterior FILE] [--load-posterior FILE] [--validate K] [--json]
                    [--observed FILE [--sweep N]] [--rounds R [--warm-start]]
                    [--dataset FILE]

Infers theta = (V_rest in [40, 60] mV, stimulus amplitude in [3, 7] uA/cm2) of a classic HH
neuron (200 ms, dt 0.01 ms, pulse 70-130 ms) from one simulated trace: BoxUniform prior, N
simulations (default 500) in parallel, summary features (default: the notebook's max, mean,
std), a neural posterior (default: sbi's mixture-density network), M posterior samples (default 1000) at the observation
simulated at the true theta (default V_rest 50, stim 5). Prints posterior mean, std and 90 %
interval per parameter and writes pictures to DIR (default hh_posterior_out): posterior.svg,
observed_trace.svg, posterior_predictive.svg.

--noise sigma   white-noise current (uA/cm2*sqrt(ms)) in every simulation: the notebook's
                simulator is deterministic, which makes its true posterior nearly a point
--estimator E   the density estimator: mdn (mixture of 10 Gaussians, the notebook's; default),
                nsf (neural spline flow) or maf (masked autoregressive flow); see docs/npe.md
--save-posterior FILE / --load-posterior FILE   keep a trained posterior / reuse it (skips
                simulation and training; use the same --features and --noise)
--observed FILE a recorded trace of this protocol (CSV, ABF or NWB, absolute mV, 20,000
                samples at 0.01 ms) as the observation instead of a simulation at the true
                theta; --sweep N picks the sweep (default 0). --v-rest/--stim then only mark
                a known truth (a synthetic recording). See docs/recordings.md
--rounds R      truncated sequential NPE for this observation: R rounds of N simulations,
                each after the first drawn from the prior truncated to where the current
                posterior has its mass, retrained on all simulations (docs/npe.md);
                --warm-start continues each round from the previous round's network
--dataset FILE  train on simulations made elsewhere (the campaign example's .npz, e.g. on
                an MPI cluster: docs/scaling.md) instead of simulating; the file must hold
                this run's features and prior, and was simulated with the same --noise
--validate K    also evaluate K held-out theta from the prior: mean absolute error of the
                posterior mean (fraction of the prior width) and coverage of the 90 % intervals
--json          print one JSON object instead of the table";

struct Args {
    truth: [f64; 2],
    truth_given: bool,
    observed: Option<PathBuf>,
    sweep: usize,
    rounds: usize,
    warm_start: bool,
    dataset: Option<PathBuf>,
    num_simulations: usize,
    num_samples: usize,
    features: String,
    noise: f64,
    seed: u64,
    out_dir: PathBuf,
    save: Option<PathBuf>,
    load: Option<PathBuf>,
    validate: Option<usize>,
    json: bool,
    estimator: NeuralEstimator,
}

fn parse_args() -> Result<Args, CliError> {
    use lexopt::prelude::*;
    let mut p = lexopt::Parser::from_env();
    let mut a = Args {
        truth: [50.0, 5.0],
        truth_given: false,
        observed: None,
        sweep: 0,
        rounds: 1,
        warm_start: false,
        dataset: None,
        num_simulations: 500,
        num_samples: 1000,
        features: "notebook".into(),
        noise: 0.0,
        seed: 0,
        out_dir: PathBuf::from("hh_posterior_out"),
        save: None,
        load: None,
        validate: None,
        json: false,
        estimator: NeuralEstimator::default(),
    };
    while let Some(arg) = p.next()? {
        match arg {
            Long("v-rest") => {
                a.truth[0] = parse_f64("--v-rest", p.value()?)?;
                a.truth_given = true;
            }
            Long("stim") => {
                a.truth[1] = parse_f64("--stim", p.value()?)?;
                a.truth_given = true;
            }
            Long("observed") => a.observed = Some(PathBuf::from(p.value()?)),
            Long("sweep") => a.sweep = parse_value("--sweep", p.value()?)?,
            Long("rounds") => a.rounds = parse_value("--rounds", p.value()?)?,
            Long("warm-start") => a.warm_start = true,
            Long("dataset") => a.dataset = Some(PathBuf::from(p.value()?)),
            Long("num-simulations") => {
                a.num_simulations = parse_value("--num-simulations", p.value()?)?
            }
            Long("num-samples") => a.num_samples = parse_value("--num-samples", p.value()?)?,
            Long("features") => a.features = p.value()?.to_string_lossy().into_owned(),
            Long("noise") => a.noise = parse_f64("--noise", p.value()?)?,
            Long("seed") => a.seed = parse_value("--seed", p.value()?)?,
            Long("out-dir") => a.out_dir = PathBuf::from(p.value()?),
            Long("save-posterior") => a.save = Some(PathBuf::from(p.value()?)),
            Long("load-posterior") => a.load = Some(PathBuf::from(p.value()?)),
            Long("validate") => a.validate = Some(parse_value("--validate", p.value()?)?),
            Long("json") => a.json = true,
            Long("estimator") => a.estimator = parse_value("--estimator", p.value()?)?,
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(arg.unexpected().into()),
        }
    }
    if a.num_simulations < 20 {
        return Err(CliError("--num-simulations must be at least 20".into()));
    }
    if a.num_samples < 2 {
        return Err(CliError("--num-samples must be at least 2".into()));
    }
    if a.features != "notebook" && a.features != "sbi7" {
        return Err(CliError(format!(
            "--features must be notebook or sbi7, got `{}`",
            a.features
        )));
    }
    if a.noise < 0.0 {
        return Err(CliError("--noise must be non-negative".into()));
    }
    if a.rounds == 0 {
        return Err(CliError("--rounds must be at least 1".into()));
    }
    if a.rounds > 1 && (a.load.is_some() || a.validate.is_some()) {
        return Err(CliError(
            "--rounds trains a posterior for this one observation: it takes neither \
             --load-posterior nor --validate (which checks an amortised posterior on other \
             observations)"
                .into(),
        ));
    }
    if a.dataset.is_some() && (a.rounds > 1 || a.load.is_some()) {
        return Err(CliError(
            "--dataset trains on the file's simulations: it takes neither --rounds (which \
             simulates each round) nor --load-posterior (which skips training)"
                .into(),
        ));
    }
    if a.validate == Some(0) {
        return Err(CliError("--validate needs at least 1 parameter set".into()));
    }
    if a.validate.is_some_and(|k| k > MAX_VALIDATE) {
        return Err(CliError(format!(
            "--validate takes at most {MAX_VALIDATE} parameter sets"
        )));
    }
    // Checked here so that a typo fails at once, before simulating and training.
    sbi_core::check_size("--num-simulations", a.num_simulations, 3)?;
    sbi_core::check_size("--num-samples", a.num_samples, 2)?;
    Ok(a)
}

/// Writes posterior.svg, observed_trace.svg and posterior_predictive.svg into `dir`.
fn pictures(dir: &Path, scene: &Scene<'_>) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).map_err(|e| CliError(format!("{}: {e}", dir.display())))?;
    let p = render_pictures(scene)?;
    for (name, svg) in [
        ("posterior.svg", &p.posterior),
        ("observed_trace.svg", &p.observed),
        ("posterior_predictive.svg", &p.predictive),
    ] {
        sbi_core::write_atomic(&dir.join(name), |w| w.write_all(svg.as_bytes()))?;
    }
    Ok(())
}

fn main() {
    cli::run(USAGE, || {
        let args = parse_args()?;
        let t0 = Instant::now();
        let prior = BoxUniform::new(LOW.to_vec(), HIGH.to_vec())?;
        let sim = HhSimulator::notebook().with_noise_sigma(args.noise)?;
        let features = FeatureSet::preset_named(&args.features)?;
        let mut progress = TerminalProgress::new("hh_posterior").quiet(args.json);
        let inside = (LOW[0]..=HIGH[0]).contains(&args.truth[0])
            && (LOW[1]..=HIGH[1]).contains(&args.truth[1]);
        // With a recording, the truth is known only if given (a synthetic recording).
        let truth = (args.observed.is_none() || args.truth_given).then_some(args.truth);
        // A recording is read and checked before any simulation, so a wrong file fails at once.
        let recorded = match &args.observed {
            Some(path) => Some(recorded_observation(path, args.sweep, &sim, &features)?),
            None => None,
        };
        if !inside && truth.is_some() && !args.json {
            eprintln!(
                "warning: the true θ {:?} lies outside the prior box; the posterior cannot reach it",
                args.truth
            );
        }

        // What this run's posterior is for: checked against a loaded one, saved with a new one.
        let trained_on = trained_on(&sim, &features, args.noise);
        // The observation: the recording, or one simulation at the true θ (its own seed, so
        // it does not matter that it is made before training).
        let (observed, x_obs) = match recorded {
            Some(r) => r,
            None => observe(&sim, &features, args.truth, args.seed)?,
        };
        let mut rounds = Vec::new();
        // sbi's defaults, plus whitening of x: V_rest shifts `max` and `mean` alike,
        // so the stimulus hides in their small differences (docs/notebook.md).
        let est = args
            .estimator
            .clone()
            .with_train(TrainConfig::new().with_whiten_x(true));
        let (posterior, simulate_s, train_s, num_simulations) = match (&args.load, &args.dataset) {
            (Some(path), _) => (load_checked(path, &features, &trained_on)?, 0.0, 0.0, 0),
            (None, Some(path)) => {
                let t = Instant::now();
                let dataset = load_dataset_checked(path, &features, &trained_on)?;
                if !args.json {
                    eprintln!(
                        "training on {} simulations from {} ({} failed)",
                        dataset.len(),
                        path.display(),
                        dataset.num_failed()
                    );
                }
                let load_s = t.elapsed().as_secs_f64();
                let t = Instant::now();
                let posterior = Npe::new(&prior, &sim, &features)
                    .seed(args.seed)
                    .progress(&mut progress)
                    .train_on(&dataset, &est)?;
                (
                    posterior.with_trained_on(trained_on),
                    load_s,
                    t.elapsed().as_secs_f64(),
                    dataset.len(),
                )
            }
            (None, None) => {
                if args.rounds > 1 {
                    let t = Instant::now();
                    let seq = Sequential::new(&prior, &sim, &features, &x_obs)
                        .config(
                            SequentialConfig::new(args.rounds, args.num_simulations)
                                .with_warm_start(args.warm_start),
                        )
                        .seed(args.seed)
                        .progress(&mut progress)
                        .run(&est)?;
                    if !args.json {
                        cli::report_failures(&seq.dataset);
                    }
                    let s: f64 = seq.rounds.iter().map(|r| r.simulate_seconds).sum();
                    let total = t.elapsed().as_secs_f64();
                    rounds = seq.rounds;
                    (
                        seq.posterior.with_trained_on(trained_on),
                        s,
                        total - s,
                        args.rounds * args.num_simulations,
                    )
                } else {
                    let run = Npe::new(&prior, &sim, &features)
                        .num_simulations(args.num_simulations)
                        .seed(args.seed)
                        .progress(&mut progress)
                        .train(&est)?;
                    if !args.json {
                        cli::report_failures(&run.dataset);
                    }
                    let (s, t) = (run.report.simulate_seconds, run.report.train_seconds);
                    (
                        run.posterior.with_trained_on(trained_on),
                        s,
                        t,
                        args.num_simulations,
                    )
                }
            }
        };
        if let Some(path) = &args.save {
            posterior.save(path)?;
            if !args.json {
                eprintln!("saved the posterior to {}", path.display());
            }
        }

        let t_obs = Instant::now();
        let samples = posterior.sample(
            &x_obs,
            args.num_samples,
            &mut SeedRng::seed_from_u64(item_seed(args.seed, 5)),
        )?;
        let sample_s = t_obs.elapsed().as_secs_f64();
        let [mean, std, q05, q95] = describe(&samples);

        let t_plot = Instant::now();
        pictures(
            &args.out_dir,
            &Scene {
                sim: &sim,
                posterior: &posterior,
                truth,
                observed: &observed,
                x_obs: &x_obs,
                samples: &samples,
                seed: args.seed,
            },
        )?;
        let plot_s = t_plot.elapsed().as_secs_f64();

        let validation = match args.validate {
            Some(k) => Some(validate(
                &prior,
                &sim,
                &features,
                &posterior,
                k,
                args.num_samples,
                args.seed,
            )?),
            None => None,
        };
        let total_s = t0.elapsed().as_secs_f64();

        if args.json {
            let mut out = serde_json::json!({
                "truth": truth,
                "observed": args.observed.as_ref().map(|p| p.display().to_string()),
                "dataset": args.dataset.as_ref().map(|p| p.display().to_string()),
                "sweep": args.observed.as_ref().map(|_| args.sweep),
                "x_observed": x_obs,
                "mean": mean,
                "std": std,
                "q05": q05,
                "q95": q95,
                "num_simulations": num_simulations,
                "num_samples": args.num_samples,
                "features": args.features,
                "noise": args.noise,
                "seed": args.seed,
                "estimator": posterior.estimator_name(),
                "rounds": cli::rounds_json(&rounds),
                "seconds": {
                    "simulate": simulate_s,
                    "train": train_s,
                    "observe_and_sample": sample_s,
                    "plot": plot_s,
                    "total": total_s,
                },
            });
            if let Some(v) = &validation {
                out["validation"] = serde_json::json!({
                    "num_theta": v.0,
                    "mean_abs_error_fraction": v.1,
                    "coverage90": v.2,
                });
            }
            println!("{out}");
        } else {
            println!(
                "{} posterior from {} samples ({} features{}):",
                posterior.estimator_name(),
                args.num_samples,
                args.features,
                if args.noise > 0.0 {
                    format!(", noise σ = {}", args.noise)
                } else {
                    String::new()
                }
            );
            println!(
                "  {:<20} {:>9} {:>10} {:>9} {:>21}",
                "parameter", "truth", "mean", "std", "90 % interval"
            );
            cli::print_rounds(&rounds);
            if let Some(path) = &args.observed {
                println!("observation: {} (sweep {})", path.display(), args.sweep);
            }
            for j in 0..2 {
                let (shown, inside) = match truth {
                    Some(t) if (q05[j]..=q95[j]).contains(&t[j]) => (format!("{:.3}", t[j]), ""),
                    Some(t) => (format!("{:.3}", t[j]), "  (truth outside)"),
                    None => ("?".to_owned(), ""),
                };
                println!(
                    "  {:<20} {:>9} {:>10.3} {:>9.3}   [{:>8.3}, {:>8.3}]{inside}",
                    NAMES[j], shown, mean[j], std[j], q05[j], q95[j]
                );
            }
            if let Some((k, mae, cov)) = &validation {
                println!("validation on {k} held-out θ from the prior:");
                for j in 0..2 {
                    println!(
                        "  {:<20} mean |posterior mean − truth| = {:.2} % of the prior width; 90 % coverage {:.2}",
                        NAMES[j],
                        100.0 * mae[j],
                        cov[j]
                    );
                }
            }
            println!(
                "time: simulate {simulate_s:.2} s, train {train_s:.2} s, observe+sample {sample_s:.3} s, pictures {plot_s:.2} s, total {total_s:.2} s"
            );
            println!("pictures: {}", args.out_dir.display());
        }
        Ok(())
    });
}

/// A recording of the notebook protocol as the observation: read, checked against `sim`'s
/// protocol (dt and length: the message says what differs), given the protocol's stimulus
/// window (as every simulated trace has), and summarised.
fn recorded_observation(
    path: &Path,
    sweep: usize,
    sim: &HhSimulator,
    features: &FeatureSet,
) -> Result<(Trace, Vec<f64>), CliError> {
    let rec = hh_io::read(path, sweep)?;
    if let Some(why) = protocol_mismatch(&rec, sim.protocol()) {
        return Err(CliError(format!(
            "{} is not a recording of the notebook protocol (200 ms at dt 0.01 ms, pulse \
             70-130 ms): {why}",
            path.display()
        )));
    }
    let mut trace = Trace::new(sim.protocol().dt_ms, 0.0, rec.voltage_mv().to_vec())?;
    if let Some(w) = sim.protocol().stimulus_window() {
        trace = trace.with_stimulus(w);
    }
    let x = features.summarize(&trace)?;
    Ok((trace, x))
}

/// Held-out θ are simulated, summarised and sampled this many at a time: memory stays flat
/// whatever K (20,000 traces kept at once were 3.2 GB).
const VALIDATE_CHUNK: usize = 256;
/// The most held-out θ `--validate` takes (each one is a simulation and a posterior sample).
const MAX_VALIDATE: usize = 10_000_000;

/// K held-out θ from the prior: per parameter, the mean |posterior mean − θ| as a fraction of
/// the prior width, and the fraction of 90 % central intervals containing θ. Item i uses the
/// streams `item_rng(·, i)` whatever the chunking.
fn validate(
    prior: &BoxUniform,
    sim: &HhSimulator,
    features: &FeatureSet,
    posterior: &DirectPosterior,
    k: usize,
    num_samples: usize,
    seed: u64,
) -> Result<(usize, [f64; 2], [f64; 2]), CliError> {
    use rayon::prelude::*;
    let mut rng = SeedRng::seed_from_u64(item_seed(seed, 9_000_001));
    let thetas = prior.sample_batch(k, &mut rng)?;
    let (sim_seed, post_seed) = (item_seed(seed, 9_000_002), item_seed(seed, 9_000_003));
    let (mut mae, mut cov) = ([0.0; 2], [0.0; 2]);
    for start in (0..k).step_by(VALIDATE_CHUNK) {
        let end = (start + VALIDATE_CHUNK).min(k);
        let rows: Vec<Result<[[f64; 2]; 4], CliError>> = (start..end)
            .into_par_iter()
            .map(|i| {
                let trace = sim.simulate(thetas.row(i), &mut item_rng(sim_seed, i as u64))?;
                let x = features.summarize(&trace)?;
                let draws =
                    posterior.sample(&x, num_samples, &mut item_rng(post_seed, i as u64))?;
                Ok(describe(&draws))
            })
            .collect();
        for (i, r) in (start..end).zip(rows) {
            let [m, _, lo, hi] = r?;
            let th = thetas.row(i);
            for j in 0..2 {
                mae[j] += (m[j] - th[j]).abs() / (HIGH[j] - LOW[j]) / k as f64;
                cov[j] += f64::from(u8::from((lo[j]..=hi[j]).contains(&th[j]))) / k as f64;
            }
        }
    }
    Ok((k, mae, cov))
}
