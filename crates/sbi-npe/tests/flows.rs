//! Accuracy of the flows on posteriors a mixture of Gaussians cannot represent, each against
//! a reference computed independently of any network: the SBI benchmark's two moons (bimodal,
//! two thin crescents; quadrature of its closed-form likelihood), a thin parabolic crescent
//! (quadrature) and a correlated 5-D Gaussian (exact). 10,000 simulations (seed 1), three
//! observations from fixed θ, C2ST as the SBI benchmark defines it ([`c2st_mlp`], 2,000
//! reference against 2,000 posterior draws).
//!
//! Thresholds, from the measurements in docs/npe.md: the NSF reaches 0.49/0.60/0.52 on two
//! moons and 0.56/0.60/0.59 on the crescent (Python sbi 0.27's NSF, same design: means 0.54
//! and 0.54), so its mean over the three observations is checked against 0.62 (Python sbi's
//! NSF "about 0.61" on such a task) and each observation against 0.65 — margins of ≥ 3
//! classifier standard errors (≈ 0.008 with 4,000 points) for the means. The MDN stays at
//! means 0.78 and 0.76 on burn's `flex` backend, 0.70 on the crescent with `ndarray` (another
//! training trajectory); it must stay at a mean ≥ 0.66 and ≥ 0.08 above the NSF's ("clearly
//! below"; measured gaps 0.12–0.24). The 5-D thresholds (mean 0.65, each 0.70) and the proof
//! that a broken inverse fails them are in the crate's own tests (`flow_accuracy_tests.rs`).

use rand::SeedableRng;
use sbi_core::testing::{CorrelatedGaussian, Crescent, TwoMoons};
use sbi_core::{Identity, Posterior, RowMatrix, SeedRng, Simulator};
use sbi_inference::{Npe, Problem};
use sbi_npe::{FlowEstimator, MdnEstimator, NeuralEstimator, c2st_mlp};
use sbi_prior::BoxUniform;

/// C2ST at the observations simulated from `thetas` (seeds 100 + k) of an estimator trained
/// on 10,000 simulations of `sim` under the box prior.
fn accuracies<S>(
    sim: &S,
    (low, high): (&[f64], &[f64]),
    est: &NeuralEstimator,
    thetas: &[&[f64]],
    reference: impl Fn(&[f64]) -> RowMatrix,
) -> Vec<f64>
where
    S: Simulator<Output = Vec<f64>> + Sync,
{
    let prior = BoxUniform::new(low.to_vec(), high.to_vec()).unwrap();
    let post = Npe::new(
        Problem::new(&prior, sim, &Identity::new(low.len()))
            .num_simulations(10_000)
            .seed(1),
    )
    .train(est)
    .unwrap()
    .posterior;
    let acc: Vec<f64> = thetas
        .iter()
        .enumerate()
        .map(|(k, theta)| {
            let x = sim
                .simulate(theta, &mut SeedRng::seed_from_u64(100 + k as u64))
                .unwrap();
            let r = reference(&x);
            let s = post
                .sample(&x, 2000, &mut SeedRng::seed_from_u64(8))
                .unwrap();
            c2st_mlp(&r, &s, 3).unwrap()
        })
        .collect();
    eprintln!("{}: C2ST {acc:.3?}", est.name());
    acc
}

const MOONS_THETA: [&[f64]; 3] = [&[0.3, 0.2], &[-0.4, 0.5], &[0.0, -0.6]];
const CRESCENT_THETA: [&[f64]; 3] = [&[0.3, 0.2], &[-0.8, 0.5], &[1.2, -0.6]];

fn moons(est: NeuralEstimator) -> Vec<f64> {
    accuracies(
        &TwoMoons,
        (&TwoMoons::LOW, &TwoMoons::HIGH),
        &est,
        &MOONS_THETA,
        |x| {
            let grid = TwoMoons::reference_posterior(x, 1500).unwrap();
            grid.sample(2000, &mut SeedRng::seed_from_u64(7)).unwrap()
        },
    )
}

fn crescent(est: NeuralEstimator) -> Vec<f64> {
    let task = Crescent::default();
    accuracies(
        &task,
        (&Crescent::LOW, &Crescent::HIGH),
        &est,
        &CRESCENT_THETA,
        |x| {
            let grid = task.reference_posterior(x, 2000).unwrap();
            grid.sample(2000, &mut SeedRng::seed_from_u64(7)).unwrap()
        },
    )
}

fn mean(acc: &[f64]) -> f64 {
    acc.iter().sum::<f64>() / acc.len() as f64
}

/// The NSF resolves the task: its mean over the observations at most 0.62 (the benchmark's
/// convention: sbibm reports the mean over its observations) and none above 0.65. The MDN
/// cannot: its mean at least 0.66 and at least 0.08 above the NSF's.
fn check_nsf_beats_mdn(task: &str, nsf: &[f64], mdn: &[f64]) {
    let (n, m) = (mean(nsf), mean(mdn));
    assert!(n <= 0.62, "NSF {task}: mean C2ST {n} ({nsf:?})");
    assert!(nsf.iter().all(|a| *a <= 0.65), "NSF {task}: C2ST {nsf:?}");
    assert!(m >= 0.66, "MDN {task}: mean C2ST {m} ({mdn:?})");
    assert!(m - n >= 0.08, "{task}: MDN {m} not clearly above NSF {n}");
}

#[test]
fn nsf_resolves_the_two_moons_and_the_mdn_cannot() {
    let nsf = moons(FlowEstimator::nsf().into());
    check_nsf_beats_mdn("two moons", &nsf, &moons(MdnEstimator::new().into()));
}

#[test]
fn nsf_resolves_the_crescent_and_the_mdn_cannot() {
    let nsf = crescent(FlowEstimator::nsf().into());
    check_nsf_beats_mdn("crescent", &nsf, &crescent(MdnEstimator::new().into()));
}

#[test]
fn maf_fits_the_correlated_5d_gaussian() {
    // MAF measured 0.59–0.61; the thresholds are the NSF's (mean 0.65, each 0.70: see
    // `flow_accuracy_tests.rs`).
    let task = CorrelatedGaussian::new();
    let acc = accuracies(
        &task,
        (&CorrelatedGaussian::LOW, &CorrelatedGaussian::HIGH),
        &FlowEstimator::maf().into(),
        &[&[0.3, 0.2, -1.0, 0.5, 2.0], &[-2.0, 0.5, 1.0, 1.5, -0.5]],
        |x| {
            task.posterior_sample(x, 2000, &mut SeedRng::seed_from_u64(7))
                .unwrap()
        },
    );
    let m = mean(&acc);
    assert!(m <= 0.65, "MAF 5-D: mean C2ST {m} ({acc:?})");
    assert!(acc.iter().all(|a| *a <= 0.70), "MAF 5-D: C2ST {acc:?}");
}
