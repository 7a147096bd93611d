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
    /// What a file can make the reader do is bounded by what the file can back: the arrays
    /// may take at most [`NPZ_MIN_BUDGET`] or [`NPZ_EXPANSION`] times the file's size in memory
    /// (whichever is larger), each array's claimed values must fit in the bytes its zip entry
    /// holds, an array needs at least one column, and every entry's CRC-32 is verified.
    ///
    /// # Errors
    /// [`Error::Io`] for a file that cannot be read; [`Error::InvalidDataset`] for a file that is
    /// not a zip archive, a damaged entry (CRC), missing arrays, unsupported dtypes, wrong
    /// shapes, arrays larger than the file can back, or failure records that do not fit the
    /// data.
    pub fn load_npz(path: &Path) -> Result<Self> {
        let io = |source: std::io::Error| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let file_len = file.metadata().map_err(io)?.len();
        let zip = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| {
            Error::InvalidDataset(format!(
                "{}: not a NumPy .npz (zip) archive: {e}",
                path.display()
            ))
        })?;
        let mut npz = Npz {
            zip,
            budget: NPZ_MIN_BUDGET.max(file_len.saturating_mul(NPZ_EXPANSION)),
            file_len,
        };
        let theta = npz
            .matrix("theta")?
            .ok_or_else(|| Error::InvalidDataset("the archive has no `theta` array".into()))?;
        let x = npz
            .matrix("x")?
            .ok_or_else(|| Error::InvalidDataset("the archive has no `x` array".into()))?;
        if theta.nrows() != x.nrows() {
            return Err(Error::RowMismatch {
                theta: theta.nrows(),
                x: x.nrows(),
            });
        }
        let names = npz.strings("x_names")?.unwrap_or_default();
        let keys = npz.strings("setting_names")?.unwrap_or_default();
        let values = npz.strings("setting_values")?.unwrap_or_default();
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
        let data = match npz.vec::<i64>("failure_index")? {
            None => Self::new(theta, x, names),
            Some(index) => {
                let stage = npz.strings("failure_stage")?.unwrap_or_default();
                let message = npz.strings("failure_message")?.unwrap_or_default();
                let failures = failure_records(index, stage, message, &x)?;
                Self::from_parts(theta, x, failures, names)
            }
        }?;
        Ok(data.with_settings(settings))
    }
}

/// A `.npz` dataset never takes more memory than this as it loads, unless
/// [`NPZ_EXPANSION`] times its size on disk is more (512 MiB).
pub const NPZ_MIN_BUDGET: u64 = 512 << 20;

/// How many times its size on disk a `.npz` may take in memory as it loads (64). Simulated
/// data compress poorly (random floats: about 1×; numpy's uncompressed `savez`: exactly 1×),
/// while a zip bomb expands up to 1032 times: a 4 MB file that claims 4 GB is refused before
/// anything is allocated.
pub const NPZ_EXPANSION: u64 = 64;

/// The failure records of a file, checked against `x`'s rows, with the rows whose `x` is not
/// finite and that no record explains added (sorted by row; one pass, no search per row).
fn failure_records(
    index: Vec<i64>,
    stage: Vec<String>,
    message: Vec<String>,
    x: &RowMatrix,
) -> Result<Vec<Failure>> {
    if stage.len() != index.len() || message.len() != index.len() {
        return Err(Error::InvalidDataset(
            "failure_index, failure_stage and failure_message differ in length".into(),
        ));
    }
    let rows = x.nrows();
    let mut explained = vec![false; rows];
    let mut out = Vec::with_capacity(index.len());
    for ((i, s), m) in index.into_iter().zip(stage).zip(message) {
        let row = usize::try_from(i)
            .ok()
            .filter(|&r| r < rows)
            .ok_or_else(|| {
                Error::InvalidDataset(format!(
                    "failure row {i} is outside the data's rows 0…{}",
                    rows.saturating_sub(1)
                ))
            })?;
        if std::mem::replace(&mut explained[row], true) {
            return Err(Error::InvalidDataset(format!(
                "failure row {row} is recorded twice"
            )));
        }
        let stage = FailureStage::parse(&s)
            .ok_or_else(|| Error::InvalidDataset(format!("unknown failure stage `{s}`")))?;
        out.push(Failure {
            index: row,
            stage,
            message: m,
        });
    }
    for (row, done) in explained.into_iter().enumerate() {
        if !done && x.row(row).iter().any(|v| !v.is_finite()) {
            out.push(Failure {
                index: row,
                stage: FailureStage::NonFinite,
                message: "x is not finite".into(),
            });
        }
    }
    out.sort_unstable_by_key(|f| f.index);
    Ok(out)
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
    // Buffered: npyz writes value by value.
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, &mut *zip);
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(shape)
        .writer(&mut buffered)
        .begin_nd()?;
    w.extend(data)?;
    w.finish()?;
    buffered.flush()
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
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, &mut *zip);
    let mut w = npyz::WriteOptions::<str>::new()
        .dtype(DType::Plain(ts))
        .shape(&[items.len() as u64])
        .writer(&mut buffered)
        .begin_nd()?;
    for s in items {
        w.push(s)?;
    }
    w.finish()?;
    buffered.flush()
}

/// An open archive and what it may still take in memory.
struct Npz<R> {
    zip: zip::ZipArchive<R>,
    /// Bytes the arrays still read may take in memory.
    budget: u64,
    /// The file's size on disk (for messages).
    file_len: u64,
}

/// A float64 or float32 array's values, as stored (C or Fortran order).
enum Floats {
    F64(Vec<f64>),
    F32(Vec<f32>),
}

impl<R: Read + Seek> Npz<R> {
    /// Reads array `name` (`None` when the archive has none) with `read`, after checking its
    /// header against the entry's size and the memory budget, then reads the entry to its end
    /// so that the zip reader verifies its CRC-32.
    fn array<T>(
        &mut self,
        name: &str,
        read: impl FnOnce(&npyz::NpyHeader, npyz::NpyFile<&mut dyn Read>) -> Result<T>,
    ) -> Result<Option<T>> {
        let mut entry = match self
            .zip
            .by_name(&npyz::npz::file_name_from_array_name(name))
        {
            Ok(f) => f,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(e) => return Err(invalid_array(name, e)),
        };
        let stored = entry.size();
        // Buffered: npyz reads value by value (4 bytes per character of a string).
        let mut buffered = std::io::BufReader::with_capacity(1 << 16, &mut entry);
        let npy = npyz::NpyFile::new(&mut buffered as &mut dyn Read)
            .map_err(|e| invalid_array(name, format!("is not a .npy array: {e}")))?;
        let header = npy.header().clone();
        let len = header
            .shape()
            .iter()
            .try_fold(1u64, |a, &n| a.checked_mul(n))
            .ok_or_else(|| invalid_array(name, "has a shape whose size overflows"))?;
        // A value takes at least one byte, so no shape of zero-size items can make the
        // reader produce more values than the entry holds bytes.
        let item = header.dtype().num_bytes().unwrap_or(1).max(1) as u64;
        if len.saturating_mul(item) > stored {
            return Err(invalid_array(
                name,
                format!(
                    "claims {len} values of {item} bytes, but its zip entry holds {stored} bytes"
                ),
            ));
        }
        sbi_core::check_size(
            "a dataset array",
            usize::try_from(len).unwrap_or(usize::MAX),
            1,
        )?;
        // What reading it holds: the values as stored and as kept (at most 24 bytes each: a
        // `String`, or an f64 beside its Fortran-order copy).
        let cost = stored.saturating_add(len.saturating_mul(24));
        if cost > self.budget {
            return Err(Error::InvalidDataset(format!(
                "array `{name}` would take {} MB in memory, more than a {} MB file can back \
                 (at most {NPZ_EXPANSION}× its size, or {} MB); if the file is genuine, \
                 save it uncompressed (numpy.savez rather than savez_compressed)",
                cost >> 20,
                self.file_len >> 20,
                NPZ_MIN_BUDGET >> 20,
            )));
        }
        self.budget -= cost;
        let out = read(&header, npy)?;
        std::io::copy(&mut buffered, &mut std::io::sink()).map_err(|e| {
            invalid_array(
                name,
                format!("is damaged (its zip entry fails to read: {e})"),
            )
        })?;
        Ok(Some(out))
    }

    /// A float64 or float32 array of one or two dimensions (at least one column) as a
    /// row-major matrix (1-D: one column).
    fn matrix(&mut self, name: &str) -> Result<Option<RowMatrix>> {
        self.array(name, |header, npy| {
            let shape = header.shape();
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
            if cols == 0 {
                return Err(invalid_array(
                    name,
                    format!("has shape {shape:?}: no columns (a dataset needs at least one parameter and one feature)"),
                ));
            }
            let floats = match header.dtype() {
                DType::Plain(t) if t.type_char() == TypeChar::Float && t.size_field() == 8 => {
                    Floats::F64(npy.into_vec().map_err(|e| invalid_array(name, e))?)
                }
                DType::Plain(t) if t.type_char() == TypeChar::Float && t.size_field() == 4 => {
                    Floats::F32(npy.into_vec().map_err(|e| invalid_array(name, e))?)
                }
                other => {
                    return Err(invalid_array(
                        name,
                        format!("has dtype {}; need float64 or float32", other.descr()),
                    ));
                }
            };
            let fortran = header.order() == npyz::Order::Fortran && cols > 1;
            let at = |k: usize| if fortran { (k % cols) * rows + k / cols } else { k };
            let values: Vec<f64> = match floats {
                Floats::F64(v) if !fortran => v,
                Floats::F64(v) => (0..v.len()).map(|k| v[at(k)]).collect(),
                Floats::F32(v) => (0..v.len()).map(|k| f64::from(v[at(k)])).collect(),
            };
            RowMatrix::from_vec(rows, cols, values).map_err(|e| invalid_array(name, e))
        })
    }

    /// A 1-D array of a numeric type, or of unicode strings.
    fn vec<T: npyz::Deserialize>(&mut self, name: &str) -> Result<Option<Vec<T>>> {
        self.array(name, |header, npy| {
            if header.shape().len() != 1 {
                return Err(invalid_array(
                    name,
                    format!("has shape {:?}; need one dimension", header.shape()),
                ));
            }
            npy.into_vec::<T>().map_err(|e| invalid_array(name, e))
        })
    }

    /// A 1-D unicode array.
    fn strings(&mut self, name: &str) -> Result<Option<Vec<String>>> {
        self.vec::<String>(name)
    }
}

fn invalid_array(name: &str, e: impl std::fmt::Display) -> Error {
    Error::InvalidDataset(format!("array `{name}`: {e}"))
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
