//! The C reference kernel (`c/hh_batch.c`), called through its two C functions.
//!
//! This is the workspace's only foreign call, hence its only `unsafe`, confined here.
#![allow(unsafe_code)]

// SAFETY: both functions read `n` doubles from `amps` and write `n` u32 to `spikes`, and keep
// no pointer after returning (c/hh_batch.c); the wrappers below pass slices of exactly `n`.
unsafe extern "C" {
    fn hh_ref_f64(amps: *const f64, n: usize, spikes: *mut u32);
    fn hh_ref_f32(amps: *const f64, n: usize, spikes: *mut u32);
}

/// Spike counts of the notebook protocol at each amplitude, C kernel in f64.
pub fn spike_counts_f64(amps: &[f64]) -> Vec<u32> {
    let mut spikes = vec![0u32; amps.len()];
    // SAFETY: `amps` and `spikes` both hold `amps.len()` elements (see the extern block).
    unsafe { hh_ref_f64(amps.as_ptr(), amps.len(), spikes.as_mut_ptr()) };
    spikes
}

/// The same in f32.
pub fn spike_counts_f32(amps: &[f64]) -> Vec<u32> {
    let mut spikes = vec![0u32; amps.len()];
    // SAFETY: as in `spike_counts_f64`.
    unsafe { hh_ref_f32(amps.as_ptr(), amps.len(), spikes.as_mut_ptr()) };
    spikes
}
