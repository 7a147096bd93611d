//! Boundary suite (proptest, fixed seed): data, models, studies and solver settings from
//! random values give an `Err` or a valid value (fractions in [0, 1], finite losses and fits),
//! and every solver ends — never a panic, never a hang. Budgets are kept tiny: settings that
//! would be expensive are generated only in their invalid extremes (0, usize::MAX, NaN).

use proptest::prelude::*;
use sbi_core::testing::boundary::{config, mostly, small_or_huge};
use spike_fit::{
    GridSearch, Loss, Mode, NelderMead, SpikeData, SpikeModel, Study, StudySolver, ThresholdSearch,
};

fn data() -> impl Strategy<Value = Option<SpikeData>> {
    (1usize..4).prop_flat_map(|n| {
        (
            prop::collection::vec(mostly(0.8..1.2, 10), n),
            prop::collection::vec(0u64..1200, n),
            prop::collection::vec(prop_oneof![Just(1000u64), 0u64..2000], n),
        )
            .prop_map(|(x, k, t)| SpikeData::from_counts(x, k, t).ok())
    })
}

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![Just(Mode::Corrected), Just(Mode::Upstream)]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn data_constructors(x in prop::collection::vec(mostly(0.5..2.0, 10), 0..5),
                         f in prop::collection::vec(mostly(0.0..1.0, 10), 0..5),
                         text in "[a-z_,0-9.\\n\\-eE]{0,80}") {
        if let Ok(d) = SpikeData::from_fractions(x.clone(), f) {
            prop_assert!(!d.is_empty());
            prop_assert!(d.fractions().iter().all(|p| (0.0..=1.0).contains(p)));
            prop_assert!(d.x().iter().all(|v| v.is_finite() && *v > 0.0));
        }
        let csv = format!("relative_stimulus,spiking_trials,trials\n{text}");
        if let Ok(d) = SpikeData::parse_csv(&csv, "random") {
            prop_assert!(d.fractions().iter().all(|p| (0.0..=1.0).contains(p)));
        }
    }
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn models_and_predictions(mode in mode(), k_noise in mostly(0.0..1e-4, 10),
                              steps in prop_oneof![8 => 60usize..900, 1 => Just(0usize), 1 => Just(usize::MAX)],
                              current in mostly(0.0..2e-7, 10), area in mostly(0.01..1.0, 10),
                              trials in small_or_huge(1..6), seed in any::<u64>(),
                              data in data(), dv in mostly(-0.5..3.0, 10), da in mostly(-0.5..5.0, 10)) {
        let model = SpikeModel { mode, k_noise, num_steps: steps };
        if let Ok(f) = model.spike_fraction(current, area, trials, seed, 0) {
            prop_assert!((0.0..=1.0).contains(&f));
        }
        let Some(data) = data else { return Ok(()) };
        let Ok(study) = Study::new(model, data) else { return Ok(()) };
        let study = study.with_trials(trials).with_seed(seed);
        if let Ok(p) = study.predict(dv, da) {
            prop_assert!(p.iter().all(|f| (0.0..=1.0).contains(f)));
            for loss in [Loss::Mse, Loss::BinomialNll] {
                let c = study.loss(loss, &p).unwrap();
                prop_assert!(c.is_finite() && c >= 0.0, "{c}");
            }
        }
    }

    #[test]
    fn solvers_end_with_an_error_or_a_finite_fit(
        data in data(), start_v in mostly(-0.5..3.0, 10), start_a in mostly(-0.5..5.0, 10),
        levels in small_or_huge(1..3), points in small_or_huge(2..4), shrink in mostly(1.5..4.0, 10),
        span in mostly(0.01..1.0, 10), factor in small_or_huge(1..2),
        step in mostly(0.01..0.5, 10), evaluations in small_or_huge(3..10), restarts in small_or_huge(0..2),
        tolerance in mostly(0.0..1e-3, 10),
        area_points in small_or_huge(3..5), area_span in mostly(0.1..2.0, 10), area_tol in mostly(0.2..1.0, 10),
        which in 0usize..3) {
        let Some(data) = data else { return Ok(()) };
        let study = Study::new(SpikeModel::new(Mode::Corrected), data).unwrap().with_trials(4);
        let solver: Box<dyn StudySolver> = match which {
            0 => Box::new(GridSearch { levels, points, span: [span, 10.0 * span], shrink, final_trials_factor: factor }),
            1 => Box::new(NelderMead { step: [step, step], restarts, max_evaluations: evaluations, tolerance }),
            _ => Box::new(ThresholdSearch { area_span, area_points, tolerance: area_tol }),
        };
        if let Ok(r) = spike_fit::fit(&study, solver.as_ref(), Loss::Mse, (start_v, start_a), &mut ()) {
            prop_assert!(r.cost.is_finite() && r.delta_v > -1.0 && r.delta_area > -1.0, "{r:?}");
            prop_assert!(r.delta_v.is_finite() && r.delta_area.is_finite());
        }
    }
}
