//! `Campaign::run_mpi` under `mpirun` (feature `mpi`; needs Open MPI's `mpirun`): each test
//! launches this test binary on K ranks, where the ignored `mpi_rank` test runs one scenario
//! on every rank and checks what that rank gets; the test passes when every rank did.
//!
//! Scenarios: failed simulations spread over the ranks are kept with their cause, the dataset
//! equal to one process's (both schedules); a rank whose batch is refused makes every rank
//! return an error (rank 0 names the rank and the cause) and none waits forever.
#![cfg(feature = "mpi")]

mod common;

use std::time::{Duration, Instant};

use common::{Flaky, identity, unit_box};
use mpi::traits::Communicator;
use sbi_campaign::{Campaign, Error, Schedule};
use sbi_inference::Problem;

const SCENARIO: &str = "SBI_CAMPAIGN_MPI_SCENARIO";

/// Runs `scenario` on `np` ranks; panics with the ranks' output unless all succeeded within
/// two minutes.
fn on_ranks(np: usize, scenario: &str) {
    let exe = std::env::current_exe().unwrap();
    let mut child = std::process::Command::new("mpirun")
        .args(["-np", &np.to_string(), "--oversubscribe"])
        .arg(exe)
        .args([
            "--ignored",
            "--exact",
            "mpi_rank",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(SCENARIO, scenario)
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("OMPI_MCA_btl", "self,vader")
        .env("OMPI_MCA_oob_tcp_if_include", "lo")
        .env("OMPI_MCA_btl_vader_single_copy_mechanism", "none")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run mpirun (Open MPI's openmpi-bin)");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().ok();
            panic!("{scenario} on {np} ranks did not finish in 2 minutes (a rank waits forever)");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{scenario} on {np} ranks:\n{text}");
    assert_eq!(
        text.matches("rank checked").count(),
        np,
        "every rank reports its check:\n{text}"
    );
}

#[test]
fn failures_spread_over_ranks_are_kept_on_two_and_three_ranks() {
    on_ranks(2, "failures");
    on_ranks(3, "failures");
}

#[test]
fn a_refused_batch_on_one_rank_fails_every_rank_without_a_hang() {
    on_ranks(2, "refused-static");
    on_ranks(3, "refused-dynamic");
}

/// One rank's part of a scenario (run by `on_ranks` under mpirun).
#[test]
#[ignore = "one rank of an MPI scenario: run by the other tests under mpirun"]
fn mpi_rank() {
    let scenario = std::env::var(SCENARIO).expect("run by on_ranks");
    let universe = mpi::initialize().unwrap();
    let world = universe.world();
    let (rank, size) = (world.rank() as usize, world.size() as usize);
    let prior = unit_box();
    let summary = identity();
    match scenario.as_str() {
        "failures" => {
            let sim = Flaky::failing_above(0.6);
            for schedule in [Schedule::Static, Schedule::Dynamic { chunk: 29 }] {
                let campaign = || {
                    Campaign::new(
                        Problem::new(&prior, &sim, &summary)
                            .num_simulations(1234)
                            .seed(8),
                    )
                    .schedule(schedule)
                };
                let run = campaign().run_mpi(&world).unwrap();
                if rank == 0 {
                    let local = campaign().run_local().unwrap().dataset.unwrap();
                    let data = run.dataset.unwrap();
                    assert_eq!(data, local, "{schedule:?}");
                    assert!(data.num_failed() > 300, "{}", data.num_failed());
                    assert_eq!(run.ranks.len(), size);
                    let sims: usize = run.ranks.iter().map(|r| r.num_simulations).sum();
                    let failed: usize = run.ranks.iter().map(|r| r.num_failed).sum();
                    assert_eq!((sims, failed), (1234, data.num_failed()));
                } else {
                    assert!(run.dataset.is_none());
                }
            }
        }
        "refused-static" | "refused-dynamic" => {
            let schedule = if scenario == "refused-static" {
                Schedule::Static
            } else {
                Schedule::Dynamic { chunk: 50 }
            };
            // Simulation 1100 lies in the last rank's static block.
            let sim = Flaky::refusing(1100);
            let err = Campaign::new(Problem::new(&prior, &sim, &summary).num_simulations(1200))
                .schedule(schedule)
                .run_mpi(&world)
                .unwrap_err();
            let text = err.to_string();
            match (&err, rank) {
                (
                    Error::RankFailed {
                        rank: r,
                        size: s,
                        message,
                    },
                    0,
                ) => {
                    assert_eq!(*s, size);
                    assert!(*r > 0, "{text}");
                    assert!(message.contains("accepts"), "{text}");
                }
                // Rank 0 itself may hold the refused chunk in the dynamic schedule.
                (Error::Inference(_), _) => assert!(text.contains("accepts"), "{text}"),
                (Error::PeerFailed { rank: r }, _) => assert_eq!(*r, rank),
                _ => panic!("rank {rank}: {text}"),
            }
            if schedule == Schedule::Static {
                // The refused batch was the last rank's: it reports its own error.
                assert_eq!(
                    matches!(err, Error::Inference(_)),
                    rank == size - 1,
                    "{text}"
                );
            }
        }
        other => panic!("unknown scenario {other}"),
    }
    println!("rank checked: {rank} of {size}, {scenario}");
}
