//! Spike fraction over a log grid of stimulus × membrane area (× noise strength): CSV and a
//! picture with one curve per area.
//!
//! ```text
//! cargo run --release --example spike_grid -- --out spike_grid.csv --plot spike_grid.svg
//! ```

use std::fmt::Write as _;
use std::path::PathBuf;

use hh_sbi_examples::cli::{self, CliError, counts, parse_value};
use hh_sbi_examples::plot::{Curve, PALETTE, plot_curves};
use hh_sbi_examples::spikes::{grid_stream, parse_mode};
use spike_fit::{Mode, SpikeModel};

const USAGE: &str = "\
usage: spike_grid [--mode corrected|upstream] [--trials N] [--k-noise K[,K...]] [--points P]
                  [--seed S] [--out FILE.csv] [--plot FILE.svg]

Spike fraction of the study's stochastic membrane (N trials per cell, default 400) over a
log grid of P stimulus currents (default 41, 5e-9 to 1e-6 uA) for area factors 0.025, 0.05,
0.1, 0.2, 0.4 and each noise strength K (default 5e-5). Writes CSV
stimulus_ua,area_factor,k_noise,fraction (default spike_grid.csv) and a picture, one curve per
area (and noise), against log10 of the stimulus (default spike_grid.svg).";

const AREAS: [f64; 5] = [0.025, 0.05, 0.1, 0.2, 0.4];
/// The most stimulus points (and noise strengths) a grid takes (`--points`' bound).
const MAX_POINTS: usize = counts::POINTS.max;

/// The command line.
struct Args {
    mode: Mode,
    trials: usize,
    points: usize,
    seed: u64,
    k_noise: Vec<f64>,
    out: PathBuf,
    plot: PathBuf,
}

fn parse_args() -> Result<Args, CliError> {
    use lexopt::prelude::*;
    let mut p = lexopt::Parser::from_env();
    let mut a = Args {
        mode: Mode::Corrected,
        trials: 400,
        points: 41,
        seed: 0,
        k_noise: vec![5e-5],
        out: PathBuf::from("spike_grid.csv"),
        plot: PathBuf::from("spike_grid.svg"),
    };
    while let Some(arg) = p.next()? {
        match arg {
            Long("mode") => a.mode = parse_mode(p.value()?)?,
            Long("trials") => a.trials = counts::TRIALS.parse("--trials", p.value()?)?,
            Long("points") => a.points = counts::POINTS.parse("--points", p.value()?)?,
            Long("seed") => a.seed = parse_value("--seed", p.value()?)?,
            Long("k-noise") => {
                a.k_noise = p
                    .value()?
                    .to_string_lossy()
                    .split(',')
                    .map(|s| match s.trim().parse::<f64>() {
                        Ok(k) if k.is_finite() && k >= 0.0 => Ok(k),
                        _ => Err(CliError(format!(
                            "--k-noise: `{s}` is not a non-negative number"
                        ))),
                    })
                    .collect::<Result<_, _>>()?;
            }
            Long("out") => a.out = PathBuf::from(p.value()?),
            Long("plot") => a.plot = PathBuf::from(p.value()?),
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(arg.unexpected().into()),
        }
    }
    if a.k_noise.is_empty() || a.k_noise.len() > MAX_POINTS {
        return Err(CliError(format!(
            "--k-noise takes 1 to {MAX_POINTS} values"
        )));
    }
    Ok(a)
}

fn main() {
    cli::run(USAGE, parse_args, |a| {
        let (mode, trials, points) = (a.mode, a.trials, a.points);
        let currents: Vec<f64> = (0..points)
            .map(|i| {
                (5e-9f64.ln() + (1e-6f64.ln() - 5e-9f64.ln()) * i as f64 / (points - 1) as f64)
                    .exp()
            })
            .collect();
        let mut csv = String::from("stimulus_ua,area_factor,k_noise,fraction\n");
        let mut curves = Vec::new();
        for (ki, &k) in a.k_noise.iter().enumerate() {
            let model = SpikeModel::new(mode).with_k_noise(k);
            model.validate()?;
            for (ai, &area) in AREAS.iter().enumerate() {
                let mut pts = Vec::with_capacity(points);
                for (ci, &c) in currents.iter().enumerate() {
                    let stream = grid_stream(ki, ai, ci, AREAS.len(), points);
                    let f = model.spike_fraction(c, area, trials, a.seed, stream)?;
                    writeln!(csv, "{c:e},{area},{k:e},{f}")?;
                    pts.push((c.log10(), f));
                }
                curves.push(Curve {
                    label: if a.k_noise.len() > 1 {
                        format!("area ×{area}, k_noise {k:e}")
                    } else {
                        format!("area factor {area}")
                    },
                    points: pts,
                    color: PALETTE[(ai + ki * AREAS.len()) % PALETTE.len()],
                });
            }
        }
        sbi_core::write_atomic(&a.out, |w| w.write_all(csv.as_bytes()))?;
        plot_curves(
            &a.plot,
            &format!(
                "Spike fraction vs stimulus, one curve per membrane area ({mode}, {trials} trials)"
            ),
            (
                "log10 stimulus current (µA)",
                "fraction of trials that spike",
            ),
            &curves,
            None,
        )
        .map_err(|e| CliError(format!("{}: {e}", a.plot.display())))?;
        eprintln!("wrote {} and {}", a.out.display(), a.plot.display());
        Ok(())
    });
}
