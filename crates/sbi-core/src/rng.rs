//! Seeding helpers: one portable RNG type and independent per-item streams.
//!
//! A batch is reproducible whatever the thread count when item *i* draws only from its own
//! generator, seeded from `(seed, i)` — never from a generator shared across threads.

use rand::SeedableRng;

/// The portable, named RNG used wherever hh-sbi seeds a generator itself
/// (xoshiro256++, from `rand`): its stream is fixed by its algorithm, unlike `StdRng`/`SmallRng`.
pub type SeedRng = rand::rngs::Xoshiro256PlusPlus;

/// SplitMix64 finaliser: a bijective mix of 64 bits with good avalanche.
const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The seed of item `index` of a batch seeded with `seed`.
///
/// Distinct `(seed, index)` pairs give well-mixed, distinct seeds; the same pair always gives
/// the same seed.
///
/// ```
/// use sbi_core::item_seed;
/// assert_eq!(item_seed(7, 3), item_seed(7, 3));
/// assert_ne!(item_seed(7, 3), item_seed(7, 4));
/// assert_ne!(item_seed(7, 3), item_seed(8, 3));
/// ```
pub const fn item_seed(seed: u64, index: u64) -> u64 {
    mix64(
        mix64(seed ^ 0x6a09_e667_f3bc_c908)
            .wrapping_add(mix64(index.wrapping_add(0x9e37_79b9_7f4a_7c15))),
    )
}

/// The generator of item `index` of a batch seeded with `seed`.
///
/// ```
/// use rand::RngExt;
/// let a: f64 = sbi_core::item_rng(1, 0).random();
/// let b: f64 = sbi_core::item_rng(1, 0).random();
/// assert_eq!(a, b);
/// ```
pub fn item_rng(seed: u64, index: u64) -> SeedRng {
    SeedRng::seed_from_u64(item_seed(seed, index))
}

/// The generator of stream `stream` of item `index` (e.g. trial `index` of stimulus point
/// `stream`), for nested batches with common random numbers.
///
/// ```
/// use rand::Rng;
/// let mut a = sbi_core::stream_rng(1, 2, 3);
/// let mut b = sbi_core::stream_rng(1, 3, 2);
/// assert_ne!(a.next_u64(), b.next_u64());
/// ```
pub fn stream_rng(seed: u64, stream: u64, index: u64) -> SeedRng {
    SeedRng::seed_from_u64(item_seed(item_seed(seed, stream), index))
}

/// A fresh seed drawn from a caller's generator (to hand to a batch method).
///
/// ```
/// use rand::SeedableRng;
/// let mut rng = sbi_core::SeedRng::seed_from_u64(5);
/// let s = sbi_core::draw_seed(&mut rng);
/// let mut rng2 = sbi_core::SeedRng::seed_from_u64(5);
/// assert_eq!(s, sbi_core::draw_seed(&mut rng2));
/// ```
pub fn draw_seed<R: rand::Rng + ?Sized>(rng: &mut R) -> u64 {
    rng.next_u64()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn seeds_do_not_collide_on_a_grid() {
        let mut seen = HashSet::new();
        for s in 0..64u64 {
            for i in 0..256u64 {
                assert!(seen.insert(item_seed(s, i)));
            }
        }
    }
}
