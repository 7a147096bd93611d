//! Predicted spike fraction against the measured data, for given δv and δa.
//!
//! ```text
//! cargo run --release --example predict_spikes -- --delta-v 2.05 --delta-area 3.43 --plot fit.svg
//! ```

use std::path::PathBuf;

use hh_sbi_examples::cli::{self, CliError, counts, parse_f64, parse_value};
use hh_sbi_examples::plot::{Curve, PALETTE, plot_curves};
use hh_sbi_examples::spikes::{load_data, parse_mode};
use sbi_core::streams;
use spike_fit::{DT, MAX_STEPS, Mode, PULSE_STEPS, SpikeModel, Study, mse};

const USAGE: &str = "\
usage: predict_spikes [--delta-v DV] [--delta-area DA] [--trials N] [--t-end MS]
                      [--mode corrected|upstream] [--seed S] [--data FILE] [--plot FILE.svg]

Predicts the spike fraction of the study's stochastic membrane at the measured relative
stimuli (stimulus = 1e-7 uA * x * (1 + DV), area factor = 0.1 * (1 + DA)), N trials per point
(default 1000), simulated for MS milliseconds (default 2), prints it beside the data with the
MSE, and draws the predicted curve over the data (default spike_prediction.svg). The data are
the study's measurements (compiled in) unless --data FILE names a CSV
relative_stimulus,spiking_trials,trials.
Defaults: DV = DA = 0, corrected mode, seed 0.";

/// The command line.
struct Args {
    dv: f64,
    da: f64,
    trials: usize,
    t_end: f64,
    mode: Mode,
    seed: u64,
    data_path: Option<PathBuf>,
    plot: PathBuf,
}

fn parse_args() -> Result<Args, CliError> {
    use lexopt::prelude::*;
    let mut p = lexopt::Parser::from_env();
    let mut a = Args {
        dv: 0.0,
        da: 0.0,
        trials: 1000,
        t_end: 2.0,
        mode: Mode::Corrected,
        seed: 0,
        data_path: None,
        plot: PathBuf::from("spike_prediction.svg"),
    };
    while let Some(arg) = p.next()? {
        match arg {
            Long("delta-v") => a.dv = parse_f64("--delta-v", p.value()?)?,
            Long("delta-area") => a.da = parse_f64("--delta-area", p.value()?)?,
            Long("trials") => a.trials = counts::TRIALS.parse("--trials", p.value()?)?,
            Long("t-end") => a.t_end = parse_f64("--t-end", p.value()?)?,
            Long("mode") => a.mode = parse_mode(p.value()?)?,
            Long("seed") => a.seed = parse_value("--seed", p.value()?)?,
            Long("data") => a.data_path = Some(PathBuf::from(p.value()?)),
            Long("plot") => a.plot = PathBuf::from(p.value()?),
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(arg.unexpected().into()),
        }
    }
    // The pulse's last step is 80 (t = 0.2 ms); the longest run is MAX_STEPS steps.
    let (t_min, t_max) = ((PULSE_STEPS.1 + 1) as f64 * DT, MAX_STEPS as f64 * DT);
    if !(a.t_end > t_min && a.t_end <= t_max) {
        return Err(CliError(format!(
            "--t-end must be longer than the pulse ({t_min} ms: it runs 0.1 to 0.2 ms) and \
             at most {t_max} ms, got {}",
            a.t_end
        )));
    }
    Ok(a)
}

fn main() {
    cli::run(USAGE, parse_args, |a| {
        let (dv, da, mode, trials, t_end) = (a.dv, a.da, a.mode, a.trials, a.t_end);
        let steps = ((t_end / DT).round() as usize).clamp(PULSE_STEPS.1 + 1, MAX_STEPS);
        let model = SpikeModel::new(mode).with_num_steps(steps);
        let data = load_data(a.data_path.as_deref())?;
        let study = Study::new(model, data)?
            .with_trials(trials)
            .with_seed(a.seed);
        let pred = study.predict(dv, da)?;
        let measured = study.data().fractions();
        println!(
            "{mode} mode, δv = {dv}, δa = {da}, {trials} trials per point, t_end = {t_end} ms"
        );
        println!("  x       measured  predicted");
        for ((x, m), q) in study.data().x().iter().zip(&measured).zip(&pred) {
            println!("  {x:<7} {m:>8.3}  {q:>9.3}");
        }
        println!("MSE {:.4e}", mse(&pred, &measured));
        plot(&a, &study, &measured)?;
        eprintln!("wrote {}", a.plot.display());
        Ok(())
    });
}

/// Draws the model's spike fraction over the data's range (a smooth curve on its own noise
/// streams, [`streams::SPIKE_PREDICTION`]) with the measured points.
fn plot(a: &Args, study: &Study, measured: &[f64]) -> Result<(), CliError> {
    let (dv, da, mode, trials) = (a.dv, a.da, a.mode, a.trials);
    let (lo, hi) = study
        .data()
        .x()
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(*x), b.max(*x))
        });
    let xs: Vec<f64> = (0..=40)
        .map(|i| lo * 0.97 + (hi * 1.03 - lo * 0.97) * i as f64 / 40.0)
        .collect();
    let curve = study
        .clone()
        .with_seed(streams::SPIKE_PREDICTION.xor(a.seed))
        .predict_at(&xs, dv, da)?;
    let points: Vec<(f64, f64)> = study
        .data()
        .x()
        .iter()
        .copied()
        .zip(measured.iter().copied())
        .collect();
    plot_curves(
        &a.plot,
        &format!("Spike fraction: model ({mode}, δv = {dv:.3}, δa = {da:.3}) vs data"),
        ("relative stimulus x", "fraction of trials that spike"),
        &[Curve {
            label: format!("model, {trials} trials per point"),
            points: xs.into_iter().zip(curve).collect(),
            color: PALETTE[0],
        }],
        Some(("measured", &points)),
    )
    .map_err(|e| CliError(format!("{}: {e}", a.plot.display())))
}
