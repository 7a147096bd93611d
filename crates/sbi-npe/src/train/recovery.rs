//! Recovery from non-finite losses: a bad step is skipped; [`BAD_STEPS_BEFORE_RECOVERY`] in a
//! row, or a non-finite validation loss, restore the best weights and halve the learning rate
//! ([`recover`]); after [`MAX_LR_REDUCTIONS`] halvings training stops and returns the best
//! network, saying why.

/// Non-finite batch losses in a row before the best weights are restored.
pub(crate) const BAD_STEPS_BEFORE_RECOVERY: usize = 5;
/// Learning-rate halvings before training gives up and returns the best network.
pub(crate) const MAX_LR_REDUCTIONS: usize = 6;

/// Restores the best weights and halves the learning rate; `false` once that has been done
/// [`MAX_LR_REDUCTIONS`] times.
pub(crate) fn recover<M: Clone>(
    net: &mut M,
    best: &M,
    lr: &mut f64,
    reductions: &mut usize,
) -> bool {
    if *reductions >= MAX_LR_REDUCTIONS {
        return false;
    }
    *reductions += 1;
    *lr *= 0.5;
    *net = best.clone();
    true
}
