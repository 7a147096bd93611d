//! The misspecification tests on the HH model (the notebook's simulator, θ = (v_rest,
//! stim_amplitude), sbi's 7 features): traces the model produces pass, traces it cannot
//! produce — from the other channel model, with a baseline shifted beyond the prior, or with a
//! feature beyond every simulation — are flagged.

use hh_model::{HhSimulator, Model, ModelSimulator, Protocol, Scheme};
use hh_stats::TraceFeatures;
use rand::SeedableRng;
use sbi_core::{SeedRng, Simulator, SummaryStatistics, Trace};
use sbi_inference::{Dataset, Misspecification, MmdTest, Npe, Problem, Verdict, XDensity};
use sbi_npe::{DirectPosterior, NeuralEstimator};
use sbi_prior::BoxUniform;

fn setup() -> (HhSimulator, TraceFeatures, BoxUniform) {
    (
        HhSimulator::notebook(),
        TraceFeatures::parse("sbi7").unwrap(),
        BoxUniform::new(vec![40.0, 3.0], vec![60.0, 7.0]).unwrap(),
    )
}

fn simulations(n: usize, seed: u64) -> Dataset {
    let (sim, features, prior) = setup();
    Npe::new(
        Problem::new(&prior, &sim, &features)
            .num_simulations(n)
            .seed(seed),
    )
    .simulate()
    .unwrap()
}

/// 2,000 simulations (seed 1) are the model's record; 100 more (seed 2) the in-model
/// observations. Exact level 0.05: 95 of 100 pass in expectation (binomial standard error
/// 2.2), at least 89 required of each test. Out-of-model observations give p < 0.01 by both
/// tests and the verdict "outside".
#[test]
fn hh_observations_in_and_out_of_the_model() {
    let data = simulations(2000, 1);
    let mmd = MmdTest::new(&data, 5).unwrap();
    let estimator = NeuralEstimator::from_name("nsf").unwrap();
    let density: XDensity<DirectPosterior> = XDensity::fit(&estimator, &data, 5, &mut ()).unwrap();
    let observed = simulations(100, 2);
    let mut pass = [0usize; 2];
    for x in observed
        .x()
        .rows()
        .filter(|r| r.iter().all(|v| v.is_finite()))
    {
        let m = Misspecification::check(&data, &mmd, Some(&density), x).unwrap();
        pass[0] += usize::from(m.mmd.p_value > 0.05);
        pass[1] += usize::from(m.density.unwrap().p_value > 0.05);
    }
    println!("in-model passes (MMD, density of x): {pass:?} of 100");
    assert!(pass[0] >= 89 && pass[1] >= 89, "{pass:?}");

    let (sim, features, _) = setup();
    let mut rng = SeedRng::seed_from_u64(9);
    // The other channel model under the same protocol (absolute potentials, Pospischil's
    // kinetics).
    let pospischil = ModelSimulator::for_model(
        Model::pospischil(),
        Protocol::notebook(5.0),
        Scheme::default(),
        &["stim_amplitude"],
    )
    .unwrap();
    let other = features
        .summarize(&pospischil.simulate(&[5.0], &mut rng).unwrap())
        .unwrap();
    // The model's own trace at θ = (50 mV, 5 µA/cm²), its baseline moved by +25 mV: beyond
    // what v_rest ∈ [40, 60] can explain.
    let trace = sim.simulate(&[50.0, 5.0], &mut rng).unwrap();
    let moved: Vec<f64> = trace.values().iter().map(|v| v + 25.0).collect();
    let moved = Trace::new(trace.dt_ms(), trace.t0_ms(), moved).unwrap();
    let moved = match trace.stimulus() {
        Some(w) => moved.with_stimulus(w),
        None => moved,
    };
    let shifted = features.summarize(&moved).unwrap();
    // One feature (the first) three times the largest simulated.
    let mut beyond = features.summarize(&trace).unwrap();
    beyond[0] = 3.0
        * data
            .x()
            .column(0)
            .iter()
            .fold(0.0f64, |m, v| m.max(v.abs()));
    for (what, x) in [
        ("Pospischil trace", other),
        ("baseline +25 mV", shifted),
        ("feature beyond", beyond),
    ] {
        let m = Misspecification::check(&data, &mmd, Some(&density), &x).unwrap();
        println!("{what}: {}", m.report("this trace"));
        assert!(m.mmd.p_value < 0.01, "{what}: MMD p = {}", m.mmd.p_value);
        assert!(m.density.unwrap().p_value < 0.01, "{what}: density p");
        assert_eq!(m.verdict(), Verdict::Outside);
    }
}
