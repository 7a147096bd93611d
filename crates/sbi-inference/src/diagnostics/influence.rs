//! [`influences`]: which parameters move a feature over a dataset's simulations — what to
//! widen when an observation lies beyond every simulated value of that feature.

use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// How one parameter moves one feature over the simulations.
#[derive(Debug, Clone, PartialEq)]
pub struct Influence {
    /// The parameter's column in θ.
    pub parameter: usize,
    /// Spearman's rank correlation between the parameter and the feature over the successful
    /// simulations (average ranks for ties), in −1…1; 0 when either never varied.
    pub rank_correlation: f64,
}

/// Spearman's rank correlation of each parameter with feature `feature` over the dataset's
/// successful simulations, strongest (largest |ρ|) first. A rank correlation sees any
/// monotone effect (spike counts, thresholds) and is not swayed by a few extreme features.
///
/// ```
/// use sbi_core::RowMatrix;
/// use sbi_inference::{Dataset, influences};
/// // x = exp(−θ₁): θ₁ moves it (monotonely, against it: ρ = −1); θ₀ is shuffled beside it.
/// let rows: Vec<[f64; 2]> = (0..20).map(|i| [(i * 7 % 20) as f64, i as f64 / 4.0]).collect();
/// let theta = RowMatrix::from_rows(&rows)?;
/// let x: Vec<[f64; 1]> = rows.iter().map(|r| [(-r[1]).exp()]).collect();
/// let data = Dataset::new(theta, RowMatrix::from_rows(&x)?, vec!["x".into()])?;
/// let inf = influences(&data, 0)?;
/// assert_eq!((inf[0].parameter, inf[0].rank_correlation), (1, -1.0));
/// assert!(inf[1].rank_correlation.abs() < 0.5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::InvalidDataset`] for a feature index beyond the data or fewer than 3 successful
/// simulations.
pub fn influences(dataset: &Dataset, feature: usize) -> Result<Vec<Influence>> {
    let x = dataset.x();
    if feature >= x.ncols() {
        return Err(Error::InvalidDataset(format!(
            "feature {feature} of {}",
            x.ncols()
        )));
    }
    let ok: Vec<usize> = (0..x.nrows())
        .filter(|&i| x.row(i).iter().all(|v| v.is_finite()))
        .collect();
    if ok.len() < 3 {
        return Err(Error::InvalidDataset(format!(
            "{} successful simulations: a rank correlation needs at least 3",
            ok.len()
        )));
    }
    let feature_ranks = ranks(ok.iter().map(|&i| x.row(i)[feature]).collect());
    let theta = dataset.theta();
    let mut out: Vec<Influence> = (0..theta.ncols())
        .map(|k| Influence {
            parameter: k,
            rank_correlation: pearson(
                &ranks(ok.iter().map(|&i| theta.row(i)[k]).collect()),
                &feature_ranks,
            ),
        })
        .collect();
    out.sort_by(|a, b| {
        b.rank_correlation
            .abs()
            .total_cmp(&a.rank_correlation.abs())
            .then(a.parameter.cmp(&b.parameter))
    });
    Ok(out)
}

/// The ranks of `values` from 1, ties given their average rank.
fn ranks(values: Vec<f64>) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut out = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Positions start..end (0-based) share the rank (start + 1 + end) / 2.
        let rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            out[i] = rank;
        }
        start = end;
    }
    out
}

/// Pearson's correlation of two equally long series; 0 when either is constant.
fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma).powi(2);
        sbb += (y - mb).powi(2);
    }
    if saa == 0.0 || sbb == 0.0 {
        0.0
    } else {
        (sab / (saa * sbb).sqrt()).clamp(-1.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sbi_core::RowMatrix;

    #[test]
    fn ties_share_their_average_rank() {
        assert_eq!(ranks(vec![3.0, 1.0, 3.0, 2.0]), [3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn spearman_matches_a_hand_computed_value_and_skips_failed_rows() {
        // θ ranks 1..5, x ranks (2, 1, 4, 3, 5): Σd² = 4, ρ = 1 − 6·4 / (5·24) = 0.8.
        let theta = RowMatrix::from_rows(&[[1.0], [2.0], [3.0], [4.0], [5.0], [6.0]]).unwrap();
        let x =
            RowMatrix::from_rows(&[[20.0], [10.0], [40.0], [30.0], [f64::NAN], [50.0]]).unwrap();
        let d = Dataset::new(theta, x, vec!["x".into()]).unwrap();
        let inf = influences(&d, 0).unwrap();
        assert!((inf[0].rank_correlation - 0.8).abs() < 1e-12, "{inf:?}");
        assert!(influences(&d, 1).is_err());
    }

    #[test]
    fn a_constant_feature_is_moved_by_nothing() {
        let theta = RowMatrix::from_rows(&[[1.0, 3.0], [2.0, 1.0], [3.0, 2.0]]).unwrap();
        let x = RowMatrix::from_rows(&[[0.0], [0.0], [0.0]]).unwrap();
        let d = Dataset::new(theta, x, vec!["spikes".into()]).unwrap();
        assert!(
            influences(&d, 0)
                .unwrap()
                .iter()
                .all(|i| i.rank_correlation == 0.0)
        );
    }
}
