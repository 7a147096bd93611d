//! The SIMD batch simulator beside a C reference kernel of our own (`c/hh_batch.c`, compiled
//! by `build.rs`), measured in the same run: the notebook protocol (forward Euler in pyHH's
//! order, 20,000 steps, v_rest 0, no noise) over a sweep of amplitudes 3..7 µA/cm², counting
//! spikes on the fly. Throughput is in neuron-steps per second; docs/performance.md turns it
//! into ns per neuron-step.
//!
//! Groups: `batch_vs_c` (one thread: C f64/f32, hh-sbi f64/f32, the portable fallback, the
//! scalar path), `pospischil_vs_c` (the same for Pospischil's model under the published
//! protocol, against `c/pospischil_batch.c`: 12,000 steps, all seven of Gonçalves et al.'s
//! parameters varying across traces), `noise` (one thread, f64, the notebook features
//! streamed: the notebook model with and without its noise current, and Pospischil's with and
//! without σ = 0.1) and `batch_threads` (f64 on 1 and 2 threads).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hh_model::{Channels, HhSimulator, Kernel, Model, ModelSimulator, Precision, Protocol, Scheme};
use hh_stats::{Feature, FeatureSet, SpikeDetection, Threshold};
use sbi_core::{RowMatrix, Simulator};

use hh_sbi_benches::c_reference::{self, PospischilTheta};

const STEPS: u64 = 20_000;

fn amplitudes(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| 3.0 + 4.0 * i as f64 / (n - 1) as f64)
        .collect()
}

fn thetas(amps: &[f64]) -> RowMatrix {
    let rows: Vec<[f64; 2]> = amps.iter().map(|a| [0.0, *a]).collect();
    RowMatrix::from_rows(&rows).unwrap()
}

/// Features through the pipeline's path: `simulate_summarize_each`, streamed.
fn ours<C: Channels>(sim: &ModelSimulator<C>, th: &RowMatrix, set: &FeatureSet, out: &mut [f64]) {
    let r = sim.simulate_summarize_each(th, 0, 0, set, out).unwrap();
    assert!(r.iter().all(|x| x.is_ok()));
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

fn batch_vs_c(c: &mut Criterion) {
    let n = 256;
    let amps = amplitudes(n);
    let th = thetas(&amps);
    let set = FeatureSet::new(&[Feature::SpikeCount]).unwrap();
    let one = pool(1);
    // Same job, same answer: the C kernel's spike counts are ours.
    let mut counts = vec![0.0; n];
    one.install(|| ours(&HhSimulator::notebook(), &th, &set, &mut counts));
    let reference = c_reference::spike_counts_f64(&amps);
    assert_eq!(
        counts,
        reference.iter().map(|&s| f64::from(s)).collect::<Vec<_>>()
    );

    let mut group = c.benchmark_group("batch_vs_c");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64 * STEPS));
    group.bench_function("c_reference/f64", |b| {
        b.iter(|| c_reference::spike_counts_f64(black_box(&amps)))
    });
    group.bench_function("c_reference/f32", |b| {
        b.iter(|| c_reference::spike_counts_f32(black_box(&amps)))
    });
    for (name, sim) in [
        ("hh_sbi/f64", HhSimulator::notebook()),
        (
            "hh_sbi/f32",
            HhSimulator::notebook().with_precision(Precision::F32),
        ),
        (
            "hh_sbi_portable/f64",
            HhSimulator::notebook().with_kernel(Kernel::Portable),
        ),
    ] {
        let mut out = vec![0.0; n];
        group.bench_function(name, |b| {
            b.iter(|| one.install(|| ours(&sim, black_box(&th), &set, &mut out)))
        });
    }
    // The scalar path (one trace at a time, libm exp) on a quarter of the sweep.
    let quarter = thetas(&amplitudes(n / 4));
    let scalar = HhSimulator::notebook().with_kernel(Kernel::Scalar);
    let mut out = vec![0.0; n / 4];
    group.throughput(Throughput::Elements((n / 4) as u64 * STEPS));
    group.bench_function("scalar/f64", |b| {
        b.iter(|| one.install(|| ours(&scalar, black_box(&quarter), &set, &mut out)))
    });
    group.finish();
}

/// Pospischil steps per trace (the published protocol).
const POSPISCHIL_STEPS: u64 = 12_000;

/// `n` θ of Gonçalves et al.'s seven parameters around θ*: g_Na over 30..70 and g_K over
/// 3..7 mS/cm², the rest at θ*.
fn pospischil_thetas(n: usize) -> Vec<PospischilTheta> {
    (0..n)
        .map(|i| {
            let u = i as f64 / (n - 1) as f64;
            let w = ((i * 37) % n) as f64 / n as f64;
            [
                30.0 + 40.0 * u,
                3.0 + 4.0 * w,
                0.1,
                0.07,
                600.0,
                -60.0,
                -70.0,
            ]
        })
        .collect()
}

fn pospischil() -> ModelSimulator<hh_model::Pospischil> {
    ModelSimulator::for_model(
        Model::pospischil(),
        Protocol::goncalves(),
        Scheme::ExpStaggered,
        &["g_na", "g_k", "g_leak", "g_m", "tau_max", "v_t", "e_leak"],
    )
    .unwrap()
}

fn pospischil_vs_c(c: &mut Criterion) {
    let n = 256;
    let theta = pospischil_thetas(n);
    let th = RowMatrix::from_rows(&theta).unwrap();
    // The C kernel's spike detector: up through −20 mV, re-armed 20 mV below.
    let set = FeatureSet::new(&[Feature::SpikeCount])
        .unwrap()
        .with_spike_detection(SpikeDetection {
            threshold: Threshold::Absolute(-20.0),
            hysteresis_mv: 20.0,
        })
        .unwrap();
    let one = pool(1);
    let mut counts = vec![0.0; n];
    one.install(|| ours(&pospischil(), &th, &set, &mut counts));
    let reference = c_reference::pospischil_spike_counts_f64(&theta);
    assert_eq!(
        counts,
        reference.iter().map(|&s| f64::from(s)).collect::<Vec<_>>()
    );
    assert!(counts.iter().any(|&c| c > 3.0), "the sweep spikes");

    let mut group = c.benchmark_group("pospischil_vs_c");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64 * POSPISCHIL_STEPS));
    group.bench_function("c_reference/f64", |b| {
        b.iter(|| c_reference::pospischil_spike_counts_f64(black_box(&theta)))
    });
    group.bench_function("c_reference/f32", |b| {
        b.iter(|| c_reference::pospischil_spike_counts_f32(black_box(&theta)))
    });
    for (name, sim) in [
        ("hh_sbi/f64", pospischil()),
        ("hh_sbi/f32", pospischil().with_precision(Precision::F32)),
    ] {
        let mut out = vec![0.0; n];
        group.bench_function(name, |b| {
            b.iter(|| one.install(|| ours(&sim, black_box(&th), &set, &mut out)))
        });
    }
    group.finish();
}

fn noise(c: &mut Criterion) {
    let n = 256;
    let one = pool(1);
    let notebook = FeatureSet::new(&[Feature::Max, Feature::Mean, Feature::Std]).unwrap();
    let mut group = c.benchmark_group("noise");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64 * STEPS));
    let th = thetas(&amplitudes(n));
    for (name, sigma) in [("notebook/quiet", 0.0), ("notebook/noisy", 1.0)] {
        let sim = HhSimulator::notebook().with_noise_sigma(sigma).unwrap();
        let mut out = vec![0.0; n * 3];
        group.bench_function(name, |b| {
            b.iter(|| one.install(|| ours(&sim, black_box(&th), &notebook, &mut out)))
        });
    }
    group.throughput(Throughput::Elements(n as u64 * POSPISCHIL_STEPS));
    let th = RowMatrix::from_rows(&pospischil_thetas(n)).unwrap();
    for (name, sigma) in [("pospischil/quiet", 0.0), ("pospischil/noisy", 0.1)] {
        let sim = pospischil().with_noise_sigma(sigma).unwrap();
        let mut out = vec![0.0; n * 3];
        group.bench_function(name, |b| {
            b.iter(|| one.install(|| ours(&sim, black_box(&th), &notebook, &mut out)))
        });
    }
    group.finish();
}

fn batch_threads(c: &mut Criterion) {
    let n = 512;
    let th = thetas(&amplitudes(n));
    let set = FeatureSet::new(&[Feature::SpikeCount]).unwrap();
    let sim = HhSimulator::notebook();
    let mut group = c.benchmark_group("batch_threads");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64 * STEPS));
    for threads in [1, 2] {
        let p = pool(threads);
        let mut out = vec![0.0; n];
        group.bench_function(format!("f64/{threads}"), |b| {
            b.iter(|| p.install(|| ours(&sim, black_box(&th), &set, &mut out)))
        });
    }
    group.finish();
}

criterion_group!(benches, batch_vs_c, pospischil_vs_c, noise, batch_threads);
criterion_main!(benches);
