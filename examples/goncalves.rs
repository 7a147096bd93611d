//! The field's reference problem: the 8-parameter Hodgkin–Huxley benchmark of Gonçalves et al.
//! (2020, eLife) end to end — the Pospischil model under the published protocol, the
//! published prior and θ*, the published seven features, 10⁵ simulations, a neural posterior,
//! a corner plot, posterior predictive traces and calibration over held-out pairs.
//!
//! ```text
//! cargo run --release --example goncalves                      # 10^5 simulations, NSF
//! cargo run --release --example goncalves -- --estimator maf --features goncalves4 --json
//! cargo run --release --example goncalves -- --save-dataset sims.npz   # for Python sbi too
//! cargo run --release --example campaign -- --problem goncalves --features goncalves7 \
//!     --num-simulations 100000 --out sims.npz                 # or across MPI ranks
//! cargo run --release --example goncalves -- --dataset sims.npz
//! ```
//!
//! See docs/goncalves.md for the model, the numbers and the comparison with Python sbi.

use std::path::{Path, PathBuf};
use std::time::Instant;

use hh_sbi_examples::cli::{self, CliError, counts, parse_f64, parse_value};
use hh_sbi_examples::corner::{CornerView, render_corner};
use hh_sbi_examples::goncalves::{
    HIGH, LABELS, LOW, THETA, THETA_STAR, WINDOW_MS, dataset_settings, features, simulator,
};
use hh_sbi_examples::plot::{observed_with_draws, render_traces};
use hh_sbi_examples::posterior::{Source, outside_features, sample_within_prior, train_inspected};
use hh_sbi_examples::progress::TerminalProgress;
use hh_sbi_examples::sbc::render_sbc;
use sbi_core::stats::{Marginal, marginals};
use sbi_core::{Posterior, RowMatrix, Simulator, SummaryStatistics, TimeWindow, Trace, streams};
use sbi_inference::{Calibration, Dataset, Npe, Problem};
use sbi_npe::NeuralEstimator;
use sbi_prior::BoxUniform;

const USAGE: &str = "\
usage: goncalves [--num-simulations N] [--num-samples M] [--estimator maf|nsf|mdn]
                 [--features goncalves7|goncalves4|goncalves1] [--theta v1,...,v8]
                 [--observed trace.csv] [--calibration K] [--seed S] [--out-dir DIR]
                 [--dataset FILE | --save-dataset FILE] [--batch-size B]
                 [--learning-rate L] [--ensemble K] [--json]

Gonçalves et al. 2020's benchmark: theta = (g_Na, g_K, g_leak, g_M [mS/cm2], tau_max [ms],
-V_T [mV], sigma [uA/cm2*sqrt(ms)], -E_leak [mV]) of the Pospischil model (120 ms at dt
0.01 ms, 3.248 uA/cm2 from 10 to 110 ms, white-noise current sigma), the published
BoxUniform prior, N simulations (default 100000), the published features (default all
seven: spike count, resting mean and std, mean, variance, skewness and kurtosis in the
stimulus window), a neural posterior (default nsf, the neural spline flow: calibrated here,
where maf, the paper's flow, is overconfident; docs/goncalves.md), M posterior samples
(default 10000) at the observation simulated at theta* = (50, 5, 0.1, 0.07, 600, 60, 0.1, 70)
(or --theta, or a recorded trace of the protocol, --observed), and calibration over K
held-out (theta, x) pairs from the prior (default 200; 0 skips it): the coverage of each
parameter's 90 % interval and an SBC uniformity p-value. Prints the posterior's mean, std
and 90 % interval per parameter and writes corner.svg (the prior box as axes, theta* in
red) and predictive.svg (simulations at five posterior draws over the observation), sbc.svg (each parameter's
histogram of SBC ranks), posterior_samples.csv and summary.json (what --json prints) to DIR
(default goncalves_out).

--batch-size B, --learning-rate L   training settings: by default sbi's (200, 5e-4) below
                     20000 simulations (--num-simulations), (1000, 2e-3) from there: a flow's
                     epoch of 10^5 rows 2.6 times faster, and fewer epochs to a better fit
--ensemble K         K networks trained with different seeds, sampled as their mixture: the
                     remedy for NPE's overconfidence (Hermans et al. 2022; K times the
                     training)
--dataset FILE       train on simulations made elsewhere (this example's --save-dataset, or
                     the campaign example's --problem goncalves, e.g. across MPI ranks)
--save-dataset FILE  also write the simulations as .npz (theta, x: what
                     benches/python/goncalves_sbi.py trains Python sbi on)
--json               print one JSON object instead of the table";

/// From this many simulations on, training takes larger batches and steps.
const LARGE_BUDGET: usize = 20_000;

struct Args {
    num_simulations: usize,
    num_samples: usize,
    estimator: NeuralEstimator,
    ensemble: usize,
    batch_size: Option<usize>,
    learning_rate: Option<f64>,
    features: String,
    truth: [f64; 8],
    observed: Option<PathBuf>,
    calibration: usize,
    seed: u64,
    out_dir: PathBuf,
    dataset: Option<PathBuf>,
    save_dataset: Option<PathBuf>,
    json: bool,
}

fn parse_args() -> Result<Args, CliError> {
    use lexopt::prelude::*;
    let mut p = lexopt::Parser::from_env();
    let mut a = Args {
        num_simulations: 100_000,
        num_samples: 10_000,
        estimator: NeuralEstimator::from_name("nsf")?,
        ensemble: 1,
        batch_size: None,
        learning_rate: None,
        features: "goncalves7".into(),
        truth: THETA_STAR,
        observed: None,
        calibration: 200,
        seed: 0,
        out_dir: PathBuf::from("goncalves_out"),
        dataset: None,
        save_dataset: None,
        json: false,
    };
    while let Some(arg) = p.next()? {
        match arg {
            Long("num-simulations") => {
                a.num_simulations = counts::SIMULATIONS.parse("--num-simulations", p.value()?)?
            }
            Long("num-samples") => {
                a.num_samples = counts::POSTERIOR_SAMPLES.parse("--num-samples", p.value()?)?
            }
            Long("estimator") => a.estimator = parse_value("--estimator", p.value()?)?,
            Long("ensemble") => a.ensemble = counts::ENSEMBLE.parse("--ensemble", p.value()?)?,
            Long("learning-rate") => {
                a.learning_rate = Some(parse_f64("--learning-rate", p.value()?)?)
            }
            Long("batch-size") => {
                a.batch_size = Some(counts::BATCH_SIZE.parse("--batch-size", p.value()?)?)
            }
            Long("features") => a.features = p.value()?.to_string_lossy().into_owned(),
            Long("theta") => a.truth = parse_theta(&p.value()?.to_string_lossy())?,
            Long("observed") => a.observed = Some(PathBuf::from(p.value()?)),
            Long("calibration") => {
                a.calibration = match p.value()?.to_string_lossy().as_ref() {
                    "0" => 0,
                    k => counts::VALIDATE.parse("--calibration", k.into())?,
                }
            }
            Long("seed") => a.seed = parse_value("--seed", p.value()?)?,
            Long("out-dir") => a.out_dir = PathBuf::from(p.value()?),
            Long("dataset") => a.dataset = Some(PathBuf::from(p.value()?)),
            Long("save-dataset") => a.save_dataset = Some(PathBuf::from(p.value()?)),
            Long("json") => a.json = true,
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
    if a.dataset.is_some() && a.save_dataset.is_some() {
        return Err(CliError(
            "--dataset trains on a file's simulations; --save-dataset saves this run's: \
             give one"
                .into(),
        ));
    }
    // Checked here so that a typo fails at once, before simulating and training.
    let dim = features(&a.features)?.dim();
    cli::fits_in_memory("--num-simulations", a.num_simulations, dim + THETA.len())?;
    cli::fits_in_memory("--num-samples", a.num_samples, THETA.len())?;
    if let Some(path) = &a.save_dataset {
        sbi_core::check_writable(path).map_err(|e| CliError(format!("--save-dataset: {e}")))?;
    }
    // The settings given, checked now (the budget's defaults are valid).
    a.estimator = estimator_for(&a, a.num_simulations);
    a.estimator.train_config().validate()?;
    Ok(a)
}

/// The estimator with its training settings for `budget` simulations: sbi's defaults, and
/// for a large budget a 5 times larger batch at a 4 times larger step (docs/goncalves.md: 1.6
/// times faster, to a better validation loss); `--batch-size` and `--learning-rate` win.
fn estimator_for(args: &Args, budget: usize) -> NeuralEstimator {
    let (batch, lr) = match budget {
        ..LARGE_BUDGET => (200, 5e-4),
        _ => (1000, 2e-3),
    };
    let mut estimator = args.estimator.clone();
    let train = estimator.train_mut();
    train.batch_size = args.batch_size.unwrap_or(batch);
    train.learning_rate = args.learning_rate.unwrap_or(lr);
    estimator
}

/// Eight comma-separated numbers.
fn parse_theta(s: &str) -> Result<[f64; 8], CliError> {
    let v: Vec<f64> = s
        .split(',')
        .map(|x| x.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|e| CliError(format!("--theta: {e} in `{s}`")))?;
    let theta: [f64; 8] = v.try_into().map_err(|v: Vec<f64>| {
        CliError(format!(
            "--theta needs 8 values ({}), got {}",
            THETA.join(", "),
            v.len()
        ))
    })?;
    for (j, t) in theta.iter().enumerate() {
        if !(LOW[j]..=HIGH[j]).contains(t) {
            return Err(CliError(format!(
                "--theta: {} = {t} lies outside the prior box [{}, {}]",
                THETA[j], LOW[j], HIGH[j]
            )));
        }
    }
    Ok(theta)
}

/// A recorded trace of the published protocol: 12,001 samples at dt 0.01 ms from t = 0.
fn read_observed(path: &Path) -> Result<Trace, CliError> {
    let at = |m: String| CliError(format!("{}: {m}", path.display()));
    // The reader's errors name the file already.
    let trace = Trace::read_csv(path)?;
    let protocol = hh_model::Protocol::goncalves();
    if (trace.dt_ms() - protocol.dt_ms).abs() > 1e-9
        || trace.t0_ms().abs() > 1e-9
        || trace.len() != protocol.num_steps + 1
    {
        return Err(at(format!(
            "not a trace of the published protocol: {} samples at dt {} ms from t = {} ms \
             (expected 12001 at 0.01 ms from 0: the features' windows and the simulations \
             are those of the protocol)",
            trace.len(),
            trace.dt_ms(),
            trace.t0_ms()
        )));
    }
    Ok(trace)
}

/// Held-out pairs for calibration: `k` θ from the prior on the validation stream, simulated
/// and summarised; failed simulations left out.
fn held_out<F: SummaryStatistics<Trace>>(
    prior: &BoxUniform,
    sim: &hh_model::ModelSimulator<hh_model::Pospischil>,
    summary: &F,
    k: usize,
    seed: u64,
) -> Result<(RowMatrix, RowMatrix), CliError>
where
    F::Error: std::error::Error + Send + Sync + 'static,
{
    let problem = Problem::new(prior, sim, summary)
        .num_simulations(k)
        .seed(streams::VALIDATION_PRIOR.seed(seed));
    let data = Npe::new(problem).simulate()?;
    let ok = |i: usize| data.x().row(i).iter().all(|v| v.is_finite());
    Ok((data.theta().select_rows(ok), data.x().select_rows(ok)))
}

/// What the calibration measured.
struct Calibrated {
    pairs: usize,
    ranks: RowMatrix,
    samples_per_pair: usize,
    coverage: Vec<f64>,
    ks_p_values: Vec<f64>,
}

fn main() {
    cli::run(USAGE, parse_args, |args| {
        let t0 = Instant::now();
        let prior = BoxUniform::new(LOW.to_vec(), HIGH.to_vec())?;
        let sim = simulator()?;
        let summary = features(&args.features)?;
        let (observed, truth) = match &args.observed {
            Some(path) => (read_observed(path)?, None),
            None => (
                sim.simulate(&args.truth, &mut streams::OBSERVATION.rng(args.seed))?,
                Some(args.truth),
            ),
        };
        let x_obs = summary.summarize(&observed)?;
        let problem = Problem::new(&prior, &sim, &summary)
            .num_simulations(args.num_simulations)
            .seed(args.seed);
        let mut progress = TerminalProgress::new("goncalves").quiet(args.json);
        let settings = dataset_settings(args.seed);
        let source = match &args.dataset {
            Some(path) => Source::Dataset {
                path,
                settings: &settings,
            },
            None => Source::Simulate,
        };
        // A dataset's own size sets the training defaults (it is read again to train).
        let budget = match &args.dataset {
            Some(path) => Dataset::load_npz(path).map_or(args.num_simulations, |d| d.len()),
            None => args.num_simulations,
        };
        let estimator = estimator_for(&args, budget);
        let mut inspect = |sims: &Dataset| before_training(&args, sims, &settings, &x_obs);
        let run = train_inspected(
            problem,
            source,
            &estimator,
            args.ensemble,
            &mut progress,
            &mut inspect,
        )?;
        if !args.json {
            cli::report_failures(&run.dataset);
        }
        let posterior = &run.posterior;
        let t_sample = Instant::now();
        let mut rng = streams::POSTERIOR_SAMPLES.rng(args.seed);
        let samples = match posterior.members() {
            // One network: on total leakage, importance sampling inside the prior.
            [one] => {
                sample_within_prior(one, &prior, &x_obs, args.num_samples, &mut rng, args.json)?.0
            }
            _ => posterior.sample(&x_obs, args.num_samples, &mut rng)?,
        };
        let sample_s = t_sample.elapsed().as_secs_f64();
        let t_calibrate = Instant::now();
        let calibration = calibrate(&args, &prior, &sim, &summary, posterior)?;
        let calibrate_s = t_calibrate.elapsed().as_secs_f64();
        let t_plot = Instant::now();
        let scene = Scene {
            observed: &observed,
            truth: truth.as_ref(),
            samples: &samples,
            x_obs: &x_obs,
            calibration: calibration.as_ref(),
        };
        pictures(&args, &sim, &scene, posterior)?;
        let plot_s = t_plot.elapsed().as_secs_f64();
        let m = marginals(&samples);
        let seconds = [
            run.report.simulate_seconds,
            run.report.train_seconds,
            sample_s,
            calibrate_s,
            plot_s,
            t0.elapsed().as_secs_f64(),
        ];
        let outcome = Outcome {
            args: &args,
            names: summary.names(),
            x_obs: &x_obs,
            truth,
            marginals: &m,
            simulations: run.dataset.len(),
            failed: run.dataset.num_failed(),
            calibration: calibration.as_ref(),
            batch_size: estimator.train_config().batch_size,
            learning_rate: estimator.train_config().learning_rate,
            seconds,
        };
        let json = outcome.json();
        save_results(&args.out_dir, &samples, &json)?;
        match args.json {
            true => println!("{json}"),
            false => outcome.print(),
        }
        Ok(())
    });
}

/// Before training, on the simulations: saves them (`--save-dataset`), and names the
/// observed features beyond all of them with what to widen.
fn before_training(
    args: &Args,
    sims: &Dataset,
    settings: &std::collections::BTreeMap<String, String>,
    x_obs: &[f64],
) {
    if let Some(path) = &args.save_dataset {
        let saved = sims
            .clone()
            .with_settings(settings.clone())
            .save_npz(path)
            .map_err(|e| format!("{}: {e}", path.display()));
        match (saved, args.json) {
            (Err(e), _) => eprintln!("warning: the dataset was not saved: {e}"),
            (Ok(()), false) => eprintln!("saved the simulations to {}", path.display()),
            (Ok(()), true) => {}
        }
    }
    let out = outside_features(sims, x_obs, &THETA);
    if !args.json && !out.is_empty() {
        eprintln!(
            "warning (before training): the observation lies beyond every simulation from the \
             prior:\n  {}",
            out.join("\n  ")
        );
    }
}

/// SBC over `--calibration` held-out pairs (none for 0), 1,000 posterior samples each.
fn calibrate<P: Posterior>(
    args: &Args,
    prior: &BoxUniform,
    sim: &hh_model::ModelSimulator<hh_model::Pospischil>,
    summary: &hh_stats::TraceFeatures,
    posterior: &P,
) -> Result<Option<Calibrated>, CliError> {
    if args.calibration == 0 {
        return Ok(None);
    }
    let (thetas, xs) = held_out(prior, sim, summary, args.calibration, args.seed)?;
    let c = Calibration::run(posterior, &thetas, &xs, 1000, args.seed)?;
    Ok(Some(Calibrated {
        pairs: thetas.nrows(),
        samples_per_pair: c.num_samples,
        coverage: c.coverage(0.9),
        ks_p_values: c.ks_p_values,
        ranks: c.ranks,
    }))
}

/// What the pictures show.
struct Scene<'a> {
    observed: &'a Trace,
    truth: Option<&'a [f64; 8]>,
    samples: &'a RowMatrix,
    x_obs: &'a [f64],
    calibration: Option<&'a Calibrated>,
}

/// Writes corner.svg, predictive.svg and (with calibration) sbc.svg into the output folder.
fn pictures<P: Posterior>(
    args: &Args,
    sim: &hh_model::ModelSimulator<hh_model::Pospischil>,
    scene: &Scene<'_>,
    posterior: &P,
) -> Result<(), CliError> {
    let Scene {
        observed,
        truth,
        samples,
        x_obs,
        calibration,
    } = *scene;
    let dir = &args.out_dir;
    std::fs::create_dir_all(dir).map_err(|e| CliError(format!("{}: {e}", dir.display())))?;
    let draw = |e: hh_sbi_examples::plot::PlotError| CliError(format!("drawing failed: {e}"));
    let names: Vec<String> = LABELS.iter().map(|s| (*s).to_owned()).collect();
    let title = format!(
        "Posterior of the Gonçalves et al. benchmark: {} samples, {} features",
        samples.nrows(),
        x_obs.len()
    );
    let corner = render_corner(&CornerView {
        title: &title,
        samples,
        names: &names,
        low: &LOW,
        high: &HIGH,
        truth: truth.map(|t| t.as_slice()),
    })
    .map_err(draw)?;
    // Five posterior draws, simulated on their own noise streams, over the observation (on
    // total leakage the first five samples, which importance sampling drew).
    let draws = match posterior.sample(x_obs, 5, &mut streams::PREDICTIVE_DRAWS.rng(args.seed)) {
        Ok(d) => d,
        Err(_) => samples.select_rows(|i| i < 5),
    };
    let traces = sim.simulate_batch(&draws, streams::PREDICTIVE_NOISE.seed(args.seed))?;
    let label = match truth {
        Some(_) => "observed (simulated at θ)",
        None => "observed",
    };
    let series = observed_with_draws(label.into(), observed, &traces);
    let window = TimeWindow::new(WINDOW_MS.0, WINDOW_MS.1)?;
    let predictive = render_traces(
        "Posterior predictive: simulations at five posterior draws over the observation",
        &series,
        Some((window, "stimulus".into())),
    )
    .map_err(draw)?;
    for (name, svg) in [("corner.svg", &corner), ("predictive.svg", &predictive)] {
        sbi_core::write_atomic(&dir.join(name), |w| w.write_all(svg.as_bytes()))?;
    }
    if let Some(c) = calibration {
        let title = format!(
            "SBC ranks of {} held-out pairs ({} posterior samples each)",
            c.pairs, c.samples_per_pair
        );
        let svg = render_sbc(&title, &c.ranks, c.samples_per_pair, &names).map_err(draw)?;
        sbi_core::write_atomic(&dir.join("sbc.svg"), |w| w.write_all(svg.as_bytes()))?;
    }
    Ok(())
}

/// Writes the posterior samples (posterior_samples.csv, a header of θ's names, one sample per
/// row) and the run's numbers (summary.json, as `--json` prints them) into `dir`: what
/// benches/python/goncalves_sbi.py compares with Python sbi.
fn save_results(dir: &Path, samples: &RowMatrix, json: &str) -> Result<(), CliError> {
    sbi_core::write_atomic(&dir.join("posterior_samples.csv"), |w| {
        writeln!(w, "{}", THETA.join(","))?;
        for row in samples.rows() {
            let cells: Vec<String> = row.iter().map(|v| v.to_string()).collect();
            writeln!(w, "{}", cells.join(","))?;
        }
        Ok(())
    })?;
    sbi_core::write_atomic(&dir.join("summary.json"), |w| writeln!(w, "{json}"))?;
    Ok(())
}

/// What the run found.
struct Outcome<'a> {
    args: &'a Args,
    names: Vec<String>,
    x_obs: &'a [f64],
    truth: Option<[f64; 8]>,
    marginals: &'a [Marginal],
    simulations: usize,
    failed: usize,
    calibration: Option<&'a Calibrated>,
    /// The training minibatch.
    batch_size: usize,
    /// The training step.
    learning_rate: f64,
    /// Simulate, train, sample, calibrate, pictures, total.
    seconds: [f64; 6],
}

impl Outcome<'_> {
    fn print(&self) {
        let a = self.args;
        println!(
            "Gonçalves et al. 2020: {} simulations ({} failed), {} features, {} (batch {}, \
             learning rate {}), {} samples",
            self.simulations,
            self.failed,
            self.names.len(),
            match a.ensemble {
                1 => a.estimator.name().to_owned(),
                k => format!("an ensemble of {k} {}s", a.estimator.name()),
            },
            self.batch_size,
            self.learning_rate,
            a.num_samples
        );
        let features: Vec<String> = self
            .names
            .iter()
            .zip(self.x_obs)
            .map(|(n, v)| format!("{n} {v:.4}"))
            .collect();
        println!("observation: {}", features.join(", "));
        println!(
            "{:<17} {:>10} {:>10} {:>10} {:>21} {:>7}{}",
            "parameter",
            "truth",
            "mean",
            "std",
            "90 % interval",
            "in 90%",
            if self.calibration.is_some() {
                "  coverage  SBC p"
            } else {
                ""
            }
        );
        for (j, m) in self.marginals.iter().enumerate() {
            let (truth, inside) = match self.truth {
                Some(t) => (format!("{:.4}", t[j]), yes(m.covers(t[j]))),
                None => ("-".into(), "-"),
            };
            let calibration = self.calibration.map_or(String::new(), |c| {
                format!("  {:>8.3}  {:>5.3}", c.coverage[j], c.ks_p_values[j])
            });
            println!(
                "{:<17} {:>10} {:>10.4} {:>10.4} [{:>9.4}, {:>9.4}] {:>7}{calibration}",
                LABELS[j], truth, m.mean, m.std, m.q05, m.q95, inside
            );
        }
        if let Some(c) = self.calibration {
            println!(
                "calibration: {} held-out pairs from the prior, 1000 posterior samples each; \
                 a calibrated posterior covers 0.90 ± {:.3} (two binomial s.e.)",
                c.pairs,
                2.0 * (0.09 / c.pairs as f64).sqrt()
            );
        }
        let s = self.seconds;
        println!(
            "time: simulate {:.1} s, train {:.1} s, sample {:.1} s, calibrate {:.1} s, \
             pictures {:.1} s; total {:.1} s. Pictures in {}",
            s[0],
            s[1],
            s[2],
            s[3],
            s[4],
            s[5],
            a.out_dir.display()
        );
    }

    fn json(&self) -> String {
        let parameters: Vec<serde_json::Value> = self
            .marginals
            .iter()
            .enumerate()
            .map(|(j, m)| {
                serde_json::json!({
                    "name": THETA[j],
                    "truth": self.truth.map(|t| t[j]),
                    "mean": m.mean,
                    "std": m.std,
                    "q05": m.q05,
                    "q95": m.q95,
                    "truth_in_90": self.truth.map(|t| m.covers(t[j])),
                    "coverage_90": self.calibration.map(|c| c.coverage[j]),
                    "sbc_ks_p": self.calibration.map(|c| c.ks_p_values[j]),
                })
            })
            .collect();
        let s = self.seconds;
        serde_json::json!({
            "estimator": self.args.estimator.name(),
            "ensemble": self.args.ensemble,
            "batch_size": self.batch_size,
            "learning_rate": self.learning_rate,
            "num_simulations": self.simulations,
            "num_failed": self.failed,
            "num_samples": self.args.num_samples,
            "features": self.names,
            "x_obs": self.x_obs,
            "parameters": parameters,
            "calibration_pairs": self.calibration.map(|c| c.pairs),
            "seconds": {
                "simulate": s[0], "train": s[1], "sample": s[2], "calibrate": s[3],
                "pictures": s[4], "total": s[5],
            },
        })
        .to_string()
    }
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "NO" }
}
