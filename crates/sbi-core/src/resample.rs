//! Time bases: any non-decreasing time stamps to a uniform grid, by eFEL's linear interpolation.
//!
//! Recordings and simulator outputs do not always come on a uniform grid: variable-step
//! NEURON output, text files whose time column jitters by rounding (0.02/0.03 ms around 0.025).
//! eFEL (the field's feature library) interpolates every trace linearly onto a uniform grid
//! of `interp_step` (0.1 ms by default) before it computes anything; [`linear`] is that
//! interpolation, with its grid — `x₀ = t₀`, then `x ← x + step` (accumulated, as eFEL
//! does) up to the first point at or beyond the last time — and its value there, so that a
//! trace resampled here at eFEL's step gives eFEL's features to rounding.
//!
//! ```
//! use sbi_core::resample::{Resampling, linear, uniform_step};
//! let t = [0.0, 0.1, 0.25, 0.3];
//! let v = [0.0, 1.0, 2.5, 3.0];
//! assert_eq!(uniform_step(&t)?, None); // 0.15 is not 0.1
//! let u = linear(&t, &v, 0.1)?;
//! assert_eq!(u.len(), 4); // 0, 0.1, 0.2, 0.3 (accumulated)
//! assert!((u[2] - 2.0).abs() < 1e-12);
//! assert_eq!(uniform_step(&[0.0, 0.5, 1.0])?, Some(0.5));
//! assert!(uniform_step(&[0.0, 0.5, 0.4]).is_err()); // decreasing
//! assert_eq!(uniform_step(&[0.0, 0.5, 0.5, 1.0])?, None); // a repeated stamp: resampled
//! # Ok::<(), sbi_core::Error>(())
//! ```

use crate::error::{Error, Result, invalid};

/// eFEL's default interpolation step, ms (its `interp_step` setting).
pub const DEFAULT_STEP_MS: f64 = 0.1;

/// Most samples a resampled trace may have (a step far below the recording's would ask for
/// more memory than a trace needs): 10⁸.
pub const MAX_SAMPLES: usize = 100_000_000;

/// What a resampling did, for the user to see.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Resampling {
    /// Samples before.
    pub samples_in: usize,
    /// Samples after.
    pub samples_out: usize,
    /// The uniform step, ms.
    pub step_ms: f64,
    /// The smallest and largest interval between the original time stamps, ms.
    pub interval_range_ms: (f64, f64),
}

impl std::fmt::Display for Resampling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "time stamps not uniform (intervals {:.6}–{:.6} ms): {} samples interpolated \
             linearly onto a uniform {} ms grid ({} samples)",
            self.interval_range_ms.0,
            self.interval_range_ms.1,
            self.samples_in,
            self.step_ms,
            self.samples_out
        )
    }
}

/// Checks that `t` is a time base: at least two stamps, all finite, never decreasing, the
/// last after the first. A repeated stamp is allowed: NEURON's variable-step output records
/// the instant of a discontinuity (a stimulus edge) twice, before and after it.
///
/// # Errors
/// [`Error::Empty`] for fewer than two stamps, [`Error::NonFinite`] at the first non-finite
/// one, [`Error::InvalidParameter`] (`time`) where a stamp is below the one before (its value
/// in the message) or every stamp is the same.
pub fn check_times(t: &[f64]) -> Result<()> {
    if t.len() < 2 {
        return Err(Error::Empty {
            what: "time base (need at least two samples)",
        });
    }
    if let Some(index) = t.iter().position(|x| !x.is_finite()) {
        return Err(Error::NonFinite { index });
    }
    if let Some(i) = (1..t.len()).find(|&i| t[i] < t[i - 1]) {
        return Err(invalid(
            "time",
            t[i],
            "time stamps must not decrease (this one is below the one before)",
        ));
    }
    if t[t.len() - 1] == t[0] {
        return Err(invalid("time", t[0], "every time stamp is the same"));
    }
    Ok(())
}

/// The step of a uniform time base — `t[1] − t[0]` when every stamp lies within 10⁻³ of a
/// step of `t[0] + i·step` — or `None` when the stamps are not uniform.
///
/// # Errors
/// As [`check_times`].
pub fn uniform_step(t: &[f64]) -> Result<Option<f64>> {
    check_times(t)?;
    let dt = t[1] - t[0];
    let uniform = t
        .iter()
        .enumerate()
        .all(|(i, ti)| (ti - (t[0] + i as f64 * dt)).abs() <= 1e-3 * dt);
    Ok(uniform.then_some(dt))
}

/// The smallest and largest interval between consecutive stamps.
pub fn interval_range(t: &[f64]) -> (f64, f64) {
    t.windows(2)
        .map(|w| w[1] - w[0])
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), d| {
            (lo.min(d), hi.max(d))
        })
}

/// `y` (sampled at times `t`) linearly interpolated onto the uniform grid of `step` from
/// `t[0]`, as eFEL's `LinearInterpolation`: `ceil((t_last − t₀)/step)` accumulated points,
/// plus one if the last of them is below `t_last`; each value `y[j] + (Δy/Δt)·(x − t[j])`
/// on the interval `t[j] ≤ x ≤ t[j+1]` found by `t[j+1] < x` advancing `j`, and `y_last` at a
/// point past the last stamp. On an interval of zero width (a repeated stamp landing exactly
/// on a grid point, where eFEL divides by zero) the later value.
///
/// # Errors
/// `t` not a time base ([`check_times`]), `y` of another length, a step that is not finite
/// and positive, or more than [`MAX_SAMPLES`] grid points.
pub fn linear(t: &[f64], y: &[f64], step: f64) -> Result<Vec<f64>> {
    Ok(linear_grid(t, y, step)?.1)
}

/// [`linear`] with its grid: the times (accumulated from `t[0]` by `step`, as eFEL
/// accumulates them) and the values.
///
/// ```
/// let (grid, v) = sbi_core::resample::linear_grid(&[0.0, 0.25, 0.5], &[0.0, 1.0, 2.0], 0.1)?;
/// assert_eq!(grid.len(), 6);
/// assert!((grid[3] - 0.3).abs() < 1e-15 && (v[3] - 1.2).abs() < 1e-12);
/// # Ok::<(), sbi_core::Error>(())
/// ```
///
/// # Errors
/// As [`linear`].
pub fn linear_grid(t: &[f64], y: &[f64], step: f64) -> Result<(Vec<f64>, Vec<f64>)> {
    check_times(t)?;
    crate::check_dim(t.len(), y.len())?;
    interpolate(&Stamps::Listed(t), y, step)
}

/// [`linear_grid`] for the uniform time base `t0 + i·dt` (a [`crate::Trace`]'s labels),
/// without materialising it: the same grid and values as [`linear_grid`] given those stamps,
/// in time proportional to the grid, not to `y`.
///
/// ```
/// use sbi_core::resample::{linear_grid, linear_grid_uniform};
/// let y: Vec<f64> = (0..1000).map(|i| (i as f64 * 0.37).sin()).collect();
/// let t: Vec<f64> = (0..1000).map(|i| 5.0 + i as f64 * 0.025).collect();
/// assert_eq!(linear_grid_uniform(5.0, 0.025, &y, 0.1)?, linear_grid(&t, &y, 0.1)?);
/// # Ok::<(), sbi_core::Error>(())
/// ```
///
/// # Errors
/// Fewer than two values, `t0` not finite, `dt` or `step` not finite and positive, more
/// than [`MAX_SAMPLES`] grid points.
pub fn linear_grid_uniform(t0: f64, dt: f64, y: &[f64], step: f64) -> Result<(Vec<f64>, Vec<f64>)> {
    if y.len() < 2 {
        return Err(Error::Empty {
            what: "time base (need at least two samples)",
        });
    }
    if !t0.is_finite() {
        return Err(invalid("t0_ms", t0, "must be finite"));
    }
    if !(dt.is_finite() && dt > 0.0) {
        return Err(invalid("dt_ms", dt, "must be finite and positive"));
    }
    interpolate(&Stamps::Uniform { t0, dt, n: y.len() }, y, step)
}

/// The stamps of the samples being resampled.
enum Stamps<'a> {
    /// Given one by one (non-decreasing).
    Listed(&'a [f64]),
    /// `t0 + i·dt` for `i < n`.
    Uniform { t0: f64, dt: f64, n: usize },
}

impl Stamps<'_> {
    fn len(&self) -> usize {
        match self {
            Stamps::Listed(t) => t.len(),
            Stamps::Uniform { n, .. } => *n,
        }
    }

    fn at(&self, i: usize) -> f64 {
        match self {
            Stamps::Listed(t) => t[i],
            Stamps::Uniform { t0, dt, .. } => t0 + i as f64 * dt,
        }
    }

    /// The interval `[j, j+1]` eFEL interpolates `x` on: advancing `j` from `from` while
    /// `t[j+1] < x` (`x` never decreases between calls). For uniform stamps `j` is computed,
    /// then corrected against the stamps themselves, so both give the same `j`.
    fn interval(&self, x: f64, from: usize) -> usize {
        let last = self.len() - 1;
        let mut j = match self {
            Stamps::Listed(_) => from,
            Stamps::Uniform { t0, dt, .. } => {
                // A guess (truncation saturates at 0 and floors what is positive).
                let guess = ((x - t0) * (1.0 / dt)) as usize;
                guess.saturating_sub(1).clamp(from, last)
            }
        };
        while j > from && self.at(j) >= x {
            j -= 1;
        }
        while j < last && self.at(j + 1) < x {
            j += 1;
        }
        j
    }
}

/// eFEL's linear interpolation of `y` at `stamps` onto the grid of `step` (see [`linear`]).
fn interpolate(stamps: &Stamps<'_>, y: &[f64], step: f64) -> Result<(Vec<f64>, Vec<f64>)> {
    if !(step.is_finite() && step > 0.0) {
        return Err(invalid("step_ms", step, "must be finite and positive"));
    }
    let last = stamps.len() - 1;
    let (start, stop) = (stamps.at(0), stamps.at(last));
    let count = ((stop - start) / step).ceil();
    if count >= MAX_SAMPLES as f64 {
        return Err(Error::TooLarge {
            what: "resampled trace",
            nrows: count as usize,
            ncols: 1,
            max: MAX_SAMPLES,
        });
    }
    let mut grid = Vec::with_capacity(count as usize + 1);
    let mut x = start;
    for _ in 0..count as usize {
        grid.push(x);
        x += step;
    }
    if grid.last().is_none_or(|&g| g < stop) {
        grid.push(x);
    }
    let mut out = Vec::with_capacity(grid.len());
    let mut j = 0;
    for &x in &grid {
        j = stamps.interval(x, j);
        if j == last {
            out.push(y[last]);
            continue;
        }
        let (a, b) = (stamps.at(j), stamps.at(j + 1));
        if b == a {
            // A repeated stamp (a discontinuity) exactly at a grid point: the value after it.
            out.push(y[j + 1]);
        } else {
            let slope = (y[j + 1] - y[j]) / (b - a);
            out.push(y[j] + slope * (x - a));
        }
    }
    Ok((grid, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_stamps_give_what_listed_ones_give() {
        for (t0, dt, n) in [
            (0.0, 0.01, 20_000),
            (5.0, 0.025, 4001),
            (-3.3, 0.05, 999),
            (0.0, 0.3, 50),
        ] {
            let y: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin() * 40.0).collect();
            let t: Vec<f64> = (0..n).map(|i| t0 + i as f64 * dt).collect();
            for step in [0.1, 0.025, 0.07, 1.0] {
                assert_eq!(
                    linear_grid_uniform(t0, dt, &y, step).unwrap(),
                    linear_grid(&t, &y, step).unwrap(),
                    "t0 {t0} dt {dt} step {step}"
                );
            }
        }
        assert!(linear_grid_uniform(0.0, 0.0, &[1.0, 2.0], 0.1).is_err());
        assert!(linear_grid_uniform(0.0, 0.1, &[1.0], 0.1).is_err());
        assert!(linear_grid_uniform(f64::NAN, 0.1, &[1.0, 2.0], 0.1).is_err());
    }

    #[test]
    fn grid_and_values_follow_efel() {
        // 0..1 by 0.3: ceil(1/0.3) = 4 points (0, .3, .6, .9), then 1.2 (> 1) added.
        let t = [0.0, 0.5, 1.0];
        let y = [0.0, 5.0, 0.0];
        let u = linear(&t, &y, 0.3).unwrap();
        assert_eq!(u.len(), 5);
        assert!((u[1] - 3.0).abs() < 1e-12);
        assert!((u[3] - 1.0).abs() < 1e-12);
        assert_eq!(u[4], 0.0); // past the last stamp: its value
        // A uniform trace resampled at its own step is itself (to rounding).
        let t: Vec<f64> = (0..1000).map(|i| i as f64 * 0.1).collect();
        let y: Vec<f64> = t.iter().map(|x| (x * 0.37).sin()).collect();
        let u = linear(&t, &y, 0.1).unwrap();
        assert_eq!(u.len(), y.len());
        for (a, b) in u.iter().zip(&y) {
            assert!((a - b).abs() < 1e-12);
        }
    }

    #[test]
    fn bad_time_bases_are_errors() {
        assert!(check_times(&[0.0]).is_err());
        assert!(check_times(&[0.0, f64::NAN]).is_err());
        assert!(check_times(&[0.0, 1.0, 0.5]).is_err());
        assert!(linear(&[0.0, 1.0], &[0.0], 0.1).is_err());
        assert!(linear(&[0.0, 1.0], &[0.0, 1.0], 0.0).is_err());
        assert!(linear(&[0.0, 1e12], &[0.0, 1.0], 1e-3).is_err());
        // Jitter from rounded text stamps is not uniform; it is resampled, not refused.
        let t = [0.0, 0.03, 0.05, 0.08, 0.1];
        assert_eq!(uniform_step(&t).unwrap(), None);
        let (lo, hi) = interval_range(&t);
        assert!((lo - 0.02).abs() < 1e-12 && (hi - 0.03).abs() < 1e-12);
    }
}
