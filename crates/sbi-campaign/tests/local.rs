//! Campaigns in one process: the pipeline's dataset bit for bit (either schedule), failures
//! kept with their cause, fail-fast as the pipeline, and clear errors for bad settings.

mod common;

use common::{Flaky, identity, unit_box};
use sbi_campaign::{Campaign, Error, Schedule};
use sbi_core::{Identity, testing::LinearGaussian};
use sbi_inference::{FailureStage, Npe, Problem};

#[test]
fn a_local_campaign_is_the_pipelines_dataset_for_either_schedule() {
    let prior = unit_box();
    let sim = LinearGaussian::new(2, 0.3).unwrap();
    let summary = Identity::new(2);
    let pipeline = Npe::new(
        Problem::new(&prior, &sim, &summary)
            .num_simulations(999)
            .seed(11),
    )
    .simulate()
    .unwrap();
    for schedule in [
        Schedule::Static,
        Schedule::Dynamic { chunk: 1 },
        Schedule::Dynamic { chunk: 100 },
    ] {
        let run = Campaign::new(
            Problem::new(&prior, &sim, &summary)
                .num_simulations(999)
                .seed(11),
        )
        .schedule(schedule)
        .run_local()
        .unwrap();
        assert_eq!(run.dataset.as_ref(), Some(&pipeline), "{schedule:?}");
        assert_eq!((run.rank, run.size, run.num_simulations), (0, 1, 999));
        assert_eq!(run.ranks[0].num_simulations, 999);
    }
    let other = Campaign::new(
        Problem::new(&prior, &sim, &summary)
            .num_simulations(999)
            .seed(12),
    )
    .run_local()
    .unwrap();
    assert_ne!(other.dataset.as_ref(), Some(&pipeline));
}

#[test]
fn failed_simulations_are_kept_with_their_cause_as_in_the_pipeline() {
    let prior = unit_box();
    let sim = Flaky::failing_above(0.7);
    let summary = identity();
    let run = Campaign::new(
        Problem::new(&prior, &sim, &summary)
            .num_simulations(500)
            .seed(3),
    )
    .schedule(Schedule::Dynamic { chunk: 33 })
    .run_local()
    .unwrap();
    let data = run.dataset.unwrap();
    let pipeline = Npe::new(
        Problem::new(&prior, &sim, &summary)
            .num_simulations(500)
            .seed(3),
    )
    .simulate()
    .unwrap();
    assert_eq!(data, pipeline);
    // About 30 % of θ₀ ~ U(0, 1) lie above 0.7: 150 ± 10 (binomial SE) of 500.
    assert!(
        (110..190).contains(&data.num_failed()),
        "{}",
        data.num_failed()
    );
    assert_eq!(run.ranks[0].num_failed, data.num_failed());
    for f in data.failures() {
        assert_eq!(f.stage, FailureStage::Simulator);
        assert!(data.theta().row(f.index)[0] > 0.7);
        assert!(f.message.contains("test model's range"), "{}", f.message);
    }
}

#[test]
fn a_model_that_always_fails_stops_early_and_a_refused_batch_is_an_error() {
    let prior = unit_box();
    let summary = identity();
    let always = Flaky::failing_above(-1.0);
    let err = Campaign::new(Problem::new(&prior, &always, &summary).num_simulations(5000))
        .run_local()
        .unwrap_err();
    match err {
        Error::Inference(sbi_inference::Error::SimulationsFailed { failed, total, .. }) => {
            assert_eq!(failed, total);
            assert!(total < 5000, "stopped after {total}");
        }
        other => panic!("{other}"),
    }
    let refusing = Flaky::refusing(700);
    let err = Campaign::new(Problem::new(&prior, &refusing, &summary).num_simulations(1000))
        .run_local()
        .unwrap_err();
    assert!(err.to_string().contains("accepts"), "{err}");
}

#[test]
fn bad_campaigns_are_refused_before_any_simulation() {
    let prior = unit_box();
    let sim = LinearGaussian::new(2, 0.3).unwrap();
    let three = LinearGaussian::new(3, 0.3).unwrap();
    let summary = Identity::new(2);
    let one = Campaign::new(Problem::new(&prior, &sim, &summary).num_simulations(1)).run_local();
    assert!(one.unwrap_err().to_string().contains("at least 2"));
    let dims = Campaign::new(Problem::new(&prior, &three, &Identity::new(3))).run_local();
    assert!(dims.is_err());
    let chunk = Campaign::new(Problem::new(&prior, &sim, &summary))
        .schedule(Schedule::Dynamic { chunk: 0 })
        .run_local();
    assert!(matches!(chunk, Err(Error::Invalid(_))));
}
