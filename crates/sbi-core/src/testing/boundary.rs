//! What every crate's boundary suite (`tests/boundary.rs`) shares (feature `boundary`): a
//! fixed-seed proptest configuration, and strategies that mostly give plausible values —
//! so that many cases get past validation — mixed with hostile ones.

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// `cases` cases (or `$PROPTEST_CASES`), seed 2026, no regression files.
///
/// ```
/// assert!(sbi_core::testing::boundary::config(64).failure_persistence.is_none());
/// ```
pub fn config(cases: u32) -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(cases),
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(2026),
        ..Config::default()
    }
}

/// Values that break naive code: signed zeros and −1, the extremes, the smallest normal,
/// magnitudes whose squares or fourth powers overflow, NaN and ±∞.
pub const HOSTILE: [f64; 11] = [
    0.0,
    -0.0,
    -1.0,
    f64::MAX,
    -f64::MAX,
    f64::MIN_POSITIVE,
    1e17,
    1e160,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
];

/// A value in `range` with weight `plausible`, otherwise any f64 (subnormals included) or
/// one of [`HOSTILE`], each with weight 1.
pub fn mostly(range: std::ops::Range<f64>, plausible: u32) -> BoxedStrategy<f64> {
    prop_oneof![
        plausible => range,
        1 => any::<f64>(),
        1 => prop::sample::select(HOSTILE.to_vec()),
    ]
    .boxed()
}

/// A count in `range` (weight 8), or 0 or `usize::MAX` (weight 1 each): counts a typo makes.
pub fn small_or_huge(range: std::ops::Range<usize>) -> BoxedStrategy<usize> {
    prop_oneof![8 => range, 1 => Just(0usize), 1 => Just(usize::MAX)].boxed()
}
