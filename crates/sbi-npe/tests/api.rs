//! Save/load, reproducibility, bad input, and the estimator interfaces.

mod common;

use common::{Epochs, FitPairs, box_grid, integral, temp};
use rand::SeedableRng;
use sbi_core::testing::LinearGaussian;
use sbi_core::{Bounds, Identity, Posterior, Prior, RowMatrix, SeedRng, Simulator};
use sbi_inference::{Npe, Problem};
use sbi_npe::{
    DirectEnsemble, DirectPosterior, EnsembleExt, Error, MdnConfig, MdnEstimator, TrainConfig,
};
use sbi_prior::BoxUniform;

fn prior() -> BoxUniform {
    BoxUniform::new(vec![-3.0, -3.0], vec![3.0, 3.0]).unwrap()
}

/// A small, quick training run (few epochs): enough for API tests.
fn quick(seed: u64) -> DirectPosterior {
    let est = MdnEstimator::new()
        .with_mdn(MdnConfig::new().with_num_components(3))
        .with_train(TrainConfig::new().with_max_epochs(15));
    Npe::new(
        Problem::new(
            &prior(),
            &LinearGaussian::new(2, 0.5).unwrap(),
            &Identity::new(2),
        )
        .num_simulations(800)
        .seed(seed),
    )
    .train(&est)
    .unwrap()
    .posterior
}

#[test]
fn same_seed_same_network_and_samples() {
    let (a, b, c) = (quick(4), quick(4), quick(5));
    assert_eq!(a, b);
    assert_ne!(a, c);
    let x = [0.5, -0.5];
    let sa = a.sample(&x, 100, &mut SeedRng::seed_from_u64(1)).unwrap();
    let sb = b.sample(&x, 100, &mut SeedRng::seed_from_u64(1)).unwrap();
    assert_eq!(sa, sb);
    let report = a.training_report().unwrap();
    assert_eq!(report.epochs, 15);
    assert_eq!((report.num_train, report.num_validation), (720, 80));
}

#[test]
fn save_load_round_trip_gives_bit_identical_samples() {
    let post = quick(6);
    let dir = temp("roundtrip");
    let path = dir.join("posterior.json");
    post.save(&path).unwrap();
    let loaded = DirectPosterior::load(&path).unwrap();
    assert_eq!(loaded, post);
    let xs = RowMatrix::from_rows(&[[0.0, 0.0], [2.9, -1.0]]).unwrap();
    let a = post.sample_batch(&xs, 500, 42);
    let b = loaded.sample_batch(&xs, 500, 42);
    for (p, q) in a.iter().zip(&b) {
        let (p, q) = (p.as_ref().unwrap(), q.as_ref().unwrap());
        assert!(
            p.as_slice()
                .iter()
                .zip(q.as_slice())
                .all(|(u, v)| u.to_bits() == v.to_bits())
        );
    }
    let th = [0.3, 0.1];
    assert_eq!(
        post.log_prob(&th, xs.row(1)).unwrap().to_bits(),
        loaded.log_prob(&th, xs.row(1)).unwrap().to_bits()
    );
    assert_eq!(loaded.training_report(), post.training_report());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn corrupt_or_mismatched_files_are_errors() {
    let post = quick(7);
    let dir = temp("corrupt");
    let path = dir.join("p.json");
    post.save(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let cases = [
        ("truncated", text[..text.len() / 2].to_owned()),
        ("not json", "hello".to_owned()),
        // Change one digit of a weight: the checksum catches it.
        ("edited", {
            let i = text.find("\"weight\":[").unwrap() + 12;
            let mut b = text.clone().into_bytes();
            b[i] = if b[i] == b'1' { b'2' } else { b'1' };
            String::from_utf8(b).unwrap()
        }),
    ];
    for (what, body) in cases {
        std::fs::write(&path, body).unwrap();
        assert!(
            matches!(DirectPosterior::load(&path), Err(Error::InvalidFile(_))),
            "{what}"
        );
    }
    // A consistent checksum over an inconsistent payload (3 components declared, 4 stored).
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["payload"]["mdn"]["num_components"] = serde_json::json!(4);
    let payload = serde_json::to_string(&v["payload"]).unwrap();
    let h = payload.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    v["checksum"] = serde_json::json!(format!("{h:016x}"));
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    assert!(matches!(
        DirectPosterior::load(&path),
        Err(Error::InvalidFile(_))
    ));
    assert!(matches!(
        DirectPosterior::load(&dir.join("missing.json")),
        Err(Error::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_inputs_are_errors() {
    let post = quick(8);
    let mut rng = SeedRng::seed_from_u64(0);
    // Wrong x dimension, NaN x, wrong θ dimension, NaN θ.
    assert!(matches!(
        post.sample(&[0.0], 10, &mut rng),
        Err(Error::Core(sbi_core::Error::DimensionMismatch {
            expected: 2,
            found: 1
        }))
    ));
    assert!(matches!(
        post.sample(&[f64::NAN, 0.0], 10, &mut rng),
        Err(Error::Core(_))
    ));
    assert!(post.log_prob(&[0.0, 0.0, 0.0], &[0.0, 0.0]).is_err());
    assert!(post.log_prob(&[f64::NAN, 0.0], &[0.0, 0.0]).is_err());
    assert!(post.at(&[0.0, f64::INFINITY]).is_err());
    // An observation absurdly far from the training data: the posterior leaks out of the
    // support, and sampling says so instead of looping for ever.
    assert!(matches!(
        post.sample(&[1e4, 1e4], 10, &mut rng),
        Err(Error::LowAcceptance { .. })
    ));

    let est = MdnEstimator::new();
    let support = prior().bounds();
    let theta = prior().sample_batch(50, &mut rng).unwrap();
    let x = RowMatrix::zeros(50, 2).unwrap();
    // Empty training set, mismatched rows, all-NaN x, NaN θ.
    assert!(matches!(
        est.fit_pairs(
            &RowMatrix::zeros(0, 2).unwrap(),
            &RowMatrix::zeros(0, 2).unwrap(),
            &support,
            0,
            &mut ()
        ),
        Err(Error::Empty { .. })
    ));
    assert!(matches!(
        est.fit_pairs(
            &theta,
            &RowMatrix::zeros(49, 2).unwrap(),
            &support,
            0,
            &mut ()
        ),
        Err(Error::Core(sbi_core::Error::RowMismatch { .. }))
    ));
    let nan_x = RowMatrix::from_vec(50, 2, vec![f64::NAN; 100]).unwrap();
    assert!(matches!(
        est.fit_pairs(&theta, &nan_x, &support, 0, &mut ()),
        Err(Error::Empty { .. })
    ));
    let mut bad_theta = theta.clone();
    bad_theta.row_mut(3)[0] = f64::NAN;
    assert!(est.fit_pairs(&bad_theta, &x, &support, 0, &mut ()).is_err());
    // Support of the wrong dimension; invalid configurations.
    assert!(
        est.fit_pairs(&theta, &x, &Bounds::unbounded(3), 0, &mut ())
            .is_err()
    );
    for cfg in [
        TrainConfig::new().with_batch_size(0),
        TrainConfig::new().with_learning_rate(f64::NAN),
        TrainConfig::new().with_validation_fraction(1.0),
        TrainConfig::new().with_max_epochs(0),
    ] {
        assert!(matches!(
            est.clone()
                .with_train(cfg)
                .fit_pairs(&theta, &x, &support, 0, &mut ()),
            Err(Error::Core(sbi_core::Error::InvalidParameter { .. }))
        ));
    }
    assert!(
        est.clone()
            .with_mdn(MdnConfig::new().with_num_components(0))
            .fit_pairs(&theta, &x, &support, 0, &mut ())
            .is_err()
    );
}

#[test]
fn non_finite_rows_are_dropped_and_counted() {
    let sim = LinearGaussian::new(2, 0.5).unwrap();
    let mut rng = SeedRng::seed_from_u64(3);
    let theta = prior().sample_batch(400, &mut rng).unwrap();
    let mut x = RowMatrix::from_rows(&sim.simulate_batch(&theta, 1).unwrap()).unwrap();
    for r in [0, 10, 20, 399] {
        x.row_mut(r)[1] = f64::INFINITY;
    }
    let est = MdnEstimator::new().with_train(TrainConfig::new().with_max_epochs(2));
    let post = est
        .fit_pairs(&theta, &x, &prior().bounds(), 0, &mut ())
        .unwrap();
    let r = post.training_report().unwrap();
    assert_eq!(r.num_dropped, 4);
    assert_eq!(r.num_train + r.num_validation, 396);
}

#[test]
fn progress_reports_every_epoch_and_early_stopping_restores_the_best() {
    let sim = LinearGaussian::new(2, 0.5).unwrap();
    let mut rng = SeedRng::seed_from_u64(9);
    let theta = prior().sample_batch(600, &mut rng).unwrap();
    let x = RowMatrix::from_rows(&sim.simulate_batch(&theta, 2).unwrap()).unwrap();
    let est = MdnEstimator::new().with_train(
        TrainConfig::new()
            .with_stop_after_epochs(3)
            .with_max_epochs(400),
    );
    let mut epochs = Epochs::default();
    let post = est
        .fit_pairs(&theta, &x, &prior().bounds(), 0, &mut epochs)
        .unwrap();
    let epochs = epochs.0;
    let r = post.training_report().unwrap();
    assert_eq!(epochs.len(), r.epochs);
    assert!(r.stop.converged(), "stopped early");
    assert_eq!(r.epochs, r.best_epoch + 3);
    let best = epochs
        .iter()
        .map(|e| e.validation_loss)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(best, r.best_validation_loss);
    assert!(epochs.last().unwrap().train_loss < epochs[0].train_loss);
}

#[test]
fn log_prob_pairs_scores_many_observations_at_once() {
    let post = quick(4);
    let mut rng = SeedRng::seed_from_u64(3);
    let thetas = prior().sample_batch(40, &mut rng).unwrap();
    let xs = RowMatrix::from_rows(
        &LinearGaussian::new(2, 0.5)
            .unwrap()
            .simulate_batch(&thetas, 5)
            .unwrap(),
    )
    .unwrap();
    let pairs = post.log_prob_pairs(&thetas, &xs).unwrap();
    for (i, lp) in pairs.iter().enumerate() {
        let one = post.log_prob(thetas.row(i), xs.row(i)).unwrap();
        assert_eq!(lp.to_bits(), one.to_bits(), "pair {i}");
    }
    assert!(matches!(
        post.log_prob_pairs(&thetas, &RowMatrix::zeros(39, 2).unwrap()),
        Err(Error::Core(sbi_core::Error::DimensionMismatch { .. }))
    ));
    let mut nan_x = xs.clone();
    nan_x.row_mut(7)[1] = f64::NAN;
    assert!(post.log_prob_pairs(&thetas, &nan_x).is_err());
}

/// Three quick members trained on one small data set.
fn quick_ensemble(seed: u64) -> DirectEnsemble {
    let est = MdnEstimator::new()
        .with_mdn(MdnConfig::new().with_num_components(3))
        .with_train(TrainConfig::new().with_max_epochs(15));
    let sim = LinearGaussian::new(2, 0.5).unwrap();
    let mut epochs = Epochs::default();
    let ens = Npe::new(
        Problem::new(&prior(), &sim, &Identity::new(2))
            .num_simulations(800)
            .seed(seed),
    )
    .progress(&mut epochs)
    .train_ensemble(&est, 3)
    .unwrap()
    .posterior;
    assert_eq!(epochs.0.len(), 45);
    assert_eq!(
        epochs.1,
        ["simulating", "training 1/3", "training 2/3", "training 3/3"]
    );
    ens
}

#[test]
fn ensemble_is_the_equal_mixture_of_its_members() {
    let ens = quick_ensemble(11);
    assert_eq!(ens, quick_ensemble(11));
    assert_eq!(ens.num_members(), 3);
    assert_ne!(ens.members()[0], ens.members()[1]);
    let x = [2.6, 0.4];
    // log_prob is ln of the members' mean density.
    let th = [2.2, 0.1];
    let members: Vec<f64> = ens
        .members()
        .iter()
        .map(|m| m.log_prob(&th, &x).unwrap().exp())
        .collect();
    let want = (members.iter().sum::<f64>() / 3.0).ln();
    assert!((ens.log_prob(&th, &x).unwrap() - want).abs() < 1e-12);
    // Normalised over the box (midpoint rule), and −∞ outside.
    let h = 0.05;
    let lp = ens.log_prob_batch(&box_grid(h), &x).unwrap();
    let total = integral(&lp, h);
    assert!((total - 1.0).abs() < 0.02, "∫p = {total}");
    assert_eq!(ens.log_prob(&[3.5, 0.0], &x).unwrap(), f64::NEG_INFINITY);
    // Sample mean = mean of the members' means (30,000 draws each: standard error < 0.004).
    let mut rng = SeedRng::seed_from_u64(2);
    let s = ens.sample(&x, 30_000, &mut rng).unwrap();
    assert!(s.rows().all(|r| r.iter().all(|v| v.abs() <= 3.0)));
    let mut want = [0.0; 2];
    for m in ens.members() {
        let mm = m.sample(&x, 30_000, &mut rng).unwrap().column_means();
        want[0] += mm[0] / 3.0;
        want[1] += mm[1] / 3.0;
    }
    let got = s.column_means();
    assert!(
        (got[0] - want[0]).abs() < 0.015 && (got[1] - want[1]).abs() < 0.015,
        "{got:?} vs {want:?}"
    );
    // The MAP beats every grid point.
    let map = ens.map(&x).unwrap();
    let best = lp.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    assert!(ens.log_prob(&map, &x).unwrap() >= best - 1e-9, "{map:?}");
}

#[test]
fn ensemble_save_load_and_bad_inputs() {
    let ens = quick_ensemble(12);
    let dir = temp("ensemble");
    let path = dir.join("ensemble.json");
    ens.save(&path).unwrap();
    let loaded = DirectEnsemble::load(&path).unwrap();
    assert_eq!(loaded, ens);
    let x = [0.5, -1.0];
    let a = ens.sample(&x, 300, &mut SeedRng::seed_from_u64(4)).unwrap();
    let b = loaded
        .sample(&x, 300, &mut SeedRng::seed_from_u64(4))
        .unwrap();
    assert!(
        a.as_slice()
            .iter()
            .zip(b.as_slice())
            .all(|(u, v)| u.to_bits() == v.to_bits())
    );
    // Files of the other kind, and an edited file, are errors.
    assert!(matches!(
        DirectPosterior::load(&path),
        Err(Error::InvalidFile(_))
    ));
    let single = dir.join("single.json");
    ens.members()[0].save(&single).unwrap();
    assert!(matches!(
        DirectEnsemble::load(&single),
        Err(Error::InvalidFile(_))
    ));
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("\"seed\":", "\"seed\":1", 1)).unwrap();
    assert!(matches!(
        DirectEnsemble::load(&path),
        Err(Error::InvalidFile(_))
    ));
    std::fs::remove_dir_all(&dir).ok();

    // No member; members that do not fit together; zero members asked for; bad x.
    assert!(matches!(
        DirectEnsemble::new(vec![]),
        Err(sbi_inference::Error::IncompatibleMembers(_))
    ));
    let other_support = Bounds {
        low: vec![-4.0, -4.0],
        high: vec![4.0, 4.0],
    };
    let one_epoch = MdnEstimator::new().with_train(TrainConfig::new().with_max_epochs(1));
    let mut rng = SeedRng::seed_from_u64(0);
    let theta = prior().sample_batch(100, &mut rng).unwrap();
    let x2 = RowMatrix::from_rows(
        &LinearGaussian::new(2, 0.5)
            .unwrap()
            .simulate_batch(&theta, 1)
            .unwrap(),
    )
    .unwrap();
    let odd = one_epoch
        .fit_pairs(&theta, &x2, &other_support, 0, &mut ())
        .unwrap();
    let mut members = ens.members().to_vec();
    members.push(odd);
    assert!(matches!(
        DirectEnsemble::new(members),
        Err(sbi_inference::Error::IncompatibleMembers(_))
    ));
    let x3 = RowMatrix::zeros(100, 3).unwrap();
    let wide = one_epoch
        .fit_pairs(&theta, &x3, &prior().bounds(), 0, &mut ())
        .unwrap();
    assert!(matches!(
        DirectEnsemble::new(vec![ens.members()[0].clone(), wide]),
        Err(sbi_inference::Error::IncompatibleMembers(_))
    ));
    let sim = LinearGaussian::new(2, 0.5).unwrap();
    assert!(matches!(
        Npe::new(Problem::new(&prior(), &sim, &Identity::new(2))).train_ensemble(&one_epoch, 0),
        Err(sbi_inference::Error::Core(
            sbi_core::Error::InvalidParameter { .. }
        ))
    ));
    assert!(ens.sample(&[0.0], 10, &mut rng).is_err());
    assert!(ens.log_prob(&[0.0, 0.0], &[f64::NAN, 0.0]).is_err());
    assert!(ens.map(&[0.0, 0.0, 0.0]).is_err());
}

#[test]
fn train_ensemble_extends_train() {
    let est = MdnEstimator::new()
        .with_mdn(MdnConfig::new().with_num_components(3))
        .with_train(TrainConfig::new().with_max_epochs(15));
    let (prior, sim, identity) = (
        prior(),
        LinearGaussian::new(2, 0.5).unwrap(),
        Identity::new(2),
    );
    let npe = || {
        Npe::new(
            Problem::new(&prior, &sim, &identity)
                .num_simulations(800)
                .seed(9),
        )
    };
    let single = npe().train(&est).unwrap();
    let run = npe().train_ensemble(&est, 2).unwrap();
    assert_eq!(run.dataset, single.dataset);
    assert_eq!(run.posterior.members()[0], single.posterior);
    // Training on the saved data set gives the same ensemble.
    let dir = temp("dataset");
    let path = dir.join("data.npz");
    run.dataset.save_npz(&path).unwrap();
    let data = sbi_inference::Dataset::load_npz(&path).unwrap();
    assert_eq!(data, run.dataset);
    let (again, reports) = npe().train_ensemble_on(&data, &est, 2).unwrap();
    assert_eq!(again, run.posterior);
    assert_eq!(reports, run.report.training);
    assert_eq!(reports.len(), 2);
    std::fs::remove_dir_all(&dir).ok();
    // An ensemble of one is the single network, draw for draw.
    let one = DirectEnsemble::new(vec![single.posterior.clone()]).unwrap();
    let x = [0.3, -0.7];
    assert_eq!(
        one.sample(&x, 50, &mut SeedRng::seed_from_u64(8)).unwrap(),
        single
            .posterior
            .sample(&x, 50, &mut SeedRng::seed_from_u64(8))
            .unwrap()
    );
    assert!(matches!(
        npe().train_ensemble(&est, 0),
        Err(sbi_inference::Error::Core(
            sbi_core::Error::InvalidParameter { .. }
        ))
    ));
}
