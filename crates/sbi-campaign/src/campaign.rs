//! [`Campaign`]: N simulations under a prior, split across ranks, joined into one
//! [`Dataset`].

use std::collections::BTreeMap;
use std::ops::Range;
use std::time::Instant;

use sbi_core::{Prior, Progress, RowMatrix, Simulator, SummaryStatistics};
use sbi_inference::{Chunks, Dataset, Failure, Problem, Simulated, simulate_ranges};

use crate::assemble::Share;
use crate::assemble::assemble;
use crate::error::Result;
use crate::schedule::Schedule;

/// A simulation campaign: `num_simulations` draws from a prior, simulated and summarised, on
/// one process ([`Campaign::run_local`]) or on every rank of an MPI communicator
/// (`Campaign::run_mpi`, feature `mpi`).
///
/// Reproducibility: the dataset is [`sbi_inference::Npe::simulate`]'s for the same prior,
/// simulator, summary, number and seed, bit for bit, whatever the number of ranks, threads or
/// the [`Schedule`]: θ row i is draw i of the stream `item_seed(seed, 0)` (every rank draws
/// the whole sequence, 16 bytes per simulation of a 2-parameter prior, and keeps its rows),
/// and simulation i uses the stream `item_rng(item_seed(seed, 1), i)`.
///
/// ```
/// use sbi_campaign::Campaign;
/// use sbi_core::{Identity, testing::LinearGaussian};
/// use sbi_inference::{Npe, Problem};
/// use sbi_prior::BoxUniform;
///
/// let prior = BoxUniform::new(vec![-1.0, -1.0], vec![1.0, 1.0])?;
/// let sim = LinearGaussian::new(2, 0.1)?;
/// let summary = Identity::new(2);
/// let run = Campaign::new(Problem::new(&prior, &sim, &summary).num_simulations(300).seed(4)).run_local()?;
/// let pipeline = Npe::new(Problem::new(&prior, &sim, &summary).num_simulations(300).seed(4)).simulate()?;
/// assert_eq!(run.dataset.as_ref(), Some(&pipeline));
/// assert_eq!(run.ranks[0].num_simulations, 300);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Campaign<'a, P, S, F> {
    pub(crate) problem: Problem<'a, P, S, F>,
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

/// The report, the share and the features a rank sends, from its simulated pieces.
pub(crate) fn into_share(work: Simulated, rank: usize) -> (RankReport, Share, Vec<f64>) {
    let num_simulations = work.num_simulations();
    let mut failures: Vec<Failure> = Vec::new();
    let mut pieces = Vec::with_capacity(work.pieces.len());
    let mut x = Vec::new();
    for p in work.pieces {
        pieces.push((p.first, p.len()));
        x.extend_from_slice(p.x.as_slice());
        failures.extend(p.failures);
    }
    let report = RankReport {
        rank,
        num_simulations,
        num_failed: failures.len(),
        seconds: work.seconds,
    };
    (report, Share::Done { pieces, failures }, x)
}

impl<'a, P, S, F> Campaign<'a, P, S, F>
where
    P: Prior,
    S: Simulator,
    F: SummaryStatistics<S::Output>,
{
    /// A campaign of `problem`'s simulations, static blocks, no settings recorded and no
    /// progress reports.
    pub fn new(problem: Problem<'a, P, S, F>) -> Self {
        Self {
            problem,
            schedule: Schedule::Static,
            settings: BTreeMap::new(),
            progress: None,
        }
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
    /// ([`sbi_inference::Error::Empty`]), a prior whose dimension is not the simulator's, a failed
    /// prior draw, an invalid [`Schedule`]. Then a batch-level simulator error; every
    /// simulation failing
    /// ([`sbi_inference::Error::SimulationsFailed`], also when the first
    /// [`sbi_inference::FAIL_FAST_AFTER`] fail alike).
    pub fn run_local(&mut self) -> Result<CampaignRun> {
        let theta = self.prepare()?;
        let start = Instant::now();
        let n = self.problem.num_simulations;
        let work = self.work(&theta, n, Chunks::new(0..n, self.chunk()))?;
        let (report, share, x) = into_share(work, 0);
        let dataset = assemble(
            theta,
            self.problem.summary.dim(),
            vec![(share, x)],
            self.problem.summary.names(),
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

    /// The chunk a rank simulates at a time: the pipeline's ([`Chunks::per_thread`]) for a
    /// static schedule, the schedule's for a dynamic one.
    pub(crate) fn chunk(&self) -> usize {
        match self.schedule {
            Schedule::Static => Chunks::per_thread(0..0).chunk_size(),
            Schedule::Dynamic { chunk } => chunk.max(1),
        }
    }

    /// Checks the campaign and draws its θ (every rank does the same, so every rank fails
    /// alike before any message is sent).
    ///
    /// # Errors
    /// Fewer than 2 simulations or a summary with no feature ([`sbi_inference::Error::Empty`]); a
    /// prior whose dimension is not the simulator's; a failed prior draw; an invalid
    /// [`Schedule`].
    pub(crate) fn prepare(&self) -> Result<RowMatrix> {
        self.problem.check()?;
        self.schedule.check()?;
        Ok(self.problem.theta()?)
    }

    /// Simulates the ranges `ranges` hands out (rows of `theta`, by global index) by the one
    /// simulation loop ([`simulate_ranges`]), reporting to this campaign's progress;
    /// `expected` is the number of simulations progress reports count towards.
    pub(crate) fn work(
        &mut self,
        theta: &RowMatrix,
        expected: usize,
        ranges: impl IntoIterator<Item = Range<usize>>,
    ) -> Result<Simulated> {
        let problem = self.problem;
        Ok(match self.progress.as_deref_mut() {
            Some(p) => simulate_ranges(&problem, theta, ranges, expected, p),
            None => simulate_ranges(&problem, theta, ranges, expected, &mut ()),
        }?)
    }
}
