//! Criterion benchmarks of hh-sbi (run `cargo bench`); see `docs/performance.md` for figures.
//! This library target is empty: the benchmarks are the `[[bench]]` targets of this package.
