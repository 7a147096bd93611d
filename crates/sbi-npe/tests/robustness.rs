//! Bad input at the boundaries of sbi-npe: files that pass the checksum but do not make
//! sense, observations far from the training data, diagnostics fed the wrong shapes, sizes
//! that would abort, statistics that overflow — each a clear error, never a panic.

mod common;
use common::FitPairs;

use rand::SeedableRng;
use sbi_core::testing::LinearGaussian;
use sbi_core::{Identity, Posterior, Prior, RowMatrix, SeedRng};
use sbi_inference::{Calibration, Npe, Problem, c2st};
use sbi_npe::{
    DirectPosterior, EnsembleExt, Error, MdnConfig, MdnEstimator, TrainConfig, TrainedOn,
};
use sbi_prior::BoxUniform;

fn prior() -> BoxUniform {
    BoxUniform::new(vec![-3.0, -3.0], vec![3.0, 3.0]).unwrap()
}

/// A small, quick posterior (enough for shape and error tests).
fn quick() -> DirectPosterior {
    let est = MdnEstimator::new()
        .with_mdn(MdnConfig::new().with_num_components(2))
        .with_train(TrainConfig::new().with_max_epochs(4));
    let sim = LinearGaussian::new(2, 0.5).unwrap();
    Npe::new(
        Problem::new(&prior(), &sim, &Identity::new(2))
            .num_simulations(400)
            .seed(3),
    )
    .train(&est)
    .unwrap()
    .posterior
}

fn temp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("sbi-npe-robust-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Rewrites a saved file with `edit` applied to its payload and a checksum that matches.
fn edit_saved(path: &std::path::Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    edit(&mut v["payload"]);
    let payload = serde_json::to_string(&v["payload"]).unwrap();
    let h = payload.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    v["checksum"] = serde_json::json!(format!("{h:016x}"));
    std::fs::write(path, serde_json::to_string(&v).unwrap()).unwrap();
}

#[test]
fn checksum_valid_files_with_meaningless_parts_are_refused() {
    let post = quick();
    let dir = temp("files");
    let path = dir.join("p.json");
    type Edit = fn(&mut serde_json::Value);
    let cases: [(&str, Edit); 15] = [
        // Loaded, then panicked in ZScore::apply.
        ("whitening of the wrong length", |p| {
            p["x_zscore"]["whitening"] = serde_json::json!([1.0, 0.0, 0.0]);
        }),
        ("whitening with a null", |p| {
            p["x_zscore"]["whitening"] = serde_json::json!([1.0, 0.0, null, 1.0]);
        }),
        ("whitening of θ", |p| {
            p["theta_zscore"]["whitening"] = serde_json::json!([1.0, 0.0, 0.0, 1.0]);
        }),
        // Loaded, then said "poorly trained" at every x.
        ("inverted support", |p| {
            p["prior_support"]["low"] = serde_json::json!([3.0, -3.0]);
            p["prior_support"]["high"] = serde_json::json!([-3.0, 3.0]);
        }),
        ("another prior's support", |p| {
            p["prior_support"]["low"] = serde_json::json!([100.0, 100.0]);
            p["prior_support"]["high"] = serde_json::json!([200.0, 200.0]);
        }),
        ("feature names that do not fit", |p| {
            p["trained_on"]["feature_names"] = serde_json::json!(["a", "b", "c"]);
        }),
        // The reliability report's degenerate loads: each used to load and sample a point
        // mass, ignore x, or skip the provenance check.
        ("an absurd whitening diagonal", |p| {
            p["x_zscore"]["whitening"] = serde_json::json!([1e30, 0.0, 0.0, 1e30]);
        }),
        ("an all-zero whitening", |p| {
            p["x_zscore"]["whitening"] = serde_json::json!([0.0, 0.0, 0.0, 0.0]);
        }),
        ("a std of 1e-300", |p| {
            p["theta_zscore"]["std"][0] = serde_json::json!(1e-300);
        }),
        ("a std of 1e300", |p| {
            p["x_zscore"]["std"][1] = serde_json::json!(1e300);
        }),
        ("no trained_on", |p| {
            p.as_object_mut().unwrap().remove("trained_on");
        }),
        ("batch_size 0", |p| {
            p["train"]["batch_size"] = serde_json::json!(0);
        }),
        ("a negative learning rate", |p| {
            p["train"]["learning_rate"] = serde_json::json!(-1e-3);
        }),
        ("a weight of 1e30", |p| {
            p["weights"]["output"]["bias"][0] = serde_json::json!(1e30);
        }),
        ("a precision floor of 1e30", |p| {
            p["mdn"]["min_factor_diagonal"] = serde_json::json!(1e30);
        }),
    ];
    for (what, edit) in cases {
        post.save(&path).unwrap();
        edit_saved(&path, edit);
        match DirectPosterior::load(&path) {
            Err(Error::InvalidFile(m)) => eprintln!("{what}: {m}"),
            other => panic!("{what}: {other:?}"),
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn what_a_posterior_was_trained_on_is_saved_and_checked() {
    let post = quick().with_trained_on(
        TrainedOn::default()
            .with_feature_names(vec!["x0".into(), "x1".into()])
            .with_setting("noise_sigma", 0.5),
    );
    let dir = temp("trained-on");
    let path = dir.join("p.json");
    post.save(&path).unwrap();
    let loaded = DirectPosterior::load(&path).unwrap();
    assert_eq!(loaded.trained_on(), post.trained_on());
    let same = TrainedOn::default()
        .with_feature_names(vec!["x0".into(), "x1".into()])
        .with_setting("noise_sigma", 0.5);
    loaded.check_trained_on(&same, &prior().bounds()).unwrap();
    // Another noise level, other features of the same width, another prior box: refused,
    // naming both sides.
    let noisier = same.clone().with_setting("noise_sigma", 1);
    let err = loaded
        .check_trained_on(&noisier, &prior().bounds())
        .unwrap_err();
    assert!(
        matches!(&err, Error::TrainedOnMismatch { saved, now, .. } if saved == "0.5" && now == "1"),
        "{err}"
    );
    let other = same
        .clone()
        .with_feature_names(vec!["max".into(), "mean".into()]);
    assert!(loaded.check_trained_on(&other, &prior().bounds()).is_err());
    // A file that does not record what a use expects is refused, not waved through.
    let bare = quick();
    let err = bare.check_trained_on(&same, &prior().bounds()).unwrap_err();
    assert!(err.to_string().contains("not recorded"), "{err}");
    let more = same.clone().with_setting("dt_ms", 0.01);
    let err = loaded
        .check_trained_on(&more, &prior().bounds())
        .unwrap_err();
    assert!(err.to_string().contains("dt_ms"), "{err}");
    let wider = BoxUniform::new(vec![-4.0, -3.0], vec![3.0, 3.0]).unwrap();
    let err = loaded.check_trained_on(&same, &wider.bounds()).unwrap_err();
    assert!(err.to_string().contains("-4.0"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_observation_far_outside_the_training_data_says_so() {
    let post = quick();
    let mut rng = SeedRng::seed_from_u64(0);
    for x in [[1e300, 0.0], [0.0, -1e300]] {
        let err = post.sample(&x, 10, &mut rng).unwrap_err();
        assert!(
            matches!(
                err,
                Error::OutsideTrainingData { .. } | Error::LowAcceptance { .. }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("training"), "{err}");
    }
}

#[test]
fn diagnostics_check_shapes_and_magnitudes() {
    let post = quick();
    let sim = LinearGaussian::new(2, 0.5).unwrap();
    let mut rng = SeedRng::seed_from_u64(1);
    let thetas = prior().sample_batch(4, &mut rng).unwrap();
    let xs = RowMatrix::from_rows(&sbi_core::Simulator::simulate_batch(&sim, &thetas, 2).unwrap())
        .unwrap();
    // θ wider than the posterior panicked; narrower or NaN θ were silently accepted.
    let wide = RowMatrix::from_rows(&thetas.rows().map(|r| [r[0], r[1], 0.0]).collect::<Vec<_>>())
        .unwrap();
    assert!(Calibration::run(&post, &wide, &xs, 20, 3).is_err());
    let narrow = RowMatrix::from_rows(&thetas.rows().map(|r| [r[0]]).collect::<Vec<_>>()).unwrap();
    assert!(Calibration::run(&post, &narrow, &xs, 20, 3).is_err());
    let mut nan = thetas.clone();
    nan.row_mut(2)[1] = f64::NAN;
    assert!(Calibration::run(&post, &nan, &xs, 20, 3).is_err());
    assert!(Calibration::run(&post, &thetas, &xs, usize::MAX, 3).is_err());
    assert!(Calibration::run(&post, &thetas, &xs, 20, 3).is_ok());
    // C2ST of two clearly separated sets at |x| ≈ 10¹⁵⁴ said 0.5 (the variance overflowed).
    let a = RowMatrix::from_rows(
        &(0..60)
            .map(|i| [1e154 * (1.0 + 0.001 * i as f64)])
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let b = RowMatrix::from_rows(
        &(0..60)
            .map(|i| [-1e154 * (1.0 + 0.001 * i as f64)])
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let score = c2st(&a, &b).unwrap();
    assert!(score > 0.95, "{score}");
    let huge = RowMatrix::from_rows(&[[f64::MAX], [-f64::MAX], [f64::MAX]]).unwrap();
    assert!(c2st(&huge, &huge).unwrap().is_finite());
}

#[test]
fn sizes_that_would_abort_are_errors() {
    let post = quick();
    let mut rng = SeedRng::seed_from_u64(2);
    for n in [usize::MAX, 1 << 63, 1 << 31] {
        assert!(
            matches!(
                post.sample(&[0.0, 0.0], n, &mut rng),
                Err(Error::Core(sbi_core::Error::TooLarge { .. }))
            ),
            "{n}"
        );
    }
    let support = prior().bounds();
    let est = MdnEstimator::new().with_mdn(MdnConfig::new().with_hidden_features(usize::MAX));
    let theta = RowMatrix::from_rows(&[[0.0, 0.0], [1.0, 1.0], [0.5, 0.5]]).unwrap();
    assert!(est.fit_pairs(&theta, &theta, &support, 0, &mut ()).is_err());
    let est = MdnEstimator::new().with_mdn(MdnConfig::new().with_num_components(usize::MAX));
    assert!(est.fit_pairs(&theta, &theta, &support, 0, &mut ()).is_err());
}

#[test]
fn training_refuses_statistics_that_overflow_and_foreign_supports() {
    let est = MdnEstimator::new().with_train(TrainConfig::new().with_max_epochs(2));
    let theta = RowMatrix::from_rows(
        &(0..40)
            .map(|i| [-2.0 + 0.1 * i as f64, 0.0])
            .collect::<Vec<_>>(),
    )
    .unwrap();
    // x near ±f64::MAX: its standard deviation overflows; this trained, saved `inf` as `null`
    // and failed to load.
    let x = RowMatrix::from_rows(
        &(0..40)
            .map(|i| [if i % 2 == 0 { 1e300 } else { -1e300 }, 1.0 * i as f64])
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert!(matches!(
        est.fit_pairs(&theta, &x, &prior().bounds(), 0, &mut ()),
        Err(Error::NonFiniteStatistics {
            what: "x",
            index: 0
        })
    ));
    // θ outside the support the posterior is to be restricted to.
    let elsewhere = sbi_core::Bounds {
        low: vec![10.0, 10.0],
        high: vec![20.0, 20.0],
    };
    let fine_x =
        RowMatrix::from_rows(&(0..40).map(|i| [0.1 * i as f64, 1.0]).collect::<Vec<_>>()).unwrap();
    assert!(matches!(
        est.fit_pairs(&theta, &fine_x, &elsewhere, 0, &mut ()),
        Err(Error::Core(sbi_core::Error::InvalidSupport(_)))
    ));
    let inverted = sbi_core::Bounds {
        low: vec![3.0, -3.0],
        high: vec![-3.0, 3.0],
    };
    assert!(
        est.fit_pairs(&theta, &fine_x, &inverted, 0, &mut ())
            .is_err()
    );
}

/// A save replaces the file by renaming a complete new one over it: another name (hard link)
/// of the old file keeps the old content. A save that truncated and rewrote in place — and so
/// destroyed the previous file when it failed midway — changed it.
#[test]
fn saves_replace_the_file_atomically() {
    let dir = temp("atomic");
    let (path, link) = (dir.join("p.json"), dir.join("old.json"));
    std::fs::write(&path, "previous content").unwrap();
    std::fs::hard_link(&path, &link).unwrap();
    let post = quick();
    post.save(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&link).unwrap(), "previous content");
    assert!(DirectPosterior::load(&path).is_ok());
    let ensemble = sbi_npe::DirectEnsemble::new(vec![post.clone(), post]).unwrap();
    std::fs::remove_file(&link).unwrap();
    std::fs::hard_link(&path, &link).unwrap();
    let before = std::fs::read_to_string(&link).unwrap();
    ensemble.save(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&link).unwrap(), before);
    assert!(sbi_npe::DirectEnsemble::load(&path).is_ok());
    // Only the two names are left: no temporary file behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
    std::fs::remove_dir_all(&dir).ok();
}
