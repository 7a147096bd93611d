//! Summarising one notebook trace (20,000 samples, 4 spikes) with each preset feature set.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hh_model::HhSimulator;
use hh_stats::FeatureSet;
use rand::SeedableRng;
use sbi_core::{SeedRng, Simulator, SummaryStatistics};

fn summarize(c: &mut Criterion) {
    let trace = HhSimulator::notebook()
        .simulate(&[50.0, 7.0], &mut SeedRng::seed_from_u64(0))
        .unwrap();
    let mut group = c.benchmark_group("summarize");
    group.throughput(Throughput::Elements(trace.len() as u64));
    for (name, set) in [
        ("notebook", FeatureSet::notebook()),
        ("sbi7", FeatureSet::sbi7()),
        ("all", FeatureSet::all()),
    ] {
        let mut out = vec![0.0; set.dim()];
        group.bench_function(name, |b| {
            b.iter(|| set.summarize_into(black_box(&trace), &mut out).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, summarize);
criterion_main!(benches);
