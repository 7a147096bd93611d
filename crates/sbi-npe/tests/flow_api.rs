//! The flows (NSF, MAF) through the same calls as the MDN: reproducible training, save/load
//! with bit-identical samples, a normalised leakage-corrected density, MAP, ensembles,
//! progress, estimator names, and bad files.

mod common;

use common::{Epochs, FitPairs, box_grid, integral, temp};
use rand::SeedableRng;
use sbi_core::testing::LinearGaussian;
use sbi_core::{Identity, Posterior, Progress, RowMatrix, SeedRng};
use sbi_inference::{Npe, Problem};
use sbi_npe::{
    DirectEnsemble, DirectPosterior, EnsembleExt, Error, FlowConfig, FlowEstimator, FlowKind,
    NeuralEstimator, TrainConfig,
};
use sbi_prior::BoxUniform;

fn prior() -> BoxUniform {
    BoxUniform::new(vec![-3.0, -3.0], vec![3.0, 3.0]).unwrap()
}

/// A small flow of `kind` trained briefly (enough for interface tests).
fn small(kind: FlowKind) -> FlowEstimator {
    FlowEstimator::new(
        FlowConfig::new(kind)
            .with_num_transforms(2)
            .with_hidden_features(16),
    )
    .with_train(TrainConfig::new().with_max_epochs(12))
}

fn quick(kind: FlowKind, seed: u64, progress: &mut dyn Progress) -> DirectPosterior {
    Npe::new(
        Problem::new(
            &prior(),
            &LinearGaussian::new(2, 0.5).unwrap(),
            &Identity::new(2),
        )
        .num_simulations(800)
        .seed(seed),
    )
    .progress(progress)
    .train(&small(kind))
    .unwrap()
    .posterior
}

fn bits(m: &RowMatrix) -> Vec<u64> {
    m.as_slice().iter().map(|v| v.to_bits()).collect()
}

#[test]
fn same_seed_same_flow_save_load_bit_identical_and_progress() {
    for kind in [FlowKind::Nsf, FlowKind::Maf] {
        let mut epochs = Epochs::default();
        let post = quick(kind, 4, &mut epochs);
        assert_eq!(post, quick(kind, 4, &mut ()));
        assert_ne!(post, quick(kind, 5, &mut ()));
        assert_eq!(post.estimator_name(), kind.name());
        assert!(post.mdn_config().is_none());
        assert_eq!(post.flow_config().unwrap().num_transforms, 2);
        // Progress: one report per epoch, the stages named.
        let r = post.training_report().unwrap();
        assert_eq!((epochs.0.len(), r.epochs), (12, 12));
        assert_eq!(epochs.1, ["simulating", "training"]);
        assert_eq!(r.best_validation_loss, {
            let l = epochs.0.iter().map(|e| e.validation_loss);
            l.fold(f64::INFINITY, f64::min)
        });

        let dir = temp(&format!("flow-{}", kind.name()));
        let path = dir.join("posterior.json");
        post.save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("hh-sbi/flow-posterior"), "{kind:?}");
        let loaded = DirectPosterior::load(&path).unwrap();
        assert_eq!(loaded, post);
        let xs = RowMatrix::from_rows(&[[0.0, 0.0], [2.9, -1.0]]).unwrap();
        let (a, b) = (
            post.sample_batch(&xs, 500, 42),
            loaded.sample_batch(&xs, 500, 42),
        );
        for (p, q) in a.iter().zip(&b) {
            assert_eq!(bits(p.as_ref().unwrap()), bits(q.as_ref().unwrap()));
        }
        let th = [0.3, 0.1];
        assert_eq!(
            post.log_prob(&th, xs.row(1)).unwrap().to_bits(),
            loaded.log_prob(&th, xs.row(1)).unwrap().to_bits()
        );
        assert_eq!(
            post.at(xs.row(1)).unwrap().map().unwrap(),
            loaded.at(xs.row(1)).unwrap().map().unwrap()
        );

        // An edited weight (checksum still valid or not) is refused, never loaded silently.
        std::fs::write(
            &path,
            text.replacen("\"transforms\":", "\"transforms\":0,", 1),
        )
        .unwrap();
        assert!(matches!(
            DirectPosterior::load(&path),
            Err(Error::InvalidFile(_))
        ));
        std::fs::remove_dir_all(&dir).ok();
    }
}

#[test]
fn flow_density_is_normalised_with_leakage_and_map_is_its_mode() {
    for kind in [FlowKind::Nsf, FlowKind::Maf] {
        let post = quick(kind, 6, &mut ());
        // Near the edge of the box: part of the flow's mass leaks out and is corrected for.
        let x = [2.6, 0.4];
        let h = 0.03;
        let lp = post.log_prob_batch(&box_grid(h), &x).unwrap();
        let total = integral(&lp, h);
        assert!((total - 1.0).abs() < 0.02, "{kind:?}: ∫q = {total}");
        assert_eq!(post.log_prob(&[3.5, 0.0], &x).unwrap(), f64::NEG_INFINITY);
        let at = post.at(&x).unwrap();
        assert!(at.acceptance() < 0.99, "{kind:?}: x near the edge leaks");
        let map = at.map().unwrap();
        let best = lp.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        assert!(
            post.log_prob(&map, &x).unwrap() >= best - 1e-6,
            "{kind:?}: MAP {map:?}"
        );
        // Samples stay inside the box.
        let s = post
            .sample(&x, 2000, &mut SeedRng::seed_from_u64(1))
            .unwrap();
        assert!(s.rows().all(|r| r.iter().all(|v| v.abs() <= 3.0)));
    }
}

#[test]
fn ensembles_of_flows_and_of_mixed_estimators() {
    let sim = LinearGaussian::new(2, 0.5).unwrap();
    let mut epochs = Epochs::default();
    let ens = Npe::new(
        Problem::new(&prior(), &sim, &Identity::new(2))
            .num_simulations(800)
            .seed(11),
    )
    .progress(&mut epochs)
    .train_ensemble(&small(FlowKind::Nsf), 2)
    .unwrap()
    .posterior;
    assert_eq!(epochs.1, ["simulating", "training 1/2", "training 2/2"]);
    assert_eq!(epochs.0.len(), 24);
    let x = [0.5, -1.0];
    let th = [0.2, -0.8];
    let members: f64 = ens
        .members()
        .iter()
        .map(|m| m.log_prob(&th, &x).unwrap().exp())
        .sum();
    assert!((ens.log_prob(&th, &x).unwrap() - (members / 2.0).ln()).abs() < 1e-12);
    let map = ens.map(&x).unwrap();
    for m in ens.members() {
        let own = m.at(&x).unwrap().map().unwrap();
        assert!(ens.log_prob(&map, &x).unwrap() >= ens.log_prob(&own, &x).unwrap() - 1e-9);
    }
    let dir = temp("flow-ensemble");
    let path = dir.join("ensemble.json");
    ens.save(&path).unwrap();
    let loaded = DirectEnsemble::load(&path).unwrap();
    assert_eq!(loaded, ens);
    let a = ens.sample(&x, 300, &mut SeedRng::seed_from_u64(4)).unwrap();
    let b = loaded
        .sample(&x, 300, &mut SeedRng::seed_from_u64(4))
        .unwrap();
    assert_eq!(bits(&a), bits(&b));
    std::fs::remove_dir_all(&dir).ok();

    // An MDN and a flow trained on the same data make one ensemble.
    let mut rng = SeedRng::seed_from_u64(0);
    let theta = sbi_core::Prior::sample_batch(&prior(), 400, &mut rng).unwrap();
    let xs = RowMatrix::from_rows(&sbi_core::Simulator::simulate_batch(&sim, &theta, 1).unwrap())
        .unwrap();
    let bounds = sbi_core::Prior::bounds(&prior());
    let mdn = NeuralEstimator::from_name("mdn")
        .unwrap()
        .with_train(TrainConfig::new().with_max_epochs(5));
    let a = mdn.fit_pairs(&theta, &xs, &bounds, 0, &mut ()).unwrap();
    let b = small(FlowKind::Maf)
        .fit_pairs(&theta, &xs, &bounds, 0, &mut ())
        .unwrap();
    let mixed = DirectEnsemble::new(vec![a, b]).unwrap();
    assert!(mixed.log_prob(&th, &x).unwrap().is_finite());
    assert!(mixed.map(&x).unwrap().iter().all(|v| v.abs() <= 3.0));
}

#[test]
fn estimator_names_and_bad_flow_configurations() {
    for name in NeuralEstimator::NAMES {
        let est: NeuralEstimator = name.parse().unwrap();
        assert_eq!(est.name(), name);
    }
    assert!(matches!(
        NeuralEstimator::from_name("flow"),
        Err(Error::UnknownEstimator(n)) if n == "flow"
    ));
    let mut rng = SeedRng::seed_from_u64(0);
    let theta = sbi_core::Prior::sample_batch(&prior(), 100, &mut rng).unwrap();
    let xs = theta.clone();
    let bounds = sbi_core::Prior::bounds(&prior());
    for bad in [
        FlowConfig::nsf().with_num_transforms(0),
        FlowConfig::nsf().with_num_bins(0),
        FlowConfig::nsf().with_tail_bound(f64::NAN),
        FlowConfig::maf().with_hidden_features(0),
    ] {
        let r = FlowEstimator::new(bad.clone()).fit_pairs(&theta, &xs, &bounds, 0, &mut ());
        assert!(
            matches!(
                r,
                Err(Error::Core(sbi_core::Error::InvalidParameter { .. }))
            ),
            "{bad:?}: {r:?}"
        );
    }
}
