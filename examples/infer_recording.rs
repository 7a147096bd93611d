//! Bayesian inference from a recording: the model set up from a current-clamp file's own
//! sampling and stimulus, a box prior over the parameters named on the command line, a
//! neural posterior, and pictures of the recording with posterior predictive traces over it.
//!
//! ```text
//! cargo run --release --example infer_recording -- \
//!     --recording crates/hh-io/tests/data/cell_abf2.abf --sweep 1 --area 2e-5 \
//!     --parameters g_na:60:180,g_k:12:60,v_rest:-75:-55 --noise 0.5 --substeps 2
//! ```
//!
//! See docs/recordings.md for the formats, units and conventions.

use std::path::PathBuf;
use std::time::Instant;

use hh_io::CurrentSource;
use hh_model::Scheme;
use hh_sbi_examples::cli::{self, CliError, parse_f64, parse_value};
use hh_sbi_examples::corner::{CornerView, render_corner};
use hh_sbi_examples::plot::{
    Curve, PALETTE, PosteriorView, Series, render_curves, render_posterior_2d, render_traces,
};
use hh_sbi_examples::recording::{
    ParameterBox, RecordingModel, column_summary, simulator_for, view_box,
};
use hh_stats::FeatureSet;
use plotters::style::RGBColor;
use rand::SeedableRng;
use sbi_core::{Posterior, SeedRng, Simulator, SummaryStatistics, item_rng, item_seed};
use sbi_npe::{NeuralEstimator, Npe, TerminalProgress, TrainConfig};
use sbi_prior::BoxUniform;

const USAGE: &str = "\
usage: infer_recording --recording FILE [--sweep N] [--parameters name:low:high,...]
                       [--area CM2] [--junction MV] [--noise SIGMA] [--substeps K]
                       [--scheme exp-euler|rk4|pyhh-euler] [--features sbi7|all]
                       [--num-simulations N] [--num-samples M] [--estimator mdn|nsf|maf]
                       [--truth name=value,...] [--seed S] [--out-dir DIR] [--json]

Infers HH parameters from sweep N (default 0) of a current-clamp recording (CSV, ABF 1/2 or
NWB 2; the format is read from the file). The model is simulated at the recording's dt (over K
sub-steps, default 1), for its duration, driven by its injected current (a recorded channel,
or the ABF protocol's epoch table), starting at rest. A total current (pA, nA) needs the
membrane area --area in cm2; a density (uA/cm2) needs none. --junction removes a
liquid-junction potential (mV) from the recording first.

--parameters   hh-model names with a uniform prior each; default g_na:60:180,g_k:12:60,
               v_rest:-75:-55 (mS/cm2, mS/cm2, absolute mV). stim_scale:a:b infers a factor
               on the current (an unknown area: effective area = area / stim_scale).
--noise        intrinsic current noise of the model, uA/cm2*sqrt(ms) (default 0)
--features     summary features (default all: 15 spike and moment features; see hh-stats)
--num-simulations N (default 2000), --num-samples M posterior samples (default 1000)
--truth        known values (a synthetic recording): marked and reported
Writes to DIR (default infer_recording_out): recording.svg (the recording and 5 posterior
predictive traces), stimulus.svg, posterior.svg (2-D density or a corner plot).";

struct Args {
    recording: PathBuf,
    sweep: usize,
    parameters: ParameterBox,
    model: RecordingModel,
    junction: f64,
    features: String,
    num_simulations: usize,
    num_samples: usize,
    estimator: NeuralEstimator,
    truth: Option<Vec<f64>>,
    truth_spec: Option<String>,
    seed: u64,
    out_dir: PathBuf,
    json: bool,
}

fn parse_args() -> Result<Args, CliError> {
    use lexopt::prelude::*;
    let mut p = lexopt::Parser::from_env();
    let mut recording = None;
    let mut a = Args {
        recording: PathBuf::new(),
        sweep: 0,
        parameters: ParameterBox::parse("g_na:60:180,g_k:12:60,v_rest:-75:-55")?,
        model: RecordingModel::default(),
        junction: 0.0,
        features: "all".into(),
        num_simulations: 2000,
        num_samples: 1000,
        estimator: NeuralEstimator::default(),
        truth: None,
        truth_spec: None,
        seed: 0,
        out_dir: PathBuf::from("infer_recording_out"),
        json: false,
    };
    while let Some(arg) = p.next()? {
        match arg {
            Long("recording") => recording = Some(PathBuf::from(p.value()?)),
            Long("sweep") => a.sweep = parse_value("--sweep", p.value()?)?,
            Long("parameters") => {
                a.parameters = ParameterBox::parse(&p.value()?.to_string_lossy())?
            }
            Long("area") => a.model.area_cm2 = Some(parse_f64("--area", p.value()?)?),
            Long("junction") => a.junction = parse_f64("--junction", p.value()?)?,
            Long("noise") => a.model.noise = parse_f64("--noise", p.value()?)?,
            Long("substeps") => a.model.substeps = parse_value("--substeps", p.value()?)?,
            Long("scheme") => a.model.scheme = parse_value::<Scheme>("--scheme", p.value()?)?,
            Long("features") => a.features = p.value()?.to_string_lossy().into_owned(),
            Long("num-simulations") => {
                a.num_simulations = parse_value("--num-simulations", p.value()?)?
            }
            Long("num-samples") => a.num_samples = parse_value("--num-samples", p.value()?)?,
            Long("estimator") => a.estimator = parse_value("--estimator", p.value()?)?,
            Long("truth") => a.truth_spec = Some(p.value()?.to_string_lossy().into_owned()),
            Long("seed") => a.seed = parse_value("--seed", p.value()?)?,
            Long("out-dir") => a.out_dir = PathBuf::from(p.value()?),
            Long("json") => a.json = true,
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(arg.unexpected().into()),
        }
    }
    a.recording = recording.ok_or_else(|| CliError("--recording FILE is required".into()))?;
    if a.features != "sbi7" && a.features != "all" {
        return Err(CliError(format!(
            "--features must be sbi7 or all, got `{}`",
            a.features
        )));
    }
    if a.num_simulations < 20 {
        return Err(CliError("--num-simulations must be at least 20".into()));
    }
    if a.num_samples < 2 {
        return Err(CliError("--num-samples must be at least 2".into()));
    }
    if a.model.noise < 0.0 {
        return Err(CliError("--noise must be non-negative".into()));
    }
    sbi_core::check_size("--num-simulations", a.num_simulations, 3)?;
    sbi_core::check_size("--num-samples", a.num_samples, 2)?;
    if let Some(spec) = &a.truth_spec {
        let mut t = vec![f64::NAN; a.parameters.names.len()];
        for kv in spec.split(',').filter(|s| !s.trim().is_empty()) {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| CliError(format!("--truth `{kv}` is not name=value")))?;
            let j = a
                .parameters
                .names
                .iter()
                .position(|n| n == k.trim())
                .ok_or_else(|| CliError(format!("--truth: `{k}` is not one of --parameters")))?;
            t[j] = parse_f64("--truth", v.into())?;
        }
        if t.iter().any(|x| x.is_nan()) {
            return Err(CliError("--truth must give every parameter".into()));
        }
        a.truth = Some(t);
    }
    Ok(a)
}

fn unit_of(name: &str) -> &'static str {
    match name {
        "v_rest" | "e_na" | "e_k" | "e_l" => "mV",
        "g_na" | "g_k" | "g_l" => "mS/cm²",
        "c_m" => "µF/cm²",
        "noise_sigma" => "µA/cm²·√ms",
        _ => "",
    }
}

fn labelled(name: &str) -> String {
    match unit_of(name) {
        "" => name.to_owned(),
        u => format!("{name} ({u})"),
    }
}

fn main() {
    cli::run(USAGE, || {
        let a = parse_args()?;
        let t0 = Instant::now();
        let rec = hh_io::read(&a.recording, a.sweep)?.with_junction_potential(a.junction)?;
        let names = a.parameters.name_refs();
        let sim = simulator_for(&rec, &names, &a.model)?;
        let mut features = FeatureSet::preset_named(&a.features)?;
        if let Some(w) = rec.stimulus_window() {
            features = features.with_stimulus_window(w);
        }
        let prior = BoxUniform::new(a.parameters.low.clone(), a.parameters.high.clone())?;
        let trace = rec.trace()?;
        let x_obs = features.summarize(&trace)?;

        let mut progress = TerminalProgress::new("infer_recording").quiet(a.json);
        let est = a
            .estimator
            .clone()
            .with_train(TrainConfig::new().with_whiten_x(true));
        let run = Npe::new(&prior, &sim, &features)
            .num_simulations(a.num_simulations)
            .seed(a.seed)
            .progress(&mut progress)
            .train(&est)?;
        if !a.json {
            cli::report_failures(&run.dataset);
        }
        let posterior = run.posterior;
        let samples = posterior.sample(
            &x_obs,
            a.num_samples,
            &mut SeedRng::seed_from_u64(item_seed(a.seed, 5)),
        )?;
        let summary = column_summary(&samples);
        let t_plot = Instant::now();

        // Pictures: the recording with 5 posterior predictive traces, the stimulus, the posterior.
        std::fs::create_dir_all(&a.out_dir)
            .map_err(|e| CliError(format!("{}: {e}", a.out_dir.display())))?;
        let pred_seed = item_seed(a.seed, 6);
        let predictive: Vec<sbi_core::Trace> = (0..5)
            .filter_map(|i| {
                sim.simulate(samples.row(i), &mut item_rng(pred_seed, i as u64))
                    .ok()
            })
            .collect();
        let mut series = vec![Series {
            label: format!("recording (sweep {})", rec.sweep()),
            trace: &trace,
            color: RGBColor(20, 20, 20),
            width: 2,
        }];
        for (i, t) in predictive.iter().enumerate() {
            series.push(Series {
                label: format!("posterior draw {}", i + 1),
                trace: t,
                color: PALETTE[(i % 5) + 1],
                width: 1,
            });
        }
        let title = format!(
            "{} — {} sweep {}",
            a.recording
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default(),
            rec.metadata().format.name(),
            rec.sweep()
        );
        let stim_label = rec.stimulus_window().map(|w| (w, "stimulus on".to_owned()));
        let write = |name: &str, svg: String| {
            sbi_core::write_atomic(&a.out_dir.join(name), |w| w.write_all(svg.as_bytes()))
        };
        write("recording.svg", render_traces(&title, &series, stim_label)?)?;
        let current = rec.current().ok_or("no current")?;
        let source = match current.source {
            CurrentSource::Recorded => "recorded",
            CurrentSource::Protocol => "from the protocol's epoch table",
            _ => "",
        };
        let points: Vec<(f64, f64)> = current
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| (i as f64 * rec.dt_ms(), *v))
            .collect();
        write(
            "stimulus.svg",
            render_curves(
                &format!("injected current ({source})"),
                ("time (ms)", &format!("current ({})", current.unit.symbol())),
                &[Curve {
                    label: "current".into(),
                    points,
                    color: PALETTE[3],
                }],
                None,
            )?,
        )?;
        let axis: Vec<String> = names.iter().map(|n| labelled(n)).collect();
        let (lo, hi) = view_box(
            &samples,
            &a.parameters.low,
            &a.parameters.high,
            a.truth.as_deref(),
        );
        let posterior_svg = if names.len() == 2 {
            let two = |v: &[f64]| [v[0], v[1]];
            render_posterior_2d(&PosteriorView {
                title: "posterior",
                samples: &samples,
                names: [&axis[0], &axis[1]],
                low: two(&lo),
                high: two(&hi),
                truth: a.truth.as_deref().map(two),
                intervals: Some([
                    [summary[0][2], summary[0][3]],
                    [summary[1][2], summary[1][3]],
                ]),
            })?
        } else {
            render_corner(&CornerView {
                title: "posterior",
                samples: &samples,
                names: &axis,
                low: &lo,
                high: &hi,
                truth: a.truth.as_deref(),
            })?
        };
        write("posterior.svg", posterior_svg)?;
        let plot_s = t_plot.elapsed().as_secs_f64();
        let total_s = t0.elapsed().as_secs_f64();

        let col = |k: usize| summary.iter().map(|s| s[k]).collect::<Vec<f64>>();
        if a.json {
            let mut out = serde_json::json!({
                "recording": a.recording.display().to_string(),
                "format": rec.metadata().format.name(),
                "sweep": rec.sweep(),
                "dt_ms": rec.dt_ms(),
                "num_samples_in_recording": rec.len(),
                "parameters": names,
                "low": a.parameters.low,
                "high": a.parameters.high,
                "mean": col(0),
                "std": col(1),
                "q05": col(2),
                "q95": col(3),
                "features": a.features,
                "x_observed": x_obs,
                "num_simulations": a.num_simulations,
                "estimator": posterior.estimator_name(),
                "seed": a.seed,
                "seconds": {
                    "simulate": run.report.simulate_seconds,
                    "train": run.report.train_seconds,
                    "plot": plot_s,
                    "total": total_s,
                },
            });
            if let Some(t) = &a.truth {
                out["truth"] = serde_json::json!(t);
            }
            println!("{out}");
        } else {
            let m = rec.metadata();
            println!(
                "{}: {} sweep {} of {}, {} samples at {} kHz, current {} ({})",
                a.recording.display(),
                m.format.name(),
                rec.sweep(),
                m.num_sweeps,
                rec.len(),
                1.0 / rec.dt_ms(),
                m.current_channel.as_deref().unwrap_or("-"),
                source
            );
            println!(
                "{} posterior from {} simulations, {} samples ({} features):",
                posterior.estimator_name(),
                a.num_simulations,
                a.num_samples,
                a.features
            );
            println!(
                "  {:<24} {:>10} {:>10} {:>21}{}",
                "parameter",
                "mean",
                "std",
                "90 % interval",
                if a.truth.is_some() { "      truth" } else { "" }
            );
            for (j, s) in summary.iter().enumerate() {
                let truth = a.truth.as_ref().map_or(String::new(), |t| {
                    let inside = (s[2]..=s[3]).contains(&t[j]);
                    format!("  {:>9.3}{}", t[j], if inside { "" } else { " (outside)" })
                });
                println!(
                    "  {:<24} {:>10.3} {:>10.3}   [{:>8.3}, {:>8.3}]{truth}",
                    labelled(names[j]),
                    s[0],
                    s[1],
                    s[2],
                    s[3]
                );
            }
            println!(
                "time: simulate {:.2} s, train {:.2} s, pictures {plot_s:.2} s, total {total_s:.2} s",
                run.report.simulate_seconds, run.report.train_seconds
            );
            println!("pictures: {}", a.out_dir.display());
        }
        Ok(())
    });
}
