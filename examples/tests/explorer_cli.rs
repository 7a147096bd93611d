//! The explorer's server under abuse: 1,000 rapid requests with malformed parameters from
//! several clients at once, with valid ones among them. Every malformed one gets a 400, every
//! valid one a 200, the server stays up, and its memory stays flat.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::example;

/// Starts the explorer on a free port; returns the process and its port.
fn start() -> (Child, u16) {
    let mut child = Command::new(example("explorer"))
        .args(["--port", "0", "--num-simulations", "200"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start explorer");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    (child, port)
}

/// Sends one GET and returns the whole response ("" when the connection failed).
fn get_text(port: u16, target: &str) -> String {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = Vec::new();
    s.read_to_end(&mut text).ok();
    String::from_utf8_lossy(&text).into_owned()
}

/// Sends one GET and returns the status code (0 when the connection failed).
fn get(port: u16, target: &str) -> u16 {
    get_text(port, target)
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// Resident memory of a process, kB.
fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

const MALFORMED: [&str; 20] = [
    "v_rest=nan&stim=5&seed=0",
    "v_rest=NaN&stim=5&seed=0",
    "v_rest=inf&stim=5&seed=0",
    "v_rest=-inf&stim=5&seed=0",
    "v_rest=1e308&stim=5&seed=0",
    "v_rest=39.99&stim=5&seed=0",
    "v_rest=50&stim=7.01&seed=0",
    "v_rest=50&stim=-3&seed=0",
    "v_rest=fifty&stim=5&seed=0",
    "v_rest=&stim=5&seed=0",
    "stim=5&seed=0",
    "v_rest=50&seed=0",
    "v_rest=50&stim=5",
    "v_rest=50&stim=5&seed=-1",
    "v_rest=50&stim=5&seed=18446744073709551616",
    "v_rest=50&stim=5&seed=9007199254740992",
    "v_rest=50&stim=5&seed=0&noise=1",
    "v_rest=50&v_rest=51&stim=5&seed=0",
    "v_rest=50&stim=5&seed=0&bogus=1",
    "v_rest=%ZZ&stim=5&seed=0",
];

#[test]
fn a_thousand_malformed_requests_from_several_clients() {
    let (mut child, port) = start();
    let pid = child.id();
    // Warm up with valid views (page, view, assets), then measure.
    assert_eq!(get(port, "/"), 200);
    assert_eq!(get(port, "/explorer.js"), 200);
    assert_eq!(get(port, "/explorer.css"), 200);
    for s in 0..20 {
        assert_eq!(
            get(port, &format!("/api/view?v_rest=45&stim=5.5&seed={s}")),
            200
        );
    }
    let before = rss_kb(pid);
    let clients: Vec<_> = (0..4)
        .map(|c| {
            std::thread::spawn(move || {
                let mut codes = Vec::new();
                for i in 0..250 {
                    let q = MALFORMED[(i + c) % MALFORMED.len()];
                    let path = if i % 2 == 0 { "/api/view" } else { "/" };
                    codes.push((q, get(port, &format!("{path}?{q}"))));
                    if i % 50 == 0 {
                        let valid = format!("/api/view?v_rest={}&stim=4.5&seed={i}", 41 + c);
                        codes.push(("valid", get(port, &valid)));
                    }
                }
                codes
            })
        })
        .collect();
    for client in clients {
        for (q, code) in client.join().unwrap() {
            let want = if q == "valid" { 200 } else { 400 };
            assert_eq!(code, want, "{q}");
        }
    }
    assert_eq!(get(port, "/nothing-here"), 404);
    // A link (the page with a full query) renders the page in that state, not JSON.
    let page = get_text(port, "/?v_rest=45&stim=5.5&seed=1");
    assert!(
        page.contains("text/html") && page.contains("<!doctype html>"),
        "{}",
        &page[..200.min(page.len())]
    );
    assert!(page.contains("value=\"45.0\"") && page.contains("<svg"));
    let json = get_text(port, "/api/view?v_rest=45&stim=5.5&seed=1");
    assert!(json.contains("application/json") && json.contains("\"mean\""));
    assert!(child.try_wait().unwrap().is_none(), "the server died");
    let after = rss_kb(pid);
    eprintln!("resident memory: {before} kB before, {after} kB after 1,020 requests");
    // Flat: no per-request state is kept (a leak of even 20 kB per request would show).
    assert!(after < before + 16 * 1024, "{before} kB → {after} kB");
    child.kill().ok();
    child.wait().ok();
}

#[test]
fn the_noise_parameter_follows_the_training_noise() {
    use hh_sbi_examples::explorer::Explorer;
    let train = |noise: f64| {
        let sim = hh_model::HhSimulator::notebook()
            .with_noise_sigma(noise)
            .unwrap();
        let features = hh_stats::FeatureSet::notebook();
        let prior = sbi_prior::BoxUniform::new(vec![40.0, 3.0], vec![60.0, 7.0]).unwrap();
        let est =
            sbi_npe::MdnEstimator::new().with_train(sbi_npe::TrainConfig::new().with_max_epochs(3));
        let post = sbi_inference::Npe::new(
            sbi_inference::Problem::new(&prior, &sim, &features).num_simulations(60),
        )
        .train(&est)
        .unwrap()
        .posterior;
        Explorer::new(sim, features, post, noise)
    };
    let noisy = train(1.0);
    let r = noisy
        .parse("v_rest=45&stim=4&seed=3&noise=2.5", true)
        .unwrap();
    assert_eq!((r.v_rest, r.stim, r.seed, r.noise), (45.0, 4.0, 3, 2.5));
    // Absent: the training noise; beyond 3σ or negative: refused.
    assert_eq!(
        noisy.parse("v_rest=45&stim=4&seed=3", true).unwrap().noise,
        1.0
    );
    assert!(
        noisy
            .parse("v_rest=45&stim=4&seed=3&noise=3.01", true)
            .is_err()
    );
    assert!(
        noisy
            .parse("v_rest=45&stim=4&seed=3&noise=-0.1", true)
            .is_err()
    );
    let view = noisy.view(r).unwrap();
    assert!(
        view.to_json()["svg"]["posterior"]
            .as_str()
            .unwrap()
            .starts_with("<svg")
    );
    // A noise-free posterior has no noise parameter; `/` alone is the default view.
    let quiet = train(0.0);
    assert!(
        quiet
            .parse("v_rest=45&stim=4&seed=3&noise=0", true)
            .is_err()
    );
    assert_eq!(quiet.parse("", false).unwrap(), quiet.default_request());
    assert!(quiet.parse("", true).is_err());
}

/// The model check of every view: no slider setting inside the prior is flagged "outside"
/// (25 settings over the box, corners included, at the training noise), and the JSON and the
/// page carry the check; a view at three times the training noise is flagged.
#[test]
fn slider_settings_inside_the_prior_are_not_flagged() {
    use hh_sbi_examples::explorer::{Explorer, ViewRequest};
    let sim = hh_model::HhSimulator::notebook()
        .with_noise_sigma(1.0)
        .unwrap();
    let features = hh_stats::FeatureSet::notebook();
    let prior = sbi_prior::BoxUniform::new(vec![40.0, 3.0], vec![60.0, 7.0]).unwrap();
    let est =
        sbi_npe::MdnEstimator::new().with_train(sbi_npe::TrainConfig::new().with_whiten_x(true));
    let run = sbi_inference::Npe::new(
        sbi_inference::Problem::new(&prior, &sim, &features).num_simulations(1000),
    )
    .train(&est)
    .unwrap();
    let explorer = Explorer::new(sim, features, run.posterior, 1.0)
        .with_model_check(run.dataset)
        .unwrap();
    let mut doubtful = 0;
    for i in 0..5 {
        for j in 0..5 {
            let request = ViewRequest {
                v_rest: 40.0 + 5.0 * i as f64,
                stim: 3.0 + j as f64,
                noise: 1.0,
                seed: (5 * i + j) as u64,
            };
            let view = explorer.view(request).unwrap();
            let json = view.to_json();
            let verdict = json["misspecification"]["verdict"]
                .as_str()
                .unwrap()
                .to_owned();
            assert!(!view.warns(), "{request:?}: {}", view.check_text());
            doubtful += usize::from(verdict == "doubtful");
        }
    }
    println!("doubtful: {doubtful} of 25");
    let loud = explorer
        .view(ViewRequest {
            v_rest: 50.0,
            stim: 5.0,
            noise: 3.0,
            seed: 1,
        })
        .unwrap();
    println!("noise 3: {}", loud.check_text());
    assert!(loud.warns());
}

/// One connection sending an unterminated 256 MB request line used to grow the server by
/// 256 MB; now the server reads at most 16 KiB of it, answers 431 and closes, stays flat, and
/// serves others meanwhile — as it does a client that sends nothing at all.
#[test]
fn an_endless_request_line_is_cut_off() {
    let (mut child, port) = start();
    let pid = child.id();
    assert_eq!(get(port, "/api/view?v_rest=45&stim=5.5&seed=1"), 200);
    let before = rss_kb(pid);
    // A silent client holds one connection, not the server.
    let silent = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(60))).unwrap();
    let chunk = vec![b'A'; 1 << 20];
    let mut sent = 0usize;
    write!(s, "GET /").unwrap();
    // The server closes the connection after 16 KiB: the write then fails (reset or broken
    // pipe), long before 256 MB.
    while sent < 256 << 20 {
        match s.write_all(&chunk) {
            Ok(()) => sent += chunk.len(),
            Err(_) => break,
        }
    }
    assert!(
        sent < 256 << 20,
        "the server read 256 MB of one request line"
    );
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).ok();
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 431"),
        "{answer}"
    );
    assert_eq!(get(port, "/api/view?v_rest=45&stim=5.5&seed=2"), 200);
    let after = rss_kb(pid);
    assert!(after < before + 16 * 1024, "{before} kB → {after} kB");
    drop(silent);
    child.kill().ok();
    child.wait().ok();
}
