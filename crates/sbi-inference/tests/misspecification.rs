//! The misspecification tests on the linear-Gaussian toy: exact level for observations the
//! model produces, power against observations it cannot.

mod common;

use common::{DiagonalNormal, Toy};
use sbi_inference::{Dataset, Misspecification, MmdTest, Verdict, XDensity};

/// The toy, 2,000 simulations (seed 1), and both tests built on them (seed 7).
fn fitted() -> (Toy, Dataset, MmdTest, XDensity<common::Normals>) {
    let toy = Toy::new();
    let data = toy.dataset(2000, 1);
    let mmd = MmdTest::new(&data, 7).unwrap();
    let density = XDensity::fit(&DiagonalNormal, &data, 7, &mut ()).unwrap();
    (toy, data, mmd, density)
}

/// In-model observations: both p-values are exact, P(p ≤ 0.05) ≤ 0.05, so 100 seeded
/// observations pass (p > 0.05) 95 times in expectation with a binomial standard error of
/// 2.2; we require at least 89 (3 standard errors), and over 1,000 observations a false-alarm
/// rate within 3 standard errors (0.021) of 0.05 — a test with a wrong null (the p-value
/// taken against the fitting simulations, or an unstandardised kernel) fails one or both.
#[test]
fn observations_from_the_model_pass_at_the_stated_rate() {
    let (toy, data, mmd, density) = fitted();
    let (_, observations) = toy.pairs(1000, 99);
    let mut pass = [0usize; 2];
    let mut alarms = [0usize; 2];
    let mut verdict_alarms = 0;
    for (i, x_o) in observations.rows().enumerate() {
        let m = Misspecification::check(&data, &mmd, Some(&density), x_o).unwrap();
        let p = [m.mmd.p_value, m.density.unwrap().p_value];
        verdict_alarms += usize::from(m.verdict() != Verdict::Consistent);
        for k in 0..2 {
            if i < 100 && p[k] > 0.05 {
                pass[k] += 1;
            }
            if p[k] <= 0.05 {
                alarms[k] += 1;
            }
        }
    }
    println!("passes of the first 100 (MMD, density): {pass:?}; alarms of 1000: {alarms:?}");
    // The verdict combines both by Bonferroni: at most 5 % false alarms (measured with the
    // same 3-standard-error allowance above 0.05 only).
    println!("verdicts other than consistent: {verdict_alarms} of 1000");
    assert!(verdict_alarms as f64 / 1000.0 < 0.05 + 0.021);
    for k in 0..2 {
        assert!(pass[k] >= 89, "{pass:?}");
        let rate = alarms[k] as f64 / 1000.0;
        assert!((rate - 0.05).abs() < 0.021, "false-alarm rate {rate}");
    }
}

/// Observations the model cannot produce are flagged (p < 0.01 by both tests, verdict
/// "outside"), and the report names the feature that lies out.
#[test]
fn observations_the_model_cannot_produce_are_flagged() {
    let (toy, data, mmd, density) = fitted();
    // Beyond every simulation in x1.
    let far = Misspecification::check(&data, &mmd, Some(&density), &[0.0, 9.0]).unwrap();
    assert!(far.mmd.p_value < 0.01 && far.density.unwrap().p_value < 0.01);
    assert_eq!(far.verdict(), Verdict::Outside);
    assert_eq!(far.furthest[0].name, "x1");
    let report = far.report("this recording");
    assert!(
        report.contains("not to be trusted") && report.contains("x1 = 9"),
        "{report}"
    );
    // A shifted "baseline": observations simulated in the model, then moved by +5 in x0.
    // Power (p < 0.01 by the MMD test) over 100 of them: 70 % measured — a shifted x0 still
    // lands among the simulations (x0 ≤ 3 + noise) whenever θ0 < −2 or so, a third of the
    // prior; we require 60 (the measured count less 2 binomial standard errors, 4.6 each).
    let (_, observations) = toy.pairs(100, 5);
    let flagged = observations
        .rows()
        .filter(|x| {
            let shifted = [x[0] + 5.0, x[1]];
            mmd.test(&shifted).unwrap().p_value < 0.01
        })
        .count();
    println!("shifted by +5: {flagged} of 100 flagged");
    assert!(flagged >= 60, "{flagged}");
}

#[test]
fn bad_input_is_an_error() {
    let toy = Toy::new();
    let small = toy.dataset(50, 1);
    assert!(MmdTest::new(&small, 0).is_err());
    assert!(XDensity::fit(&DiagonalNormal, &small, 0, &mut ()).is_err());
    let data = toy.dataset(500, 1);
    let mmd = MmdTest::new(&data, 0).unwrap();
    assert!(mmd.test(&[0.0]).is_err());
    assert!(mmd.test(&[0.0, f64::NAN]).is_err());
    let none: Option<&XDensity<common::Normals>> = None;
    assert!(Misspecification::check(&data, &mmd, none, &[f64::INFINITY, 0.0]).is_err());
}

/// Same seed, same split and bandwidth; another seed, another split.
#[test]
fn seeded() {
    let toy = Toy::new();
    let data = toy.dataset(500, 1);
    assert_eq!(
        MmdTest::new(&data, 3).unwrap(),
        MmdTest::new(&data, 3).unwrap()
    );
    assert_ne!(
        MmdTest::new(&data, 3).unwrap(),
        MmdTest::new(&data, 4).unwrap()
    );
}
