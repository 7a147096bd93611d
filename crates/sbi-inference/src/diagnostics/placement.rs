//! [`place_observation`]: where an observation's features lie among the simulated ones — the
//! first thing to look at when a posterior refuses an observation (or accepts one it should
//! not): a feature beyond every simulation is one the model, under its prior, never produced.

use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// Values closer than this, relative to 1 + |the simulated mean|, count as equal in
/// [`place_observation`].
pub const TIE_TOLERANCE: f64 = 1e-9;

/// Where one observed feature lies among the dataset's successful simulations.
#[derive(Debug, Clone, PartialEq)]
pub struct FeaturePlacement {
    /// The feature's name (the dataset's).
    pub name: String,
    /// The observed value.
    pub value: f64,
    /// Mean of the simulated values.
    pub mean: f64,
    /// Their standard deviation.
    pub std: f64,
    /// The lowest simulated value.
    pub lowest: f64,
    /// The highest simulated value.
    pub highest: f64,
    /// (value − mean) / std (±∞ when the simulations never varied and the value differs; 0
    /// when it equals the mean within [`TIE_TOLERANCE`]).
    pub z: f64,
    /// The fraction of simulations below the value (ties, within [`TIE_TOLERANCE`], count
    /// half): 0 or 1 means beyond every simulation.
    pub quantile: f64,
}

impl FeaturePlacement {
    /// Whether the value lies beyond every simulated value.
    pub fn outside(&self) -> bool {
        self.quantile == 0.0 || self.quantile == 1.0
    }

    /// How far the value lies beyond the simulated range (positive above the highest,
    /// negative below the lowest), 0 inside it (or within [`TIE_TOLERANCE`] of its end).
    pub fn beyond(&self) -> f64 {
        if self.quantile == 0.0 {
            self.value - self.lowest
        } else if self.quantile == 1.0 {
            self.value - self.highest
        } else {
            0.0
        }
    }
}

/// Places each feature of `x_o` among the dataset's successful simulations (column order).
/// [`furthest_out`] sorts them for a report.
///
/// ```
/// use sbi_core::RowMatrix;
/// use sbi_inference::{Dataset, place_observation};
/// let theta = RowMatrix::from_rows(&[[0.0], [1.0], [2.0], [3.0]])?;
/// let x = RowMatrix::from_rows(&[[1.0, 10.0], [2.0, 10.0], [3.0, 10.0], [4.0, 10.0]])?;
/// let data = Dataset::new(theta, x, vec!["spikes".into(), "rest".into()])?;
/// let p = place_observation(&data, &[2.5, 50.0])?;
/// assert_eq!(p[0].quantile, 0.5);
/// assert!(!p[0].outside() && p[1].outside() && p[1].z == f64::INFINITY);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::InvalidDataset`] for an `x_o` of another width than the data, a non-finite
/// `x_o`, or a dataset without a successful simulation.
pub fn place_observation(dataset: &Dataset, x_o: &[f64]) -> Result<Vec<FeaturePlacement>> {
    let x = dataset.x();
    if x_o.len() != x.ncols() {
        return Err(Error::InvalidDataset(format!(
            "the observation has {} features, the simulations {}",
            x_o.len(),
            x.ncols()
        )));
    }
    if x_o.iter().any(|v| !v.is_finite()) {
        return Err(Error::InvalidDataset(
            "the observation is not finite".into(),
        ));
    }
    let rows: Vec<&[f64]> = x
        .rows()
        .filter(|r| r.iter().all(|v| v.is_finite()))
        .collect();
    if rows.is_empty() {
        return Err(Error::InvalidDataset(
            "no simulation succeeded: nothing to compare the observation with".into(),
        ));
    }
    let n = rows.len() as f64;
    Ok(x_o
        .iter()
        .enumerate()
        .map(|(j, &value)| {
            let mean = rows.iter().map(|r| r[j]).sum::<f64>() / n;
            let var = rows.iter().map(|r| (r[j] - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
            let std = var.sqrt();
            // Differences at rounding level are ties: a feature the model holds constant
            // (the resting std of a noise-free model, ~10⁻¹³ mV) is not "beyond every
            // simulation" for an observation that differs from it by rounding alone.
            let tol = TIE_TOLERANCE * (1.0 + mean.abs());
            let d = if (value - mean).abs() <= tol {
                0.0
            } else {
                value - mean
            };
            let z = if std > 0.0 {
                d / std
            } else if d == 0.0 {
                0.0
            } else {
                d.signum() * f64::INFINITY
            };
            let (below, ties) = rows.iter().fold((0usize, 0usize), |(b, t), r| {
                let tie = (r[j] - value).abs() <= tol;
                (b + usize::from(r[j] < value && !tie), t + usize::from(tie))
            });
            let (lowest, highest) = rows
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| {
                    (lo.min(r[j]), hi.max(r[j]))
                });
            FeaturePlacement {
                name: dataset.feature_names()[j].clone(),
                value,
                mean,
                std,
                lowest,
                highest,
                z,
                quantile: (below as f64 + 0.5 * ties as f64) / n,
            }
        })
        .collect())
}

/// The placements sorted from furthest out to furthest in: beyond every simulation first,
/// then by |z|.
pub fn furthest_out(mut placements: Vec<FeaturePlacement>) -> Vec<FeaturePlacement> {
    placements.sort_by(|a, b| {
        b.outside()
            .cmp(&a.outside())
            .then(b.z.abs().total_cmp(&a.z.abs()))
    });
    placements
}

#[cfg(test)]
mod tests {
    use super::*;
    use sbi_core::RowMatrix;

    #[test]
    fn failed_rows_are_left_out_and_order_is_by_distance() {
        let theta = RowMatrix::from_rows(&[[0.0], [1.0], [2.0], [3.0]]).unwrap();
        let x = RowMatrix::from_rows(&[
            [1.0, 0.0, 5.0],
            [f64::NAN, 0.0, 5.0],
            [3.0, 2.0, 5.0],
            [5.0, 4.0, 5.0],
        ])
        .unwrap();
        let d = Dataset::new(theta, x, vec![]).unwrap();
        let p = place_observation(&d, &[3.0, 10.0, 5.0]).unwrap();
        // Column 0 over rows 0, 2, 3: mean 3, std 2; the value ties one of three.
        assert_eq!(
            (p[0].mean, p[0].std, p[0].z, p[0].quantile),
            (3.0, 2.0, 0.0, 0.5)
        );
        assert!(p[1].outside() && (p[1].z - 4.0).abs() < 1e-12);
        // Column 1 spans 0…4 over the successful rows: 10 lies 6 above; column 0 is inside.
        assert_eq!((p[1].lowest, p[1].highest, p[1].beyond()), (0.0, 4.0, 6.0));
        assert_eq!(p[0].beyond(), 0.0);
        assert_eq!(
            place_observation(&d, &[-1.0, 0.0, 5.0]).unwrap()[0].beyond(),
            -2.0
        );
        assert_eq!((p[2].z, p[2].quantile), (0.0, 0.5));
        let order: Vec<String> = furthest_out(p).into_iter().map(|f| f.name).collect();
        assert_eq!(order, ["x1", "x0", "x2"]);
        assert!(place_observation(&d, &[1.0]).is_err());
        assert!(place_observation(&d, &[1.0, f64::NAN, 0.0]).is_err());
    }
}
