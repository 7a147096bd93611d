//! [`Dataset`]: simulated pairs (θ, x) with every failed simulation's cause (saved and loaded
//! as NumPy `.npz` by the `npz` module).

use std::collections::BTreeMap;

use sbi_core::{Bounds, RowMatrix};

use crate::error::{Error, Result};

/// Where a simulation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FailureStage {
    /// The simulator returned an error.
    Simulator,
    /// The summary statistics returned an error.
    Summary,
    /// A feature was NaN or infinite.
    NonFinite,
}

impl FailureStage {
    /// The stage's name, as written in files: `simulator`, `summary` or `non_finite`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Simulator => "simulator",
            Self::Summary => "summary",
            Self::NonFinite => "non_finite",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Self> {
        [Self::Simulator, Self::Summary, Self::NonFinite]
            .into_iter()
            .find(|s| s.name() == name)
    }
}

/// One failed simulation: its row, where it failed and what the error said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The row (the simulation's global index).
    pub index: usize,
    /// Where it failed.
    pub stage: FailureStage,
    /// The error's message.
    pub message: String,
}

/// Failures of one stage: how many, and the first (lowest-index) one's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureKind {
    /// The stage.
    pub stage: FailureStage,
    /// Failures at that stage.
    pub count: usize,
    /// The lowest-index failure's row.
    pub first_index: usize,
    /// Its message.
    pub first_message: String,
}

/// Simulated pairs: θ (n × d), x (n × dₓ; a NaN row where simulation `i` failed) and each
/// failure with its cause, plus the feature names.
///
/// Made by [`Npe::simulate`](crate::Npe::simulate), or from pairs simulated elsewhere
/// ([`Dataset::new`], [`Dataset::load_npz`]); trained on by [`Npe::train_on`](crate::Npe::train_on).
///
/// ## The `.npz` file
/// [`Dataset::save_npz`] writes a NumPy archive (`numpy.load` reads it) with these arrays:
///
/// | name | dtype | shape | content |
/// |---|---|---|---|
/// | `theta` | float64 | (n, d) | parameters |
/// | `x` | float64 | (n, dₓ) | features; NaN rows for failed simulations |
/// | `failed` | bool | (n,) | whether simulation i failed |
/// | `x_names` | unicode | (dₓ,) | feature names |
/// | `failure_index` | int64 | (f,) | rows of the f failures |
/// | `failure_stage` | unicode | (f,) | `simulator`, `summary` or `non_finite` |
/// | `failure_message` | unicode | (f,) | what each error said |
/// | `setting_names` | unicode | (s,) | what the data were simulated with: names … |
/// | `setting_values` | unicode | (s,) | … and values ([`Dataset::with_settings`]) |
///
/// In Python: `d = numpy.load("data.npz"); ok = ~d["failed"]; theta, x = d["theta"][ok],
/// d["x"][ok]` gives the pairs sbi's `append_simulations` takes (as torch tensors).
/// [`Dataset::load_npz`] needs only `theta` and `x` (float64 or float32; a 1-D array is one
/// column), so a file written by `numpy.savez` or `savez_compressed` loads too; rows with a
/// non-finite x then count as failed.
///
/// ```
/// use sbi_core::RowMatrix;
/// use sbi_inference::Dataset;
/// let theta = RowMatrix::from_rows(&[[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])?;
/// let x = RowMatrix::from_rows(&[[1.0], [f64::NAN], [3.0]])?;
/// let data = Dataset::new(theta, x, vec!["spikes".into()])?;
/// assert_eq!((data.len(), data.num_failed()), (3, 1));
/// let path = std::env::temp_dir().join("sbi-inference-dataset-doc.npz");
/// data.save_npz(&path)?;
/// assert_eq!(Dataset::load_npz(&path)?, data);
/// let (theta_ok, x_ok) = data.training_pairs()?;
/// assert_eq!(x_ok.as_slice(), [1.0, 3.0]);
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), sbi_inference::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Dataset {
    theta: RowMatrix,
    x: RowMatrix,
    failures: Vec<Failure>,
    feature_names: Vec<String>,
    settings: BTreeMap<String, String>,
}

/// Equal when every array is equal bit for bit (so the NaN rows of failed simulations
/// compare equal).
impl PartialEq for Dataset {
    fn eq(&self, other: &Self) -> bool {
        let bits = |m: &RowMatrix| {
            (
                m.nrows(),
                m.ncols(),
                m.as_slice().iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            )
        };
        bits(&self.theta) == bits(&other.theta)
            && bits(&self.x) == bits(&other.x)
            && self.failures == other.failures
            && self.feature_names == other.feature_names
            && self.settings == other.settings
    }
}

/// The default name of feature j: `x{j}`.
fn default_names(dx: usize) -> Vec<String> {
    (0..dx).map(|j| format!("x{j}")).collect()
}

impl Dataset {
    /// A dataset from pairs simulated elsewhere: rows whose x is not all finite count as
    /// failed ([`FailureStage::NonFinite`]). Empty `feature_names` become `x0`, `x1`, ….
    ///
    /// # Errors
    /// [`Error::RowMismatch`]; [`Error::InvalidDataset`] for a non-finite θ, no column, or
    /// a number of names other than x's columns.
    pub fn new(theta: RowMatrix, x: RowMatrix, feature_names: Vec<String>) -> Result<Self> {
        let failures = (0..x.nrows())
            .filter(|&i| x.row(i).iter().any(|v| !v.is_finite()))
            .map(|index| Failure {
                index,
                stage: FailureStage::NonFinite,
                message: "x is not finite".into(),
            })
            .collect();
        Self::from_parts(theta, x, failures, feature_names)
    }

    /// A dataset from its parts, checked: e.g. rows simulated in pieces (on several machines)
    /// and joined. `failures` must be sorted by row, one per row at most; their x rows are
    /// set to NaN. Empty `feature_names` become `x0`, `x1`, ….
    ///
    /// # Errors
    /// As [`Dataset::new`]; [`Error::InvalidDataset`] for failures out of order or outside
    /// the data.
    pub fn from_parts(
        theta: RowMatrix,
        mut x: RowMatrix,
        failures: Vec<Failure>,
        feature_names: Vec<String>,
    ) -> Result<Self> {
        let bad = |m: String| Error::InvalidDataset(m);
        if theta.nrows() != x.nrows() {
            return Err(Error::RowMismatch {
                theta: theta.nrows(),
                x: x.nrows(),
            });
        }
        if theta.ncols() == 0 || x.ncols() == 0 {
            return Err(bad(format!(
                "θ has {} columns and x {}: both need at least one",
                theta.ncols(),
                x.ncols()
            )));
        }
        if let Some(i) = theta.as_slice().iter().position(|v| !v.is_finite()) {
            return Err(bad(format!(
                "θ row {} is not finite: every simulation has finite parameters",
                i / theta.ncols()
            )));
        }
        let feature_names = if feature_names.is_empty() {
            default_names(x.ncols())
        } else {
            feature_names
        };
        if feature_names.len() != x.ncols() {
            return Err(bad(format!(
                "{} feature names for {} columns of x",
                feature_names.len(),
                x.ncols()
            )));
        }
        if !failures.windows(2).all(|w| w[0].index < w[1].index)
            || failures.last().is_some_and(|f| f.index >= x.nrows())
        {
            return Err(bad(
                "failure rows must be distinct, sorted and inside the data".into(),
            ));
        }
        for f in &failures {
            x.row_mut(f.index).fill(f64::NAN);
        }
        Ok(Self {
            theta,
            x,
            failures,
            feature_names,
            settings: BTreeMap::new(),
        })
    }

    /// Records what the data were simulated with, as `name → value` text (the simulator's
    /// settings, the seed, …; the same shape as a posterior's
    /// a neural posterior's `TrainedOn` settings), saved with the data.
    pub fn with_settings(mut self, settings: BTreeMap<String, String>) -> Self {
        self.settings = settings;
        self
    }

    /// What the data were simulated with, as recorded (empty when unknown).
    pub fn settings(&self) -> &BTreeMap<String, String> {
        &self.settings
    }

    /// The rows of `self` followed by those of `other` (its failures re-indexed): e.g. the
    /// rounds of a sequential run, or two campaigns with the same features.
    ///
    /// # Errors
    /// [`Error::InvalidDataset`] when θ widths, x widths, feature names or settings differ.
    pub fn concat(&self, other: &Dataset) -> Result<Dataset> {
        if self.theta.ncols() != other.theta.ncols()
            || self.x.ncols() != other.x.ncols()
            || self.feature_names != other.feature_names
            || self.settings != other.settings
        {
            return Err(Error::InvalidDataset(format!(
                "cannot join a dataset of θ width {}, features {:?} and settings {:?} with one \
                 of θ width {}, features {:?} and settings {:?}",
                self.theta.ncols(),
                self.feature_names,
                self.settings,
                other.theta.ncols(),
                other.feature_names,
                other.settings
            )));
        }
        let stack = |a: &RowMatrix, b: &RowMatrix| {
            let mut v = a.as_slice().to_vec();
            v.extend_from_slice(b.as_slice());
            RowMatrix::from_vec(a.nrows() + b.nrows(), a.ncols(), v)
        };
        let n = self.len();
        let failures = self
            .failures
            .iter()
            .cloned()
            .chain(other.failures.iter().map(|f| Failure {
                index: f.index + n,
                ..f.clone()
            }))
            .collect();
        Ok(Self::from_parts(
            stack(&self.theta, &other.theta)?,
            stack(&self.x, &other.x)?,
            failures,
            self.feature_names.clone(),
        )?
        .with_settings(self.settings.clone()))
    }

    /// Number of simulations (rows).
    pub fn len(&self) -> usize {
        self.theta.nrows()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// θ, one row per simulation.
    pub fn theta(&self) -> &RowMatrix {
        &self.theta
    }

    /// x, one row per simulation (NaN rows for failed ones).
    pub fn x(&self) -> &RowMatrix {
        &self.x
    }

    /// The feature names, in x's column order.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// Every failed simulation, by row.
    pub fn failures(&self) -> &[Failure] {
        &self.failures
    }

    /// Number of failed simulations.
    pub fn num_failed(&self) -> usize {
        self.failures.len()
    }

    /// Failures grouped by stage, each with its count and first message, in stage order.
    pub fn failure_kinds(&self) -> Vec<FailureKind> {
        let mut kinds: Vec<FailureKind> = Vec::new();
        for f in &self.failures {
            match kinds.iter_mut().find(|k| k.stage == f.stage) {
                Some(k) => k.count += 1,
                None => kinds.push(FailureKind {
                    stage: f.stage,
                    count: 1,
                    first_index: f.index,
                    first_message: f.message.clone(),
                }),
            }
        }
        kinds.sort_by_key(|k| k.stage);
        kinds
    }

    /// Checks that the dataset fits a run before training on it: `theta_dim` parameters, the
    /// run's `feature_names` in order, the same value of every setting both the dataset and
    /// `settings` record (simulator, θ, noise, prior, …; a setting only one side records is
    /// not compared), and every θ inside the run's prior `support`.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use sbi_core::{Bounds, RowMatrix};
    /// use sbi_inference::Dataset;
    /// let data = Dataset::new(RowMatrix::from_rows(&[[0.5], [0.7]])?,
    ///     RowMatrix::from_rows(&[[1.0], [2.0]])?, vec!["mean".into()])?
    ///     .with_settings(BTreeMap::from([("noise".to_owned(), "1".to_owned())]));
    /// let support = Bounds { low: vec![0.0], high: vec![1.0] };
    /// let names = ["mean".to_owned()];
    /// assert!(data.check_fits(1, &names, &BTreeMap::new(), &support).is_ok());
    /// let other = BTreeMap::from([("noise".to_owned(), "0".to_owned())]);
    /// assert!(data.check_fits(1, &names, &other, &support).is_err());
    /// # Ok::<(), sbi_inference::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::DatasetMismatch`] naming what differs, with both sides;
    /// [`Error::SettingMismatch`] for a setting.
    pub fn check_fits(
        &self,
        theta_dim: usize,
        feature_names: &[String],
        settings: &BTreeMap<String, String>,
        support: &Bounds,
    ) -> Result<()> {
        let mismatch = |m: String| Err(Error::DatasetMismatch(m));
        if self.theta.ncols() != theta_dim {
            return mismatch(format!(
                "the dataset has {} parameters; this model has {theta_dim}",
                self.theta.ncols()
            ));
        }
        if self.feature_names != feature_names {
            return mismatch(format!(
                "the dataset's features are {:?}; this run's are {:?}",
                self.feature_names, feature_names
            ));
        }
        for (name, value) in settings {
            if let Some(theirs) = self.settings.get(name)
                && theirs != value
            {
                return Err(Error::SettingMismatch {
                    name: name.clone(),
                    dataset: theirs.clone(),
                    run: value.clone(),
                });
            }
        }
        if let Some(i) = self.theta.rows().position(|t| !support.contains(t)) {
            return mismatch(format!(
                "θ row {i} = {:?} lies outside the prior's support {:?}–{:?}",
                self.theta.row(i),
                support.low,
                support.high
            ));
        }
        Ok(())
    }

    /// The pairs of the simulations that succeeded, in row order.
    ///
    /// # Errors
    /// [`Error::Core`] only if the copy would exceed `sbi_core::MAX_ENTRIES`.
    pub fn training_pairs(&self) -> Result<(RowMatrix, RowMatrix)> {
        let n = self.len() - self.num_failed();
        let mut theta = RowMatrix::zeros(n, self.theta.ncols())?;
        let mut x = RowMatrix::zeros(n, self.x.ncols())?;
        let mut failed = self.failures.iter().map(|f| f.index).peekable();
        let mut k = 0;
        for i in 0..self.len() {
            if failed.peek() == Some(&i) {
                failed.next();
                continue;
            }
            theta.row_mut(k).copy_from_slice(self.theta.row(i));
            x.row_mut(k).copy_from_slice(self.x.row(i));
            k += 1;
        }
        Ok((theta, x))
    }
}
