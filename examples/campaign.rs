//! A simulation campaign of the notebook's HH model across MPI ranks: N simulations under the
//! notebook's prior, shared by the ranks, gathered on rank 0 and written as one dataset
//! (.npz), byte-identical whatever the number of ranks. `hh_posterior --dataset FILE` trains
//! on it.
//!
//! ```text
//! cargo build --release --features hh-sbi-examples/mpi --example campaign
//! mpirun -np 2 target/release/examples/campaign --num-simulations 100000 --seed 1 \
//!     --noise 1 --out data.npz
//! cargo run --release --example hh_posterior -- --dataset data.npz --noise 1
//! mpirun -np 2 target/release/examples/campaign --problem goncalves --num-simulations 100000 \
//!     --out goncalves.npz                 # Gonçalves et al.'s benchmark (docs/goncalves.md)
//! cargo run --release --example goncalves -- --dataset goncalves.npz
//! ```
//!
//! See docs/scaling.md (mpirun, Slurm, reproducibility, measured throughput).

use std::path::PathBuf;

use hh_model::HhSimulator;
use hh_sbi_examples::cli::{self, CliError, counts, parse_f64, parse_value};
use hh_sbi_examples::goncalves;
use hh_sbi_examples::notebook::{HIGH, LOW, dataset_settings};
use hh_sbi_examples::progress::TerminalProgress;
use hh_stats::FeatureSet;
use sbi_campaign::{Campaign, CampaignRun, Schedule};
use sbi_inference::Problem;
use sbi_prior::BoxUniform;

const USAGE: &str = "\
usage: campaign --out FILE [--problem notebook|goncalves] [--num-simulations N] [--seed S]
                [--features notebook|sbi7|goncalves7|goncalves4|goncalves1] [--noise <sigma>] [--schedule static|dynamic] [--chunk C] [--threads T]
                [--json]
       mpirun -np K target/release/examples/campaign --out FILE ...   (built with --features hh-sbi-examples/mpi)

Simulates N (default 10000) theta = (V_rest in [40, 60] mV, stimulus in [3, 7] uA/cm2) from
the notebook's BoxUniform prior with the notebook's HH protocol (200 ms, dt 0.01 ms, pulse
70-130 ms), summarises each trace (default: max, mean, std) and writes the dataset (theta, x,
failures, settings) to FILE as NumPy .npz, atomically, from rank 0 once every rank is done.
Prints each rank's simulations, time and throughput, and the total.

Every simulation is keyed by its global index (seed S): the file is the same byte for byte
for any number of ranks, threads or schedule, and equal to hh_posterior's data for the same
--num-simulations, --seed, --features and --noise.

--problem goncalves  Gonçalves et al. 2020's benchmark instead: the 8 parameters of the
                  Pospischil model under the published prior and protocol (noise is one of
                  them: no --noise), features goncalves7 unless --features says otherwise;
                  the goncalves example trains on the file (--dataset)
--noise sigma     white-noise current (uA/cm2*sqrt(ms)) in every simulation
--schedule        static (default): rank r takes the r-th contiguous block;
                  dynamic: rank 0 hands out chunks of C simulations (default 256) on request
--threads T       rayon threads per rank (default: this node's cores / its ranks, at least 1)
--json            print one JSON object (rank 0) instead of the table";

struct Args {
    out: Option<PathBuf>,
    problem: String,
    num_simulations: usize,
    seed: u64,
    features: String,
    noise: f64,
    schedule: String,
    chunk: usize,
    threads: Option<usize>,
    json: bool,
}

fn parse_args() -> Result<Args, CliError> {
    use lexopt::prelude::*;
    let mut p = lexopt::Parser::from_env();
    let mut a = Args {
        out: None,
        problem: "notebook".into(),
        num_simulations: 10_000,
        seed: 0,
        features: String::new(),
        noise: 0.0,
        schedule: "static".into(),
        chunk: 256,
        threads: None,
        json: false,
    };
    while let Some(arg) = p.next()? {
        match arg {
            Long("out") => a.out = Some(PathBuf::from(p.value()?)),
            Long("problem") => a.problem = p.value()?.to_string_lossy().into_owned(),
            Long("num-simulations") => {
                a.num_simulations = counts::SIMULATIONS.parse("--num-simulations", p.value()?)?
            }
            Long("seed") => a.seed = parse_value("--seed", p.value()?)?,
            Long("features") => a.features = p.value()?.to_string_lossy().into_owned(),
            Long("noise") => a.noise = parse_f64("--noise", p.value()?)?,
            Long("schedule") => a.schedule = p.value()?.to_string_lossy().into_owned(),
            Long("chunk") => a.chunk = counts::CHUNK.parse("--chunk", p.value()?)?,
            Long("threads") => a.threads = Some(counts::THREADS.parse("--threads", p.value()?)?),
            Long("json") => a.json = true,
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(arg.unexpected().into()),
        }
    }
    match (a.problem.as_str(), a.features.is_empty()) {
        ("notebook", true) => a.features = "notebook".into(),
        ("goncalves", true) => a.features = "goncalves7".into(),
        ("notebook" | "goncalves", false) => {}
        (other, _) => {
            return Err(CliError(format!(
                "--problem: unknown problem `{other}` (expected notebook or goncalves)"
            )));
        }
    }
    if a.problem == "goncalves" && a.noise != 0.0 {
        return Err(CliError(
            "--noise: in Gonçalves et al.'s benchmark the noise is a parameter (sigma, the \
             seventh), drawn from the prior"
                .into(),
        ));
    }
    Ok(a)
}

impl Args {
    fn schedule(&self) -> Result<Schedule, CliError> {
        match self.schedule.as_str() {
            "static" => Ok(Schedule::Static),
            "dynamic" => Ok(Schedule::Dynamic { chunk: self.chunk }),
            other => Err(CliError(format!(
                "--schedule: unknown schedule `{other}` (expected static or dynamic)"
            ))),
        }
    }
}

fn main() {
    cli::run(USAGE, parse_args, |args| {
        let out = args
            .out
            .clone()
            .ok_or_else(|| CliError("--out FILE is required".into()))?;
        if args.problem == "goncalves" {
            let prior = BoxUniform::new(goncalves::LOW.to_vec(), goncalves::HIGH.to_vec())?;
            let sim = goncalves::simulator()?;
            let features = goncalves::features(&args.features)?;
            let settings = goncalves::dataset_settings(args.seed);
            return simulate(&args, &out, Problem::new(&prior, &sim, &features), settings);
        }
        let prior = BoxUniform::new(LOW.to_vec(), HIGH.to_vec())?;
        let sim = HhSimulator::notebook().with_noise_sigma(args.noise)?;
        let features = FeatureSet::preset_named(&args.features)?;
        let settings = dataset_settings(&sim, &features, args.noise, args.seed);
        simulate(&args, &out, Problem::new(&prior, &sim, &features), settings)
    });
}

/// Runs the campaign of `problem` (its size and seed from `args`) on this process's ranks and
/// writes the dataset, with `settings`, to `out` from rank 0.
fn simulate<P, S, F>(
    args: &Args,
    out: &std::path::Path,
    problem: Problem<'_, P, S, F>,
    settings: std::collections::BTreeMap<String, String>,
) -> Result<(), CliError>
where
    P: sbi_core::Prior,
    S: sbi_core::Simulator,
    F: sbi_core::SummaryStatistics<S::Output>,
{
    let schedule = args.schedule()?;
    // Before any simulation: a run must not end in a folder it cannot write to.
    check_writable(out)?;
    let ranks = Ranks::start()?;
    let threads = args
        .threads
        .unwrap_or_else(|| (cores() / ranks.on_this_node()).max(1));
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .map_err(|e| CliError(format!("cannot start {threads} threads: {e}")))?;
    let mut progress =
        TerminalProgress::new("campaign rank 0").quiet(args.json || ranks.rank() != 0);
    let campaign = Campaign::new(
        problem
            .num_simulations(args.num_simulations)
            .seed(args.seed),
    )
    .schedule(schedule)
    .settings(settings)
    .progress(&mut progress);
    let run = ranks.run(campaign).map_err(|e| match ranks.rank() {
        0 => CliError(e.to_string()),
        r => CliError(format!("rank {r}: {e}")),
    })?;
    if let Some(dataset) = &run.dataset {
        dataset.save_npz(out)?;
        if args.json {
            println!("{}", json(args, &run, threads, out));
        } else {
            cli::report_failures(dataset);
            table(args, &run, threads, out);
        }
    }
    Ok(())
}

/// Checks that the dataset can be saved to `out` as the save will do it (every rank checks,
/// before MPI starts, so that all fail alike; only rank 0 writes the dataset).
fn check_writable(out: &std::path::Path) -> Result<(), CliError> {
    sbi_core::check_writable(out)
        .map(|_| ())
        .map_err(|e| CliError(format!("--out: {e}")))
}

/// The machine's cores.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The ranks this process is one of: an MPI job (feature `mpi`), or this process alone.
#[cfg(feature = "mpi")]
struct Ranks {
    world: mpi::topology::SimpleCommunicator,
    // Finalises MPI when dropped, after the world.
    _universe: mpi::environment::Universe,
}

#[cfg(feature = "mpi")]
impl Ranks {
    fn start() -> Result<Self, CliError> {
        let universe =
            mpi::initialize().ok_or_else(|| CliError("MPI is already initialised".into()))?;
        Ok(Self {
            world: universe.world(),
            _universe: universe,
        })
    }

    fn rank(&self) -> usize {
        use mpi::traits::Communicator;
        self.world.rank() as usize
    }

    /// The ranks sharing this node's cores.
    fn on_this_node(&self) -> usize {
        use mpi::traits::Communicator;
        self.world.split_shared(0).size().max(1) as usize
    }

    fn run<P, S, F>(&self, mut c: Campaign<'_, P, S, F>) -> sbi_campaign::Result<CampaignRun>
    where
        P: sbi_core::Prior,
        S: sbi_core::Simulator,
        F: sbi_core::SummaryStatistics<S::Output>,
    {
        c.run_mpi(&self.world)
    }
}

/// The ranks this process is one of: an MPI job (feature `mpi`), or this process alone.
#[cfg(not(feature = "mpi"))]
struct Ranks;

#[cfg(not(feature = "mpi"))]
impl Ranks {
    fn start() -> Result<Self, CliError> {
        // Under mpirun/srun without MPI support, K copies would each run the whole campaign.
        // Open MPI's mpirun sets OMPI_COMM_WORLD_SIZE; MPICH's and srun's PMI, PMI_SIZE.
        let launched = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"]
            .iter()
            .find_map(|v| std::env::var(v).ok().map(|s| (v, s)));
        if let Some((var, value)) = launched
            && value.trim() != "1"
        {
            return Err(CliError(format!(
                "launched as one of several ranks ({var}={value}), but this build has no MPI: \
                 build with `cargo build --release --features hh-sbi-examples/mpi --example campaign`"
            )));
        }
        Ok(Self)
    }

    fn rank(&self) -> usize {
        0
    }

    fn on_this_node(&self) -> usize {
        1
    }

    fn run<P, S, F>(&self, mut c: Campaign<'_, P, S, F>) -> sbi_campaign::Result<CampaignRun>
    where
        P: sbi_core::Prior,
        S: sbi_core::Simulator,
        F: sbi_core::SummaryStatistics<S::Output>,
    {
        c.run_local()
    }
}

fn json(args: &Args, run: &CampaignRun, threads: usize, out: &std::path::Path) -> String {
    let ranks: Vec<_> = run
        .ranks
        .iter()
        .map(|r| {
            serde_json::json!({
                "rank": r.rank,
                "num_simulations": r.num_simulations,
                "num_failed": r.num_failed,
                "seconds": r.seconds,
                "throughput": r.throughput(),
            })
        })
        .collect();
    serde_json::json!({
        "num_simulations": run.num_simulations,
        "num_failed": run.ranks.iter().map(|r| r.num_failed).sum::<usize>(),
        "seed": args.seed,
        "problem": args.problem,
        "features": args.features,
        "noise": args.noise,
        "schedule": args.schedule,
        "size": run.size,
        "threads_per_rank": threads,
        "mpi": cfg!(feature = "mpi"),
        "ranks": ranks,
        "seconds": run.seconds,
        "throughput": run.throughput(),
        "out": out.display().to_string(),
    })
    .to_string()
}

fn table(args: &Args, run: &CampaignRun, threads: usize, out: &std::path::Path) {
    println!(
        "campaign: {} simulations on {} rank{} × {threads} thread{}, {} schedule, seed {}{}",
        run.num_simulations,
        run.size,
        if run.size == 1 { "" } else { "s" },
        if threads == 1 { "" } else { "s" },
        args.schedule,
        args.seed,
        if cfg!(feature = "mpi") {
            ""
        } else {
            " (built without MPI)"
        }
    );
    println!(
        "  {:>5} {:>12} {:>7} {:>9} {:>10}",
        "rank", "simulations", "failed", "seconds", "sims/s"
    );
    for r in &run.ranks {
        println!(
            "  {:>5} {:>12} {:>7} {:>9.2} {:>10.0}",
            r.rank,
            r.num_simulations,
            r.num_failed,
            r.seconds,
            r.throughput()
        );
    }
    println!(
        "  {:>5} {:>12} {:>7} {:>9.2} {:>10.0}   (wall clock, gather included)",
        "total",
        run.num_simulations,
        run.ranks.iter().map(|r| r.num_failed).sum::<usize>(),
        run.seconds,
        run.throughput()
    );
    println!("wrote {}", out.display());
}
