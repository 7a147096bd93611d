//! Criterion benchmarks of hh-sbi (run `cargo bench`); see `docs/performance.md` for figures.
//! The benchmarks are the `[[bench]]` targets of this package; this library holds what they
//! share: the C reference kernel of the batch simulator ([`c_reference`]).

pub mod c_reference;
