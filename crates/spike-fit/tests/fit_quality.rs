//! The study's fit from (0, 0), in both modes, judged on fresh noise: MSE against the measured
//! fractions with 20,000 new trials per point ≤ 1.5·10⁻⁴ (no two-parameter sigmoid gets below
//! ≈ 6·10⁻⁵ on these data; binomial noise of 20,000 trials adds ≈ 10⁻⁵).

use spike_fit::{GridSearch, Loss, Mode, SpikeData, SpikeModel, Study, fit, mse};

fn fresh_mse(mode: Mode) -> (f64, f64, f64) {
    let data = SpikeData::measured();
    let study = Study::new(SpikeModel::new(mode), data).unwrap();
    let r = fit(
        &study,
        &GridSearch::default(),
        Loss::Mse,
        (0.0, 0.0),
        &mut (),
    )
    .unwrap();
    let fresh = study.clone().with_trials(20_000).with_seed(0xF2E5);
    let pred = fresh.predict(r.delta_v, r.delta_area).unwrap();
    (
        mse(&pred, &study.data().fractions()),
        r.delta_v,
        r.delta_area,
    )
}

#[test]
fn fit_reaches_fresh_mse_below_1_5e_4_in_both_modes() {
    for mode in [Mode::Corrected, Mode::Upstream] {
        let (m, dv, da) = fresh_mse(mode);
        eprintln!("{mode}: δv {dv:.4}, δa {da:.4}, fresh MSE {m:.3e}");
        assert!(m <= 1.5e-4, "{mode}: fresh MSE {m}");
    }
}
