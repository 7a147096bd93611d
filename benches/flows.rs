//! Normalising flows: one training epoch on 10,000 pairs (θ 2-D, x 2-D, batch 200) for the
//! NSF and the MAF (the MDN beside them), and drawing 1,000 posterior samples / evaluating
//! 1,000 log-densities at one x. Python sbi's figures for the same epoch come from
//! `benches/python/sbi_flow_epoch.py` (docs/performance.md).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use sbi_core::{DensityEstimator, Prior, RowMatrix, SeedRng, TrainingData};
use sbi_npe::{NeuralEstimator, TrainConfig};
use sbi_prior::BoxUniform;

/// 10,000 pairs: θ uniform on [−3, 3]², x = θ + N(0, 0.5²I) (the Python script's data).
fn data() -> (BoxUniform, RowMatrix, RowMatrix) {
    let prior = BoxUniform::new(vec![-3.0, -3.0], vec![3.0, 3.0]).unwrap();
    let mut rng = SeedRng::seed_from_u64(0);
    let theta = prior.sample_batch(10_000, &mut rng).unwrap();
    let rows: Vec<[f64; 2]> = theta
        .rows()
        .map(|t| {
            let mut e =
                || 0.5 * <StandardNormal as Distribution<f64>>::sample(&StandardNormal, &mut rng);
            [t[0] + e(), t[1] + e()]
        })
        .collect();
    (prior, theta, RowMatrix::from_rows(&rows).unwrap())
}

fn flows(c: &mut Criterion) {
    let (prior, theta, x) = data();
    let data = TrainingData::new(theta, x, prior.bounds()).unwrap();
    let mut group = c.benchmark_group("flows");
    group.sample_size(10);
    for name in ["nsf", "maf", "mdn"] {
        // One epoch = 45 minibatches of 200 over the 9,000 training rows, plus the validation
        // pass on 1,000 rows and the set-up (standardisation, initialisation, split).
        let one_epoch = NeuralEstimator::from_name(name)
            .unwrap()
            .with_train(TrainConfig::new().with_max_epochs(1));
        group.bench_function(format!("train_one_epoch_10k/{name}"), |b| {
            b.iter(|| one_epoch.fit(black_box(&data), 0, &mut ()).unwrap())
        });
        // Eleven epochs: (t₁₁ − t₁)/10 is the cost of an epoch without the set-up, which is
        // how benches/python/sbi_flow_epoch.py times sbi's own training loop.
        let eleven = NeuralEstimator::from_name(name)
            .unwrap()
            .with_train(TrainConfig::new().with_max_epochs(11));
        group.bench_function(format!("train_11_epochs_10k/{name}"), |b| {
            b.iter(|| eleven.fit(black_box(&data), 0, &mut ()).unwrap())
        });
    }
    for name in ["nsf", "maf"] {
        let posterior = NeuralEstimator::from_name(name)
            .unwrap()
            .with_train(TrainConfig::new().with_max_epochs(20))
            .fit(&data, 0, &mut ())
            .unwrap()
            .posterior;
        let x_obs = [0.5, -1.0];
        // The posterior at a new x: its leakage estimate (10,000 draws) included.
        group.bench_function(format!("at_new_x/{name}"), |b| {
            b.iter(|| posterior.at(black_box(&x_obs)).unwrap().acceptance())
        });
        let at = posterior.at(&x_obs).unwrap();
        group.bench_function(format!("sample_1000_at_x/{name}"), |b| {
            let mut rng = SeedRng::seed_from_u64(1);
            b.iter(|| at.sample(1000, &mut rng).unwrap())
        });
        let thetas = at.sample(1000, &mut SeedRng::seed_from_u64(2)).unwrap();
        group.bench_function(format!("log_prob_1000_at_x/{name}"), |b| {
            b.iter(|| at.log_prob_batch(black_box(&thetas)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, flows);
criterion_main!(benches);
