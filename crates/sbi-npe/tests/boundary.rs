//! Boundary suite (proptest, fixed seed): saved posteriors mangled at random (bytes flipped,
//! truncated, JSON values replaced — with the checksum recomputed, so the parts' checks are
//! what stands), and configurations from random values: an `Err` or a posterior that samples
//! finite θ inside its support, never a panic.

mod common;
use common::FitPairs;

use std::sync::OnceLock;

use proptest::prelude::*;
use rand::SeedableRng;
use sbi_core::Identity;
use sbi_core::testing::LinearGaussian;
use sbi_core::testing::boundary::{config, mostly, small_or_huge};
use sbi_core::{Posterior, Prior, RowMatrix, SeedRng};
use sbi_inference::{Npe, Problem};
use sbi_npe::{DirectPosterior, MdnConfig, MdnEstimator, TrainConfig};
use sbi_prior::BoxUniform;

fn prior() -> BoxUniform {
    BoxUniform::new(vec![-3.0, -3.0], vec![3.0, 3.0]).unwrap()
}

/// The saved text of one small posterior (trained once for the whole suite).
fn saved() -> &'static String {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let est = MdnEstimator::new()
            .with_mdn(
                MdnConfig::new()
                    .with_num_components(2)
                    .with_hidden_features(8),
            )
            .with_train(TrainConfig::new().with_max_epochs(3).with_whiten_x(true));
        let sim = LinearGaussian::new(2, 0.5).unwrap();
        let post = Npe::new(
            Problem::new(&prior(), &sim, &Identity::new(2))
                .num_simulations(200)
                .seed(1),
        )
        .train(&est)
        .unwrap()
        .posterior;
        let path =
            std::env::temp_dir().join(format!("sbi-npe-boundary-{}.json", std::process::id()));
        post.save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).ok();
        text
    })
}

fn with_checksum(mut v: serde_json::Value) -> String {
    let payload = serde_json::to_string(&v["payload"]).unwrap();
    let h = payload.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    v["checksum"] = serde_json::json!(format!("{h:016x}"));
    serde_json::to_string(&v).unwrap()
}

/// Replaces the `k`-th scalar or array (depth-first) of `v` by `with`.
fn replace_nth(v: &mut serde_json::Value, k: &mut usize, with: &serde_json::Value) -> bool {
    if *k == 0 && !v.is_object() {
        *v = with.clone();
        return true;
    }
    *k = k.saturating_sub(usize::from(!v.is_object()));
    match v {
        serde_json::Value::Object(m) => m.values_mut().any(|c| replace_nth(c, k, with)),
        serde_json::Value::Array(a) if a.len() <= 4 => {
            a.iter_mut().any(|c| replace_nth(c, k, with))
        }
        _ => false,
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        prop::num::f64::NORMAL.prop_map(serde_json::Value::from),
        Just(serde_json::json!(0)),
        Just(serde_json::json!(-1)),
        Just(serde_json::json!([])),
        Just(serde_json::json!([1.0, 2.0, 3.0])),
        Just(serde_json::json!(1e308)),
        "[a-z]{0,6}".prop_map(serde_json::Value::from),
    ]
}

/// A loaded posterior must be usable: finite samples inside its support, not collapsed to a
/// point, with a finite density — or a clear error.
fn check_loaded(text: &str) -> Result<(), TestCaseError> {
    let path = std::env::temp_dir().join(format!(
        "sbi-npe-boundary-case-{}-{:?}.json",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&path, text).unwrap();
    let loaded = DirectPosterior::load(&path);
    std::fs::remove_file(&path).ok();
    if let Ok(p) = loaded {
        let mut rng = SeedRng::seed_from_u64(0);
        let x = vec![0.0; p.x_dim()];
        if let Ok(s) = p.sample(&x, 20, &mut rng) {
            prop_assert!(s.as_slice().iter().all(|v| v.is_finite()));
            prop_assert!(s.rows().all(|r| p.support().contains(r)));
            // Not collapsed to a point (a std of 1e-300 used to load and sample one).
            for j in 0..p.theta_dim() {
                let col: Vec<f64> = s.rows().map(|r| r[j]).collect();
                let spread = col.iter().fold(f64::MIN, |a, &v| a.max(v))
                    - col.iter().fold(f64::MAX, |a, &v| a.min(v));
                // The suite's prior spans 6 in each dimension; a posterior of 200 simulations
                // is nowhere near 1e-9 wide.
                prop_assert!(spread > 1e-9, "dimension {j} spread {spread:e}");
            }
            let lp = p.log_prob(s.row(0), &x).unwrap();
            prop_assert!(lp.is_finite(), "{lp}");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn mangled_bytes(flip in any::<usize>(), byte in any::<u8>(), cut in any::<usize>()) {
        let mut bytes = saved().clone().into_bytes();
        let n = bytes.len();
        bytes[flip % n] = byte;
        bytes.truncate(1 + cut % n);
        check_loaded(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn replaced_values_with_a_valid_checksum(k in 0usize..80, with in json_value()) {
        let mut v: serde_json::Value = serde_json::from_str(saved()).unwrap();
        let mut k = k;
        if !replace_nth(&mut v["payload"], &mut k, &with) {
            return Ok(()); // fewer slots than k
        }
        check_loaded(&with_checksum(v))?;
    }
}

/// The paths of every number in `v` (depth-first).
fn numbers(v: &serde_json::Value, at: &str, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Number(_) => out.push(at.to_owned()),
        serde_json::Value::Object(m) => {
            for (k, c) in m {
                numbers(c, &format!("{at}/{k}"), out);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                numbers(c, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Replaces the number at `path` by itself times `factor` (an integer stays an integer).
fn scaled(v: &serde_json::Value, path: &str, factor: f64) -> serde_json::Value {
    let mut v = v.clone();
    let slot = v.pointer_mut(path).unwrap();
    let new = slot.as_f64().unwrap() * factor;
    *slot = if slot.is_u64() || slot.is_i64() {
        serde_json::json!(new as i64)
    } else {
        serde_json::json!(new)
    };
    v
}

const FACTORS: [f64; 6] = [1e30, 1e-300, 0.0, -1.0, 1e6, 1e-6];

/// Every number of the file outside the weights (configuration, training settings, seed,
/// standardisation, whitening, support, report), each scaled by every factor, the checksum
/// recomputed: an error or a usable posterior. (The weights, thousands of numbers, are
/// sampled by `every_number_perturbed`.)
#[test]
fn every_setting_and_statistic_perturbed() {
    let v: serde_json::Value = serde_json::from_str(saved()).unwrap();
    let mut paths = Vec::new();
    numbers(&v["payload"], "/payload", &mut paths);
    let fields: Vec<&String> = paths.iter().filter(|p| !p.contains("/weights/")).collect();
    assert!(fields.len() > 20, "{fields:?}");
    for path in fields {
        for factor in FACTORS {
            check_loaded(&with_checksum(scaled(&v, path, factor)))
                .unwrap_or_else(|e| panic!("{path} × {factor}: {e}"));
        }
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// Any one number of the file scaled by an absurd factor (or negated, or zeroed), the
    /// checksum recomputed: an error, or a posterior that still samples finite θ inside its
    /// support with a finite density.
    #[test]
    fn every_number_perturbed(pick in any::<prop::sample::Index>(),
                              factor in prop::sample::select(FACTORS.to_vec())) {
        let v: serde_json::Value = serde_json::from_str(saved()).unwrap();
        let mut paths = Vec::new();
        numbers(&v["payload"], "/payload", &mut paths);
        check_loaded(&with_checksum(scaled(&v, pick.get(&paths).as_str(), factor)))?;
    }
}

proptest! {
    #![proptest_config(config(24))]

    #[test]
    fn configurations(hidden in small_or_huge(1..8), layers in small_or_huge(0..3),
                      k in small_or_huge(1..4), eps in mostly(0.0..1e-3, 8), floor in mostly(0.0..1e-2, 8),
                      lr in mostly(1e-4..1e-2, 8), batch in small_or_huge(1..64),
                      val in mostly(0.05..0.5, 8), stop in small_or_huge(1..3),
                      epochs in prop_oneof![8 => 1usize..3, 1 => Just(0usize)],
                      clip in mostly(0.0..10.0, 8), adam in mostly(1e-9..1e-6, 8)) {
        let mdn = MdnConfig {
            hidden_features: hidden, num_hidden_layers: layers, num_components: k,
            precision_epsilon: eps, min_factor_diagonal: floor,
        };
        let train = TrainConfig::new()
            .with_learning_rate(lr).with_batch_size(batch).with_validation_fraction(val)
            .with_stop_after_epochs(stop).with_max_epochs(epochs).with_clip_max_norm(clip)
            .with_adam_epsilon(adam);
        let est = MdnEstimator::new().with_mdn(mdn).with_train(train);
        let mut rng = SeedRng::seed_from_u64(3);
        let theta = prior().sample_batch(60, &mut rng).unwrap();
        let x = RowMatrix::from_rows(&theta.rows().map(|r| [r[0] + 0.1, r[1] - 0.1]).collect::<Vec<_>>()).unwrap();
        if let Ok(post) = est.fit_pairs(&theta, &x, &prior().bounds(), 0, &mut ()) {
            let s = post.sample(&[0.0, 0.0], 10, &mut rng);
            if let Ok(s) = s {
                prop_assert!(s.as_slice().iter().all(|v| v.is_finite()));
            }
        }
    }
}
