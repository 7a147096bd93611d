//! Datasets as NumPy `.npz` archives: [`Dataset::save_npz`], [`Dataset::load_npz`] (the
//! arrays are listed on [`Dataset`]).

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Seek, Write};
use std::path::Path;

use npyz::{DType, TypeChar, TypeStr, WriterBuilder};
use sbi_core::RowMatrix;

use crate::dataset::{Dataset, Failure, FailureStage};
use crate::error::{Error, Result};

impl Dataset {
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

    pub(crate) fn npz_bytes(&self) -> std::io::Result<Vec<u8>> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let n = self.len() as u64;
        let failed: Vec<bool> = {
            let mut f = vec![false; self.len()];
            for fail in self.failures() {
                f[fail.index] = true;
            }
            f
        };
        let index: Vec<i64> = self.failures().iter().map(|f| f.index as i64).collect();
        let stage: Vec<&str> = self.failures().iter().map(|f| f.stage.name()).collect();
        let message: Vec<&str> = self.failures().iter().map(|f| f.message.as_str()).collect();
        let names: Vec<&str> = self.feature_names().iter().map(String::as_str).collect();
        let (d, dx) = (self.theta().ncols() as u64, self.x().ncols() as u64);
        put(
            &mut zip,
            "theta",
            &[n, d],
            self.theta().as_slice().iter().copied(),
        )?;
        put(&mut zip, "x", &[n, dx], self.x().as_slice().iter().copied())?;
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
        let keys: Vec<&str> = self.settings().keys().map(String::as_str).collect();
        let values: Vec<&str> = self.settings().values().map(String::as_str).collect();
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
    use crate::dataset::FailureKind;

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
