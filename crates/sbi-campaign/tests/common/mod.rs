//! Test models shared by the campaign tests.
#![allow(dead_code)]

use rand::{Rng, RngExt};
use sbi_core::{
    Error, Identity, ItemError, RowMatrix, Simulator, SummarizedResults, SummaryStatistics,
    item_rng,
};
use sbi_prior::BoxUniform;

/// θ uniform on [0, 1]².
pub fn unit_box() -> BoxUniform {
    BoxUniform::new(vec![0.0, 0.0], vec![1.0, 1.0]).unwrap()
}

/// x = θ + uniform noise; fails (item by item) where θ₀ > `fail_above`, and refuses (a
/// batch-level error) any batch that holds simulation `refuse_at`.
pub struct Flaky {
    pub fail_above: f64,
    pub refuse_at: Option<usize>,
}

impl Flaky {
    pub fn failing_above(fail_above: f64) -> Self {
        Self {
            fail_above,
            refuse_at: None,
        }
    }
    pub fn refusing(index: usize) -> Self {
        Self {
            fail_above: f64::INFINITY,
            refuse_at: Some(index),
        }
    }
}

impl Simulator for Flaky {
    type Output = Vec<f64>;
    type Error = Error;

    fn theta_dim(&self) -> usize {
        2
    }

    fn simulate<R: Rng + ?Sized>(&self, theta: &[f64], rng: &mut R) -> Result<Vec<f64>, Error> {
        sbi_core::check_dim(2, theta.len())?;
        if theta[0] > self.fail_above {
            return Err(Error::InvalidParameter {
                name: "theta_0",
                value: theta[0],
                reason: "above the test model's range",
            });
        }
        Ok(theta.iter().map(|t| t + rng.random::<f64>()).collect())
    }

    fn simulate_summarize_each<F>(
        &self,
        thetas: &RowMatrix,
        seed: u64,
        first_index: u64,
        summary: &F,
        out: &mut [f64],
    ) -> Result<SummarizedResults<Error, F::Error>, Error>
    where
        F: SummaryStatistics<Vec<f64>>,
    {
        let range = first_index as usize..first_index as usize + thetas.nrows();
        if self.refuse_at.is_some_and(|i| range.contains(&i)) {
            return Err(Error::Empty {
                what: "a batch this test model accepts",
            });
        }
        let dx = summary.dim();
        Ok((0..thetas.nrows())
            .map(|i| {
                let mut rng = item_rng(seed, first_index + i as u64);
                let y = self
                    .simulate(thetas.row(i), &mut rng)
                    .map_err(ItemError::Simulator)?;
                summary
                    .summarize_into(&y, &mut out[i * dx..(i + 1) * dx])
                    .map_err(ItemError::Summary)
            })
            .collect())
    }
}

/// The summary of the test models: x itself.
pub fn identity() -> Identity {
    Identity::new(2)
}
