//! [`Campaign`]: N simulations under a prior, split across ranks, joined into one
//! [`Dataset`].

use std::collections::BTreeMap;
use std::ops::Range;
use std::time::Instant;

use sbi_core::{Prior, Progress, RowMatrix, Simulator, SummaryStatistics};
use sbi_npe::{Dataset, Failure, SimulatedRows, fails_fast, prior_draws, simulate_rows};

use crate::assemble::Share;
use crate::assemble::assemble;
use crate::error::Result;
use crate::schedule::{Schedule, static_block};

/// A simulation campaign: `num_simulations` draws from a prior, simulated and summarised, on
/// one process ([`Campaign::run_local`]) or on every rank of an MPI communicator
/// (`Campaign::run_mpi`, feature `mpi`).
///
/// Reproducibility: the dataset is [`sbi_npe::Npe::simulate`]'s for the same prior,
/// simulator, summary, number and seed, bit for bit, whatever the number of ranks, threads or
/// the [`Schedule`]: θ row i is draw i of the stream `item_seed(seed, 0)` (every rank draws
/// the whole sequence, 16 bytes per simulation of a 2-parameter prior, and keeps its rows),
/// and simulation i uses the stream `item_rng(item_seed(seed, 1), i)`.
///
/// ```
/// use sbi_campaign::Campaign;
/// use sbi_core::{Identity, testing::LinearGaussian};
/// use sbi_npe::Npe;
/// use sbi_prior::BoxUniform;
///
/// let prior = BoxUniform::new(vec![-1.0, -1.0], vec![1.0, 1.0])?;
/// let sim = LinearGaussian::new(2, 0.1)?;
/// let summary = Identity::new(2);
/// let run = Campaign::new(&prior, &sim, &summary).num_simulations(300).seed(4).run_local()?;
/// let pipeline = Npe::new(&prior, &sim, &summary).num_simulations(300).seed(4).simulate()?;
/// assert_eq!(run.dataset.as_ref(), Some(&pipeline));
/// assert_eq!(run.ranks[0].num_simulations, 300);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Campaign<'a, P, S, F> {
    pub(crate) prior: &'a P,
    pub(crate) simulator: &'a S,
    pub(crate) summary: &'a F,
    pub(crate) num_simulations: usize,
    pub(crate) seed: u64,
    pub(crate) schedule: Schedule,
    pub(crate) settings: BTreeMap<String, String>,
    pub(crate) progress: Option<&'a mut dyn Progress>,
}

/// What one rank did.
#[derive(Debug, Clone, PartialEq)]
pub struct RankReport {
    /// The rank.
    pub rank: usize,
    /// The simulations it ran.
    pub num_simulations: usize,
    /// Of which failed.
    pub num_failed: usize,
    /// Its time simulating and summarising, s.
    pub seconds: f64,
}

impl RankReport {
    /// Simulations per second (0 for a rank that ran none).
    pub fn throughput(&self) -> f64 {
        per_second(self.num_simulations, self.seconds)
    }
}

/// A finished campaign, as one rank sees it.
#[derive(Debug, Clone)]
pub struct CampaignRun {
    /// The dataset, on rank 0 (`None` on the others).
    pub dataset: Option<Dataset>,
    /// Every rank's report, in rank order, on rank 0; this rank's alone on the others.
    pub ranks: Vec<RankReport>,
    /// This rank.
    pub rank: usize,
    /// The number of ranks.
    pub size: usize,
    /// The number of simulations.
    pub num_simulations: usize,
    /// Wall-clock time from the start (after every rank drew θ) to the joined dataset, s.
    pub seconds: f64,
}

impl CampaignRun {
    /// The campaign's simulations per second of wall-clock time.
    pub fn throughput(&self) -> f64 {
        per_second(self.num_simulations, self.seconds)
    }
}

/// `count` over `seconds`, 0 when no time passed.
fn per_second(count: usize, seconds: f64) -> f64 {
    if seconds > 0.0 {
        count as f64 / seconds
    } else {
        0.0
    }
}

/// This rank's simulated pieces, in the order they were run.
pub(crate) struct Work {
    pub(crate) pieces: Vec<SimulatedRows>,
    pub(crate) seconds: f64,
}

impl Work {
    /// The report, the share and the features to send.
    pub(crate) fn into_share(self, rank: usize) -> (RankReport, Share, Vec<f64>) {
        let num_simulations = self.pieces.iter().map(SimulatedRows::len).sum();
        let mut failures: Vec<Failure> = Vec::new();
        let mut pieces = Vec::with_capacity(self.pieces.len());
        let mut x = Vec::new();
        for p in self.pieces {
            pieces.push((p.first, p.len()));
            x.extend_from_slice(p.x.as_slice());
            failures.extend(p.failures);
        }
        let report = RankReport {
            rank,
            num_simulations,
            num_failed: failures.len(),
            seconds: self.seconds,
        };
        (report, Share::Done { pieces, failures }, x)
    }
}

impl<'a, P, S, F> Campaign<'a, P, S, F>
where
    P: Prior,
    S: Simulator,
    F: SummaryStatistics<S::Output>,
{
    /// A campaign of 1,000 simulations with seed 0, static blocks, no settings recorded and
    /// no progress reports.
    pub fn new(prior: &'a P, simulator: &'a S, summary: &'a F) -> Self {
        Self {
            prior,
            simulator,
            summary,
            num_simulations: 1000,
            seed: 0,
            schedule: Schedule::Static,
            settings: BTreeMap::new(),
            progress: None,
        }
    }

    /// Sets the number of simulations.
    pub fn num_simulations(mut self, n: usize) -> Self {
        self.num_simulations = n;
        self
    }

    /// Sets the seed (the pipeline's: [`sbi_npe::Npe::seed`]).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets how simulations are shared between ranks.
    pub fn schedule(mut self, schedule: Schedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// Records what the data are simulated with ([`Dataset::with_settings`]).
    pub fn settings(mut self, settings: BTreeMap<String, String>) -> Self {
        self.settings = settings;
        self
    }

    /// Reports this rank's progress (its own simulations) to `progress`.
    pub fn progress(mut self, progress: &'a mut dyn Progress) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Runs the whole campaign in this process (rank 0 of 1), in parallel on rayon's threads.
    ///
    /// # Errors
    /// Before any simulation: fewer than 2 simulations or a summary with no feature
    /// ([`sbi_npe::Error::Empty`]), a prior whose dimension is not the simulator's, a failed
    /// prior draw, an invalid [`Schedule`]. Then a batch-level simulator error; every
    /// simulation failing
    /// ([`sbi_npe::Error::SimulationsFailed`], also when the first
    /// [`sbi_npe::FAIL_FAST_AFTER`] fail alike).
    pub fn run_local(&mut self) -> Result<CampaignRun> {
        let theta = self.prepare()?;
        let start = Instant::now();
        let n = self.num_simulations;
        let mut chunks = Chunks::new(static_block(n, 1, 0), self.schedule);
        let work = self.work(&theta, n, || chunks.next())?;
        let (report, share, x) = work.into_share(0);
        let dataset = assemble(
            theta,
            self.summary.dim(),
            vec![(share, x)],
            self.summary.names(),
            self.settings.clone(),
        )?;
        Ok(CampaignRun {
            dataset: Some(dataset),
            ranks: vec![report],
            rank: 0,
            size: 1,
            num_simulations: n,
            seconds: start.elapsed().as_secs_f64(),
        })
    }

    /// Checks the campaign and draws its θ (every rank does the same, so every rank fails
    /// alike before any message is sent).
    ///
    /// # Errors
    /// Fewer than 2 simulations or a summary with no feature ([`sbi_npe::Error::Empty`]); a
    /// prior whose dimension is not the simulator's; a failed prior draw; an invalid
    /// [`Schedule`].
    pub(crate) fn prepare(&self) -> Result<RowMatrix> {
        let n = self.num_simulations;
        if n < 2 {
            return Err(sbi_npe::Error::Empty {
                what: format!("need at least 2 simulations, got {n}"),
            }
            .into());
        }
        sbi_core::check_dim(self.prior.dim(), self.simulator.theta_dim())?;
        if self.summary.dim() == 0 {
            return Err(sbi_npe::Error::Empty {
                what: "the summary has no feature".into(),
            }
            .into());
        }
        self.schedule.check()?;
        Ok(prior_draws(self.prior, n, self.seed)?)
    }

    /// Simulates the ranges `next` hands out (rows of `theta`, by global index) until it
    /// returns `None`, or fails at the first batch-level error. It also stops, as the
    /// pipeline does, when it ran the campaign's first [`sbi_npe::FAIL_FAST_AFTER`]
    /// simulations (global indices from 0, contiguous) and all failed alike: whichever rank
    /// holds them, so the rule does not depend on the number of ranks. `expected` is the
    /// number of simulations progress reports count towards.
    pub(crate) fn work(
        &mut self,
        theta: &RowMatrix,
        expected: usize,
        mut next: impl FnMut() -> Option<Range<usize>>,
    ) -> Result<Work> {
        let start = Instant::now();
        let d = theta.ncols();
        let n = theta.nrows();
        let mut pieces: Vec<SimulatedRows> = Vec::new();
        // The run's first simulations, while this rank holds them from index 0 on.
        let mut prefix: Option<(usize, Vec<Failure>)> = Some((0, Vec::new()));
        let (mut done, mut failed) = (0, 0);
        if let Some(p) = self.progress.as_deref_mut() {
            p.stage("simulating");
        }
        while let Some(range) = next() {
            let block = RowMatrix::from_vec(
                range.len(),
                d,
                theta.as_slice()[range.start * d..range.end * d].to_vec(),
            )?;
            let rows = simulate_rows(self.simulator, self.summary, &block, range.start, self.seed)?;
            done += rows.len();
            failed += rows.failures.len();
            if let Some((held, failures)) = &mut prefix {
                if *held == range.start {
                    *held = range.end;
                    failures.extend(rows.failures.iter().cloned());
                    if fails_fast(failures, *held, n) {
                        return Err(sbi_npe::simulations_failed(failures, theta, *held).into());
                    }
                } else {
                    prefix = None;
                }
            }
            pieces.push(rows);
            if let Some(p) = self.progress.as_deref_mut() {
                p.items(done, expected);
            }
        }
        if let Some(p) = self.progress.as_deref_mut() {
            p.finish(&format!("{done} simulations, {failed} failed"));
        }
        Ok(Work {
            pieces,
            seconds: start.elapsed().as_secs_f64(),
        })
    }
}

/// A block cut into the chunks a rank simulates one after the other: the pipeline's chunk
/// (64 per thread) for a static schedule, the schedule's chunk for a dynamic one.
pub(crate) struct Chunks {
    range: Range<usize>,
    chunk: usize,
}

impl Chunks {
    pub(crate) fn new(range: Range<usize>, schedule: Schedule) -> Self {
        let chunk = match schedule {
            Schedule::Static => (64 * rayon_threads()).max(64),
            Schedule::Dynamic { chunk } => chunk.max(1),
        };
        Self { range, chunk }
    }

    pub(crate) fn next(&mut self) -> Option<Range<usize>> {
        if self.range.is_empty() {
            return None;
        }
        let end = (self.range.start + self.chunk).min(self.range.end);
        let out = self.range.start..end;
        self.range.start = end;
        Some(out)
    }
}

/// The number of threads simulations run on (rayon's, which `simulate_rows` uses).
fn rayon_threads() -> usize {
    rayon::current_num_threads()
}
