//! The `.npz` reader against hostile files: shapes that claim more than the file holds, zip
//! bombs, damaged bytes (CRC), truncations, dtypes — each case of the reliability report, and
//! a property-based pass (fixed seed) that finds no panic, hang, abort or silently changed load.

use std::io::{Cursor, Write};

use proptest::prelude::*;
use sbi_core::RowMatrix;
use sbi_core::testing::boundary::config;
use sbi_inference::{Dataset, Error, Failure, FailureStage, NPZ_MIN_BUDGET};
use zip::write::SimpleFileOptions;

/// A `.npy` file (format 1.0) with any header, followed by `data` as given: headers that lie
/// about their data are what these tests need, so no writer's checks stand in the way.
fn npy(descr: &str, fortran: bool, shape: &[u64], data: &[u8]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(u64::to_string).collect();
    let shape = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let fortran = if fortran { "True" } else { "False" };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&u16::try_from(header.len()).unwrap().to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

fn f64_bytes(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A zip archive of `(name, bytes)` entries, stored (no compression) or deflated.
fn archive(entries: &[(&str, Vec<u8>)], deflate: bool) -> Vec<u8> {
    let method = if deflate {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    };
    let options = SimpleFileOptions::default()
        .compression_method(method)
        .large_file(true);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn load(bytes: &[u8]) -> sbi_inference::Result<Dataset> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.npz");
    std::fs::write(&path, bytes).unwrap();
    Dataset::load_npz(&path)
}

fn invalid(r: sbi_inference::Result<Dataset>) -> String {
    match r {
        Err(Error::InvalidDataset(m)) => m,
        other => panic!("expected InvalidDataset, got {other:?}"),
    }
}

fn theta2() -> (&'static str, Vec<u8>) {
    (
        "theta.npy",
        npy("<f8", false, &[2], &f64_bytes(&[1.0, 2.0])),
    )
}

/// `x` of shape (2⁴⁰, 0) holds no bytes: it used to pass the size check and then loop over
/// its rows for ever.
#[test]
fn rows_of_no_columns_are_refused_at_once() {
    let x = ("x.npy", npy("<f8", false, &[1 << 40, 0], &[]));
    let theta = ("theta.npy", npy("<f8", false, &[1 << 40, 0], &[]));
    let m = invalid(load(&archive(&[theta2(), x.clone()], false)));
    assert!(m.contains("no columns"), "{m}");
    let m = invalid(load(&archive(&[theta, x], false)));
    assert!(m.contains("no columns"), "{m}");
}

/// A header that claims more values than its entry holds bytes is refused before anything
/// is allocated, including zero-size strings (`<U0`), which hold no bytes at all.
#[test]
fn shapes_are_bounded_by_the_bytes_behind_them() {
    let x = (
        "x.npy",
        npy("<f8", false, &[1 << 29], &f64_bytes(&[1.0, 2.0])),
    );
    let m = invalid(load(&archive(&[theta2(), x], true)));
    assert!(m.contains("claims 536870912 values"), "{m}");
    let x = ("x.npy", npy("<f8", false, &[2], &f64_bytes(&[1.0, 2.0])));
    let names = ("x_names.npy", npy("<U0", false, &[1 << 29], &[]));
    let m = invalid(load(&archive(&[theta2(), x, names], false)));
    assert!(m.contains("x_names") && m.contains("claims"), "{m}");
}

/// A flipped byte inside `x.npy`'s values (numpy refuses such a file) used to load silently.
#[test]
fn a_damaged_entry_fails_its_crc() {
    let x = ("x.npy", npy("<f8", false, &[2], &f64_bytes(&[3.0, 4.0])));
    let mut bytes = archive(&[theta2(), x], false);
    let needle = 3.0f64.to_le_bytes();
    let at = bytes.windows(8).position(|w| w == needle).unwrap();
    assert!(load(&bytes).is_ok());
    bytes[at + 7] ^= 0x01;
    let m = invalid(load(&bytes));
    assert!(m.contains("array `x`") && m.contains("damaged"), "{m}");
}

/// A deflated entry of zeros that expands 1000-fold: a file of about 1.5 MB that claims
/// 1.5 GB is refused before reading its values, where it used to be allocated (and a 3.9 MB
/// one, 4 GB, aborted the process).
#[test]
fn a_zip_bomb_is_refused_before_it_expands() {
    let n: u64 = 3 << 26; // 1.5 GiB of float64 zeros
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("theta.npy", SimpleFileOptions::default())
        .unwrap();
    zip.write_all(&npy("<f8", false, &[2], &f64_bytes(&[1.0, 2.0])))
        .unwrap();
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9))
        .large_file(true);
    zip.start_file("x.npy", options).unwrap();
    zip.write_all(&npy("<f8", false, &[n], &[])).unwrap();
    let block = vec![0u8; 1 << 20];
    for _ in 0..(n * 8) >> 20 {
        zip.write_all(&block).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    assert!(bytes.len() < 10 << 20, "{} bytes", bytes.len());
    let m = invalid(load(&bytes));
    assert!(
        m.contains("more than a") && m.contains("numpy.savez"),
        "{m}"
    );
}

/// An archive saved uncompressed is never refused for its size: its arrays take at most a
/// small multiple of the file in memory.
#[test]
fn the_budget_scales_with_the_file() {
    let rows = usize::try_from(NPZ_MIN_BUDGET / 8 / 24).unwrap();
    let theta = RowMatrix::from_vec(rows, 1, (0..rows).map(|i| i as f64).collect()).unwrap();
    let x = RowMatrix::from_vec(rows, 1, vec![0.0; rows]).unwrap();
    let d = Dataset::new(theta, x, vec![]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.npz");
    d.save_npz(&path).unwrap();
    assert_eq!(Dataset::load_npz(&path).unwrap(), d);
}

/// 10⁶ rows, every one a recorded failure: failures used to be matched to rows by a linear
/// search per row (a million took about 14 minutes); now one pass (well under 2 s in a
/// release build — `cargo bench -p hh-sbi-benches --bench dataset` measures it).
#[test]
fn a_million_failures_load_in_one_pass() {
    let d = million_failures();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.npz");
    d.save_npz(&path).unwrap();
    let back = Dataset::load_npz(&path).unwrap();
    assert_eq!(back.num_failed(), 1_000_000);
    assert_eq!(back, d);
}

fn million_failures() -> Dataset {
    let n = 1_000_000;
    let theta = RowMatrix::from_vec(n, 2, (0..2 * n).map(|i| i as f64).collect()).unwrap();
    let x = RowMatrix::from_vec(n, 3, vec![f64::NAN; 3 * n]).unwrap();
    let failures = (0..n)
        .map(|index| Failure {
            index,
            stage: FailureStage::Simulator,
            message: format!("diverged at t = {} ms", index % 200),
        })
        .collect();
    Dataset::from_parts(theta, x, failures, vec![]).unwrap()
}

/// Failure records outside the rows, or twice for a row, are errors that name the row.
#[test]
fn failure_records_are_checked_against_the_rows() {
    let x = (
        "x.npy",
        npy("<f8", false, &[2], &f64_bytes(&[1.0, f64::NAN])),
    );
    let records = |index: &[i64]| {
        let n = index.len() as u64;
        let idx: Vec<u8> = index.iter().flat_map(|i| i.to_le_bytes()).collect();
        let stage: Vec<u8> = (0..n)
            .flat_map(|_| "summary".chars().flat_map(|c| (c as u32).to_le_bytes()))
            .collect();
        vec![
            ("failure_index.npy", npy("<i8", false, &[n], &idx)),
            ("failure_stage.npy", npy("<U7", false, &[n], &stage)),
            ("failure_message.npy", npy("<U7", false, &[n], &stage)),
        ]
    };
    for (index, says) in [
        (&[5i64][..], "outside the data's rows 0…1"),
        (&[-1], "failure row -1"),
        (&[0, 0], "recorded twice"),
    ] {
        let mut entries = vec![theta2(), x.clone()];
        entries.extend(records(index));
        let m = invalid(load(&archive(&entries, false)));
        assert!(m.contains(says), "{index:?}: {m}");
    }
    let mut entries = vec![theta2(), x.clone()];
    entries.extend(records(&[0]));
    let d = load(&archive(&entries, false)).unwrap();
    let stages: Vec<FailureStage> = d.failures().iter().map(|f| f.stage).collect();
    assert_eq!(stages, [FailureStage::Summary, FailureStage::NonFinite]);
}

/// One archive of the property pass: its entries, before any damage.
#[derive(Debug, Clone)]
struct Case {
    rows: u64,
    cols: u64,
    /// The shape `x`'s header claims (its data are always `rows × cols` values).
    claim: Vec<u64>,
    descr: &'static str,
    fortran: bool,
    deflate: bool,
    /// A byte flipped inside `x`'s values (an offset into them), if any.
    flip: Option<usize>,
    /// The archive cut to this fraction of its length, if any.
    cut: Option<f64>,
    values: Vec<f64>,
}

fn case() -> impl Strategy<Value = Case> {
    (0u64..6, 0u64..4)
        .prop_flat_map(|(rows, cols)| {
            let n = (rows * cols) as usize;
            let claim = prop_oneof![
                4 => Just(vec![rows, cols]),
                1 => prop::collection::vec(
                    prop_oneof![Just(0u64), 0u64..8, Just(1 << 40), Just(u64::MAX)], 0..4),
            ];
            (
                Just(rows),
                Just(cols),
                claim,
                prop::sample::select(vec!["<f8", "<f4", ">f8", "<i8", "|b1", "<U3", "<U0"]),
                any::<bool>(),
                any::<bool>(),
                prop::option::weighted(0.3, 0..n.max(1) * 8),
                prop::option::weighted(0.2, 0.0..1.0),
                prop::collection::vec(-1e3..1e3f64, n),
            )
        })
        .prop_map(
            |(rows, cols, claim, descr, fortran, deflate, flip, cut, values)| Case {
                rows,
                cols,
                claim,
                descr,
                fortran,
                deflate,
                flip,
                cut,
                values,
            },
        )
}

impl Case {
    /// The archive, then the flip (in a stored entry, after its CRC was computed), then the cut.
    fn bytes(&self) -> Vec<u8> {
        let data = f64_bytes(&self.values);
        let theta: Vec<f64> = (0..self.rows).map(|i| i as f64).collect();
        let mut bytes = archive(
            &[
                (
                    "theta.npy",
                    npy("<f8", false, &[self.rows], &f64_bytes(&theta)),
                ),
                ("x.npy", npy(self.descr, self.fortran, &self.claim, &data)),
            ],
            self.deflate,
        );
        if let Some(at) = self.flip.filter(|&at| at < data.len() && !self.deflate) {
            let start = bytes.windows(data.len()).rposition(|w| w == data).unwrap();
            bytes[start + at] ^= 0x10;
        }
        if let Some(f) = self.cut {
            bytes.truncate((bytes.len() as f64 * f) as usize);
        }
        bytes
    }

    /// Whether the archive is intact and `x` is as written: then it must load as written.
    fn intact(&self) -> bool {
        let n = (self.rows * self.cols) as usize;
        self.cut.is_none()
            && (self.flip.is_none() || self.deflate || n == 0)
            && self.claim == [self.rows, self.cols]
            && self.cols > 0
            && !self.fortran
            && self.descr == "<f8"
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// Any archive: an error, or a dataset; an intact one loads exactly as written, and one
    /// with a flipped value byte never loads.
    #[test]
    fn no_archive_panics_hangs_or_loads_changed(case in case()) {
        let loaded = load(&case.bytes());
        let n = (case.rows * case.cols) as usize;
        if case.intact() {
            let d = loaded.unwrap();
            prop_assert_eq!(d.x().as_slice(), &case.values[..]);
            prop_assert_eq!(d.theta().nrows() as u64, case.rows);
        } else if case.flip.is_some_and(|at| at < n * 8) && !case.deflate && case.cut.is_none() {
            prop_assert!(loaded.is_err(), "a flipped byte loaded: {:?}", case);
        }
    }
}
