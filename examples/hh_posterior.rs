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
use hh_sbi_examples::cli::{self, CliError, counts, parse_f64, parse_value};
use hh_sbi_examples::model_check::{ModelCheck, check_model, no_posterior, to_json};
use hh_sbi_examples::notebook::{
    HIGH, LOW, NAMES, Scene, dataset_settings, load_checked, observe, render_pictures, trained_on,
};
use hh_sbi_examples::posterior::{
    Source, Trained, outside_features, sample_within_prior, train_inspected,
};
use hh_sbi_examples::predictive_check::render_predictive_check;
use hh_sbi_examples::progress::TerminalProgress;
use hh_sbi_examples::recording::protocol_mismatch;
use hh_stats::FeatureSet;
use sbi_core::stats::{Marginal, marginals};
use sbi_core::{SummaryStatistics, Trace, streams};
use sbi_inference::{
    Dataset, Misspecification, PredictiveCheck, Problem, RoundReport, Validation, validate,
};
use sbi_npe::{DirectPosterior, NeuralEstimator, TrainConfig};
use sbi_prior::BoxUniform;

const USAGE: &str = "\
usage: hh_posterior [--v-rest <mV>] [--stim <uA/cm2>] [--num-simulations N] [--num-samples M]
                    [--features notebook|sbi7] [--noise <sigma>] [--estimator mdn|nsf|maf]
                    [--seed S] [--out-dir DIR]
                    [--save-posterior FILE] [--load-posterior FILE] [--validate K] [--json]
                    [--observed FILE [--sweep N] [--voltage-channel NAME]]
                    [--rounds R [--warm-start]]
                    [--dataset FILE] [--model-check full|mmd|off]

Infers theta = (V_rest in [40, 60] mV, stimulus amplitude in [3, 7] uA/cm2) of a classic HH
neuron (200 ms, dt 0.01 ms, pulse 70-130 ms) from one simulated trace: BoxUniform prior, N
simulations (default 500) in parallel, summary features (default: the notebook's max, mean,
std), a neural posterior (default: sbi's mixture-density network), M posterior samples (default 1000) at the observation
simulated at the true theta (default V_rest 50, stim 5). Prints posterior mean, std and 90 %
interval per parameter and writes pictures to DIR (default hh_posterior_out): posterior.svg,
observed_trace.svg, posterior_predictive.svg, predictive_check.svg (each feature of 200
simulations at posterior draws, the observation's marked; its quantiles are printed).

--noise sigma   white-noise current (uA/cm2*sqrt(ms)) in every simulation: the notebook's
                simulator is deterministic, which makes its true posterior nearly a point
--estimator E   the density estimator: mdn (mixture of 10 Gaussians, the notebook's; default),
                nsf (neural spline flow) or maf (masked autoregressive flow); see docs/npe.md
--save-posterior FILE / --load-posterior FILE   keep a trained posterior / reuse it (skips
                simulation and training; use the same --features and --noise)
--observed FILE a recorded trace of this protocol (CSV, ABF or NWB, absolute mV, 20,000
                samples at 0.01 ms) as the observation instead of a simulation at the true
                theta; --sweep N picks the sweep (default 0); --voltage-channel NAME an ABF
                file's membrane-potential input by name or position (default: the first
                input in a voltage unit whose command is not a potential). --v-rest/--stim
                then only mark a known truth (a synthetic recording). See
                docs/recordings.md
--rounds R      truncated sequential NPE for this observation: R rounds of N simulations,
                each after the first drawn from the prior truncated to where the current
                posterior has its mass, retrained on all simulations (docs/npe.md);
                --warm-start continues each round from the previous round's network
--dataset FILE  train on simulations made elsewhere (the campaign example's .npz, e.g. on
                an MPI cluster: docs/scaling.md) instead of simulating; the file must hold
                this run's features and prior, and was simulated with the same --noise
--validate K    also evaluate K held-out theta from the prior: mean absolute error of the
                posterior mean (fraction of the prior width) and coverage of the 90 % intervals
--model-check C can the model produce the observation at all? Against the simulations
                from the prior: an MMD test (mmd) and the log-density of the --estimator
                network fitted to the simulated features (full), each with a p-value, a
                verdict (consistent; doubtful, p < 0.05; outside, p < 0.01) and the features
                furthest out (default full with --observed, off otherwise; never with
                --load-posterior, which has no simulations)
--json          print one JSON object instead of the table";

struct Args {
    truth: [f64; 2],
    truth_given: bool,
    observed: Option<PathBuf>,
    sweep: usize,
    channels: hh_io::ChannelChoice,
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
    model_check: Option<ModelCheck>,
}

fn parse_args() -> Result<Args, CliError> {
    use lexopt::prelude::*;
    let mut p = lexopt::Parser::from_env();
    let mut a = Args {
        truth: [50.0, 5.0],
        truth_given: false,
        observed: None,
        channels: hh_io::ChannelChoice::default(),
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
        model_check: None,
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
            Long("voltage-channel") => {
                a.channels.voltage = Some(p.value()?.to_string_lossy().into_owned())
            }
            Long("rounds") => a.rounds = counts::ROUNDS.parse("--rounds", p.value()?)?,
            Long("warm-start") => a.warm_start = true,
            Long("dataset") => a.dataset = Some(PathBuf::from(p.value()?)),
            Long("num-simulations") => {
                a.num_simulations = counts::SIMULATIONS.parse("--num-simulations", p.value()?)?
            }
            Long("num-samples") => {
                a.num_samples = counts::POSTERIOR_SAMPLES.parse("--num-samples", p.value()?)?
            }
            Long("features") => a.features = p.value()?.to_string_lossy().into_owned(),
            Long("noise") => a.noise = parse_f64("--noise", p.value()?)?,
            Long("seed") => a.seed = parse_value("--seed", p.value()?)?,
            Long("out-dir") => a.out_dir = PathBuf::from(p.value()?),
            Long("save-posterior") => a.save = Some(PathBuf::from(p.value()?)),
            Long("load-posterior") => a.load = Some(PathBuf::from(p.value()?)),
            Long("validate") => {
                a.validate = Some(counts::VALIDATE.parse("--validate", p.value()?)?)
            }
            Long("json") => a.json = true,
            Long("model-check") => a.model_check = Some(parse_value("--model-check", p.value()?)?),
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
    // Checked here so that a typo fails at once, before simulating and training.
    let num_features = FeatureSet::preset_named(&a.features)?.dim();
    cli::fits_in_memory("--num-simulations", a.num_simulations, num_features + 2)?;
    cli::fits_in_memory("--num-samples", a.num_samples, 2)?;
    // Before training: a run must not end unable to save what it trained.
    if let Some(path) = &a.save {
        sbi_core::check_writable(path).map_err(|e| CliError(format!("--save-posterior: {e}")))?;
    }
    Ok(a)
}

/// Writes posterior.svg, observed_trace.svg and posterior_predictive.svg into `dir`.
fn pictures(dir: &Path, scene: &Scene<'_>, ppc: &PredictiveCheck) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).map_err(|e| CliError(format!("{}: {e}", dir.display())))?;
    let p = render_pictures(scene)?;
    let check = render_predictive_check(ppc)?;
    for (name, svg) in [
        ("posterior.svg", &p.posterior),
        ("observed_trace.svg", &p.observed),
        ("posterior_predictive.svg", &p.predictive),
        ("predictive_check.svg", &check),
    ] {
        sbi_core::write_atomic(&dir.join(name), |w| w.write_all(svg.as_bytes()))?;
    }
    Ok(())
}

fn main() {
    cli::run(USAGE, parse_args, |args| {
        let t0 = Instant::now();
        let prior = BoxUniform::new(LOW.to_vec(), HIGH.to_vec())?;
        let sim = HhSimulator::notebook().with_noise_sigma(args.noise)?;
        let features = FeatureSet::preset_named(&args.features)?;
        let truth = truth(&args);
        // The observation: the recording (read and checked first, so a wrong file fails at
        // once), or one simulation at the true θ on its own stream.
        let (observed, x_obs) = match &args.observed {
            Some(path) => recorded_observation(path, args.sweep, &args.channels, &sim, &features)?,
            None => observe(&sim, &features, args.truth, args.seed)?,
        };
        let problem = Problem::new(&prior, &sim, &features)
            .num_simulations(args.num_simulations)
            .seed(args.seed);
        let mut progress = TerminalProgress::new("hh_posterior").quiet(args.json);
        let (posterior, run) = obtain(&args, problem, &x_obs, &mut progress)?;
        let check = args.model_check.unwrap_or(if args.observed.is_some() {
            ModelCheck::Full
        } else {
            ModelCheck::Off
        });
        let misspecification = match (&run, check) {
            (_, ModelCheck::Off) => None,
            (None, _) => {
                if !args.json {
                    eprintln!("note: no model check: a loaded posterior has no simulations");
                }
                None
            }
            (Some(run), check) => {
                let checked = run.prior_simulations().and_then(|sims| {
                    check_model(
                        check,
                        &args.estimator,
                        &sims,
                        &x_obs,
                        args.seed,
                        &mut progress,
                    )
                });
                match checked {
                    Ok(m) => m,
                    Err(e) => {
                        if !args.json {
                            eprintln!("note: no model check: {}", e.0);
                        }
                        None
                    }
                }
            }
        };
        let t_obs = Instant::now();
        let (samples, _) = sample_within_prior(
            &posterior,
            problem.prior,
            &x_obs,
            args.num_samples,
            &mut streams::POSTERIOR_SAMPLES.rng(args.seed),
            args.json,
        )
        .map_err(|e| no_posterior(e, misspecification.as_ref()))?;
        let sample_s = t_obs.elapsed().as_secs_f64();
        let t_plot = Instant::now();
        let scene = Scene {
            sim: &sim,
            posterior: &posterior,
            truth,
            observed: &observed,
            x_obs: &x_obs,
            samples: &samples,
            seed: args.seed,
        };
        // The predictive check: 200 simulations at posterior draws, summarised.
        let draws = samples.select_rows(|i| i < 200);
        let ppc = PredictiveCheck::run(&sim, &features, &draws, &x_obs, args.seed)?;
        pictures(&args.out_dir, &scene, &ppc)?;
        let plot_s = t_plot.elapsed().as_secs_f64();
        let validation = match args.validate {
            Some(k) => Some(validate(&problem, &posterior, k, args.num_samples)?),
            None => None,
        };
        let report = run.as_ref().map(|r| &r.report);
        let outcome = Outcome {
            posterior: &posterior,
            run: run.as_ref(),
            truth,
            x_obs: &x_obs,
            marginals: marginals(&samples),
            validation,
            misspecification,
            ppc,
            seconds: [
                report.map_or(0.0, |r| r.simulate_seconds),
                report.map_or(0.0, |r| r.train_seconds),
                sample_s,
                plot_s,
                t0.elapsed().as_secs_f64(),
            ],
        };
        match args.json {
            true => println!("{}", outcome.json(&args)),
            false => outcome.print(&args),
        }
        Ok(())
    });
}

/// The true θ when it is known (always for a simulated observation; for a recording only if
/// given, i.e. a synthetic recording), with a warning when it lies outside the prior box.
fn truth(args: &Args) -> Option<[f64; 2]> {
    let truth = (args.observed.is_none() || args.truth_given).then_some(args.truth);
    let inside = (0..2).all(|j| (LOW[j]..=HIGH[j]).contains(&args.truth[j]));
    if !inside && truth.is_some() && !args.json {
        eprintln!(
            "warning: the true θ {:?} lies outside the prior box; the posterior cannot reach it",
            args.truth
        );
    }
    truth
}

/// The posterior: loaded (`--load-posterior`, checked against this run), or trained on the
/// run's simulations, a dataset file or in sequential rounds, recording what it was trained
/// on and saved when asked.
fn obtain(
    args: &Args,
    problem: Problem<'_, BoxUniform, HhSimulator, FeatureSet>,
    x_obs: &[f64],
    progress: &mut TerminalProgress,
) -> Result<(DirectPosterior, Option<Trained>), CliError> {
    // What this run's posterior is for: checked against a loaded one, saved with a new one.
    let trained_on = trained_on(problem.simulator, problem.summary, args.noise);
    if let Some(path) = &args.load {
        return Ok((load_checked(path, problem.summary, &trained_on)?, None));
    }
    let settings = dataset_settings(problem.simulator, problem.summary, args.noise, args.seed);
    let source = match (&args.dataset, args.rounds) {
        (Some(path), _) => Source::Dataset {
            path,
            settings: &settings,
        },
        (None, 1) => Source::Simulate,
        (None, rounds) => Source::Rounds {
            x_obs,
            rounds,
            warm_start: args.warm_start,
        },
    };
    // sbi's defaults, plus whitening of x: V_rest shifts `max` and `mean` alike, so the
    // stimulus hides in their small differences (docs/notebook.md).
    let est = args
        .estimator
        .clone()
        .with_train(TrainConfig::new().with_whiten_x(true));
    // Before training, an observation beyond every simulation from the prior is said, with
    // what to widen (a sequential run's rounds run as one call: nothing to say in between).
    let quiet = args.json || args.rounds > 1;
    let mut place = |sims: &Dataset| {
        if quiet {
            return;
        }
        let out = outside_features(sims, x_obs, &NAMES);
        if !out.is_empty() {
            eprintln!(
                "warning (before training): the observation lies beyond every simulation \
                 from the prior (the posterior will extrapolate there):\n  {}",
                out.join("\n  ")
            );
        }
    };
    let run = train_inspected(problem, source, &est, 1, progress, &mut place)?;
    if !args.json {
        if let Some(path) = &args.dataset {
            eprintln!(
                "trained on {} simulations from {} ({} failed)",
                run.dataset.len(),
                path.display(),
                run.dataset.num_failed()
            );
        }
        cli::report_failures(&run.dataset);
    }
    let posterior = run.posterior.members()[0]
        .clone()
        .with_trained_on(trained_on);
    if let Some(path) = &args.save {
        posterior.save(path)?;
        if !args.json {
            eprintln!("saved the posterior to {}", path.display());
        }
    }
    Ok((posterior, Some(run)))
}

/// What a run found, to print.
struct Outcome<'a> {
    posterior: &'a DirectPosterior,
    run: Option<&'a Trained>,
    truth: Option<[f64; 2]>,
    x_obs: &'a [f64],
    marginals: Vec<Marginal>,
    validation: Option<Validation>,
    /// The model check, when one ran.
    misspecification: Option<Misspecification>,
    /// The posterior predictive check.
    ppc: PredictiveCheck,
    /// Simulate, train, observe and sample, pictures, total.
    seconds: [f64; 5],
}

impl Outcome<'_> {
    /// The number of simulations trained on (0 for a loaded posterior).
    fn num_simulations(&self) -> usize {
        self.run.map_or(0, |r| r.dataset.len())
    }

    fn rounds(&self) -> &[RoundReport] {
        self.run.map_or(&[], |r| &r.rounds)
    }

    fn json(&self, args: &Args) -> serde_json::Value {
        let m = &self.marginals;
        let col = |f: fn(&Marginal) -> f64| m.iter().map(f).collect::<Vec<_>>();
        let [simulate, train, sample, plot, total] = self.seconds;
        let mut out = serde_json::json!({
            "truth": self.truth,
            "observed": args.observed.as_ref().map(|p| p.display().to_string()),
            "dataset": args.dataset.as_ref().map(|p| p.display().to_string()),
            "sweep": args.observed.as_ref().map(|_| args.sweep),
            "x_observed": self.x_obs,
            "mean": col(|m| m.mean),
            "std": col(|m| m.std),
            "q05": col(|m| m.q05),
            "q95": col(|m| m.q95),
            "num_simulations": self.num_simulations(),
            "num_samples": args.num_samples,
            "features": args.features,
            "noise": args.noise,
            "seed": args.seed,
            "estimator": self.posterior.estimator_name(),
            "rounds": cli::rounds_json(self.rounds()),
            "seconds": {
                "simulate": simulate,
                "train": train,
                "observe_and_sample": sample,
                "plot": plot,
                "total": total,
            },
        });
        out["predictive_check"] = serde_json::json!({
            "names": self.ppc.names,
            "quantiles": self.ppc.quantiles,
            "outside95": self.ppc.outside(0.95).iter().map(|&j| &self.ppc.names[j]).collect::<Vec<_>>(),
        });
        out["misspecification"] = self
            .misspecification
            .as_ref()
            .map_or(serde_json::Value::Null, to_json);
        if let Some(v) = &self.validation {
            out["validation"] = serde_json::json!({
                "num_theta": v.num_theta,
                "mean_abs_error_fraction": v.mean_abs_error,
                "coverage90": v.coverage90,
            });
        }
        out
    }

    fn print(&self, args: &Args) {
        println!(
            "{} posterior from {} samples ({} features{}):",
            self.posterior.estimator_name(),
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
        cli::print_rounds(self.rounds());
        if let Some(path) = &args.observed {
            println!("observation: {} (sweep {})", path.display(), args.sweep);
        }
        for (j, m) in self.marginals.iter().enumerate() {
            let (shown, inside) = match self.truth {
                Some(t) if m.covers(t[j]) => (format!("{:.3}", t[j]), ""),
                Some(t) => (format!("{:.3}", t[j]), "  (truth outside)"),
                None => ("?".to_owned(), ""),
            };
            println!(
                "  {:<20} {:>9} {:>10.3} {:>9.3}   [{:>8.3}, {:>8.3}]{inside}",
                NAMES[j], shown, m.mean, m.std, m.q05, m.q95
            );
        }
        if let Some(v) = &self.validation {
            println!("validation on {} held-out θ from the prior:", v.num_theta);
            for ((name, mae), cov) in NAMES.iter().zip(&v.mean_abs_error).zip(&v.coverage90) {
                println!(
                    "  {name:<20} mean |posterior mean − truth| = {:.2} % of the prior width; 90 % coverage {cov:.2}",
                    100.0 * mae
                );
            }
        }
        if let Some(m) = &self.misspecification {
            let what = if args.observed.is_some() {
                "the recording"
            } else {
                "the observation"
            };
            println!("model check: {}", m.report(what));
        }
        let q: Vec<String> = (0..self.ppc.names.len())
            .map(|j| format!("{} {:.2}", self.ppc.names[j], self.ppc.quantiles[j]))
            .collect();
        println!(
            "predictive check (quantile of each observed feature among {} simulations at posterior draws): {}",
            self.ppc.predictive.nrows(),
            q.join(", ")
        );
        let [simulate, train, sample, plot, total] = self.seconds;
        println!(
            "time: simulate {simulate:.2} s, train {train:.2} s, observe+sample {sample:.3} s, pictures {plot:.2} s, total {total:.2} s"
        );
        println!("pictures: {}", args.out_dir.display());
    }
}

/// A recording of the notebook protocol as the observation: read, checked against `sim`'s
/// protocol (dt and length: the message says what differs), given the protocol's stimulus
/// window (as every simulated trace has), and summarised.
fn recorded_observation(
    path: &Path,
    sweep: usize,
    channels: &hh_io::ChannelChoice,
    sim: &HhSimulator,
    features: &FeatureSet,
) -> Result<(Trace, Vec<f64>), CliError> {
    let rec = hh_io::read_with(path, sweep, channels)?;
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
