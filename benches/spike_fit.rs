//! The spike-probability study's unit of work: the spike fraction of 1,000 noisy trials at one
//! stimulus near threshold (corrected mode, area factor 0.43), and one trial's threshold
//! current by bisection.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use spike_fit::{AREA_UNIT, Mode, SpikeModel};

fn spike_fit(c: &mut Criterion) {
    let model = SpikeModel::new(Mode::Corrected);
    let area = 0.43;
    let current = 69.0 * AREA_UNIT * area;
    let mut group = c.benchmark_group("spike_fit");
    group.sample_size(20);
    group.bench_function("fraction_1000_trials", |b| {
        b.iter(|| {
            model
                .spike_fraction(black_box(current), area, 1000, 0, 0)
                .unwrap()
        })
    });
    let mut xi = Vec::new();
    model.draw_noise(&mut sbi_core::stream_rng(0, 0, 0), &mut xi);
    group.bench_function("threshold_one_trial", |b| {
        b.iter(|| model.threshold_current(black_box(area), &xi))
    });
    group.finish();
}

criterion_group!(benches, spike_fit);
criterion_main!(benches);
