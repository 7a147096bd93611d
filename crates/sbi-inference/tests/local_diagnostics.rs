//! TARP and L-C2ST on the linear-Gaussian toy with its exact posterior: the exact posterior
//! passes, one whose samples are shifted by half a posterior standard deviation fails.

mod common;

use common::Toy;
use sbi_inference::{LocalC2st, Tarp};

/// The posterior's standard deviation away from the box edges is the noise's, 0.5.
const HALF_SIGMA: f64 = 0.25;

#[test]
fn tarp_passes_the_exact_posterior_and_fails_a_shifted_one() {
    let toy = Toy::new();
    let (theta, x) = toy.pairs(2000, 11);
    let exact = Tarp::run(&toy.posterior(0.0), &theta, &x, 200, 1).unwrap();
    let shifted = Tarp::run(&toy.posterior(HALF_SIGMA), &theta, &x, 200, 1).unwrap();
    println!(
        "exact: ATC {:.3}, KS p {:.3}; shifted: ATC {:.3}, KS p {:.2e}",
        exact.atc, exact.ks_p_value, shifted.atc, shifted.ks_p_value
    );
    assert!(exact.ks_p_value > 0.05, "{}", exact.ks_p_value);
    assert!(shifted.ks_p_value < 0.01, "{}", shifted.ks_p_value);
    // ECP on the diagonal within 3 binomial standard errors (√(¼/2000) ≈ 0.011) for the
    // exact posterior.
    for (k, e) in exact.ecp.iter().enumerate() {
        let alpha = k as f64 / 30.0;
        assert!((e - alpha).abs() < 0.034, "ECP({alpha}) = {e}");
    }
    assert_eq!(
        exact,
        Tarp::run(&toy.posterior(0.0), &theta, &x, 200, 1).unwrap()
    );
}

#[test]
fn local_c2st_passes_the_exact_posterior_and_fails_a_shifted_one() {
    let toy = Toy::new();
    let (theta, x) = toy.pairs(2000, 21);
    let x_o = [0.5, -1.0];
    let exact = LocalC2st::run(&toy.posterior(0.0), &theta, &x, &x_o, 2000, 200, 3).unwrap();
    let shifted =
        LocalC2st::run(&toy.posterior(HALF_SIGMA), &theta, &x, &x_o, 2000, 200, 3).unwrap();
    println!(
        "exact: T {:.2e}, p {:.3}; shifted: T {:.2e}, p {:.3}",
        exact.statistic, exact.p_value, shifted.statistic, shifted.p_value
    );
    assert!(exact.p_value > 0.05, "{}", exact.p_value);
    assert!(shifted.p_value < 0.01, "{}", shifted.p_value);
}

#[test]
fn bad_input_is_an_error() {
    let toy = Toy::new();
    let (theta, x) = toy.pairs(20, 1);
    let post = toy.posterior(0.0);
    assert!(Tarp::run(&post, &theta, &x, 0, 1).is_err());
    assert!(LocalC2st::run(&post, &theta, &x, &[0.0], 10, 10, 1).is_err());
    assert!(LocalC2st::run(&post, &theta, &x, &[0.0, 0.0], 10, 0, 1).is_err());
    assert!(LocalC2st::run(&post, &theta, &x, &[0.0, 0.0], 10, 100_000, 1).is_err());
}
