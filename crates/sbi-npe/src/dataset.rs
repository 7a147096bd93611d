//! [`Dataset`]: simulated pairs (θ, x) with every failed simulation's cause, saved and loaded
//! as NumPy `.npz`.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Seek, Write};
use std::path::Path;

use npyz::{DType, TypeChar, TypeStr, WriterBuilder};
use sbi_core::RowMatrix;

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

    fn parse(name: &str) -> Option<Self> {
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
/// use sbi_npe::Dataset;
/// let theta = RowMatrix::from_rows(&[[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])?;
/// let x = RowMatrix::from_rows(&[[1.0], [f64::NAN], [3.0]])?;
/// let data = Dataset::new(theta, x, vec!["spikes".into()])?;
/// assert_eq!((data.len(), data.num_failed()), (3, 1));
/// let path = std::env::temp_dir().join("sbi-npe-dataset-doc.npz");
/// data.save_npz(&path)?;
/// assert_eq!(Dataset::load_npz(&path)?, data);
/// let (theta_ok, x_ok) = data.training_pairs()?;
/// assert_eq!(x_ok.as_slice(), [1.0, 3.0]);
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), sbi_npe::Error>(())
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
    /// [`TrainedOn::simulator`](crate::TrainedOn)), saved with the data.
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

    /// Writes the dataset as a NumPy `.npz` archive (arrays in the type docs), atomically.
    ///
    /// # Errors
    /// [`Error::Io`] or [`Error::Core`] for a failed write.
    pub fn save_npz(&self, path: &Path) -> Result<()> {
        let io = |source: std::io::Error| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let bytes = self.npz_bytes().map_err(io)?;
        sbi_core::write_atomic(path, |w| w.write_all(&bytes))?;
        Ok(())
    }

    fn npz_bytes(&self) -> std::io::Result<Vec<u8>> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let n = self.len() as u64;
        let failed: Vec<bool> = {
            let mut f = vec![false; self.len()];
            for fail in &self.failures {
                f[fail.index] = true;
            }
            f
        };
        let index: Vec<i64> = self.failures.iter().map(|f| f.index as i64).collect();
        let stage: Vec<&str> = self.failures.iter().map(|f| f.stage.name()).collect();
        let message: Vec<&str> = self.failures.iter().map(|f| f.message.as_str()).collect();
        let names: Vec<&str> = self.feature_names.iter().map(String::as_str).collect();
        let (d, dx) = (self.theta.ncols() as u64, self.x.ncols() as u64);
        put(
            &mut zip,
            "theta",
            &[n, d],
            self.theta.as_slice().iter().copied(),
        )?;
        put(&mut zip, "x", &[n, dx], self.x.as_slice().iter().copied())?;
        put(&mut zip, "failed", &[n], failed.into_iter())?;
        put_str(&mut zip, "x_names", &names)?;
        put(
            &mut zip,
            "failure_index",
            &[index.len() as u64],
            index.into_iter(),
        )?;
        put_str(&mut zip, "failure_stage", &stage)?;
        put_str(&mut zip, "failure_message", &message)?;
        let keys: Vec<&str> = self.settings.keys().map(String::as_str).collect();
        let values: Vec<&str> = self.settings.values().map(String::as_str).collect();
        put_str(&mut zip, "setting_names", &keys)?;
        put_str(&mut zip, "setting_values", &values)?;
        Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
    }

    /// Reads a `.npz` archive with at least `theta` and `x` (see the type docs).
    ///
    /// # Errors
    /// [`Error::Io`] for a file that cannot be read or is not a zip archive;
    /// [`Error::InvalidDataset`] for missing arrays, unsupported dtypes, wrong shapes or
    /// failure records that do not fit the data.
    pub fn load_npz(path: &Path) -> Result<Self> {
        let io = |source: std::io::Error| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| {
            Error::InvalidDataset(format!(
                "{}: not a NumPy .npz (zip) archive: {e}",
                path.display()
            ))
        })?;
        let theta = read_matrix(&mut zip, "theta")?
            .ok_or_else(|| Error::InvalidDataset("the archive has no `theta` array".into()))?;
        let x = read_matrix(&mut zip, "x")?
            .ok_or_else(|| Error::InvalidDataset("the archive has no `x` array".into()))?;
        let names = read_strings(&mut zip, "x_names")?.unwrap_or_default();
        let keys = read_strings(&mut zip, "setting_names")?.unwrap_or_default();
        let values = read_strings(&mut zip, "setting_values")?.unwrap_or_default();
        if keys.len() != values.len() {
            return Err(Error::InvalidDataset(
                "setting_names and setting_values differ in length".into(),
            ));
        }
        let num_settings = keys.len();
        let settings: BTreeMap<String, String> = keys.into_iter().zip(values).collect();
        if settings.len() != num_settings {
            return Err(Error::InvalidDataset(
                "setting_names has a name twice".into(),
            ));
        }
        let index = read_vec::<i64>(&mut zip, "failure_index")?;
        let failures = match index {
            None => None,
            Some(index) => {
                let stage = read_strings(&mut zip, "failure_stage")?.unwrap_or_default();
                let message = read_strings(&mut zip, "failure_message")?.unwrap_or_default();
                if stage.len() != index.len() || message.len() != index.len() {
                    return Err(Error::InvalidDataset(
                        "failure_index, failure_stage and failure_message differ in length".into(),
                    ));
                }
                let mut out = Vec::with_capacity(index.len());
                for ((i, s), m) in index.into_iter().zip(stage).zip(message) {
                    let index = usize::try_from(i).map_err(|_| {
                        Error::InvalidDataset(format!("failure row {i} is negative"))
                    })?;
                    let stage = FailureStage::parse(&s).ok_or_else(|| {
                        Error::InvalidDataset(format!("unknown failure stage `{s}`"))
                    })?;
                    out.push(Failure {
                        index,
                        stage,
                        message: m,
                    });
                }
                Some(out)
            }
        };
        let data = match failures {
            Some(mut failures) => {
                // Rows with a non-finite x that no record explains fail too.
                for i in 0..x.nrows() {
                    if x.row(i).iter().any(|v| !v.is_finite())
                        && !failures.iter().any(|f| f.index == i)
                    {
                        failures.push(Failure {
                            index: i,
                            stage: FailureStage::NonFinite,
                            message: "x is not finite".into(),
                        });
                    }
                }
                failures.sort_by_key(|f| f.index);
                Self::from_parts(theta, x, failures, names)
            }
            None => Self::new(theta, x, names),
        }?;
        Ok(data.with_settings(settings))
    }
}

/// Writes one numeric or boolean array into the archive.
fn put<W, T>(
    zip: &mut zip::ZipWriter<W>,
    name: &str,
    shape: &[u64],
    data: impl Iterator<Item = T>,
) -> std::io::Result<()>
where
    W: Write + Seek,
    T: npyz::AutoSerialize,
{
    zip.start_file(
        npyz::npz::file_name_from_array_name(name),
        zip::write::SimpleFileOptions::default(),
    )
    .map_err(std::io::Error::other)?;
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(shape)
        .writer(&mut *zip)
        .begin_nd()?;
    w.extend(data)?;
    w.finish()
}

/// Writes a 1-D unicode array (numpy's `<U`, as wide as the longest string).
fn put_str<W: Write + Seek>(
    zip: &mut zip::ZipWriter<W>,
    name: &str,
    items: &[&str],
) -> std::io::Result<()> {
    let width = items
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0)
        .max(1);
    let ts: TypeStr = format!("<U{width}")
        .parse()
        .map_err(std::io::Error::other)?;
    zip.start_file(
        npyz::npz::file_name_from_array_name(name),
        zip::write::SimpleFileOptions::default(),
    )
    .map_err(std::io::Error::other)?;
    let mut w = npyz::WriteOptions::<str>::new()
        .dtype(DType::Plain(ts))
        .shape(&[items.len() as u64])
        .writer(&mut *zip)
        .begin_nd()?;
    for s in items {
        w.push(s)?;
    }
    w.finish()
}

/// Opens array `name`, or `None` when the archive has none.
fn open<'a, R: Read + Seek>(
    zip: &'a mut zip::ZipArchive<R>,
    name: &str,
) -> Result<Option<npyz::NpyFile<zip::read::ZipFile<'a, R>>>> {
    let file = match zip.by_name(&npyz::npz::file_name_from_array_name(name)) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(Error::InvalidDataset(format!("array `{name}`: {e}"))),
    };
    let npy = npyz::NpyFile::new(file)
        .map_err(|e| Error::InvalidDataset(format!("array `{name}` is not a .npy array: {e}")))?;
    // Bound the allocation by what the header claims (a corrupt header cannot abort).
    let len: u64 = npy.shape().iter().product();
    let len = usize::try_from(len)
        .map_err(|_| Error::InvalidDataset(format!("array `{name}` is too large")))?;
    sbi_core::check_size("a dataset array", len, 1)?;
    Ok(Some(npy))
}

fn invalid_array(name: &str, e: impl std::fmt::Display) -> Error {
    Error::InvalidDataset(format!("array `{name}`: {e}"))
}

/// A float64 or float32 array of one or two dimensions as a matrix (1-D: one column).
fn read_matrix<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
) -> Result<Option<RowMatrix>> {
    let Some(npy) = open(zip, name)? else {
        return Ok(None);
    };
    let shape = npy.shape().to_vec();
    let (rows, cols) = match shape[..] {
        [n] => (n as usize, 1),
        [n, d] => (n as usize, d as usize),
        _ => {
            return Err(invalid_array(
                name,
                format!("has shape {shape:?}; need (n,) or (n, d)"),
            ));
        }
    };
    let fortran = npy.order() == npyz::Order::Fortran;
    let values: Vec<f64> = match npy.dtype() {
        DType::Plain(t) if t.type_char() == TypeChar::Float && t.size_field() == 8 => {
            npy.into_vec::<f64>().map_err(|e| invalid_array(name, e))?
        }
        DType::Plain(t) if t.type_char() == TypeChar::Float && t.size_field() == 4 => npy
            .into_vec::<f32>()
            .map_err(|e| invalid_array(name, e))?
            .into_iter()
            .map(f64::from)
            .collect(),
        other => {
            return Err(invalid_array(
                name,
                format!("has dtype {}; need float64 or float32", other.descr()),
            ));
        }
    };
    let values = if fortran && cols > 1 {
        (0..rows * cols)
            .map(|k| values[(k % cols) * rows + k / cols])
            .collect()
    } else {
        values
    };
    Ok(Some(
        RowMatrix::from_vec(rows, cols, values).map_err(|e| invalid_array(name, e))?,
    ))
}

/// A 1-D array of a numeric type.
fn read_vec<T: npyz::Deserialize>(
    zip: &mut zip::ZipArchive<impl Read + Seek>,
    name: &str,
) -> Result<Option<Vec<T>>> {
    match open(zip, name)? {
        None => Ok(None),
        Some(npy) if npy.shape().len() == 1 => Ok(Some(
            npy.into_vec::<T>().map_err(|e| invalid_array(name, e))?,
        )),
        Some(npy) => Err(invalid_array(
            name,
            format!("has shape {:?}; need one dimension", npy.shape()),
        )),
    }
}

/// A 1-D unicode array.
fn read_strings(
    zip: &mut zip::ZipArchive<impl Read + Seek>,
    name: &str,
) -> Result<Option<Vec<String>>> {
    read_vec::<String>(zip, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Dataset {
        let theta =
            RowMatrix::from_rows(&[[0.5, -1.0], [1.5, 2.0], [2.5, 3.0], [3.5, 4.0]]).unwrap();
        let x =
            RowMatrix::from_rows(&[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [0.0; 3], [7.0, 8.0, 9.0]])
                .unwrap();
        let failures = vec![Failure {
            index: 2,
            stage: FailureStage::Simulator,
            message: "diverged at t = 3 ms (µ, ∞)".into(),
        }];
        Dataset::from_parts(
            theta,
            x,
            failures,
            vec!["max".into(), "mean".into(), "std".into()],
        )
        .unwrap()
        .with_settings(BTreeMap::from([
            ("noise_sigma".to_owned(), "1".to_owned()),
            ("simulator".to_owned(), "classic HH, 200 ms (µ)".to_owned()),
        ]))
    }

    /// Equal datasets give equal files, byte for byte (no time stamp, no order from a hash):
    /// what lets a campaign on any number of machines be compared with `cmp`.
    #[test]
    fn equal_datasets_write_identical_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.npz"), dir.path().join("b.npz"));
        sample().save_npz(&a).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(2100));
        sample().save_npz(&b).unwrap();
        let (a, b) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
        assert!(a == b, "two saves of one dataset differ");
        let other = sample().with_settings(BTreeMap::new());
        assert_ne!(other.npz_bytes().unwrap(), a);
    }

    #[test]
    fn npz_round_trip_keeps_everything() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.npz");
        let d = sample();
        assert!(d.x().row(2).iter().all(|v| v.is_nan()));
        d.save_npz(&path).unwrap();
        let back = Dataset::load_npz(&path).unwrap();
        assert_eq!(back.theta(), d.theta());
        assert_eq!(back.failures(), d.failures());
        assert_eq!(back.feature_names(), d.feature_names());
        assert_eq!(back.settings(), d.settings());
        assert_eq!(back, d);
        assert_eq!(back.x().row(3), [7.0, 8.0, 9.0]);
        let (t, x) = back.training_pairs().unwrap();
        assert_eq!((t.nrows(), x.nrows()), (3, 3));
        assert_eq!(t.row(2), [3.5, 4.0]);
        assert_eq!(
            back.failure_kinds(),
            vec![FailureKind {
                stage: FailureStage::Simulator,
                count: 1,
                first_index: 2,
                first_message: "diverged at t = 3 ms (µ, ∞)".into()
            }]
        );
    }

    /// An archive that numpy's `savez` would write for `theta` (float32, Fortran order) and a
    /// 1-D `x`, with nothing else, loads.
    #[test]
    fn a_minimal_numpy_archive_loads() {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("theta.npy", zip::write::SimpleFileOptions::default())
            .unwrap();
        let mut w = npyz::WriteOptions::new()
            .default_dtype()
            .shape(&[3, 2])
            .order(npyz::Order::Fortran)
            .writer(&mut zip)
            .begin_nd()
            .unwrap();
        // Column-major: column 0 = (1, 2, 3), column 1 = (10, 20, 30).
        w.extend([1f32, 2.0, 3.0, 10.0, 20.0, 30.0]).unwrap();
        w.finish().unwrap();
        put(&mut zip, "x", &[3], [0.5f64, f64::NAN, 1.5].into_iter()).unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.npz");
        std::fs::write(&path, bytes).unwrap();
        let d = Dataset::load_npz(&path).unwrap();
        assert_eq!(d.theta().row(1), [2.0, 20.0]);
        assert_eq!(d.feature_names(), ["x0"]);
        assert_eq!(d.num_failed(), 1);
        assert_eq!(d.failures()[0].stage, FailureStage::NonFinite);
    }

    #[test]
    fn bad_archives_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.npz");
        std::fs::write(&path, b"not a zip").unwrap();
        assert!(matches!(
            Dataset::load_npz(&path),
            Err(Error::InvalidDataset(m)) if m.contains("not a NumPy")
        ));
        assert!(matches!(
            Dataset::load_npz(&dir.path().join("missing.npz")),
            Err(Error::Io { .. })
        ));
        // No `x`.
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        put(&mut zip, "theta", &[2, 1], [1.0f64, 2.0].into_iter()).unwrap();
        std::fs::write(&path, zip.finish().unwrap().into_inner()).unwrap();
        assert!(matches!(
            Dataset::load_npz(&path),
            Err(Error::InvalidDataset(m)) if m.contains("no `x`")
        ));
        // Integer θ.
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        put(&mut zip, "theta", &[2], [1i64, 2].into_iter()).unwrap();
        put(&mut zip, "x", &[2], [1.0f64, 2.0].into_iter()).unwrap();
        std::fs::write(&path, zip.finish().unwrap().into_inner()).unwrap();
        assert!(matches!(
            Dataset::load_npz(&path),
            Err(Error::InvalidDataset(m)) if m.contains("float64")
        ));
        // Rows that disagree.
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        put(&mut zip, "theta", &[2], [1.0f64, 2.0].into_iter()).unwrap();
        put(&mut zip, "x", &[3], [1.0f64, 2.0, 3.0].into_iter()).unwrap();
        std::fs::write(&path, zip.finish().unwrap().into_inner()).unwrap();
        assert!(matches!(
            Dataset::load_npz(&path),
            Err(Error::RowMismatch { theta: 2, x: 3 })
        ));
    }
}
