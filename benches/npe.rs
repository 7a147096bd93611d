//! Neural posterior estimation: one training epoch on 10,000 pairs (θ 2-D, x 3-D, batch 200)
//! and drawing 1,000 posterior samples for one x.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rand::{RngExt, SeedableRng};
use sbi_core::{DensityEstimator, Posterior, Prior, RowMatrix, SeedRng, TrainingData};
use sbi_npe::{MdnEstimator, TrainConfig};
use sbi_prior::BoxUniform;

/// 10,000 pairs: θ uniform on [−3, 3]², x = (θ₁ + ε₁, θ₂ + ε₂, θ₁θ₂/3 + ε₃), ε ~ N(0, 0.5²).
fn data() -> (BoxUniform, RowMatrix, RowMatrix) {
    let prior = BoxUniform::new(vec![-3.0, -3.0], vec![3.0, 3.0]).unwrap();
    let mut rng = SeedRng::seed_from_u64(0);
    let theta = prior.sample_batch(10_000, &mut rng).unwrap();
    let rows: Vec<[f64; 3]> = theta
        .rows()
        .map(|t| {
            let mut e = || {
                0.5 * (rng.random::<f64>() + rng.random::<f64>() + rng.random::<f64>() - 1.5) * 2.0
            };
            [t[0] + e(), t[1] + e(), t[0] * t[1] / 3.0 + e()]
        })
        .collect();
    (prior, theta, RowMatrix::from_rows(&rows).unwrap())
}

fn npe(c: &mut Criterion) {
    let (prior, theta, x) = data();
    let data = TrainingData::new(theta, x, prior.bounds()).unwrap();
    let mut group = c.benchmark_group("npe");
    group.sample_size(10);
    // One epoch = 45 minibatches of 200 over the 9,000 training rows, plus the validation pass
    // on 1,000 rows and the (small) set-up: standardisation, initialisation, split.
    let one_epoch = MdnEstimator::new().with_train(TrainConfig::new().with_max_epochs(1));
    group.bench_function("train_one_epoch_10k", |b| {
        b.iter(|| one_epoch.fit(black_box(&data), 0, &mut ()).unwrap())
    });
    let posterior = MdnEstimator::new()
        .with_train(TrainConfig::new().with_max_epochs(30))
        .fit(&data, 0, &mut ())
        .unwrap()
        .posterior;
    let x_obs = [0.5, -1.0, -0.2];
    group.sample_size(50);
    group.bench_function("sample_1000", |b| {
        let mut rng = SeedRng::seed_from_u64(1);
        b.iter(|| posterior.sample(black_box(&x_obs), 1000, &mut rng).unwrap())
    });
    // The posterior at one x: the network once, and the leakage correction from 10,000
    // proposals (the prior box truncates this posterior, so it is estimated).
    group.bench_function("at_x", |b| {
        b.iter(|| posterior.at(black_box(&x_obs)).unwrap())
    });
    let at = posterior.at(&x_obs).unwrap();
    let thetas = at.sample(1000, &mut SeedRng::seed_from_u64(2)).unwrap();
    group.bench_function("log_prob_1000_at_x", |b| {
        b.iter(|| at.log_prob_batch(black_box(&thetas)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, npe);
criterion_main!(benches);
