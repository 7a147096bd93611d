//! The `campaign` example across MPI ranks (feature `mpi`; needs `mpirun`, e.g. Debian's
//! openmpi-bin): 1, 2 and 3 ranks, static and dynamic hand-out, write the same file byte for
//! byte, equal to the library pipeline's dataset; a rank killed mid-run fails the job with
//! mpirun's message and leaves no file.
#![cfg(feature = "mpi")]

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{assert_success, example, mpirun, pipeline_dataset, temp_dir};

fn campaign_on(np: usize, args: &[&str]) -> std::process::Output {
    mpirun(np)
        .arg(example("campaign"))
        .args(args)
        .output()
        .expect("run mpirun (Open MPI's openmpi-bin)")
}

#[test]
fn any_number_of_ranks_writes_the_pipelines_file_byte_for_byte() {
    let dir = temp_dir("campaign-mpi");
    let reference = pipeline_dataset(1001, 9, "sbi7", 0.5);
    let runs: [(usize, &[&str]); 5] = [
        (1, &[]),
        (2, &[]),
        (3, &[]),
        (2, &["--schedule", "dynamic", "--chunk", "37"]),
        (3, &["--schedule", "dynamic", "--chunk", "64"]),
    ];
    for (k, (np, extra)) in runs.into_iter().enumerate() {
        let out = dir.join(format!("np{np}-{k}.npz"));
        let mut args = vec![
            "--num-simulations",
            "1001",
            "--seed",
            "9",
            "--features",
            "sbi7",
            "--noise",
            "0.5",
            "--threads",
            "1",
            "--json",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let run = campaign_on(np, &args);
        assert_success(&run);
        let report: serde_json::Value = serde_json::from_slice(&run.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&run.stdout)));
        assert_eq!(report["size"], np, "{report}");
        assert_eq!(report["mpi"], true);
        let ranks = report["ranks"].as_array().unwrap();
        assert_eq!(ranks.len(), np);
        let total: u64 = ranks
            .iter()
            .map(|r| r["num_simulations"].as_u64().unwrap())
            .sum();
        assert_eq!(total, 1001, "{report}");
        if extra.is_empty() {
            // Static blocks: 1001 / np, differing by one at most.
            for r in ranks {
                let n = r["num_simulations"].as_u64().unwrap() as usize;
                assert!(n == 1001 / np || n == 1001 / np + 1, "{report}");
            }
        }
        let bytes = std::fs::read(&out).unwrap();
        assert!(
            bytes == reference,
            "np {np} {extra:?}: the file differs from the pipeline's"
        );
    }
    std::fs::remove_dir_all(dir).ok();
}

/// The pid of the rank `rank` under `mpirun` (a child of it whose environment says so).
fn rank_pid(mpirun_pid: u32, rank: usize) -> Option<u32> {
    let want = format!("OMPI_COMM_WORLD_RANK={rank}");
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Field 4 of /proc/<pid>/stat, after the parenthesised command name, is the parent.
        let parent = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if parent != Some(mpirun_pid) {
            continue;
        }
        let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
        if env.split(|&b| b == 0).any(|v| v == want.as_bytes()) {
            return Some(pid);
        }
    }
    None
}

#[test]
fn a_killed_rank_fails_the_run_and_leaves_no_file() {
    let dir = temp_dir("campaign-mpi-kill");
    let out = dir.join("data.npz");
    // Long enough (about 10 s per rank) to be killed mid-run.
    let mut child = mpirun(2)
        .arg(example("campaign"))
        .args(["--num-simulations", "240000", "--threads", "1", "--out"])
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mpirun");
    let start = Instant::now();
    let victim = loop {
        if let Some(pid) = rank_pid(child.id(), 1) {
            break pid;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "rank 1 never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    // Once the ranks are simulating (θ drawn, progress started).
    std::thread::sleep(Duration::from_millis(1500));
    let killed = std::process::Command::new("kill")
        .args(["-9", &victim.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let stderr = child.stderr.take().unwrap();
    let lines: Vec<String> = BufReader::new(stderr)
        .lines()
        .map_while(Result::ok)
        .collect();
    let status = child.wait().unwrap();
    let stderr = lines.join("\n");
    assert!(
        !status.success(),
        "the run succeeded after a rank was killed"
    );
    assert!(
        stderr.contains("rank 1") && stderr.contains("signal 9"),
        "mpirun names the rank and the signal: {stderr}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "the job took too long to stop"
    );
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
    std::fs::remove_dir_all(dir).ok();
}
