//! Compiles the C references of the batch simulator (`c/hh_batch.c`, the classic model;
//! `c/pospischil_batch.c`, Pospischil's) for the `batch` bench, with the flags a careful C
//! programmer uses: `-O3 -march=native` (FMA contraction on, as gcc does by default).

fn main() {
    println!("cargo:rerun-if-changed=c/hh_batch.c");
    println!("cargo:rerun-if-changed=c/pospischil_batch.c");
    cc::Build::new()
        .file("c/hh_batch.c")
        .file("c/pospischil_batch.c")
        .opt_level(3)
        .flag("-march=native")
        .flag_if_supported("-Wno-psabi")
        .compile("hh_batch_ref");
}
