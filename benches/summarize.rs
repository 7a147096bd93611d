//! Summarising one notebook trace (20,000 samples, 4 spikes) with each preset feature set, and
//! every eFEL-compatible feature of the same protocol at a cortical resting level (−65 mV, so
//! the spikes cross eFEL's −20 mV threshold); `benches/python/efel_time.py` times eFEL itself
//! on that trace.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hh_model::HhSimulator;
use hh_stats::FeatureSet;
use hh_stats::efel::{EfelFeature, EfelSettings, EfelValues};
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

fn efel(c: &mut Criterion) {
    let trace = HhSimulator::notebook()
        .simulate(&[-65.0, 7.0], &mut SeedRng::seed_from_u64(0))
        .unwrap();
    let settings = EfelSettings::default();
    let mut group = c.benchmark_group("efel");
    group.throughput(Throughput::Elements(trace.len() as u64));
    // Interpolation, spike indices and all 30 features' values, as one
    // efel.get_feature_values call computes them.
    group.bench_function("all_30_features_20k_samples", |b| {
        b.iter(|| {
            let values = EfelValues::new(black_box(&trace), None, &settings, Some(0.07)).unwrap();
            EfelFeature::ALL
                .iter()
                .map(|&f| values.get(f).map_or(0, |v| v.len()))
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, summarize, efel);
criterion_main!(benches);
