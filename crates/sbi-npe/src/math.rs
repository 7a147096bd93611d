//! Scalar functions the densities share.

/// `ln(2π)/2`.
pub(crate) const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;

/// softplus(x) = ln(1 + eˣ), without overflow.
pub(crate) fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}
