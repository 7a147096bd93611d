//! One notebook-protocol trace (200 ms, dt 0.01 ms = 20,000 steps) per integration scheme,
//! and a batch of 64 traces in parallel.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hh_model::{HhParams, HhSimulator, Protocol, Scheme, simulate};
use rand::SeedableRng;
use sbi_core::{RowMatrix, SeedRng, Simulator};

fn single_trace(c: &mut Criterion) {
    let params = HhParams::default().with_v_rest(50.0);
    let protocol = Protocol::notebook(5.0);
    let mut group = c.benchmark_group("simulate_hh");
    group.throughput(Throughput::Elements(protocol.num_steps as u64));
    for scheme in Scheme::ALL {
        group.bench_function(scheme.name(), |b| {
            let mut rng = SeedRng::seed_from_u64(0);
            b.iter(|| simulate(black_box(&params), black_box(&protocol), scheme, &mut rng).unwrap())
        });
    }
    group.finish();
}

fn batch(c: &mut Criterion) {
    let sim = HhSimulator::notebook();
    let rows: Vec<[f64; 2]> = (0..64)
        .map(|i| [40.0 + i as f64 * 0.3, 3.0 + i as f64 * 0.06])
        .collect();
    let thetas = RowMatrix::from_rows(&rows).unwrap();
    let mut group = c.benchmark_group("simulate_hh_batch");
    group.throughput(Throughput::Elements(64));
    group.sample_size(20);
    group.bench_function("pyhh-euler/64", |b| {
        b.iter(|| sim.simulate_batch(black_box(&thetas), 0).unwrap())
    });
    group.finish();
}

criterion_group!(benches, single_trace, batch);
criterion_main!(benches);
