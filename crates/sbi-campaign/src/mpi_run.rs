//! [`Campaign::run_mpi`]: a campaign on every rank of an MPI communicator (feature `mpi`).
//!
//! The exchange, in order, every rank taking part in each step (so no rank waits for one that
//! will not come):
//! 1. (dynamic schedule) rank 0 hands out chunks on request, and simulates between requests;
//! 2. rank 0 gathers six numbers per rank: feature count, share size, status, simulations,
//!    seconds, failures;
//! 3. rank 0 gathers every share (pieces and failures, or the error that stopped the rank);
//! 4. when every rank succeeded, rank 0 gathers the features and joins the dataset.
//!
//! A rank that fails reports its error in steps 2–3, and every rank returns an error; a rank
//! that dies (killed, out of memory) makes the MPI launcher (`mpirun`, `srun`) end the job.
//! Either way no dataset is made, and a file is written (by the caller) only from a whole one.

use mpi::datatype::PartitionMut;
use mpi::traits::{Communicator, CommunicatorCollectives, Destination, Root, Source};

use sbi_core::{Prior, RowMatrix, Simulator, SummaryStatistics};

use crate::assemble::{Share, assemble};
use sbi_inference::{Chunks, Simulated};

use crate::campaign::{Campaign, CampaignRun, RankReport, into_share};
use crate::error::{Error, Result};
use crate::schedule::{Schedule, static_block};

/// The tag of the chunk hand-out's messages.
const TAG: i32 = 17;
/// A worker asks for a chunk.
const REQUEST: u64 = 0;
/// A worker failed: stop handing out chunks.
const FAILED: u64 = 1;
/// A worker has every answer it asked for and will send nothing more.
const FINISHED: u64 = 2;
/// Rank 0's answer when there is no chunk left.
const NO_CHUNK: u64 = u64::MAX;
/// Rank 0's plan after the first gather: stop (too large to gather).
const PLAN_ABORT: u64 = 0;
/// Gather the shares only (a rank failed).
const PLAN_SHARES: u64 = 1;
/// Gather the shares and the features.
const PLAN_ALL: u64 = 2;
/// Requests each worker keeps in flight, so that it rarely waits for rank 0.
const IN_FLIGHT: usize = 2;

impl<P, S, F> Campaign<'_, P, S, F>
where
    P: Prior,
    S: Simulator,
    F: SummaryStatistics<S::Output>,
{
    /// Runs the campaign on every rank of `world` (call it on every rank, with the same
    /// settings): each rank simulates its share ([`Schedule`]) in parallel on its rayon
    /// threads, and rank 0 gathers the shares and joins the dataset, which is the same bit
    /// for bit whatever the number of ranks ([`Campaign`]).
    ///
    /// # Errors
    /// As [`Campaign::run_local`], on every rank alike for a bad campaign; when a rank fails
    /// during the run, [`Error::RankFailed`] on rank 0 (the first failed rank and its
    /// message), the rank's own error on it, [`Error::PeerFailed`] on the others;
    /// [`Error::TooLarge`] for a share beyond one MPI message.
    pub fn run_mpi<C: Communicator>(&mut self, world: &C) -> Result<CampaignRun> {
        let theta = self.prepare()?;
        let (rank, size) = (world.rank() as usize, world.size() as usize);
        let n = self.problem.num_simulations;
        world.barrier();
        let start = std::time::Instant::now();
        let work = match self.schedule {
            Schedule::Static => {
                let block = static_block(n, size, rank);
                let expected = block.len();
                let chunks = Chunks::new(block, self.chunk());
                self.work(&theta, expected, chunks)
            }
            Schedule::Dynamic { chunk } if size > 1 => self.work_dynamic(world, &theta, chunk),
            Schedule::Dynamic { .. } => {
                let chunks = Chunks::new(0..n, self.chunk());
                self.work(&theta, n, chunks)
            }
        };
        let (report, share, x, own_error) = match work {
            Ok(w) => into_share_checked(w, rank),
            Err(e) => (
                RankReport {
                    rank,
                    num_simulations: 0,
                    num_failed: 0,
                    seconds: start.elapsed().as_secs_f64(),
                },
                Share::Failed(e.to_string()),
                Vec::new(),
                Some(e),
            ),
        };
        let gathered = gather(world, &report, &share, &x)?;
        let seconds = start.elapsed().as_secs_f64();
        if let Some(e) = own_error {
            return Err(e);
        }
        match gathered {
            Gathered::Root { reports, shares } => {
                let dataset = assemble(
                    theta,
                    self.problem.summary.dim(),
                    shares,
                    self.problem.summary.names(),
                    self.settings.clone(),
                )?;
                Ok(CampaignRun {
                    dataset: Some(dataset),
                    ranks: reports,
                    rank,
                    size,
                    num_simulations: n,
                    seconds: start.elapsed().as_secs_f64(),
                })
            }
            Gathered::Other { all_ok: true } => Ok(CampaignRun {
                dataset: None,
                ranks: vec![report],
                rank,
                size,
                num_simulations: n,
                seconds,
            }),
            Gathered::Other { all_ok: false } => Err(Error::PeerFailed { rank }),
        }
    }

    /// The dynamic hand-out: rank 0 answers requests between its own chunks, then until
    /// every worker has finished; the others ask for chunks, [`IN_FLIGHT`] at a time.
    fn work_dynamic<C: Communicator>(
        &mut self,
        world: &C,
        theta: &RowMatrix,
        chunk: usize,
    ) -> Result<Simulated> {
        let n = self.problem.num_simulations;
        let size = world.size() as usize;
        if world.rank() == 0 {
            let mut desk = Desk {
                next: 0,
                n,
                chunk,
                stopped: false,
                finished: 0,
            };
            let work = self.work(
                theta,
                n,
                std::iter::from_fn(|| {
                    desk.serve_waiting(world);
                    desk.take()
                }),
            );
            if work.is_err() {
                desk.stopped = true;
            }
            // Answer until every worker has every answer it asked for.
            while desk.finished < size - 1 {
                let (msg, status) = world.any_process().matched_probe_with_tag(TAG);
                let (kind, _) = msg.matched_receive::<u64>();
                desk.answer(world, status.source_rank(), kind);
            }
            work
        } else {
            let root = world.process_at_rank(0);
            for _ in 0..IN_FLIGHT {
                root.send_with_tag(&REQUEST, TAG);
            }
            let mut in_flight = IN_FLIGHT;
            let mut exhausted = false;
            let work = self.work(
                theta,
                n,
                std::iter::from_fn(|| {
                    if exhausted {
                        return None;
                    }
                    let (first, _) = root.receive_with_tag::<u64>(TAG);
                    in_flight -= 1;
                    if first == NO_CHUNK {
                        exhausted = true;
                        return None;
                    }
                    root.send_with_tag(&REQUEST, TAG);
                    in_flight += 1;
                    let first = first as usize;
                    Some(first..(first + chunk).min(n))
                }),
            );
            if work.is_err() {
                root.send_with_tag(&FAILED, TAG);
                in_flight += 1;
            }
            // Every answer still due (chunks after a failure are left: the run has failed).
            for _ in 0..in_flight {
                root.receive_with_tag::<u64>(TAG);
            }
            root.send_with_tag(&FINISHED, TAG);
            work
        }
    }
}

/// Rank 0's chunk hand-out.
struct Desk {
    next: usize,
    n: usize,
    chunk: usize,
    stopped: bool,
    finished: usize,
}

impl Desk {
    /// The next chunk, or `None` when none is left or the run has stopped.
    fn take(&mut self) -> Option<std::ops::Range<usize>> {
        if self.stopped || self.next >= self.n {
            return None;
        }
        let first = self.next;
        self.next = (first + self.chunk).min(self.n);
        Some(first..self.next)
    }

    /// Answers every message already waiting.
    fn serve_waiting<C: Communicator>(&mut self, world: &C) {
        while let Some((msg, status)) = world.any_process().immediate_matched_probe_with_tag(TAG) {
            let (kind, _) = msg.matched_receive::<u64>();
            self.answer(world, status.source_rank(), kind);
        }
    }

    /// Handles message `kind` from `worker`.
    fn answer<C: Communicator>(&mut self, world: &C, worker: i32, kind: u64) {
        match kind {
            FINISHED => self.finished += 1,
            _ => {
                if kind == FAILED {
                    self.stopped = true;
                }
                let reply = self.take().map_or(NO_CHUNK, |r| r.start as u64);
                world.process_at_rank(worker).send_with_tag(&reply, TAG);
            }
        }
    }
}

/// The report, share and features of a finished rank, or a failed share when they do not fit
/// MPI's 32-bit counts.
fn into_share_checked(
    work: Simulated,
    rank: usize,
) -> (RankReport, Share, Vec<f64>, Option<Error>) {
    let (report, share, x) = into_share(work, rank);
    let bytes = share.encode().len();
    match check_count(rank, x.len()).and(check_count(rank, bytes)) {
        Ok(()) => (report, share, x, None),
        Err(e) => (report, Share::Failed(e.to_string()), Vec::new(), Some(e)),
    }
}

/// [`Error::TooLarge`] unless `count` values fit one MPI message.
fn check_count(rank: usize, count: usize) -> Result<()> {
    if count > i32::MAX as usize {
        return Err(Error::TooLarge { rank, count });
    }
    Ok(())
}

/// What the gather gave this rank.
enum Gathered {
    /// Rank 0: every report and every share with its features.
    Root {
        reports: Vec<RankReport>,
        shares: Vec<(Share, Vec<f64>)>,
    },
    /// Another rank: whether every rank succeeded.
    Other { all_ok: bool },
}

/// Steps 2–4 of the exchange (module docs), with rank 0's plan broadcast after step 2:
/// [`PLAN_ABORT`] (the gathered buffers would not fit), [`PLAN_SHARES`] (a rank failed: its
/// message is all rank 0 needs) or [`PLAN_ALL`].
fn gather<C: Communicator>(
    world: &C,
    report: &RankReport,
    share: &Share,
    x: &[f64],
) -> Result<Gathered> {
    let (rank, size) = (world.rank() as usize, world.size() as usize);
    let root = world.process_at_rank(0);
    let bytes = share.encode();
    let ok = matches!(share, Share::Done { .. });
    let meta: [u64; 6] = [
        x.len() as u64,
        bytes.len() as u64,
        u64::from(ok),
        report.num_simulations as u64,
        report.seconds.to_bits(),
        report.num_failed as u64,
    ];
    if rank != 0 {
        root.gather_into(&meta[..]);
        let mut plan = PLAN_ABORT;
        root.broadcast_into(&mut plan);
        if plan >= PLAN_SHARES {
            root.gather_varcount_into(&bytes[..]);
        }
        if plan == PLAN_ALL {
            root.gather_varcount_into(x);
        }
        return Ok(Gathered::Other {
            all_ok: plan == PLAN_ALL,
        });
    }
    let mut metas = vec![0u64; 6 * size];
    root.gather_into_root(&meta[..], &mut metas[..]);
    let field = |r: usize, k: usize| metas[6 * r + k];
    let total = |k: usize| (0..size).map(|r| field(r, k) as usize).sum::<usize>();
    // Each gathered buffer has 32-bit offsets too.
    let fits = check_count(0, total(0)).and(check_count(0, total(1)));
    let mut plan = match fits {
        Err(_) => PLAN_ABORT,
        Ok(()) if (0..size).all(|r| field(r, 2) == 1) => PLAN_ALL,
        Ok(()) => PLAN_SHARES,
    };
    root.broadcast_into(&mut plan);
    fits?;
    let counts = |k: usize| -> Vec<i32> { (0..size).map(|r| field(r, k) as i32).collect() };
    let byte_counts = counts(1);
    let mut all_bytes = vec![0u8; total(1)];
    {
        let displs = displacements(&byte_counts);
        let mut part = PartitionMut::new(&mut all_bytes[..], byte_counts.clone(), &displs[..]);
        root.gather_varcount_into_root(&bytes[..], &mut part);
    }
    let x_counts: Vec<i32> = if plan == PLAN_ALL {
        counts(0)
    } else {
        vec![0; size]
    };
    let mut all_x = vec![0f64; x_counts.iter().map(|&c| c as usize).sum()];
    if plan == PLAN_ALL {
        let displs = displacements(&x_counts);
        let mut part = PartitionMut::new(&mut all_x[..], x_counts.clone(), &displs[..]);
        root.gather_varcount_into_root(x, &mut part);
    }
    let reports = (0..size)
        .map(|r| RankReport {
            rank: r,
            num_simulations: field(r, 3) as usize,
            num_failed: field(r, 5) as usize,
            seconds: f64::from_bits(field(r, 4)),
        })
        .collect();
    let mut shares = Vec::with_capacity(size);
    let (mut at_bytes, mut at_x) = (0usize, 0usize);
    for r in 0..size {
        let (nb, nx) = (byte_counts[r] as usize, x_counts[r] as usize);
        let share = Share::decode(&all_bytes[at_bytes..at_bytes + nb])?;
        shares.push((share, all_x[at_x..at_x + nx].to_vec()));
        at_bytes += nb;
        at_x += nx;
    }
    Ok(Gathered::Root { reports, shares })
}

/// Where each rank's values start in the gathered buffer.
fn displacements(counts: &[i32]) -> Vec<i32> {
    counts
        .iter()
        .scan(0i32, |at, &c| {
            let d = *at;
            *at = at.saturating_add(c);
            Some(d)
        })
        .collect()
}
