//! The ABF reader on two real recordings from pyABF's test data (MIT licence; see
//! tests/data/README.md): a current-clamp ramp, read as pyabf reads it, and a voltage-clamp
//! file, refused by name. The expected numbers are pyabf 2.3.8's:
//!
//! ```sh
//! python -c "import pyabf; a = pyabf.ABF('crates/hh-io/tests/data/17o05027_ic_ramp.abf'); \
//!   a.setSweep(1); print(a.sweepY[0], a.sweepY[12345], a.sweepY.sum(), a.sweepC.max(), a.sweepC.sum())"
//! ```

use std::path::{Path, PathBuf};

use hh_io::{CurrentSource, Error};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Sweep by sweep: (first sample, sample 12,345, sum of the 20,000 samples) of the membrane
/// potential in mV, and (max, sum) of the command current in pA rebuilt from the epoch table.
const PYABF: [(f64, f64, f64, f64, f64); 2] = [
    (-48.004150390625, -48.309326171875, -845980.25, 0.0, 0.0),
    (
        -38.970947265625,
        -42.29736328125,
        -796245.25,
        10.0,
        100380.0,
    ),
];

#[test]
fn a_real_current_clamp_ramp_reads_as_pyabf_reads_it() {
    for (sweep, (first, mid, sum, cmax, csum)) in PYABF.into_iter().enumerate() {
        let rec = hh_io::read(&data("17o05027_ic_ramp.abf"), sweep).unwrap();
        let v = rec.voltage_mv();
        assert_eq!(v.len(), 20_000);
        // pyabf scales in float32 (7 digits); we scale in f64.
        for (ours, theirs) in [(v[0], first), (v[12345], mid)] {
            assert!(
                (ours - theirs).abs() < 1e-5,
                "sweep {sweep}: {ours} vs {theirs}"
            );
        }
        assert!(
            (v.iter().sum::<f64>() - sum).abs() < 1e-6 * sum.abs(),
            "sweep {sweep}"
        );
        assert_eq!(rec.metadata().voltage_channel, "IN 0");
        let i = rec.current().expect("the command, from the epoch table");
        assert_eq!(i.source, CurrentSource::Protocol);
        let max = i.values.iter().fold(f64::NEG_INFINITY, |m, x| m.max(*x));
        assert!((max - cmax).abs() < 1e-9, "sweep {sweep}: {max}");
        assert!(
            (i.values.iter().sum::<f64>() - csum).abs() < 1e-6,
            "sweep {sweep}"
        );
    }
}

/// A voltage-clamp file (its input records a current, in A, under a command in mV) is
/// refused as voltage clamp — before, it was "no membrane-potential channel", and files with a
/// command copy in mV were read as current clamp.
#[test]
fn a_real_voltage_clamp_file_is_refused_by_name() {
    let e = hh_io::read(&data("2018_12_09_pCLAMP11_0001.abf"), 0).unwrap_err();
    assert!(matches!(e, Error::VoltageClamp { .. }), "{e}");
    let text = e.to_string();
    assert!(
        text.contains("a voltage-clamp recording") && text.contains("under a command in mV"),
        "{text}"
    );
}

/// A file whose command waveform cannot be rebuilt (played from a stimulus file the ABF does
/// not hold) and that records no current reads with no current, and says why — distinct
/// from a file that declares no current at all.
#[test]
fn a_command_that_cannot_be_rebuilt_is_said_so() {
    let rec = hh_io::read(&data("171116sh_0017.abf"), 0).unwrap();
    assert!(rec.current().is_none());
    let why = rec.metadata().no_current.as_deref().unwrap();
    assert!(
        why.contains("not rebuilt from the epoch table")
            && why.contains("waveform source 2 (a stimulus file)"),
        "{why}"
    );
    // A file with a rebuilt command has a current and no such reason.
    let rec = hh_io::read(&data("18711001.abf"), 0).unwrap();
    assert!(rec.current().is_some() && rec.metadata().no_current.is_none());
}

/// Channels named by the user: by name or position; a name the file lacks, or a channel of the
/// wrong kind, is an error listing what there is; the default choice is the same recording.
#[test]
fn channels_can_be_named() {
    use hh_io::ChannelChoice;
    let file = data("17o05027_ic_ramp.abf");
    let default = hh_io::read(&file, 1).unwrap();
    for choice in [
        ChannelChoice::default().with_voltage("IN 0"),
        ChannelChoice::default().with_voltage("0"),
        ChannelChoice::default().with_current("Cmd 0"),
        ChannelChoice::default()
            .with_voltage("IN 0")
            .with_current("Cmd 0"),
    ] {
        let rec = hh_io::read_with(&file, 1, &choice).unwrap();
        assert_eq!(rec.voltage_mv(), default.voltage_mv(), "{choice:?}");
        assert_eq!(
            rec.current().unwrap().values,
            default.current().unwrap().values,
            "{choice:?}"
        );
    }
    let e = hh_io::read_with(&file, 1, &ChannelChoice::default().with_voltage("IN 7")).unwrap_err();
    assert!(
        matches!(e, Error::MissingChannel { .. }) && e.to_string().contains("`IN 0` (mV)"),
        "{e}"
    );
    let e = hh_io::read_with(&file, 1, &ChannelChoice::default().with_current("IN 0")).unwrap_err();
    assert!(matches!(e, Error::UnitMismatch { .. }), "{e}");
    let e =
        hh_io::read_with(&file, 1, &ChannelChoice::default().with_current("Cmd 9")).unwrap_err();
    assert!(e.to_string().contains("`Cmd 0`"), "{e}");
    // The voltage-clamp file's only input is a current: naming it as the potential is a unit
    // error, not a silent read.
    let vc = data("2018_12_09_pCLAMP11_0001.abf");
    let e = hh_io::read_with(&vc, 0, &ChannelChoice::default().with_voltage("IN 0")).unwrap_err();
    assert!(matches!(e, Error::UnitMismatch { .. }), "{e}");
    // Other formats have no channels to name.
    let csv = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cell_sweep0.csv");
    let e = hh_io::read_with(&csv, 0, &ChannelChoice::default().with_voltage("vm_mv")).unwrap_err();
    assert!(e.to_string().contains("ABF files only"), "{e}");
}

/// The step and ramp families of the real-cell inference tests, read as pyabf 2.3.8 reads
/// them: (file, sweep, sweeps, samples per sweep, first sample and sum of the membrane
/// potential in mV, max and sum of the command current in pA rebuilt from the epoch table).
/// `python -c "import pyabf; a = pyabf.ABF(F); a.setSweep(S); print(a.sweepCount,
/// a.sweepPointCount, a.sweepY[0], a.sweepY.sum(), a.sweepC.max(), a.sweepC.sum())"`
type Family = (&'static str, usize, usize, usize, f64, f64, f64, f64);

const FAMILIES: [Family; 4] = [
    (
        "File_axon_5.abf",
        8,
        9,
        20000,
        -70.71533203125,
        -1300030.875,
        300.0,
        3000000.0,
    ),
    (
        "190619B_0003.abf",
        5,
        10,
        30640,
        -67.87108612060547,
        -1628563.25,
        180.0,
        1800000.0,
    ),
    (
        "18711001.abf",
        15,
        30,
        30000,
        -68.1610107421875,
        -1845573.0,
        150.0,
        900000.0,
    ),
    (
        "180330_ts_0032-okUnits.abf",
        3,
        6,
        20000,
        -52.581787109375,
        -973671.125,
        30.0,
        500380.0,
    ),
];

#[test]
fn step_and_ramp_families_read_as_pyabf_reads_them() {
    for (file, sweep, sweeps, n, first, sum, cmax, csum) in FAMILIES {
        let rec = hh_io::read(&data(file), sweep).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(rec.metadata().num_sweeps, sweeps, "{file}");
        assert_eq!(rec.len(), n, "{file}");
        let v = rec.voltage_mv();
        // pyabf works in float32: its sum carries float32 rounding of ~1e-7 relative.
        assert!((v[0] - first).abs() < 1e-4, "{file}: {} vs {first}", v[0]);
        let s: f64 = v.iter().sum();
        assert!((s - sum).abs() < 1e-6 * sum.abs(), "{file}: {s} vs {sum}");
        let c = rec.current().expect("a current");
        assert_eq!(c.source, CurrentSource::Protocol, "{file}");
        let max = c.values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = c.values.iter().sum();
        assert!(
            (max - cmax).abs() < 1e-9 && (total - csum).abs() < 1e-6 * csum.abs(),
            "{file}: {max} {total}"
        );
    }
}

/// A header whose data section holds fewer samples than sweeps × samples × channels (the
/// sample count of `File_axon_5.abf` lowered by one sweep's worth) is refused, not cut into
/// sweeps in the wrong places.
#[test]
fn a_sweep_structure_that_is_not_the_data_is_an_error() {
    let mut bytes = std::fs::read(data("File_axon_5.abf")).unwrap();
    // ABF 2's section table: the data section's entry count (i64) at byte 244.
    let n = i64::from_le_bytes(bytes[244..252].try_into().unwrap());
    assert_eq!(n, 180_000);
    bytes[244..252].copy_from_slice(&(n - 20_000).to_le_bytes());
    let dir = std::env::temp_dir().join(format!("hh-io-structure-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("damaged.abf");
    std::fs::write(&path, bytes).unwrap();
    let err = hh_io::read(&path, 0).unwrap_err();
    assert!(
        matches!(err, Error::Corrupt { .. }) && err.to_string().contains("sweep structure"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
