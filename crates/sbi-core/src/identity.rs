//! [`Identity`]: the summary for simulators whose output already is the feature vector.

use crate::{Error, Result, SummaryStatistics, check_dim, check_finite};

/// The identity summary: a simulator's output vector is its own feature vector x (features
/// named `x0`, `x1`, …). Use it when a simulator returns the features itself.
///
/// ```
/// use sbi_core::{Identity, SummaryStatistics};
/// assert_eq!(Identity::new(2).summarize(&vec![1.0, 2.0])?, vec![1.0, 2.0]);
/// assert_eq!(SummaryStatistics::<[f64]>::names(&Identity::new(2)), ["x0", "x1"]);
/// assert!(Identity::new(2).summarize(&vec![1.0, f64::NAN]).is_err());
/// # Ok::<(), sbi_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    dim: usize,
}

impl Identity {
    /// Identity on vectors of length `dim`.
    pub fn new(dim: usize) -> Self {
        Self { dim }
    }
}

impl SummaryStatistics<[f64]> for Identity {
    type Error = Error;

    fn dim(&self) -> usize {
        self.dim
    }

    fn names(&self) -> Vec<String> {
        (0..self.dim).map(|j| format!("x{j}")).collect()
    }

    /// Copies `input` into `out`.
    ///
    /// # Errors
    /// A length other than `dim`, or a non-finite value.
    fn summarize_into(&self, input: &[f64], out: &mut [f64]) -> Result<()> {
        check_dim(self.dim, input.len())?;
        check_dim(self.dim, out.len())?;
        check_finite(input)?;
        out.copy_from_slice(input);
        Ok(())
    }
}

impl SummaryStatistics<Vec<f64>> for Identity {
    type Error = Error;

    fn dim(&self) -> usize {
        self.dim
    }

    fn names(&self) -> Vec<String> {
        SummaryStatistics::<[f64]>::names(self)
    }

    fn summarize_into(&self, input: &Vec<f64>, out: &mut [f64]) -> Result<()> {
        SummaryStatistics::<[f64]>::summarize_into(self, input.as_slice(), out)
    }
}
