//! The C reference kernels (`c/hh_batch.c`: the classic model; `c/pospischil_batch.c`:
//! Pospischil's), called through their C functions.
//!
//! This is the workspace's only foreign call, hence its only `unsafe`, confined here.
#![allow(unsafe_code)]

// SAFETY: both functions read `n` doubles from `amps` and write `n` u32 to `spikes`, and keep
// no pointer after returning (c/hh_batch.c); the wrappers below pass slices of exactly `n`.
unsafe extern "C" {
    fn hh_ref_f64(amps: *const f64, n: usize, spikes: *mut u32);
    fn hh_ref_f32(amps: *const f64, n: usize, spikes: *mut u32);
    fn pospischil_ref_f64(theta: *const f64, n: usize, spikes: *mut u32);
    fn pospischil_ref_f32(theta: *const f64, n: usize, spikes: *mut u32);
}

// SAFETY (the Pospischil pair): both read `7·n` doubles from `theta` (n rows of g_Na, g_K,
// g_leak, g_M, tau_max, V_T, E_leak) and write `n` u32 to `spikes`, keeping no pointer.

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

/// The seven parameters of one Pospischil trace: g_Na, g_K, g_leak, g_M (mS/cm²), τ_max
/// (ms), V_T, E_leak (mV).
pub type PospischilTheta = [f64; 7];

/// Spike counts of the Pospischil model under the published protocol at each θ, C kernel in
/// f64 (upward crossings of −20 mV).
pub fn pospischil_spike_counts_f64(theta: &[PospischilTheta]) -> Vec<u32> {
    let mut spikes = vec![0u32; theta.len()];
    // SAFETY: `theta` holds `7·theta.len()` doubles, `spikes` `theta.len()` slots.
    unsafe {
        pospischil_ref_f64(
            theta.as_flattened().as_ptr(),
            theta.len(),
            spikes.as_mut_ptr(),
        )
    };
    spikes
}

/// The same in f32.
pub fn pospischil_spike_counts_f32(theta: &[PospischilTheta]) -> Vec<u32> {
    let mut spikes = vec![0u32; theta.len()];
    // SAFETY: as in `pospischil_spike_counts_f64`.
    unsafe {
        pospischil_ref_f32(
            theta.as_flattened().as_ptr(),
            theta.len(),
            spikes.as_mut_ptr(),
        )
    };
    spikes
}
