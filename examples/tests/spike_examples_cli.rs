//! `predict_spikes` and `spike_grid`: output, pictures, flags that take effect, errors.

mod common;

use std::process::Command;

use common::{example, temp_dir};

/// The value of the `MSE …` line that `predict_spikes` prints.
fn mse_of(text: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix("MSE "))
        .expect("an MSE line")
        .trim()
        .parse()
        .expect("a number")
}

#[test]
fn predict_spikes_prints_mse_and_draws() {
    let dir = temp_dir("predict-spikes");
    let svg = dir.join("p.svg");
    let run = |extra: &[&str]| {
        let out = Command::new(example("predict_spikes"))
            .args([
                "--delta-v",
                "2.05",
                "--delta-area",
                "3.43",
                "--trials",
                "100",
                "--plot",
            ])
            .arg(&svg)
            .args(extra)
            .output()
            .unwrap();
        common::assert_success(&out);
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run(&[]);
    let mse = mse_of(&text);
    assert!(mse < 0.01, "near the fit the model follows the data: {mse}");
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<circle"));
    // --t-end and --mode take effect: a 0.3 ms run ends before the spikes peak.
    let short = run(&["--t-end", "0.3"]);
    let mse_short = mse_of(&short);
    assert!(mse_short > 0.05, "{mse_short}");
    assert_ne!(run(&["--mode", "upstream"]), text);
    for bad in [
        &["--trials", "0"][..],
        &["--t-end", "-1"],
        &["--mode", "x"],
        &["--delta-v", "nan"],
    ] {
        let out = Command::new(example("predict_spikes"))
            .args(bad)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn spike_grid_writes_csv_and_picture() {
    let dir = temp_dir("spike-grid");
    let (csv, svg) = (dir.join("g.csv"), dir.join("g.svg"));
    let out = Command::new(example("spike_grid"))
        .args([
            "--trials",
            "40",
            "--points",
            "6",
            "--k-noise",
            "5e-5,0",
            "--out",
        ])
        .arg(&csv)
        .arg("--plot")
        .arg(&svg)
        .output()
        .unwrap();
    common::assert_success(&out);
    let text = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], "stimulus_ua,area_factor,k_noise,fraction");
    assert_eq!(rows.len(), 1 + 2 * 5 * 6);
    // Without noise each curve is a step: fractions are exactly 0 or 1.
    for r in rows
        .iter()
        .skip(1)
        .filter(|r| r.split(',').nth(2) == Some("0e0"))
    {
        let f: f64 = r.split(',').nth(3).unwrap().parse().unwrap();
        assert!(f == 0.0 || f == 1.0, "{r}");
    }
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<polyline"));
    // The CSV and the picture are replaced atomically: another name of the old file keeps it.
    let (old_csv, old_svg) = (dir.join("old.csv"), dir.join("old.svg"));
    std::fs::hard_link(&csv, &old_csv).unwrap();
    std::fs::hard_link(&svg, &old_svg).unwrap();
    let again = Command::new(example("spike_grid"))
        .args(["--trials", "8", "--points", "3", "--out"])
        .arg(&csv)
        .arg("--plot")
        .arg(&svg)
        .output()
        .unwrap();
    common::assert_success(&again);
    assert_eq!(std::fs::read_to_string(&old_csv).unwrap(), text);
    assert_ne!(std::fs::read_to_string(&csv).unwrap(), text);
    assert!(
        std::fs::read_to_string(&old_svg)
            .unwrap()
            .contains("<polyline")
    );
    let bad = Command::new(example("spike_grid"))
        .args(["--k-noise", "-1"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}
