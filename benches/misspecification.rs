//! The costs docs/npe.md reports for the model checks: one observation's misspecification
//! check (MMD and density of x) after 10⁴ simulations of 15 features, building the MMD test,
//! and the local C2ST at one x (100 permutations) — run with `RAYON_NUM_THREADS=1` for the
//! one-core figures.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rand::SeedableRng;
use sbi_core::testing::{LinearGaussian, LinearRegression};
use sbi_core::{Bounds, DensityEstimator, Prior, RowMatrix, SeedRng, Simulator, TrainingData};
use sbi_inference::{Dataset, LocalC2st, Misspecification, MmdTest, XDensity};
use sbi_npe::{NeuralEstimator, TrainConfig};
use sbi_prior::BoxUniform;

/// `n` pairs of x = θ + N(0, 0.5²) in `d` dimensions, θ uniform on [−3, 3]ᵈ.
fn pairs(d: usize, n: usize, seed: u64) -> (RowMatrix, RowMatrix) {
    let prior = BoxUniform::new(vec![-3.0; d], vec![3.0; d]).unwrap();
    let theta = prior
        .sample_batch(n, &mut SeedRng::seed_from_u64(seed))
        .unwrap();
    let sim = LinearGaussian::new(d, 0.5).unwrap();
    let x = RowMatrix::from_rows(&sim.simulate_batch(&theta, seed).unwrap()).unwrap();
    (theta, x)
}

fn misspecification(c: &mut Criterion) {
    let (theta, x) = pairs(15, 10_000, 1);
    let data = Dataset::new(theta, x, vec![]).unwrap();
    let mmd = MmdTest::new(&data, 2).unwrap();
    // The check's cost does not depend on how long the density trained.
    let mdn = NeuralEstimator::from_name("mdn")
        .unwrap()
        .with_train(TrainConfig::new().with_max_epochs(5));
    let density = XDensity::fit(&mdn, &data, 2, &mut ()).unwrap();
    let x_o = vec![0.5; 15];
    let mut group = c.benchmark_group("misspecification");
    group.sample_size(20);
    group.bench_function("check_one_observation_1e4_sims_15_features", |b| {
        b.iter(|| Misspecification::check(&data, &mmd, Some(&density), black_box(&x_o)).unwrap())
    });
    group.bench_function("mmd_statistic_one_observation_1000_reference", |b| {
        b.iter(|| mmd.test(black_box(&x_o)).unwrap())
    });
    group.sample_size(10);
    group.bench_function("mmd_test_new_1e4_sims_15_features", |b| {
        b.iter(|| MmdTest::new(black_box(&data), 2).unwrap())
    });
    group.finish();
}

fn local_c2st(c: &mut Criterion) {
    let mut group = c.benchmark_group("local_c2st");
    group.sample_size(10);
    for d in [2, 9] {
        let (theta, x) = pairs(d, 4000, 3);
        let support = Bounds {
            low: vec![-3.0; d],
            high: vec![3.0; d],
        };
        let data = TrainingData::new(theta, x, support).unwrap();
        let posterior = LinearRegression::new()
            .fit(&data, 0, &mut ())
            .unwrap()
            .posterior;
        let (theta, x) = pairs(d, 2000, 4);
        let x_o = vec![0.5; d];
        group.bench_function(
            format!("theta{d}_x{d}_2000_pairs_1000_eval_100_permutations"),
            |b| {
                b.iter(|| {
                    LocalC2st::run(&posterior, &theta, &x, black_box(&x_o), 1000, 100, 5).unwrap()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, misspecification, local_c2st);
criterion_main!(benches);
