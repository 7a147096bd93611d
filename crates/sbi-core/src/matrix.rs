//! A dense row-major matrix: the one batch shape of hh-sbi.

use crate::error::{Error, Result};

/// A dense, row-major `nrows × ncols` matrix of `f64`: a batch of items, one row per item.
///
/// Every batch in hh-sbi (parameters θ, features x, posterior samples) has this shape, so one
/// item is always a contiguous slice (`row(i)`), which is what the per-item APIs take.
///
/// ```
/// use sbi_core::RowMatrix;
/// let m = RowMatrix::from_rows(&[vec![1.0, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]])?;
/// assert_eq!((m.nrows(), m.ncols()), (3, 2));
/// assert_eq!(m.row(1), &[3.0, 4.0]);
/// assert_eq!(m.column(1), vec![2.0, 4.0, 6.0]);
/// # Ok::<(), sbi_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "RowMatrixFields"))]
pub struct RowMatrix {
    data: Vec<f64>,
    nrows: usize,
    ncols: usize,
}

/// A [`RowMatrix`] as read from a file, before its shape is checked.
#[cfg(feature = "serde")]
#[derive(serde::Deserialize)]
struct RowMatrixFields {
    data: Vec<f64>,
    nrows: usize,
    ncols: usize,
}

/// Deserialising goes through [`RowMatrix::from_vec`], which checks `data.len() == nrows · ncols`
/// (else rows would be read out of bounds).
#[cfg(feature = "serde")]
impl TryFrom<RowMatrixFields> for RowMatrix {
    type Error = Error;

    fn try_from(f: RowMatrixFields) -> Result<Self> {
        Self::from_vec(f.nrows, f.ncols, f.data)
    }
}

/// The most entries one [`RowMatrix`] may hold: 2³⁰ (8 GiB of `f64`, a third of the memory
/// of the 24 GiB machines hh-sbi is built on). A batch that needs more — 10¹⁰ simulations, a
/// typo in a sample count — is an [`Error::TooLarge`], not an allocation that aborts the
/// process; split such work into chunks.
pub const MAX_ENTRIES: usize = 1 << 30;

/// Checks that an `nrows × ncols` batch of `what` fits in [`MAX_ENTRIES`], returning its size.
///
/// ```
/// assert_eq!(sbi_core::check_size("samples", 1000, 2)?, 2000);
/// assert!(sbi_core::check_size("samples", usize::MAX, 2).is_err());
/// assert!(sbi_core::check_size("samples", 1 << 30, 2).is_err());
/// # Ok::<(), sbi_core::Error>(())
/// ```
///
/// # Errors
/// [`Error::TooLarge`].
pub fn check_size(what: &'static str, nrows: usize, ncols: usize) -> Result<usize> {
    match nrows.checked_mul(ncols) {
        Some(n) if n <= MAX_ENTRIES => Ok(n),
        _ => Err(Error::TooLarge {
            what,
            nrows,
            ncols,
            max: MAX_ENTRIES,
        }),
    }
}

impl RowMatrix {
    /// A matrix of zeros.
    ///
    /// ```
    /// let m = sbi_core::RowMatrix::zeros(3, 2)?;
    /// assert_eq!(m.as_slice(), &[0.0; 6]);
    /// assert!(sbi_core::RowMatrix::zeros(usize::MAX, 2).is_err());
    /// # Ok::<(), sbi_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::TooLarge`] beyond [`MAX_ENTRIES`] entries, or when the memory cannot be had.
    pub fn zeros(nrows: usize, ncols: usize) -> Result<Self> {
        let len = check_size("matrix", nrows, ncols)?;
        let mut data = Vec::new();
        data.try_reserve_exact(len).map_err(|_| Error::TooLarge {
            what: "matrix (out of memory)",
            nrows,
            ncols,
            max: MAX_ENTRIES,
        })?;
        data.resize(len, 0.0);
        Ok(Self { data, nrows, ncols })
    }

    /// Wraps row-major `data` of length `nrows * ncols`.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] when the length does not match;
    /// [`Error::InvalidParameter`] when `nrows · ncols` overflows.
    pub fn from_vec(nrows: usize, ncols: usize, data: Vec<f64>) -> Result<Self> {
        let len = nrows.checked_mul(ncols).ok_or(Error::InvalidParameter {
            name: "nrows",
            value: nrows as f64,
            reason: "nrows · ncols overflows",
        })?;
        crate::check_dim(len, data.len())?;
        Ok(Self { data, nrows, ncols })
    }

    /// Builds a matrix from rows of equal length. No rows gives a `0 × 0` matrix.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] when the rows differ in length.
    pub fn from_rows<R: AsRef<[f64]>>(rows: &[R]) -> Result<Self> {
        let ncols = rows.first().map_or(0, |r| r.as_ref().len());
        let mut data = Vec::with_capacity(rows.len() * ncols);
        for r in rows {
            let r = r.as_ref();
            crate::check_dim(ncols, r.len())?;
            data.extend_from_slice(r);
        }
        Ok(Self {
            data,
            nrows: rows.len(),
            ncols,
        })
    }

    /// Number of rows (items).
    pub fn nrows(&self) -> usize {
        self.nrows
    }

    /// Number of columns (dimension of one item).
    pub fn ncols(&self) -> usize {
        self.ncols
    }

    /// `true` when there is no row.
    pub fn is_empty(&self) -> bool {
        self.nrows == 0
    }

    /// Row `i` as a slice.
    ///
    /// # Panics
    /// When `i >= nrows()`, like slice indexing.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.ncols..(i + 1) * self.ncols]
    }

    /// Row `i` as a mutable slice.
    ///
    /// # Panics
    /// When `i >= nrows()`, like slice indexing.
    pub fn row_mut(&mut self, i: usize) -> &mut [f64] {
        &mut self.data[i * self.ncols..(i + 1) * self.ncols]
    }

    /// Entry `(i, j)`.
    ///
    /// # Panics
    /// When out of bounds, like slice indexing.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        assert!(j < self.ncols, "column {j} out of bounds");
        self.data[i * self.ncols + j]
    }

    /// Iterator over the rows.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &[f64]> + '_ {
        // `chunks_exact(0)` panics, and a 0-column matrix still has rows.
        (0..self.nrows).map(move |i| self.row(i))
    }

    /// Column `j`, copied.
    ///
    /// # Panics
    /// When `j >= ncols()`.
    pub fn column(&self, j: usize) -> Vec<f64> {
        assert!(j < self.ncols, "column {j} out of bounds");
        self.rows().map(|r| r[j]).collect()
    }

    /// The row-major data.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// The row-major data, mutable.
    pub fn as_mut_slice(&mut self) -> &mut [f64] {
        &mut self.data
    }

    /// Consumes the matrix, returning its row-major data.
    pub fn into_vec(self) -> Vec<f64> {
        self.data
    }

    /// Appends a row.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] when `row.len() != ncols()` (an empty `0 × 0` matrix takes
    /// the width of its first row).
    pub fn push_row(&mut self, row: &[f64]) -> Result<()> {
        if self.nrows == 0 && self.ncols == 0 {
            self.ncols = row.len();
        }
        crate::check_dim(self.ncols, row.len())?;
        self.data.extend_from_slice(row);
        self.nrows += 1;
        Ok(())
    }

    /// The rows whose index satisfies `keep`, in order.
    pub fn select_rows(&self, mut keep: impl FnMut(usize) -> bool) -> Self {
        let mut data = Vec::new();
        let mut nrows = 0;
        for (i, r) in self.rows().enumerate() {
            if keep(i) {
                data.extend_from_slice(r);
                nrows += 1;
            }
        }
        Self {
            data,
            nrows,
            ncols: self.ncols,
        }
    }

    /// Checks that every entry is finite.
    ///
    /// # Errors
    /// [`Error::NonFinite`] with the flat (row-major) index of the first offending entry.
    pub fn check_finite(&self) -> Result<()> {
        crate::check_finite(&self.data)
    }

    /// Per-column mean. Empty for a matrix with no row.
    pub fn column_means(&self) -> Vec<f64> {
        if self.nrows == 0 {
            return Vec::new();
        }
        let mut m = vec![0.0; self.ncols];
        for r in self.rows() {
            for (a, b) in m.iter_mut().zip(r) {
                *a += b;
            }
        }
        let n = self.nrows as f64;
        m.iter_mut().for_each(|a| *a /= n);
        m
    }

    /// Sample covariance (divisor `n − 1`) as a `ncols × ncols` matrix.
    ///
    /// # Errors
    /// [`Error::Empty`] with fewer than two rows.
    pub fn covariance(&self) -> Result<Self> {
        if self.nrows < 2 {
            return Err(Error::Empty {
                what: "covariance needs at least two rows",
            });
        }
        let mean = self.column_means();
        let d = self.ncols;
        let mut cov = Self::zeros(d, d)?;
        for r in self.rows() {
            for a in 0..d {
                let da = r[a] - mean[a];
                for b in 0..d {
                    cov.data[a * d + b] += da * (r[b] - mean[b]);
                }
            }
        }
        let n1 = (self.nrows - 1) as f64;
        cov.data.iter_mut().for_each(|c| *c /= n1);
        Ok(cov)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_checked() {
        assert!(RowMatrix::from_vec(2, 2, vec![0.0; 3]).is_err());
        // 2⁶³ · 2 wraps to 0 in unchecked arithmetic: an empty buffer must not pass for it.
        assert!(RowMatrix::from_vec(1 << 63, 2, vec![]).is_err());
        assert!(RowMatrix::from_rows(&[vec![1.0], vec![1.0, 2.0]]).is_err());
        let mut m = RowMatrix::default();
        m.push_row(&[1.0, 2.0]).unwrap();
        assert!(m.push_row(&[1.0]).is_err());
        assert_eq!(m.nrows(), 1);
    }

    #[test]
    fn huge_shapes_are_errors_not_aborts() {
        // 2⁶³ rows: overflow in unchecked arithmetic; 2³¹ × 2: fits usize but not the cap.
        for (r, c) in [(1usize << 63, 2), (usize::MAX, usize::MAX), (1 << 31, 2)] {
            assert!(
                matches!(RowMatrix::zeros(r, c), Err(Error::TooLarge { nrows, .. }) if nrows == r),
                "{r} × {c}"
            );
        }
        assert_eq!(RowMatrix::zeros(1 << 20, 0).unwrap().nrows(), 1 << 20);
    }

    #[test]
    fn moments() {
        let m = RowMatrix::from_rows(&[[1.0, 2.0], [3.0, 2.0], [5.0, 8.0]]).unwrap();
        assert_eq!(m.column_means(), vec![3.0, 4.0]);
        let c = m.covariance().unwrap();
        approx::assert_relative_eq!(c.get(0, 0), 4.0);
        approx::assert_relative_eq!(c.get(0, 1), 6.0);
        approx::assert_relative_eq!(c.get(1, 1), 12.0);
        assert!(RowMatrix::zeros(1, 2).unwrap().covariance().is_err());
    }

    #[test]
    fn select_and_zero_width_rows() {
        let m = RowMatrix::from_rows(&[[1.0], [2.0], [3.0]]).unwrap();
        assert_eq!(m.select_rows(|i| i != 1).as_slice(), &[1.0, 3.0]);
        let z = RowMatrix::zeros(3, 0).unwrap();
        assert_eq!(z.rows().count(), 3);
    }
}
