//! The solvers on a small synthetic study whose true parameters are known: data simulated by
//! the model itself at (δv, δa) = (1.0, 1.5), 4,000 trials per point.

use spike_fit::{
    FitResult, GridSearch, Loss, Mode, NelderMead, SpikeData, SpikeModel, Study, StudySolver,
    ThresholdSearch, fit, from_coords, to_coords,
};

const TRUTH: (f64, f64) = (1.0, 1.5);

fn study() -> Study {
    let model = SpikeModel::new(Mode::Corrected);
    let xs = vec![0.8, 0.84, 0.87, 0.9, 0.96];
    let truth = Study::new(
        model,
        SpikeData::from_fractions(xs.clone(), vec![0.5; 5]).unwrap(),
    )
    .unwrap()
    .with_trials(4000)
    .with_seed(123)
    .predict(TRUTH.0, TRUTH.1)
    .unwrap();
    assert!(
        truth[0] < 0.35 && truth[4] > 0.65,
        "informative data: {truth:?}"
    );
    let data = SpikeData::from_fractions(xs, truth).unwrap();
    Study::new(model, data)
        .unwrap()
        .with_trials(300)
        .with_seed(7)
}

fn check(st: &Study, r: &FitResult, what: &str) {
    // s = (1 + δv)/(1 + δa) is what the spike fractions pin down most tightly.
    let s = (1.0 + r.delta_v) / (1.0 + r.delta_area);
    let s_true = (1.0 + TRUTH.0) / (1.0 + TRUTH.1);
    assert!(
        (s / s_true - 1.0).abs() < 0.02,
        "{what}: s {s} vs {s_true} ({r:?})"
    );
    // The area is only weakly identified by five noisy points; what an optimiser must do is
    // find a loss no worse than the truth's on its own (common-random-number) objective.
    let at_truth = st
        .loss(Loss::Mse, &st.predict(TRUTH.0, TRUTH.1).unwrap())
        .unwrap();
    assert!(
        r.cost <= at_truth + 2e-4,
        "{what}: loss {} vs {at_truth} at the truth",
        r.cost
    );
    assert!(
        r.history.windows(2).all(|w| w[1] <= w[0]),
        "{what}: best loss never rises"
    );
    assert!(r.cost < 5e-3, "{what}: loss {}", r.cost);
}

#[test]
fn every_solver_recovers_the_truth_from_the_default_start() {
    let st = study();
    let solvers: [(Box<dyn StudySolver>, &str); 3] = [
        (
            Box::new(GridSearch {
                levels: 3,
                points: 5,
                ..GridSearch::default()
            }),
            "grid",
        ),
        (
            Box::new(NelderMead {
                restarts: 1,
                max_evaluations: 40,
                ..NelderMead::default()
            }),
            "nelder-mead",
        ),
        (
            Box::new(ThresholdSearch {
                area_span: 1.5,
                area_points: 7,
                tolerance: 0.1,
            }),
            "threshold",
        ),
    ];
    for (solver, name) in solvers {
        let r = fit(&st, solver.as_ref(), Loss::Mse, (0.0, 0.0), &mut ()).unwrap();
        assert_eq!(r.solver, name);
        check(&st, &r, name);
    }
    let r = fit(
        &st,
        &GridSearch {
            levels: 2,
            points: 5,
            ..GridSearch::default()
        },
        Loss::BinomialNll,
        (0.0, 0.0),
        &mut (),
    )
    .unwrap();
    assert!(r.cost.is_finite());
}

#[test]
fn coordinates_round_trip_and_bad_settings_fail() {
    let (dv, da) = from_coords(to_coords(0.3, -0.4));
    assert!((dv - 0.3).abs() < 1e-12 && (da + 0.4).abs() < 1e-12);
    let st = study();
    assert!(fit(&st, &GridSearch::default(), Loss::Mse, (-1.5, 0.0), &mut ()).is_err());
    assert!(
        fit(
            &st,
            &GridSearch {
                points: 1,
                ..GridSearch::default()
            },
            Loss::Mse,
            (0.0, 0.0),
            &mut ()
        )
        .is_err()
    );
    assert!(
        fit(
            &st,
            &ThresholdSearch {
                area_points: 2,
                ..ThresholdSearch::default()
            },
            Loss::Mse,
            (0.0, 0.0),
            &mut ()
        )
        .is_err()
    );
}
