//! Accuracy and calibration on the linear-Gaussian toy, whose posterior is known exactly:
//! θ ~ BoxUniform([−3, −3], [3, 3]), x = θ + N(0, σ²I), σ = 0.5; the posterior is a product of
//! normals N(xⱼ, σ²) truncated to the box.
//!
//! Tolerances, from measurements (docs/npe.md). With 5,000 simulations the network's posterior
//! mean at an interior x errs by 0.044 RMS per coordinate (24 independent data sets and seeds;
//! Python sbi 0.27's NPE with its MDN, on the same toy: 0.053 over 16 data sets). Neither met
//! 0.1σ = 0.05 at all eight coordinates of four observations in any data set: that error is the
//! estimator's, from a finite training set, not a defect to test away. So the mean is checked
//! as the RMS over the test observations against 0.1σ, with every coordinate within 0.2σ; the
//! standard deviations within 15 % everywhere; and the held-out expected KL divergence.
//! The Monte-Carlo error of the sample means (4,000 draws: 0.008) is small beside these. At the
//! edge of the prior box the MDN's Gaussians are pulled inwards by the truncation (mean error
//! ≈ −0.1 at x₁ = 2.6, as sbi's MDN), so the edge observation is checked by C2ST only.

mod common;

use std::sync::OnceLock;

use common::{box_grid, integral};

use rand::SeedableRng;
use sbi_core::testing::LinearGaussian;
use sbi_core::{Identity, Posterior, Prior, RowMatrix, SeedRng, Simulator, TrainingData};
use sbi_inference::{Calibration, Ensemble, Npe, Problem, c2st};
use sbi_npe::{DirectPosterior, FlowEstimator, MdnEstimator};
use sbi_prior::BoxUniform;

const SIGMA: f64 = 0.5;
const LOW: [f64; 2] = [-3.0, -3.0];
const HIGH: [f64; 2] = [3.0, 3.0];

fn setup() -> (BoxUniform, LinearGaussian) {
    (
        BoxUniform::new(LOW.to_vec(), HIGH.to_vec()).unwrap(),
        LinearGaussian::new(2, SIGMA).unwrap(),
    )
}

/// One trained posterior shared by the tests of this file (5,000 simulations, seed 3).
fn posterior() -> &'static DirectPosterior {
    static POST: OnceLock<DirectPosterior> = OnceLock::new();
    POST.get_or_init(|| {
        let (prior, sim) = setup();
        let run = Npe::new(
            Problem::new(&prior, &sim, &Identity::new(2))
                .num_simulations(5000)
                .seed(3),
        )
        .train(&MdnEstimator::new())
        .unwrap();
        eprintln!("{:?}", run.report);
        run.posterior
    })
}

#[test]
fn posterior_mean_std_and_c2st_match_the_analytic_posterior() {
    let (_, sim) = setup();
    let post = posterior();
    let mut rng = SeedRng::seed_from_u64(5);
    let interior = [[0.0, 0.0], [1.0, -1.5], [-1.2, 0.5], [0.5, 1.5]];
    let mut sq = 0.0;
    for x in interior {
        let s = post.sample(&x, 4000, &mut rng).unwrap();
        let (mean, std) = sim.posterior_moments(&x, &LOW, &HIGH).unwrap();
        let m = s.column_means();
        let c = s.covariance().unwrap();
        for j in 0..2 {
            let sd = c.get(j, j).sqrt();
            let err = m[j] - mean[j];
            sq += err * err / 8.0;
            assert!(
                err.abs() < 0.2 * SIGMA,
                "x {x:?} dim {j}: mean {} vs {}",
                m[j],
                mean[j]
            );
            assert!(
                (sd / std[j] - 1.0).abs() < 0.15,
                "x {x:?} dim {j}: std {sd} vs {}",
                std[j]
            );
        }
    }
    assert!(sq.sqrt() < 0.1 * SIGMA, "RMS mean error {}", sq.sqrt());
    for x in interior.into_iter().chain([[2.6, 0.4]]) {
        let s = post.sample(&x, 3000, &mut rng).unwrap();
        let exact = sim
            .sample_posterior(&x, &LOW, &HIGH, 3000, &mut rng)
            .unwrap();
        let acc = c2st(&s, &exact).unwrap();
        assert!(acc <= 0.6, "x {x:?}: C2ST {acc}");
    }
    // The test has teeth: the same C2ST tells the posterior from one shifted by 0.3σ.
    let x = [0.0, 0.0];
    let s = post.sample(&x, 3000, &mut rng).unwrap();
    let shifted = sim
        .sample_posterior(&[0.15, 0.0], &LOW, &HIGH, 3000, &mut rng)
        .unwrap();
    let exact = sim
        .sample_posterior(&x, &LOW, &HIGH, 3000, &mut rng)
        .unwrap();
    assert!(c2st(&shifted, &exact).unwrap() > c2st(&s, &exact).unwrap());
}

/// SBC ranks uniform and 90 %/50 % intervals covering, on 300 fresh (θ, x) pairs from the
/// prior and simulator, 500 posterior draws each.
fn check_calibration(post: &DirectPosterior) {
    let (prior, sim) = setup();
    let mut rng = SeedRng::seed_from_u64(77);
    let thetas = prior.sample_batch(300, &mut rng).unwrap();
    let xs = RowMatrix::from_rows(&sim.simulate_batch(&thetas, 78).unwrap()).unwrap();
    let cal = Calibration::run(post, &thetas, &xs, 500, 79).unwrap();
    for (j, p) in cal.ks_p_values.iter().enumerate() {
        assert!(*p > 0.01, "dim {j}: SBC ranks not uniform, KS p = {p}");
    }
    for (j, c) in cal.coverage(0.9).iter().enumerate() {
        assert!((0.80..=0.97).contains(c), "dim {j}: 90 % coverage {c}");
    }
    // Coverage of 50 % intervals too (binomial sd with 300 pairs ≈ 0.03).
    for c in cal.coverage(0.5) {
        assert!((c - 0.5).abs() < 0.1, "50 % coverage {c}");
    }
}

#[test]
fn simulation_based_calibration_is_uniform_and_covers() {
    check_calibration(posterior());
}

#[test]
fn flows_are_calibrated_within_the_same_bounds() {
    // NSF and MAF on the same 5,000 simulations (seed 3), calibrated as the MDN must be.
    // (Their expected KL over 1,000 held-out pairs, 0.049 ± 0.011 and 0.043 ± 0.010, is in
    // docs/npe.md, not here: each pair's leakage estimate costs 10,000 flow draws.)
    let (prior, sim) = setup();
    for est in [FlowEstimator::nsf(), FlowEstimator::maf()] {
        let run = Npe::new(
            Problem::new(&prior, &sim, &Identity::new(2))
                .num_simulations(5000)
                .seed(3),
        )
        .train(&est)
        .unwrap();
        check_calibration(&run.posterior);
    }
}

/// E[ln p(θ | x) − ln q(θ | x)] over (θ, x) pairs from the joint: the expected KL divergence
/// from the exact posterior p to q, estimated on 1,000 fresh pairs, with its standard error.
fn expected_kl(log_q: impl Fn(&RowMatrix, &RowMatrix) -> Vec<f64>) -> (f64, f64) {
    let (prior, sim) = setup();
    let n = 1000;
    let mut rng = SeedRng::seed_from_u64(91);
    let thetas = prior.sample_batch(n, &mut rng).unwrap();
    let xs = RowMatrix::from_rows(&sim.simulate_batch(&thetas, 92).unwrap()).unwrap();
    let lq = log_q(&thetas, &xs);
    let d: Vec<f64> = (0..n)
        .map(|i| {
            sim.posterior_log_prob(thetas.row(i), xs.row(i), &LOW, &HIGH)
                .unwrap()
                - lq[i]
        })
        .collect();
    let m = d.iter().sum::<f64>() / n as f64;
    let var = d.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1) as f64;
    (m, (var / n as f64).sqrt())
}

#[test]
fn held_out_pairs_score_close_to_the_exact_posterior() {
    // Measured over 1,000–2,000 fresh pairs: 0.049–0.067 nats for training seeds 1–6 at 5,000
    // simulations (standard error ≈ 0.01; most of it comes from the edges of the box).
    let post = posterior();
    let (kl, se) = expected_kl(|t, x| post.log_prob_pairs(t, x).unwrap());
    eprintln!("expected KL {kl:.4} ± {se:.4}");
    assert!(kl < 0.1 && se < 0.02, "expected KL {kl} ± {se}");
    // Teeth: the exact posterior of an observation moved by 0.4σ in both coordinates (an error
    // of 0.16 nats in the interior) is told apart.
    let (_, sim) = setup();
    let (kl_shifted, _) = expected_kl(|t, x| {
        (0..t.nrows())
            .map(|i| {
                let moved = [x.row(i)[0] + 0.2, x.row(i)[1] + 0.2];
                sim.posterior_log_prob(t.row(i), &moved, &LOW, &HIGH)
                    .unwrap()
            })
            .collect()
    });
    eprintln!("shifted observation: {kl_shifted:.4}");
    assert!(kl_shifted > 0.12, "shifted: {kl_shifted}");
}

#[test]
fn log_prob_is_a_normalised_density_and_map_is_the_mode() {
    let post = posterior();
    let x = [2.6, 0.4];
    // Leakage-corrected density integrates to 1 over the box (midpoint rule, 0.03 grid).
    let h = 0.03;
    let lp = post.log_prob_batch(&box_grid(h), &x).unwrap();
    let total = integral(&lp, h);
    assert!((total - 1.0).abs() < 0.02, "∫q = {total}");
    assert_eq!(post.log_prob(&[3.5, 0.0], &x).unwrap(), f64::NEG_INFINITY);
    let at = post.at(&x).unwrap();
    assert!(at.acceptance() < 0.99, "x near the edge leaks");
    // The MAP beats every grid point.
    let map = at.map().unwrap();
    let best = lp.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    assert!(post.log_prob(&map, &x).unwrap() >= best - 1e-9, "{map:?}");
    // …and lies where the posterior mass is: near x in the free coordinate, pushed to the
    // inside of the box in the truncated one.
    assert!(
        (map[1] - 0.4).abs() < 0.25 && (2.2..=3.0).contains(&map[0]),
        "{map:?}"
    );
}

#[test]
fn an_ensemble_meets_the_same_criteria() {
    // Three networks on one set of 5,000 simulations (seed 21), checked as the single network.
    let (prior, sim) = setup();
    let mut rng = SeedRng::seed_from_u64(21);
    let thetas = prior.sample_batch(5000, &mut rng).unwrap();
    let xs = RowMatrix::from_rows(&sim.simulate_batch(&thetas, 22).unwrap()).unwrap();
    let data = TrainingData::new(thetas, xs, prior.bounds()).unwrap();
    let (ens, _) = Ensemble::fit(&MdnEstimator::new(), &data, 23, 3, &mut ()).unwrap();
    let mut sq = 0.0;
    for x in [[0.0, 0.0], [1.0, -1.5], [-1.2, 0.5], [0.5, 1.5]] {
        let s = ens.sample(&x, 4000, &mut rng).unwrap();
        let (mean, std) = sim.posterior_moments(&x, &LOW, &HIGH).unwrap();
        let (m, c) = (s.column_means(), s.covariance().unwrap());
        for j in 0..2 {
            let err = m[j] - mean[j];
            sq += err * err / 8.0;
            assert!(err.abs() < 0.2 * SIGMA, "x {x:?} dim {j}: mean error {err}");
            let ratio = c.get(j, j).sqrt() / std[j];
            assert!(
                (ratio - 1.0).abs() < 0.15,
                "x {x:?} dim {j}: std ratio {ratio}"
            );
        }
        let exact = sim
            .sample_posterior(&x, &LOW, &HIGH, 3000, &mut rng)
            .unwrap();
        let acc = c2st(&s.select_rows(|i| i < 3000), &exact).unwrap();
        assert!(acc <= 0.6, "x {x:?}: C2ST {acc}");
    }
    eprintln!("ensemble RMS mean error {:.4}", sq.sqrt());
    assert!(sq.sqrt() < 0.1 * SIGMA, "RMS mean error {}", sq.sqrt());
    let (kl, se) = expected_kl(|t, x| ens.log_prob_pairs(t, x).unwrap());
    eprintln!("ensemble expected KL {kl:.4} ± {se:.4}");
    assert!(kl < 0.1, "expected KL {kl} ± {se}");
}
