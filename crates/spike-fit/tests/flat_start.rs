//! At the literal start (δv, δa) = (0, 0) the loss is flat: nearly every trial spikes at every
//! data point (100 µA/cm² against a threshold of 69), and with common random numbers a small
//! step changes no trial's outcome, so a finite-difference gradient is exactly zero — a gradient-based optimiser (as in
//! the original study) stops where it started. `fit` anchors the start instead.

use spike_fit::{Loss, Mode, SpikeData, SpikeModel, Study};

#[test]
fn loss_is_flat_at_the_literal_start() {
    let data = SpikeData::measured();
    let study = Study::new(SpikeModel::new(Mode::Corrected), data)
        .unwrap()
        .with_trials(200);
    let at = |dv: f64, da: f64| {
        study
            .loss(Loss::Mse, &study.predict(dv, da).unwrap())
            .unwrap()
    };
    let base = at(0.0, 0.0);
    let pred = study.predict(0.0, 0.0).unwrap();
    assert!(
        pred.iter().all(|p| *p > 0.95),
        "nearly all trials spike at the start: {pred:?}"
    );
    // scipy's default finite-difference step (√ε ≈ 1.5e-8) and a much larger one: no change.
    for h in [1.5e-8, 1e-4] {
        assert_eq!(at(h, 0.0), base, "h = {h}");
        assert_eq!(at(0.0, h), base, "h = {h}");
    }
    // From the anchored start, the loss does respond.
    let s0 = study.anchor_s();
    assert!(at(s0 - 1.0, 0.0) < base);
}
