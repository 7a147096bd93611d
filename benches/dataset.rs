//! Loading a `.npz` dataset of 10⁶ rows, every one a recorded failure (the reliability
//! report's worst case: matched by a search per row, it took about 14 minutes).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use sbi_core::RowMatrix;
use sbi_inference::{Dataset, Failure, FailureStage};

fn dataset(c: &mut Criterion) {
    let n = 1_000_000;
    let theta = RowMatrix::from_vec(n, 2, (0..2 * n).map(|i| i as f64).collect()).unwrap();
    let x = RowMatrix::from_vec(n, 3, vec![f64::NAN; 3 * n]).unwrap();
    let failures = (0..n)
        .map(|index| Failure {
            index,
            stage: FailureStage::Simulator,
            message: format!("diverged at t = {} ms", index % 200),
        })
        .collect();
    let data = Dataset::from_parts(theta, x, failures, vec![]).unwrap();
    let path = std::env::temp_dir().join(format!("hh-sbi-bench-{}.npz", std::process::id()));
    data.save_npz(&path).unwrap();
    let mut group = c.benchmark_group("dataset");
    group.sample_size(10);
    group.bench_function("load_npz_1e6_rows_1e6_failures", |b| {
        b.iter(|| Dataset::load_npz(black_box(&path)).unwrap())
    });
    group.bench_function("save_npz_1e6_rows_1e6_failures", |b| {
        b.iter(|| data.save_npz(black_box(&path)).unwrap())
    });
    group.finish();
    std::fs::remove_file(&path).ok();
}

criterion_group!(benches, dataset);
criterion_main!(benches);
