//! The posterior predictive check ([`PredictiveCheck`]): simulate at posterior draws,
//! summarise, and place the observation in the predictive distribution of each feature.

use sbi_core::{RowMatrix, Simulator, SummaryStatistics, streams};

use crate::error::{Error, Result};
use crate::simulate::simulate_rows;

/// Where an observation falls in the posterior predictive distribution, feature by feature.
///
/// A posterior that explains the observation predicts features around it: each observed
/// feature then sits inside its predictive distribution (a quantile away from 0 and 1). A
/// feature at quantile 0 or 1 is one no simulation at the posterior's draws reproduced — the
/// model, at the parameters it believes in, does not make that feature.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictiveCheck {
    /// Feature names (the summary's).
    pub names: Vec<String>,
    /// The observation.
    pub observed: Vec<f64>,
    /// The successful predictive simulations' features, one row each.
    pub predictive: RowMatrix,
    /// Per feature, the fraction of predictive values below the observed one (ties count
    /// half).
    pub quantiles: Vec<f64>,
    /// Predictive simulations that failed (dropped).
    pub failed: usize,
}

impl PredictiveCheck {
    /// Simulates `simulator` at each row of `draws` (posterior samples), summarises by
    /// `summary`, and places `x_o`. Simulation i uses item i of the stream
    /// `streams::PREDICTIVE_SIMULATIONS` derived from `seed` (as the predictive traces of the
    /// examples' pictures do), in parallel; the result does not depend on the thread count.
    ///
    /// ```
    /// use sbi_core::{Identity, RowMatrix, testing::LinearGaussian};
    /// use sbi_inference::PredictiveCheck;
    /// // x = θ + N(0, 0.5²): at draws around (1, −1), x_o = (1, −1) is central and 5 is not.
    /// let draws = RowMatrix::from_rows(&vec![[1.0, -1.0]; 400])?;
    /// let sim = LinearGaussian::new(2, 0.5)?;
    /// let ppc = PredictiveCheck::run(&sim, &Identity::new(2), &draws, &[1.0, 5.0], 3)?;
    /// assert!((ppc.quantiles[0] - 0.5).abs() < 0.1 && ppc.quantiles[1] == 1.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// No draw; `x_o` of another width than the summary's, or not finite; a batch-level
    /// simulator error; every predictive simulation failing.
    pub fn run<S, F>(
        simulator: &S,
        summary: &F,
        draws: &RowMatrix,
        x_o: &[f64],
        seed: u64,
    ) -> Result<Self>
    where
        S: Simulator,
        F: SummaryStatistics<S::Output>,
    {
        if draws.is_empty() {
            return Err(Error::Empty {
                what: "a predictive check needs at least one posterior draw".into(),
            });
        }
        sbi_core::check_dim(summary.dim(), x_o.len())?;
        if let Some(index) = x_o.iter().position(|v| !v.is_finite()) {
            return Err(sbi_core::Error::NonFinite { index }.into());
        }
        let rows = simulate_rows(
            simulator,
            summary,
            draws,
            0,
            streams::PREDICTIVE_SIMULATIONS.seed(seed),
        )?;
        let failed = rows.failures.len();
        let predictive = rows
            .x
            .select_rows(|i| rows.x.row(i).iter().all(|v| v.is_finite()));
        if predictive.is_empty() {
            return Err(Error::SimulationsFailed {
                failed,
                total: draws.nrows(),
                first: rows
                    .failures
                    .first()
                    .map_or_else(String::new, |f| f.message.clone()),
            });
        }
        let n = predictive.nrows() as f64;
        let quantiles = x_o
            .iter()
            .enumerate()
            .map(|(j, &v)| {
                let (below, ties) = predictive.rows().fold((0usize, 0usize), |(b, t), r| {
                    (b + usize::from(r[j] < v), t + usize::from(r[j] == v))
                });
                (below as f64 + 0.5 * ties as f64) / n
            })
            .collect();
        Ok(Self {
            names: summary.names(),
            observed: x_o.to_vec(),
            predictive,
            quantiles,
            failed,
        })
    }

    /// The features whose observed value lies outside the central `level` interval of its
    /// predictive distribution (e.g. 0.95: quantile below 0.025 or above 0.975), by index.
    pub fn outside(&self, level: f64) -> Vec<usize> {
        let tail = (1.0 - level) / 2.0;
        (0..self.quantiles.len())
            .filter(|&j| self.quantiles[j] < tail || self.quantiles[j] > 1.0 - tail)
            .collect()
    }
}
