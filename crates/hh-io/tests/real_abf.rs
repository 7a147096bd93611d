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
