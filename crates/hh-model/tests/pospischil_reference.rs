//! The Pospischil model against the published simulator of Gonçalves et al. (2020), recomputed
//! here from its equations.
//!
//! `published` below is an independent transcription of the paper's `HodgkinHuxleyBioPhys.py`
//! (mackelab/IdentifyMechanisticModels_2020; the sbi tutorial's `HHsimulator` is the same
//! code) into plain f64 Rust: every rate through its own `exp`, `efun(z) = 1 − z/2` for
//! |z| < 10⁻⁴, exponents clamped at −500, V updated first from the gates and stimulus sample
//! of the previous step, then every gate at the new V; the trace starts with V0 = −70 mV and
//! the gates at steady state there. It shares no code with hh-model.
//!
//! Tolerances. f64, scalar and SIMD batch: 10⁻⁶ mV (the criterion). The two differ only
//! in rounding — hh-model derives the rates' exponentials from one or two `exp` calls, the
//! batch uses a polynomial `exp` and fused multiply-adds — which moves a 12,001-sample trace
//! by at most 1.8·10⁻¹⁰ mV (measured, AVX-512 and the portable kernel); a wrong rate, sign
//! or sample alignment moves it by millivolts. f32 lanes: the same spike count (upward
//! crossings of 0 mV) and every spike within 2 samples (0.02 ms) of the published one;
//! measured: every crossing on the same sample.

use hh_model::{Kernel, Model, ModelSimulator, Precision, Protocol, Scheme};
use rand::SeedableRng;
use sbi_core::{RowMatrix, SeedRng, Simulator};

/// θ names: Gonçalves et al.'s eight minus the noise, in their order and signs.
const NAMES: [&str; 7] = ["g_na", "g_k", "g_leak", "g_m", "tau_max", "v_t", "e_leak"];

/// Parameter sets: the papers' θ* first, then a fast-firing and a slowly adapting cell.
const SETS: [[f64; 7]; 4] = [
    [50.0, 5.0, 0.1, 0.07, 600.0, -60.0, -70.0],
    [20.0, 15.0, 0.05, 0.2, 200.0, -55.0, -75.0],
    [70.0, 2.0, 0.12, 0.01, 1500.0, -65.0, -60.0],
    // Near the prior's corners: a strong M-current that silences the cell.
    [5.0, 12.0, 0.14, 0.5, 2500.0, -45.0, -40.0],
];

/// Calcium conductances (g_cal, g_cat) for the model with both calcium channels.
const CALCIUM: [f64; 2] = [0.1, 0.4];

/// The published simulator, `theta` as [`NAMES`], `g_cal`/`g_cat` the calcium conductances
/// (0 in the paper), no noise, the published protocol: 120 ms at dt 0.01 ms, a step of
/// 5·10⁻⁴ µA / (π·(70 µm)²) on I[round(10/dt) .. round(110/dt)].
fn published(theta: &[f64; 7], g_cal: f64, g_cat: f64) -> Vec<f64> {
    let [g_na, g_k, g_leak, g_m, tau_max, vt, e_leak] = *theta;
    let (dt, duration) = (0.01, 120.0);
    let n = (duration / dt) as usize + 1;
    let (c, e_na, e_k, e_ca, vx) = (1.0, 53.0, -107.0, 120.0, 2.0);
    let area = std::f64::consts::PI * (70e-4f64).powi(2);
    let mut current = vec![0.0; n];
    let (on, off) = (
        (10.0f64 / dt).round() as usize,
        ((duration - 10.0) / dt).round() as usize,
    );
    current[on..off].fill(5e-4 / area);

    let exp = |z: f64| if z < -5e2 { (-5e2f64).exp() } else { z.exp() };
    let efun = |z: f64| {
        if z.abs() < 1e-4 {
            1.0 - z / 2.0
        } else {
            z / (exp(z) - 1.0)
        }
    };
    let alpha_m = |x: f64| 0.32 * efun(-0.25 * (x - vt - 13.0)) / 0.25;
    let beta_m = |x: f64| 0.28 * efun(0.2 * (x - vt - 40.0)) / 0.2;
    let alpha_h = |x: f64| 0.128 * exp(-(x - vt - 17.0) / 18.0);
    let beta_h = |x: f64| 4.0 / (1.0 + exp(-0.2 * (x - vt - 40.0)));
    let alpha_n = |x: f64| 0.032 * efun(-0.2 * (x - vt - 15.0)) / 0.2;
    let beta_n = |x: f64| 0.5 * exp(-(x - vt - 10.0) / 40.0);
    let p_inf = |x: f64| 1.0 / (1.0 + exp(-0.1 * (x + 35.0)));
    let tau_p = |x: f64| tau_max / (3.3 * exp(0.05 * (x + 35.0)) + exp(-0.05 * (x + 35.0)));
    let alpha_q = |x: f64| 0.055 * efun(-(x + 27.0) / 3.8) * 3.8;
    let beta_q = |x: f64| 0.94 * exp(-(x + 75.0) / 17.0);
    let alpha_r = |x: f64| 0.000457 * exp(-(x + 13.0) / 50.0);
    let beta_r = |x: f64| 0.0065 / (1.0 + exp(-(x + 15.0) / 28.0));
    let s_inf = |x: f64| 1.0 / (1.0 + exp(-(x + vx + 57.0) / 6.2));
    let u_inf = |x: f64| 1.0 / (1.0 + exp((x + vx + 81.0) / 4.0));
    let tau_u = |x: f64| {
        30.8 / 3.7
            + (211.4 + exp((x + vx + 113.2) / 5.0)) / (3.7 * (1.0 + exp((x + vx + 84.0) / 3.2)))
    };
    // (x∞, τ) from α and β.
    let relax = |a: f64, b: f64| (a / (a + b), 1.0 / (a + b));

    let mut v = vec![0.0; n];
    v[0] = -70.0;
    let x0 = v[0];
    let (mut m, mut h, mut nn) = (
        relax(alpha_m(x0), beta_m(x0)).0,
        relax(alpha_h(x0), beta_h(x0)).0,
        relax(alpha_n(x0), beta_n(x0)).0,
    );
    let (mut p, mut q, mut r, mut u) = (
        p_inf(x0),
        relax(alpha_q(x0), beta_q(x0)).0,
        relax(alpha_r(x0), beta_r(x0)).0,
        u_inf(x0),
    );
    for i in 1..n {
        let vp = v[i - 1];
        let s2 = s_inf(vp).powi(2);
        let tau_v_inv = (m.powi(3) * g_na * h
            + nn.powi(4) * g_k
            + g_leak
            + g_m * p
            + g_cal * q.powi(2) * r
            + g_cat * s2 * u)
            / c;
        let v_inf = (m.powi(3) * g_na * h * e_na
            + nn.powi(4) * g_k * e_k
            + g_leak * e_leak
            + g_m * p * e_k
            + g_cal * q.powi(2) * r * e_ca
            + g_cat * s2 * u * e_ca
            + current[i - 1])
            / (tau_v_inv * c);
        let vi = v_inf + (vp - v_inf) * exp(-dt * tau_v_inv);
        v[i] = vi;
        let step = |x: f64, (inf, tau): (f64, f64)| inf + (x - inf) * exp(-dt / tau);
        nn = step(nn, relax(alpha_n(vi), beta_n(vi)));
        m = step(m, relax(alpha_m(vi), beta_m(vi)));
        h = step(h, relax(alpha_h(vi), beta_h(vi)));
        p = step(p, (p_inf(vi), tau_p(vi)));
        q = step(q, relax(alpha_q(vi), beta_q(vi)));
        r = step(r, relax(alpha_r(vi), beta_r(vi)));
        u = step(u, (u_inf(vi), tau_u(vi)));
    }
    v
}

fn simulator() -> ModelSimulator<hh_model::Pospischil> {
    ModelSimulator::for_model(
        Model::pospischil(),
        Protocol::goncalves(),
        Scheme::ExpStaggered,
        &NAMES,
    )
    .unwrap()
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// Sample indices where the trace crosses 0 mV upwards.
fn spikes(v: &[f64]) -> Vec<usize> {
    (1..v.len())
        .filter(|&i| v[i - 1] < 0.0 && v[i] >= 0.0)
        .collect()
}

fn thetas() -> RowMatrix {
    RowMatrix::from_rows(&SETS).unwrap()
}

#[test]
fn the_published_simulator_fires_as_the_papers_report() {
    // The comparisons below compare spiking traces: θ* fires an adapting train during the
    // step, the second and third sets fire too; the strong M-current set stays silent.
    let counts: Vec<usize> = SETS
        .iter()
        .map(|t| spikes(&published(t, 0.0, 0.0)).len())
        .collect();
    assert_eq!(counts, [5, 2, 18, 0]);
}

#[test]
fn scalar_traces_equal_the_published_simulator() {
    let sim = simulator();
    for theta in &SETS {
        let ours = sim.simulate(theta, &mut SeedRng::seed_from_u64(0)).unwrap();
        let reference = published(theta, 0.0, 0.0);
        assert_eq!(ours.len(), 12_001);
        assert_eq!(ours.values()[0], -70.0);
        let d = max_diff(ours.values(), &reference);
        assert!(d < 1e-6, "θ {theta:?}: scalar differs by {d} mV");
    }
}

#[test]
fn f64_batch_traces_equal_the_published_simulator() {
    for kernel in [Kernel::Simd, Kernel::Portable] {
        let traces = simulator()
            .with_kernel(kernel)
            .simulate_batch(&thetas(), 3)
            .unwrap();
        for (theta, ours) in SETS.iter().zip(&traces) {
            let d = max_diff(ours.values(), &published(theta, 0.0, 0.0));
            assert!(d < 1e-6, "{kernel:?}, θ {theta:?}: batch differs by {d} mV");
        }
    }
}

#[test]
fn f32_lanes_keep_every_spike_within_two_samples() {
    let traces = simulator()
        .with_precision(Precision::F32)
        .simulate_batch(&thetas(), 3)
        .unwrap();
    for (theta, ours) in SETS.iter().zip(&traces) {
        let (a, b) = (spikes(ours.values()), spikes(&published(theta, 0.0, 0.0)));
        assert_eq!(a.len(), b.len(), "θ {theta:?}: f32 {a:?} vs f64 {b:?}");
        for (x, y) in a.iter().zip(&b) {
            assert!(x.abs_diff(*y) <= 2, "θ {theta:?}: spike at {x} vs {y}");
        }
    }
}

#[test]
fn calcium_channels_equal_the_published_equations() {
    let mut names = NAMES.to_vec();
    names.extend(["g_cal", "g_cat"]);
    let sim = ModelSimulator::for_model(
        Model::pospischil_calcium(),
        Protocol::goncalves(),
        Scheme::ExpStaggered,
        &names,
    )
    .unwrap();
    let rows: Vec<Vec<f64>> = SETS
        .iter()
        .map(|t| t.iter().chain(&CALCIUM).copied().collect())
        .collect();
    let th = RowMatrix::from_rows(&rows).unwrap();
    let batch = sim.simulate_batch(&th, 0).unwrap();
    for ((theta, row), lanes) in SETS.iter().zip(&rows).zip(&batch) {
        let reference = published(theta, CALCIUM[0], CALCIUM[1]);
        let scalar = sim.simulate(row, &mut SeedRng::seed_from_u64(0)).unwrap();
        let d = max_diff(scalar.values(), &reference);
        assert!(d < 1e-6, "θ {theta:?}: scalar differs by {d} mV");
        let d = max_diff(lanes.values(), &reference);
        assert!(d < 1e-6, "θ {theta:?}: batch differs by {d} mV");
        // The calcium currents matter: without them the trace is another one.
        assert!(max_diff(&reference, &published(theta, 0.0, 0.0)) > 1.0);
    }
}

#[test]
fn noisy_batches_do_not_depend_on_threads_splits_or_kernels() {
    // Gonçalves et al.'s noise (σ = 0.1 at θ*) as a θ component; 37 items: two full groups
    // of lanes and a partial one in f64 and f32.
    let mut names = NAMES.to_vec();
    names.push("noise_sigma");
    let sim = ModelSimulator::for_model(
        Model::pospischil(),
        Protocol::goncalves(),
        Scheme::ExpStaggered,
        &names,
    )
    .unwrap();
    let rows: Vec<Vec<f64>> = (0..37)
        .map(|i| {
            let mut t = SETS[i % SETS.len()].to_vec();
            t.push(0.05 + 0.01 * i as f64);
            t
        })
        .collect();
    let th = RowMatrix::from_rows(&rows).unwrap();
    let bits = |traces: Vec<sbi_core::Trace>| -> Vec<Vec<u64>> {
        traces
            .iter()
            .map(|t| t.values().iter().map(|v| v.to_bits()).collect())
            .collect()
    };
    let pool = |n: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
    };
    for precision in [Precision::F64, Precision::F32] {
        let sim = sim.clone().with_precision(precision);
        let whole = bits(pool(2).install(|| sim.simulate_batch(&th, 9)).unwrap());
        assert_eq!(
            bits(pool(1).install(|| sim.simulate_batch(&th, 9)).unwrap()),
            whole
        );
        // A batch split in two keeps each item's noise (items keyed by their global index).
        let (a, b): (Vec<_>, Vec<_>) = (0..37).partition(|i| *i < 20);
        let part = |idx: &[usize]| {
            RowMatrix::from_rows(&idx.iter().map(|&i| rows[i].clone()).collect::<Vec<_>>()).unwrap()
        };
        let first = sim.simulate_batch_each(&part(&a), 9, 0).unwrap();
        let second = sim.simulate_batch_each(&part(&b), 9, 20).unwrap();
        let split: Vec<_> = first
            .into_iter()
            .chain(second)
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(bits(split), whole);
        // Noise is really there: σ moves the trace.
        assert_ne!(
            whole[0],
            bits(simulator().simulate_batch(&thetas(), 9).unwrap())[0]
        );
    }
    // The scalar kernel is `simulate` with each item's generator, to the bit.
    let scalar = bits(
        sim.clone()
            .with_kernel(Kernel::Scalar)
            .simulate_batch(&th, 9)
            .unwrap(),
    );
    let one = sim
        .simulate(th.row(5), &mut sbi_core::item_rng(9, 5))
        .unwrap();
    assert_eq!(scalar[5], bits(vec![one])[0]);
}
