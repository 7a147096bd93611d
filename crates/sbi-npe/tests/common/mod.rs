//! Helpers shared by the sbi-npe integration tests.
#![allow(dead_code)]

use sbi_core::{Bounds, DensityEstimator, EpochReport, Progress, RowMatrix, TrainingData};

/// A fresh temporary folder for one test (`tag` and the process id in its name).
pub fn temp(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("sbi-npe-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Collects every epoch report and every stage label.
#[derive(Default)]
pub struct Epochs(pub Vec<EpochReport>, pub Vec<String>);

impl Progress for Epochs {
    fn stage(&mut self, label: &str) {
        self.1.push(label.to_owned());
    }
    fn epoch(&mut self, r: &EpochReport) {
        self.0.push(*r);
    }
}

/// The midpoints of an `h` grid over the box [−3, 3]², one row each.
pub fn box_grid(h: f64) -> RowMatrix {
    let n = (6.0 / h) as usize;
    let grid: Vec<[f64; 2]> = (0..n)
        .flat_map(|i| {
            (0..n).map(move |j| [-3.0 + (i as f64 + 0.5) * h, -3.0 + (j as f64 + 0.5) * h])
        })
        .collect();
    RowMatrix::from_rows(&grid).unwrap()
}

/// ∫ exp(lp) over the grid of [`box_grid`]`(h)` (midpoint rule).
pub fn integral(lp: &[f64], h: f64) -> f64 {
    lp.iter().map(|l| l.exp() * h * h).sum()
}

/// [`DensityEstimator::fit`] on (θ, x, support) in one call, as tests written before
/// [`TrainingData`] spell it: the pairs are checked ([`TrainingData::new`]'s errors come back
/// as the estimator's), then fitted; the posterior alone is returned.
pub trait FitPairs: DensityEstimator {
    fn fit_pairs(
        &self,
        theta: &RowMatrix,
        x: &RowMatrix,
        support: &Bounds,
        seed: u64,
        progress: &mut dyn Progress,
    ) -> Result<Self::Posterior, Self::Error> {
        let data = TrainingData::new(theta.clone(), x.clone(), support.clone())?;
        Ok(self.fit(&data, seed, progress)?.posterior)
    }
}

impl<E: DensityEstimator> FitPairs for E {}
