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

/// The predictive check at one observation: draws of the exact posterior predict x_o
/// centrally (quantile 0.5 ± 0.1: the predictive sd is √(0.25 + 0.25), 1,000 draws give a
/// quantile's standard error of 0.016); a posterior shifted by 2 (four posterior standard
/// deviations) puts x_o at Φ(−2/0.71) ≈ 0.002 of its predictive, outside the central 95 %.
#[test]
fn the_predictive_check_places_the_observation() {
    use rand::SeedableRng;
    use sbi_core::{Identity, Posterior};
    use sbi_inference::PredictiveCheck;
    let toy = Toy::new();
    let x_o = [0.5, -1.0];
    let mut rng = sbi_core::SeedRng::seed_from_u64(4);
    let summary = Identity::new(2);
    let exact = toy.posterior(0.0).sample(&x_o, 1000, &mut rng).unwrap();
    let ppc = PredictiveCheck::run(&toy.simulator, &summary, &exact, &x_o, 1).unwrap();
    println!("exact: {:?}", ppc.quantiles);
    assert!(ppc.quantiles.iter().all(|q| (q - 0.5).abs() < 0.1));
    assert!(ppc.outside(0.95).is_empty() && ppc.failed == 0);
    assert_eq!(ppc.predictive.nrows(), 1000);
    let biased = toy.posterior(2.0).sample(&x_o, 1000, &mut rng).unwrap();
    let ppc = PredictiveCheck::run(&toy.simulator, &summary, &biased, &x_o, 1).unwrap();
    println!("shifted: {:?}", ppc.quantiles);
    assert_eq!(ppc.outside(0.95), [0, 1]);
    assert!(PredictiveCheck::run(&toy.simulator, &summary, &biased, &[0.0], 1).is_err());
}
