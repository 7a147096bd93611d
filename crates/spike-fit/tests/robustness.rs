//! Solvers end, and say so, on every input: invalid starts, settings and data that put the
//! whole search outside the valid region were endless loops before (memory growing without
//! bound) or garbage fits reported as converged.

use spike_fit::{
    Error, GridSearch, Loss, Mode, NelderMead, SpikeData, SpikeModel, Study, StudySolver,
    ThresholdSearch, fit,
};

fn small_study(x: Vec<f64>) -> Study {
    let f = vec![0.2, 0.5, 0.8];
    Study::new(
        SpikeModel::new(Mode::Corrected),
        SpikeData::from_fractions(x, f).unwrap(),
    )
    .unwrap()
    .with_trials(16)
}

fn quick_solvers() -> Vec<Box<dyn StudySolver>> {
    vec![
        Box::new(GridSearch {
            levels: 2,
            points: 3,
            final_trials_factor: 1,
            ..GridSearch::default()
        }),
        Box::new(NelderMead {
            max_evaluations: 12,
            restarts: 1,
            ..NelderMead::default()
        }),
        Box::new(ThresholdSearch {
            area_points: 3,
            tolerance: 0.5,
            ..ThresholdSearch::default()
        }),
    ]
}

#[test]
fn invalid_starts_are_errors() {
    let study = small_study(vec![0.95, 1.0, 1.05]);
    for solver in quick_solvers() {
        for start in [
            (-1.0, 0.0),
            (-2.0, 0.0),
            (f64::NAN, 0.0),
            (0.0, -1.0),
            (0.0, f64::INFINITY),
        ] {
            let r = spike_fit::solve(&study, solver.as_ref(), Loss::Mse, start, &mut ());
            assert!(r.is_err(), "{} from {start:?}: {r:?}", solver.solver_name());
            assert!(fit(&study, solver.as_ref(), Loss::Mse, start, &mut ()).is_err());
        }
    }
}

#[test]
fn data_far_outside_the_model_range_are_an_error_not_a_hang() {
    // Relative stimuli of 10¹⁷ (the anchored pulse strength underflowed δv to −1) and of
    // 10⁻³⁰⁰ (the grid reported δv = 6.7·10²⁹⁸ as converged): unit mistakes, refused with
    // the data.
    for x in [
        vec![0.95e17, 1e17, 1.05e17],
        vec![0.95e-300, 1e-300, 1.05e-300],
    ] {
        let r = SpikeData::from_fractions(x, vec![0.2, 0.5, 0.8]);
        assert!(
            matches!(&r, Err(Error::InvalidData(m)) if m.contains("check its unit")),
            "{r:?}"
        );
    }
    // At the edges of the range every solver ends, with an error or a fit inside the
    // deltas' range.
    for x in [vec![0.95e3, 0.97e3, 1e3], vec![1e-3, 1.02e-3, 1.05e-3]] {
        let study = small_study(x);
        for solver in quick_solvers() {
            match fit(&study, solver.as_ref(), Loss::Mse, (0.0, 0.0), &mut ()) {
                Ok(f) => {
                    let (dv, da) = (f.delta_v, f.delta_area);
                    assert!(dv > -1.0 && dv <= spike_fit::MAX_DELTA, "{dv}");
                    assert!(da > -1.0 && da <= spike_fit::MAX_DELTA, "{da}");
                }
                Err(e) => eprintln!("{}: {e}", solver.solver_name()),
            }
        }
    }
}

#[test]
fn solver_settings_that_never_end_are_rejected() {
    let study = small_study(vec![0.95, 1.0, 1.05]);
    let bad: Vec<Box<dyn StudySolver>> = vec![
        Box::new(NelderMead {
            step: [f64::NAN, 0.5],
            ..NelderMead::default()
        }),
        Box::new(NelderMead {
            step: [0.0, 0.5],
            ..NelderMead::default()
        }),
        Box::new(NelderMead {
            tolerance: f64::NAN,
            ..NelderMead::default()
        }),
        Box::new(NelderMead {
            max_evaluations: usize::MAX,
            ..NelderMead::default()
        }),
        Box::new(ThresholdSearch {
            tolerance: 1e-300,
            ..ThresholdSearch::default()
        }),
        Box::new(ThresholdSearch {
            area_span: f64::INFINITY,
            ..ThresholdSearch::default()
        }),
        Box::new(ThresholdSearch {
            area_points: usize::MAX,
            ..ThresholdSearch::default()
        }),
        Box::new(GridSearch {
            points: usize::MAX,
            ..GridSearch::default()
        }),
        Box::new(GridSearch {
            shrink: f64::NAN,
            ..GridSearch::default()
        }),
        Box::new(GridSearch {
            span: [f64::NAN, 1.0],
            ..GridSearch::default()
        }),
        Box::new(GridSearch {
            final_trials_factor: usize::MAX,
            ..GridSearch::default()
        }),
    ];
    for s in bad {
        let r = spike_fit::solve(&study, s.as_ref(), Loss::Mse, (0.0, 0.0), &mut ());
        assert!(
            matches!(
                r,
                Err(Error::Core(sbi_core::Error::InvalidParameter { .. }))
            ),
            "{}: {r:?}",
            s.solver_name()
        );
    }
}

#[test]
fn budgets_bound_the_work_and_the_history() {
    let study = small_study(vec![0.95, 1.0, 1.05]);
    let nm = NelderMead {
        max_evaluations: 10,
        restarts: 1,
        tolerance: 0.0,
        ..NelderMead::default()
    };
    let r = fit(&study, &nm, Loss::Mse, (0.0, 0.0), &mut ()).unwrap();
    // Two runs, each: the initial simplex (3), then at most 10 evaluations, overshot by at
    // most the 3 of one last step.
    assert!(r.evaluations <= 2 * (3 + 10 + 3), "{}", r.evaluations);
    assert!(r.history.len() <= r.evaluations);
    assert!(r.cost.is_finite() && r.delta_v > -1.0 && r.delta_area > -1.0);
}

#[test]
fn public_model_entry_points_check_their_inputs() {
    let study = small_study(vec![0.95, 1.0, 1.05]);
    // A prediction of the wrong length, or outside [0, 1], is an error, not a silent number.
    assert!(study.loss(Loss::Mse, &[0.5, 0.5]).is_err());
    assert!(study.loss(Loss::Mse, &[0.5, 0.5, 0.5, 0.5]).is_err());
    assert!(
        study
            .loss(Loss::BinomialNll, &[0.5, f64::NAN, 0.5])
            .is_err()
    );
    assert!(study.loss(Loss::Mse, &[0.5, 1.5, 0.5]).is_err());
    assert!(study.clone().with_trials(0).predict(0.0, 0.0).is_err());
    assert!(
        study
            .clone()
            .with_trials(usize::MAX)
            .predict(0.0, 0.0)
            .is_err()
    );
    assert!(study.clone().with_trials(0).thresholds(0.0).is_err());
    let objective = spike_fit::StudyObjective {
        study: &study,
        loss: Loss::Mse,
    };
    assert!(sbi_core::Objective::cost(&objective, &[0.0]).is_err());
    assert!(sbi_core::Objective::cost(&objective, &[0.0, 0.0, 0.0]).is_err());
}
