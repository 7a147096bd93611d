//! Bayesian inference from a recording: the model set up from a current-clamp file's own
//! sampling and stimulus, a box prior over the parameters named on the command line, a
//! neural posterior, and pictures of the recording with posterior predictive traces over it.
//!
//! ```text
//! cargo run --release --example infer_recording -- \
//!     --recording crates/hh-io/tests/data/File_axon_5.abf
//! cargo run --release --example infer_recording -- --model classic \
//!     --recording crates/hh-io/tests/data/cell_abf2.abf --sweep 1 --area 2e-5 \
//!     --parameters g_na:60:180,g_k:12:60,v_rest:-75:-55 --noise 0.5 --substeps 2
//! cargo run --release --example infer_recording -- \
//!     --model classic --recording crates/hh-io/tests/data/steps3_abf2.abf --sweeps all --area 2e-5 \
//!     --noise 0.5 --substeps 2 --features efel:Spikecount,time_to_first_spike,voltage_base
//! ```
//!
//! See docs/recordings.md for the formats, units and conventions.

use std::path::PathBuf;
use std::time::Instant;

use hh_model::Scheme;
use hh_sbi_examples::cli::{self, CliError, counts, parse_f64, parse_value};
use hh_sbi_examples::model_check::{ModelCheck, check_model, to_json};
use hh_sbi_examples::posterior::{Source, outside_features, sample_within_prior, train_inspected};
use hh_sbi_examples::predictive_check::{REST_TOLERANCE_MV, Reproduction, render_predictive_check};
use hh_sbi_examples::progress::TerminalProgress;
use hh_sbi_examples::recording::{
    CellModel, GONCALVES_AREA_CM2, ParameterBox, RecordingModel, RecordingScene,
    RecordingSimulator, current_source, feature_groups, features_for_sweep, labelled,
    level_changes, simulator_for, step_current_na, write_pictures,
};
use hh_stats::{SpikeDetection, TraceFeatures};
use sbi_core::stats::{Marginal, marginals};
use sbi_core::sweeps::{PerSweep, Sweeps};
use sbi_core::{SummaryStatistics, TimeWindow, Trace, streams};
use sbi_inference::{Dataset, PredictiveCheck, Problem, Verdict};
use sbi_npe::{DirectPosterior, NeuralEstimator, TrainConfig};
use sbi_prior::BoxUniform;

const USAGE: &str = "\
usage: infer_recording --recording FILE [--sweep N | --sweeps N,M,...|all]
                       [--voltage-channel NAME] [--current-channel NAME]
                       [--model pospischil|classic] [--parameters name:low:high,...]
                       [--area CM2] [--junction MV] [--noise SIGMA] [--substeps K]
                       [--window START:END]
                       [--scheme exp-euler|rk4|pyhh-euler]
                       [--features sbi7|all|efel|efel:name[@first|@last],...]
                       [--num-simulations N] [--rounds R] [--num-samples M]
                       [--estimator mdn|nsf|maf] [--model-check full|mmd|off]
                       [--truth name=value,...] [--seed S] [--out-dir DIR] [--json]

Infers HH parameters from a current-clamp recording (CSV, ABF 1/2 or NWB 2; the format is
read from the file). The model is simulated at the recording's dt (over K sub-steps), for its
duration, driven by its injected current (a recorded channel, or the ABF protocol's epoch
table). A total current (pA, nA) is divided by the membrane area --area in cm2; a density
(uA/cm2) needs none. --junction removes a liquid-junction potential (mV) from the recording
first (default 0: uncorrected). The run prints the model, area, junction and sweeps it used.

--model        pospischil (default): Pospischil et al.'s cortical model as Gonçalves et al.
               2020 simulate it (Na, delayed-rectifier K, M-current, leak; absolute mV),
               starting at the recording's baseline; default --area 1.539e-4 cm2 (their
               soma, 70 um), --substeps so that the model steps at most 0.025 ms, scheme
               exp-staggered. classic: the 1952 squid axon, rest-relative (--area required
               for a total current; 1 sub-step; exp-euler).
Sweeps: by default the first, middle and last of the file's sweeps with a current step
(all of them if fewer than 3), one observation; --sweep N one sweep.

--voltage-channel / --current-channel   an ABF file's channels by name (or position from 0):
               the membrane potential's input, and the current's input or command (rebuilt
               from the epoch table). By default: the first input in a voltage unit whose
               command is not a potential (a voltage-clamped cell's inputs are never taken;
               a voltage-clamp file is refused), and the first such input in a current unit,
               else the command.
--window START:END   the stimulus window (ms) for the features of every sweep, instead of
               the span from the first to the last sample whose current leaves the holding
               level. A sweep whose current changes level inside that span (a pre-pulse and a
               test step, a ramp) is said so on stderr: its features describe the whole span
               (simulations and recording alike), and --window chooses a part, say the test
               step. The model is driven by the whole sweep either way.
--sweeps       several sweeps of the file as one observation (a family of steps, say): each
               sweep's protocol is simulated for every parameter draw, and each sweep's
               features (with its own stimulus window) are concatenated, named sweepN/feature.

--parameters   the model's parameter names with a uniform prior each (docs/recordings.md);
               default for pospischil g_na:1:80,g_k:0.1:15,g_m:0.0001:0.6,g_leak:0.005:0.6,
               v_t:-90:-40,e_leak:-100:-35,stim_scale:0.5:10 (mS/cm2, absolute mV; the
               factor on the current stands for the unknown area), for classic g_na:60:180,
               g_k:12:60,v_rest:-75:-55. stim_scale:a:b infers a factor on the current (an
               unknown area: effective area = area / stim_scale).
--noise        intrinsic current noise of the model, uA/cm2*sqrt(ms) (default 0)
--features     summary features, for every sweep or per group of sweeps
               (0=efel:sag_amplitude;1,2=efel:Spikecount;*=all) (default for pospischil:
               eFEL's Spikecount_stimint, voltage_base, steady_state_voltage_stimend,
               steady_state_voltage, minimum_voltage, maximum_voltage, defined for every
               trace, spiking or not; for classic: all, hh-stats' 15 spike and moment
               features, with eFEL's spike detection, -20 mV;
               efel: eFEL's features by eFEL's names, efel:name,... some of them; see
               docs/features.md; ohmic_input_resistance divides by the file's current
               step). A simulation whose features are undefined (an eFEL spike shape
               without a spike) is dropped and counted.
--num-simulations N (default 2000), --num-samples M posterior samples (default 1000)
--rounds R     truncated sequential NPE for this recording: R rounds of N simulations, each
               from the previous round's posterior restricted to its support (default 1)
--model-check  can the model produce this recording at all? Two tests against the
               simulations (drawn from the prior): an MMD test on the z-scored features and
               the log-density of the --estimator network fitted to them (an NSF is the
               stronger density, an MDN the faster), each with a p-value; the verdict
               (consistent, doubtful p < 0.05, outside p < 0.01) and the features furthest out
               are printed (default full; mmd: the MMD test alone, no network; off)
--truth        known values (a synthetic recording): marked and reported
Writes to DIR (default infer_recording_out): recording.svg (the recording and 5 posterior
predictive traces), stimulus.svg, posterior.svg (2-D density or a corner plot),
predictive_check.svg (per feature, the features of 200 simulations at posterior draws and the
recording's: its quantile among them is printed for each feature outside the central 95 %).";

struct Args {
    recording: PathBuf,
    sweep: Option<usize>,
    sweeps: Option<String>,
    channels: hh_io::ChannelChoice,
    parameters: ParameterBox,
    model: RecordingModel,
    /// What the command line fixed of the model (else the model's default for the file).
    substeps: Option<usize>,
    scheme: Option<Scheme>,
    junction: f64,
    /// The features' stimulus window, ms (`--window`), else each sweep's own.
    window: Option<TimeWindow>,
    features: String,
    num_simulations: usize,
    rounds: usize,
    num_samples: usize,
    estimator: NeuralEstimator,
    model_check: ModelCheck,
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
    let mut parameters = None;
    let mut features = None;
    let mut a = Args {
        recording: PathBuf::new(),
        sweep: None,
        sweeps: None,
        channels: hh_io::ChannelChoice::default(),
        parameters: ParameterBox::parse(CellModel::Classic.default_parameters())?,
        model: RecordingModel {
            kind: CellModel::Pospischil,
            ..RecordingModel::default()
        },
        substeps: None,
        scheme: None,
        junction: 0.0,
        window: None,
        features: String::new(),
        num_simulations: 2000,
        rounds: 1,
        num_samples: 1000,
        estimator: NeuralEstimator::default(),
        model_check: ModelCheck::default(),
        truth: None,
        truth_spec: None,
        seed: 0,
        out_dir: PathBuf::from("infer_recording_out"),
        json: false,
    };
    while let Some(arg) = p.next()? {
        match arg {
            Long("recording") => recording = Some(PathBuf::from(p.value()?)),
            Long("sweep") => a.sweep = Some(parse_value("--sweep", p.value()?)?),
            Long("model") => a.model.kind = parse_value("--model", p.value()?)?,
            Long("voltage-channel") => {
                a.channels.voltage = Some(p.value()?.to_string_lossy().into_owned())
            }
            Long("current-channel") => {
                a.channels.current = Some(p.value()?.to_string_lossy().into_owned())
            }
            Long("sweeps") => a.sweeps = Some(p.value()?.to_string_lossy().into_owned()),
            Long("parameters") => parameters = Some(p.value()?.to_string_lossy().into_owned()),
            Long("area") => a.model.area_cm2 = Some(parse_f64("--area", p.value()?)?),
            Long("junction") => a.junction = parse_f64("--junction", p.value()?)?,
            Long("window") => a.window = Some(parse_window(p.value()?)?),
            Long("noise") => a.model.noise = parse_f64("--noise", p.value()?)?,
            Long("substeps") => {
                a.substeps = Some(counts::SUBSTEPS.parse("--substeps", p.value()?)?)
            }
            Long("scheme") => a.scheme = Some(parse_value::<Scheme>("--scheme", p.value()?)?),
            Long("features") => features = Some(p.value()?.to_string_lossy().into_owned()),
            Long("num-simulations") => {
                a.num_simulations = counts::SIMULATIONS.parse("--num-simulations", p.value()?)?
            }
            Long("num-samples") => {
                a.num_samples = counts::POSTERIOR_SAMPLES.parse("--num-samples", p.value()?)?
            }
            Long("rounds") => a.rounds = counts::ROUNDS.parse("--rounds", p.value()?)?,
            Long("estimator") => a.estimator = parse_value("--estimator", p.value()?)?,
            Long("model-check") => a.model_check = parse_value("--model-check", p.value()?)?,
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
    if a.sweep.is_some() && a.sweeps.is_some() {
        return Err(CliError("give --sweep or --sweeps, not both".into()));
    }
    a.features = features.unwrap_or_else(|| {
        match a.model.kind {
            CellModel::Pospischil => RECORDING_FEATURES,
            CellModel::Classic => "all",
        }
        .into()
    });
    a.parameters = ParameterBox::parse_for(
        parameters
            .as_deref()
            .unwrap_or(a.model.kind.default_parameters()),
        a.model.kind,
    )?;
    feature_groups(&a.features)?;
    if a.num_simulations < 20 {
        return Err(CliError("--num-simulations must be at least 20".into()));
    }
    if a.num_samples < 2 {
        return Err(CliError("--num-samples must be at least 2".into()));
    }
    if a.model.noise < 0.0 {
        return Err(CliError("--noise must be non-negative".into()));
    }
    cli::fits_in_memory("--num-samples", a.num_samples, a.parameters.names.len())?;
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

fn main() {
    cli::run(USAGE, parse_args, |mut a| {
        let t0 = Instant::now();
        let sweeps = sweep_list(&a)?;
        let recordings = sweeps
            .iter()
            .map(|&k| {
                Ok(hh_io::read_with(&a.recording, k, &a.channels)?
                    .with_junction_potential(a.junction)?)
            })
            .collect::<Result<Vec<_>, CliError>>()?;
        a.model = model_for(&a, &recordings[0]);
        if !a.json {
            eprintln!("{}", stated(&a, &sweeps, &recordings[0]));
        }
        let names = a.parameters.name_refs();
        let obs = recordings
            .into_iter()
            .map(|rec| Observed::new(&a, rec, &names))
            .collect::<Result<Vec<_>, CliError>>()?;
        let x_obs: Vec<f64> = obs.iter().flat_map(|o| o.x.iter().copied()).collect();
        // The simulations' θ and features, before anything is simulated.
        cli::fits_in_memory(
            "--num-simulations",
            a.num_simulations,
            x_obs.len() + names.len(),
        )?;
        let prior = BoxUniform::new(a.parameters.low.clone(), a.parameters.high.clone())?;
        let mut progress = TerminalProgress::new("infer_recording").quiet(a.json);
        let est = a
            .estimator
            .clone()
            // Whitened x for the classic model (as hh_posterior); z-scored alone (sbi's default)
            // for Pospischil's, whose default features repeat across sweeps: the model's rest
            // is the same in every sweep, so whitening would blow up the recording's
            // sweep-to-sweep differences.
            .with_train(TrainConfig::new().with_whiten_x(a.model.kind == CellModel::Classic));
        let source = match a.rounds {
            1 => Source::Simulate,
            rounds => Source::Rounds {
                x_obs: &x_obs,
                rounds,
                warm_start: false,
            },
        };
        // Several sweeps: one simulator of all of them, their features concatenated.
        let family = match &obs[..] {
            [_] => None,
            _ => Some((
                Sweeps::new(obs.iter().map(|o| o.simulator.clone()).collect())?,
                PerSweep::new(
                    obs.iter()
                        .map(|o| (format!("sweep{}", o.recording.sweep()), o.features.clone()))
                        .collect(),
                )?,
            )),
        };
        // Before training: the recording's features beyond every simulation from the prior,
        // by how much, and what to widen (a sequential run's rounds are one call: its note
        // comes after them, over all rounds' simulations).
        let mut place = |sims: &Dataset| {
            if a.json || a.rounds > 1 {
                return;
            }
            let out = outside_features(sims, &x_obs, &names);
            if !out.is_empty() {
                eprintln!(
                    "warning (before training): the recording lies beyond every simulation \
                     from the prior (the posterior will extrapolate there):\n  {}",
                    out.join("\n  ")
                );
            }
        };
        let run = match &family {
            None => {
                let problem = Problem::new(&prior, &obs[0].simulator, &obs[0].features);
                train_inspected(
                    problem.num_simulations(a.num_simulations).seed(a.seed),
                    source,
                    &est,
                    1,
                    &mut progress,
                    &mut place,
                )?
            }
            Some((sim, features)) => {
                let problem = Problem::new(&prior, sim, features);
                train_inspected(
                    problem.num_simulations(a.num_simulations).seed(a.seed),
                    source,
                    &est,
                    1,
                    &mut progress,
                    &mut place,
                )?
            }
        };
        let Observed {
            recording: rec,
            simulator: sim,
            trace,
            ..
        } = &obs[0];
        if !a.json {
            cli::report_failures(&run.dataset);
        }
        let posterior = &run.posterior.members()[0];
        // Features beyond every simulation: the model, under this prior, never produced them.
        let outside = Some(outside_features(&run.dataset, &x_obs, &names).join("; "))
            .filter(|n| !n.is_empty());
        // Can the model produce this recording at all? Not being able to check is a note,
        // not a failure.
        let check = run.prior_simulations().and_then(|sims| {
            check_model(
                a.model_check,
                &a.estimator,
                &sims,
                &x_obs,
                a.seed,
                &mut progress,
            )
        });
        let check = match check {
            Ok(c) => c,
            Err(e) => {
                if !a.json {
                    eprintln!("note: no model check: {}", e.0);
                }
                None
            }
        };
        let verdict = check.as_ref().map(|m| m.report("the recording"));
        let (samples, importance_ess) = sample_within_prior(
            posterior,
            &prior,
            &x_obs,
            a.num_samples,
            &mut streams::POSTERIOR_SAMPLES.rng(a.seed),
            a.json,
        )
        .map_err(|e| match (&outside, &verdict) {
            (Some(note), v) => CliError(format!(
                "no posterior for this recording ({e}). {}The recording lies outside what \
                     the model produced under the prior: {note}. Widen --parameters for what \
                     moves these features, or choose features the model can produce (--features)",
                v.as_ref()
                    .map_or(String::new(), |v| format!("Model check: {v}. "))
            )),
            (None, Some(v)) => CliError(format!("no posterior for this recording ({e}). {v}")),
            (None, None) => CliError(e.to_string()),
        })?;
        if !a.json {
            if let (true, Some(note)) = (a.rounds > 1, &outside) {
                eprintln!(
                    "warning: the recording lies outside what the model produced under the \
                     prior (the posterior is not to be trusted): {note}"
                );
            }
            match &check {
                Some(m) if m.verdict() != Verdict::Consistent => {
                    eprintln!("warning: model check: {}", verdict.as_deref().unwrap_or(""))
                }
                _ => {}
            }
        }
        // The posterior predictive check: simulated at the first draws, summarised as the
        // recording was.
        let draws = samples.select_rows(|i| i < PREDICTIVE_DRAWS);
        let ppc = match &family {
            None => {
                PredictiveCheck::run(&obs[0].simulator, &obs[0].features, &draws, &x_obs, a.seed)
            }
            Some((sim, features)) => PredictiveCheck::run(sim, features, &draws, &x_obs, a.seed),
        };
        let ppc = match ppc {
            Ok(p) => Some(p),
            Err(e) => {
                if !a.json {
                    eprintln!("note: no predictive check: {e}");
                }
                None
            }
        };
        let reproduction = ppc.as_ref().map(Reproduction::of).unwrap_or_default();
        // The narrower settings the verdict may suggest, unless this run used one.
        let default_width = a.rounds == 1 && posterior.estimator_name() == "mdn";
        let verdict_line =
            final_verdict(&reproduction, ppc.as_ref(), check.as_ref(), default_width);
        let t_plot = Instant::now();
        let scene = RecordingScene {
            window: obs[0].window,
            path: &a.recording,
            recording: rec,
            trace,
            simulator: sim,
            names: &names,
            low: &a.parameters.low,
            high: &a.parameters.high,
            truth: a.truth.as_deref(),
            samples: &samples,
            seed: a.seed,
        };
        let mut pictures = scene.render()?;
        if let Some(p) = &ppc {
            pictures.push(("predictive_check.svg", render_predictive_check(p)?));
        }
        write_pictures(&a.out_dir, &pictures)?;
        let seconds = [
            run.report.simulate_seconds,
            run.report.train_seconds,
            t_plot.elapsed().as_secs_f64(),
            t0.elapsed().as_secs_f64(),
        ];
        let m = marginals(&samples);
        match a.json {
            true => {
                let mut out = json(&a, &scene, &sweeps, posterior, &x_obs, &m, seconds);
                out["rounds"] = cli::rounds_json(&run.rounds);
                out["outside_simulations"] = serde_json::json!(outside);
                // Per observed sweep, the features' stimulus window [start, end) in ms.
                out["stimulus_windows_ms"] = serde_json::json!(
                    obs.iter()
                        .map(|o| o.window.map(|w| [w.start_ms, w.end_ms]))
                        .collect::<Vec<_>>()
                );
                out["importance_sampling_ess"] = serde_json::json!(importance_ess);
                out["misspecification"] = check.as_ref().map_or(serde_json::Value::Null, to_json);
                out["predictive_check"] = ppc.as_ref().map_or(serde_json::Value::Null, |p| {
                    serde_json::json!({
                        "names": p.names,
                        "quantiles": p.quantiles,
                        "outside95": p.outside(0.95).iter().map(|&j| &p.names[j]).collect::<Vec<_>>(),
                        "draws": p.predictive.nrows(),
                        "failed": p.failed,
                    })
                });
                out["reproduction"] = serde_json::json!({
                    "sweeps": reproduction.iter().map(|r| serde_json::json!({
                        "sweep": r.sweep,
                        "spikes": r.spikes.map(|(o, m)| [o, m]),
                        "rest_mv": r.rest_mv.map(|(o, m)| [o, m]),
                        "reproduced": r.reproduced(),
                    })).collect::<Vec<_>>(),
                    "reproduced": !reproduction.is_empty() && reproduction.iter().all(Reproduction::reproduced),
                });
                out["verdict"] = serde_json::json!(verdict_line);
                println!("{out}");
            }
            false => {
                cli::print_rounds(&run.rounds);
                table(&a, &scene, &sweeps, posterior, &m, seconds);
                if let Some(v) = &verdict {
                    println!("model check: {v}");
                }
                if let Some(p) = &ppc {
                    print_predictive_check(p);
                }
                print_reproduction(&reproduction);
                println!("verdict: {verdict_line}");
            }
        }
        Ok(())
    });
}

/// The run's conclusion in one sentence: the posterior reproduces the recording's spike
/// counts (±1) and resting potential (±2 mV) in the median draw, or it does not, naming the
/// features the posterior's simulations do not reach (outside their central 95 %) and the
/// model check's verdict, a rest that moves between sweeps, and — after a run at the default
/// width (`default_width`: one round of an MDN) — the narrower settings when spikes are
/// missed under a consistent model check.
fn final_verdict(
    reproduction: &[Reproduction],
    ppc: Option<&PredictiveCheck>,
    check: Option<&sbi_inference::Misspecification>,
    default_width: bool,
) -> String {
    let doubtful = check.filter(|m| m.verdict() != Verdict::Consistent);
    let outside = ppc.map_or(Vec::new(), |p| {
        p.outside(0.95)
            .into_iter()
            .map(|j| p.names[j].clone())
            .collect::<Vec<_>>()
    });
    let reproduced = !reproduction.is_empty() && reproduction.iter().all(Reproduction::reproduced);
    // The two tails every sentence may carry: the features out of reach, the model check.
    let unreached = |lead: &str| match outside.is_empty() {
        true => String::new(),
        false => format!("{lead}{}", outside.join(", ")),
    };
    let model = doubtful.map_or(String::new(), |m| {
        format!("; model check: {}", m.report("the recording"))
    });
    let sentence = match (reproduced, outside.is_empty(), doubtful) {
        (true, true, None) => "the posterior reproduces the recording: spike count within 1 and \
             rest within 2 mV in the median draw of every sweep, every feature inside the \
             posterior predictive's central 95 %, and the model check finds nothing against it"
            .into(),
        (true, _, _) => format!(
            "the posterior reproduces the recording's spike counts (within 1) and rest (within 2 \
             mV) in the median draw of every sweep{}{model}",
            unreached(", but not ")
        ),
        (false, _, _) if reproduction.is_empty() => format!(
            "no spike-count or voltage_base feature to judge the fit by{}{model}",
            unreached("; the posterior's simulations do not reach ")
        ),
        (false, _, _) => format!(
            "the posterior does not reproduce this recording: in the median posterior draw, \
             {}{}{model}",
            reproduction
                .iter()
                .filter(|r| !r.reproduced())
                .map(|r| {
                    let name = if r.sweep.is_empty() {
                        "the recording"
                    } else {
                        &r.sweep
                    };
                    let spikes = r
                        .spikes
                        .map_or(String::new(), |(o, m)| format!(" {m:.0} spikes for {o:.0}"));
                    let rest = r.rest_mv.map_or(String::new(), |(o, m)| {
                        format!(" rest {m:.1} mV for {o:.1}")
                    });
                    format!("{name}:{spikes}{rest}")
                })
                .collect::<Vec<_>>()
                .join("; "),
            unreached("; the posterior's simulations do not reach ")
        ),
    };
    if reproduced {
        return sentence;
    }
    // A rest that moves between sweeps is out of reach for any θ: say so.
    let spread = Reproduction::rest_spread(reproduction).map_or(String::new(), |(lo, hi)| {
        format!(
            "; the recording's rest moves between sweeps ({lo:.1} to {hi:.1} mV, {:.1} mV \
             apart) while the model relaxes to one resting potential in every sweep, so no \
             parameters put it within {REST_TOLERANCE_MV} mV of each",
            hi - lo
        )
    });
    // Spikes missed where the model check finds the recording within reach: the posterior,
    // not the model, may be what misses (measured on File_axon_5.abf: docs/recordings.md).
    let missed_spikes = reproduction.iter().any(|r| !r.spikes_match());
    let narrower = match (missed_spikes && default_width, check.map(|m| m.verdict())) {
        (true, Some(Verdict::Consistent)) => {
            "; the model check finds the recording within the model's reach, so a narrower \
             posterior may match the spike counts: --rounds 2 or --estimator nsf (about twice \
             the time)"
        }
        _ => "",
    };
    format!("{sentence}{spread}{narrower}")
}

/// Spike counts and resting potentials, recording against the median posterior draw.
fn print_reproduction(reproduction: &[Reproduction]) {
    for r in reproduction {
        let name = if r.sweep.is_empty() {
            "recording"
        } else {
            &r.sweep
        };
        let spikes = r.spikes.map_or(String::new(), |(o, m)| {
            format!("  spikes {o:.0} (median draw {m:.1})")
        });
        let rest = r.rest_mv.map_or(String::new(), |(o, m)| {
            format!("  rest {o:.2} mV (median draw {m:.2})")
        });
        let mark = if r.reproduced() {
            "reproduced"
        } else {
            "not reproduced"
        };
        println!("  {name:<10}{spikes}{rest}: {mark}");
    }
}

/// Posterior draws simulated for the predictive check.
const PREDICTIVE_DRAWS: usize = 200;

/// The predictive check as text: how many features the observation sits inside of, and each
/// one outside the central 95 % with its quantile.
fn print_predictive_check(p: &PredictiveCheck) {
    let out = p.outside(0.95);
    println!(
        "predictive check ({} simulations at posterior draws): {} of {} features inside their \
         central 95 %{}",
        p.predictive.nrows(),
        p.names.len() - out.len(),
        p.names.len(),
        if out.is_empty() { "" } else { "; outside:" }
    );
    for j in out {
        println!(
            "  {:<28} observed {:>12.4}  quantile {:.3}",
            p.names[j], p.observed[j], p.quantiles[j]
        );
    }
}

/// The run as one JSON object.
fn json(
    a: &Args,
    scene: &RecordingScene<'_>,
    sweeps: &[usize],
    posterior: &DirectPosterior,
    x_obs: &[f64],
    m: &[Marginal],
    [simulate, train, plot, total]: [f64; 4],
) -> serde_json::Value {
    let rec = scene.recording;
    let col = |f: fn(&Marginal) -> f64| m.iter().map(f).collect::<Vec<_>>();
    let mut out = serde_json::json!({
        "recording": a.recording.display().to_string(),
        "format": rec.metadata().format.name(),
        "sweep": rec.sweep(),
        "sweeps": sweeps,
        "resampled": rec.metadata().resampled.map(|r| r.to_string()),
        "dt_ms": rec.dt_ms(),
        "num_samples_in_recording": rec.len(),
        "model": a.model.kind.name(),
        "area_cm2": a.model.area_cm2,
        "junction_mv": a.junction,
        "substeps": a.model.substeps,
        "scheme": a.model.scheme.name(),
        "parameters": scene.names,
        "low": a.parameters.low,
        "high": a.parameters.high,
        "mean": col(|m| m.mean),
        "std": col(|m| m.std),
        "q05": col(|m| m.q05),
        "q95": col(|m| m.q95),
        "features": a.features,
        "x_observed": x_obs,
        "num_simulations": a.num_simulations,
        "estimator": posterior.estimator_name(),
        "seed": a.seed,
        "seconds": {
            "simulate": simulate,
            "train": train,
            "plot": plot,
            "total": total,
        },
    });
    if let Some(t) = &a.truth {
        out["truth"] = serde_json::json!(t);
    }
    out
}

/// The run as a table.
fn table(
    a: &Args,
    scene: &RecordingScene<'_>,
    sweeps: &[usize],
    posterior: &DirectPosterior,
    m: &[Marginal],
    [simulate, train, plot, total]: [f64; 4],
) {
    let rec = scene.recording;
    let meta = rec.metadata();
    println!(
        "{}: {} sweep {} of {}, {} samples at {} kHz, current {} ({})",
        a.recording.display(),
        meta.format.name(),
        rec.sweep(),
        meta.num_sweeps,
        rec.len(),
        1.0 / rec.dt_ms(),
        meta.current_channel.as_deref().unwrap_or("-"),
        current_source(rec)
    );
    if let Some(r) = &meta.resampled {
        println!("  {r}");
    }
    if sweeps.len() > 1 {
        println!(
            "one observation of {} sweeps: {:?} (pictures: sweep {})",
            sweeps.len(),
            sweeps,
            rec.sweep()
        );
    }
    let simulations = match a.rounds {
        1 => format!("{} simulations", a.num_simulations),
        r => format!("{r} rounds of {} simulations", a.num_simulations),
    };
    println!(
        "{} posterior from {simulations}, {} samples ({} features):",
        posterior.estimator_name(),
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
    for (j, s) in m.iter().enumerate() {
        let truth = a.truth.as_ref().map_or(String::new(), |t| {
            let inside = if s.covers(t[j]) { "" } else { " (outside)" };
            format!("  {:>9.3}{inside}", t[j])
        });
        println!(
            "  {:<24} {:>10.3} {:>10.3}   [{:>8.3}, {:>8.3}]{truth}",
            labelled(scene.names[j]),
            s.mean,
            s.std,
            s.q05,
            s.q95
        );
    }
    println!(
        "time: simulate {simulate:.2} s, train {train:.2} s, pictures {plot:.2} s, total {total:.2} s"
    );
    println!("pictures: {}", a.out_dir.display());
}

/// The default features of a recording: eFEL's, defined for every trace (spiking or not, any
/// step), so no simulation of a wide prior is dropped — the spike count in the stimulus, the
/// baseline, the steady state at the step's end and after it, and the extremes in the step.
const RECORDING_FEATURES: &str = "efel:Spikecount_stimint,voltage_base,\
     steady_state_voltage_stimend,steady_state_voltage,minimum_voltage,maximum_voltage";

/// The model's largest integration step by default, ms: Gonçalves et al. integrate at 0.01
/// ms; 0.025 ms (NEURON's default) keeps spike times within a step of theirs.
const POSPISCHIL_MAX_DT_MS: f64 = 0.025;

/// The model as run: the command line's settings, else the chosen model's defaults for this
/// recording (area, sub-steps, scheme).
fn model_for(a: &Args, rec: &hh_io::Recording) -> RecordingModel {
    let total = rec
        .current()
        .is_some_and(|c| c.unit.to_microampere().is_some());
    let mut m = a.model.clone();
    match m.kind {
        CellModel::Classic => {
            m.substeps = a.substeps.unwrap_or(1);
            m.scheme = a.scheme.unwrap_or(Scheme::ExpEuler);
        }
        CellModel::Pospischil => {
            m.substeps = a.substeps.unwrap_or(
                ((rec.dt_ms() / POSPISCHIL_MAX_DT_MS).ceil() as usize)
                    .clamp(1, counts::SUBSTEPS.max),
            );
            m.scheme = a.scheme.unwrap_or(Scheme::ExpStaggered);
            if total && m.area_cm2.is_none() {
                m.area_cm2 = Some(GONCALVES_AREA_CM2);
            }
        }
    }
    m
}

/// What the run assumes, in one paragraph: model, area, junction, integration, sweeps.
fn stated(a: &Args, sweeps: &[usize], rec: &hh_io::Recording) -> String {
    let m = &a.model;
    let area = match (m.area_cm2, a.model.kind) {
        _ if rec.current().is_none() => format!(
            "no injected current ({})",
            rec.metadata()
                .no_current
                .as_deref()
                .unwrap_or("the file gives none")
        ),
        (Some(x), CellModel::Pospischil) if x == GONCALVES_AREA_CM2 => {
            format!("membrane area {x:.4e} cm2 (Gonçalves et al.'s soma; set --area)")
        }
        (Some(x), _) => format!("membrane area {x:.4e} cm2"),
        (None, _) => "current read as a density (no area)".into(),
    };
    format!(
        "model {}, {area}, liquid junction {} mV{}, {} sub-step(s) of {}, noise {} \
         uA/cm2*sqrt(ms); sweeps {sweeps:?}",
        a.model.kind.name(),
        a.junction,
        if a.junction == 0.0 {
            " (uncorrected; set --junction)"
        } else {
            ""
        },
        m.substeps,
        m.scheme,
        m.noise,
    )
}

/// The sweeps to observe: `--sweeps` (a list, or `all` of the file's), else `--sweep`, else
/// the first, middle and last of the file's sweeps with a stimulus (all of them when there
/// are fewer than three; sweep 0 when none has one).
fn sweep_list(a: &Args) -> Result<Vec<usize>, CliError> {
    let num_sweeps = || -> Result<usize, CliError> {
        Ok(hh_io::read_with(&a.recording, 0, &a.channels)?
            .metadata()
            .num_sweeps)
    };
    let Some(spec) = &a.sweeps else {
        return Ok(match a.sweep {
            Some(k) => vec![k],
            None => {
                // The stimulated sweeps (a current step away from holding), else sweep 0.
                let n = num_sweeps()?;
                let mut stimulated = Vec::new();
                for k in 0..n {
                    if hh_io::read_with(&a.recording, k, &a.channels)?
                        .stimulus_window()
                        .is_some()
                    {
                        stimulated.push(k);
                    }
                }
                let m = stimulated.len();
                let mut list = match m {
                    0 => vec![0],
                    _ => vec![stimulated[0], stimulated[m / 2], stimulated[m - 1]],
                };
                list.dedup();
                list
            }
        });
    };
    if spec.trim() == "all" {
        let n = num_sweeps()?;
        return Ok((0..n.min(sbi_core::sweeps::MAX_SWEEPS)).collect());
    }
    let list = spec
        .split(',')
        .map(|s| parse_value::<usize>("--sweeps", s.into()))
        .collect::<Result<Vec<_>, _>>()?;
    if list.is_empty() || list.len() > sbi_core::sweeps::MAX_SWEEPS {
        return Err(CliError(format!(
            "--sweeps lists 1 to {} sweeps",
            sbi_core::sweeps::MAX_SWEEPS
        )));
    }
    if let Some(k) = list
        .iter()
        .enumerate()
        .find(|(i, k)| list[..*i].contains(k))
    {
        return Err(CliError(format!("--sweeps lists sweep {} twice", k.1)));
    }
    Ok(list)
}

/// `--window START:END`, ms.
fn parse_window(v: std::ffi::OsString) -> Result<TimeWindow, CliError> {
    let v = v.to_string_lossy();
    let (start, end) = v
        .split_once(':')
        .ok_or_else(|| CliError(format!("--window `{v}` is not START:END (ms)")))?;
    let start = parse_f64("--window", start.into())?;
    let end = parse_f64("--window", end.into())?;
    if start < 0.0 {
        return Err(CliError(format!(
            "--window starts before the sweep ({start} ms)"
        )));
    }
    TimeWindow::new(start, end).map_err(|e| CliError(format!("--window `{v}`: {e}")))
}

/// One observed sweep: the recording, the simulator of its protocol, its features (with its
/// stimulus window) and their values.
struct Observed {
    recording: hh_io::Recording,
    simulator: RecordingSimulator,
    features: TraceFeatures,
    trace: Trace,
    x: Vec<f64>,
    /// The features' stimulus window (`--window`, else the sweep's own; none without a
    /// step).
    window: Option<TimeWindow>,
}

impl Observed {
    fn new(a: &Args, recording: hh_io::Recording, names: &[&str]) -> Result<Self, CliError> {
        let sweep = recording.sweep();
        // The model is driven by the recorded current: without one there is nothing to
        // simulate.
        if recording.current().is_none() {
            return Err(CliError(format!(
                "sweep {sweep} has no injected current to drive the model: {}. Name the \
                 current's channel (--current-channel: an input in pA or nA, or a command)",
                recording
                    .metadata()
                    .no_current
                    .as_deref()
                    .unwrap_or("the file gives none")
            )));
        }
        let simulator = simulator_for(&recording, names, &a.model)?;
        let window = match a.window {
            Some(w) => {
                let duration = recording.len() as f64 * recording.dt_ms();
                if w.end_ms > duration + 1e-9 * recording.dt_ms() {
                    return Err(CliError(format!(
                        "--window {}:{} ms ends after sweep {sweep}, which lasts {duration} ms",
                        w.start_ms, w.end_ms
                    )));
                }
                Some(w)
            }
            None => recording.stimulus_window(),
        };
        if let (None, Some(w), false) = (a.window, window, a.json) {
            let changes = level_changes(&recording, w);
            if changes > 0 {
                eprintln!(
                    "note: sweep {sweep}'s current changes level {changes} time(s) inside its \
                     stimulus window {:.2}-{:.2} ms (several steps, or a ramp): its features \
                     describe the whole window, in the simulations as in the recording; \
                     --window START:END chooses a part of it",
                    w.start_ms, w.end_ms
                );
            }
        }
        // eFEL's spike detection for recordings (also under hh-stats' own presets).
        let mut features = match features_for_sweep(&a.features, sweep)? {
            TraceFeatures::Hh(f) => {
                TraceFeatures::Hh(f.with_spike_detection(SpikeDetection::efel())?)
            }
            // eFEL's stimulus_current (ohmic_input_resistance): the file's step, when it has
            // a total current.
            TraceFeatures::Efel(f) => {
                TraceFeatures::Efel(match window.and_then(|w| step_current_na(&recording, w)) {
                    Some(na) => f.with_stimulus_current(na),
                    None => f,
                })
            }
            // The published rule is its own spike detection.
            goncalves @ TraceFeatures::Goncalves(_) => goncalves,
        };
        if let Some(w) = window {
            features = features.with_stimulus_window(w);
        }
        let trace = recording.trace()?;
        let x = features.summarize(&trace).map_err(|e| match e {
            hh_stats::Error::MissingStimulusWindow { feature } => CliError(format!(
                "sweep {sweep} of the recording: feature `{feature}` describes the stimulus \
                     window, which is taken from the sweep's recorded current, and no step away \
                     from its holding level was found in it: choose a sweep with a stimulus (--sweep N, or --sweeps with \
                     stimulated sweeps only)"
            )),
            e => CliError(format!("sweep {sweep} of the recording: {e}")),
        })?;
        Ok(Self {
            recording,
            simulator,
            features,
            trace,
            x,
            window,
        })
    }
}
