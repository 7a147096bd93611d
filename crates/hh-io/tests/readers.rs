//! The readers on the committed fixtures (scripts/make_recording_fixtures.py: the same
//! simulated sweeps as CSV, ABF 1, ABF 2 and NWB) and on damaged copies of them.

use std::path::{Path, PathBuf};

use hh_io::{CurrentSource, CurrentUnit, Error, Format, Recording, read};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn csv(fixture: &str, sweep: usize) -> Recording {
    hh_io::read_csv(&data(&format!("{fixture}_sweep{sweep}.csv"))).unwrap()
}

/// A damaged copy of fixture `name`, made by `edit`, in a temporary folder.
fn damaged(dir: &Path, name: &str, edit: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let mut bytes = std::fs::read(data(name)).unwrap();
    edit(&mut bytes);
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn replace_all(bytes: &mut [u8], from: &[u8], to: &[u8]) -> usize {
    assert_eq!(from.len(), to.len());
    let mut n = 0;
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            n += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    n
}

#[test]
fn every_format_holds_the_same_sweeps_as_the_csv() {
    for (fixture, dt, sweeps) in [("cell", 0.05, 2), ("notebook", 0.01, 1)] {
        for sweep in 0..sweeps {
            let want = csv(fixture, sweep);
            assert_eq!(want.current().unwrap().unit, CurrentUnit::PicoAmpere);
            for (file, format, source) in [
                (
                    format!("{fixture}_abf1.abf"),
                    Format::Abf1,
                    CurrentSource::Recorded,
                ),
                (
                    format!("{fixture}_abf2.abf"),
                    Format::Abf2,
                    CurrentSource::Protocol,
                ),
                (
                    format!("{fixture}.nwb"),
                    Format::Nwb,
                    CurrentSource::Recorded,
                ),
            ] {
                let got = read(&data(&file), sweep).unwrap();
                let m = got.metadata();
                assert_eq!(m.format, format, "{file}");
                assert_eq!(m.num_sweeps, sweeps, "{file}");
                assert_eq!(got.sweep(), sweep);
                assert!(
                    (got.dt_ms() - dt).abs() < 1e-12,
                    "{file}: dt {}",
                    got.dt_ms()
                );
                assert!((want.dt_ms() - dt).abs() < 1e-12);
                // The fixtures hold values on the ABF grid: every reader gives them exactly.
                assert_eq!(got.voltage_mv(), want.voltage_mv(), "{file} sweep {sweep}");
                let c = got.current().unwrap();
                assert_eq!(c.unit, CurrentUnit::PicoAmpere, "{file}");
                assert_eq!(c.source, source, "{file}");
                assert_eq!(
                    c.values,
                    want.current().unwrap().values,
                    "{file} sweep {sweep}"
                );
                assert!(
                    m.voltage_unit == "mV" || m.voltage_unit == "volts",
                    "{file}"
                );
            }
        }
    }
    // The two cell sweeps are the epoch table's two levels (300 and 500 pA, 20-120 ms).
    for (sweep, level) in [(0, 300.0), (1, 500.0)] {
        let rec = read(&data("cell_abf2.abf"), sweep).unwrap();
        let w = rec.stimulus_window().unwrap();
        assert!((w.start_ms - 20.0).abs() < 1e-9 && (w.end_ms - 120.0).abs() < 1e-9);
        assert_eq!(rec.current().unwrap().values[1000], level);
        let density = rec.current_density(Some(2e-5)).unwrap();
        assert!((density[1000] - level * 1e-6 / 2e-5).abs() < 1e-12);
        // Absolute potentials: the cell rests near its v_rest, -68 mV.
        assert!((rec.voltage_mv()[100] + 68.0).abs() < 2.0);
    }
}

#[test]
fn csv_round_trips_what_it_writes() {
    let dir = tempfile::tempdir().unwrap();
    let rec = read(&data("cell_abf1.abf"), 1).unwrap();
    let path = dir.path().join("copy.csv");
    rec.write_csv(&path).unwrap();
    let back = read(&path, 0).unwrap();
    assert_eq!(back.voltage_mv(), rec.voltage_mv());
    assert_eq!(
        back.current().unwrap().values,
        rec.current().unwrap().values
    );
    assert!((back.dt_ms() - rec.dt_ms()).abs() < 1e-12);
    // A junction potential of +12 mV: the membrane is 12 mV below the reading.
    let corrected = back.clone().with_junction_potential(12.0).unwrap();
    assert!((corrected.voltage_mv()[7] - (back.voltage_mv()[7] - 12.0)).abs() < 1e-12);
}

#[test]
fn sweeps_past_the_last_are_errors_naming_what_there_is() {
    let e = read(&data("cell_abf2.abf"), 2).unwrap_err();
    assert!(
        matches!(
            e,
            Error::SweepOutOfRange {
                sweep: 2,
                num_sweeps: 2,
                ..
            }
        ),
        "{e}"
    );
    let e = read(&data("cell.nwb"), 5).unwrap_err().to_string();
    assert!(e.contains("sweep 5") && e.contains("0, 1"), "{e}");
    let e = read(&data("cell_sweep0.csv"), 1).unwrap_err();
    assert!(
        matches!(e, Error::SweepOutOfRange { num_sweeps: 1, .. }),
        "{e}"
    );
}

#[test]
fn truncated_files_are_corrupt_not_short() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["cell_abf1.abf", "cell_abf2.abf", "notebook.nwb"] {
        for keep in [0.9, 0.5, 0.05] {
            let path = damaged(dir.path(), name, |b| {
                b.truncate((b.len() as f64 * keep) as usize)
            });
            let Err(e) = read(&path, 0) else {
                panic!("{name} cut to {keep} was read as whole");
            };
            assert!(
                matches!(e, Error::Corrupt { .. } | Error::MissingChannel { .. }),
                "{name} cut to {keep}: {e}"
            );
        }
    }
    let empty = dir.path().join("empty.abf");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(read(&empty, 0), Err(Error::Corrupt { .. })));
}

#[test]
fn files_of_another_kind_are_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    // A CSV named .abf, bytes that are nothing, and a missing file.
    let fake = dir.path().join("trace.abf");
    std::fs::copy(data("cell_sweep0.csv"), &fake).unwrap();
    let e = read(&fake, 0).unwrap_err().to_string();
    assert!(e.contains("signature"), "{e}");
    let junk = dir.path().join("junk.dat");
    std::fs::write(&junk, [7u8; 64]).unwrap();
    assert!(matches!(read(&junk, 0), Err(Error::UnknownFormat { .. })));
    assert!(matches!(
        read(&dir.path().join("none.abf"), 0),
        Err(Error::Io { .. })
    ));
    // An NWB file of voltage-clamp series: no current clamp in it.
    let vc = damaged(dir.path(), "cell.nwb", |b| {
        assert!(replace_all(b, b"CurrentClampSeries", b"VoltageClampSeries") > 0);
    });
    let e = read(&vc, 0).unwrap_err();
    assert!(matches!(e, Error::VoltageClamp { .. }), "{e}");
}

#[test]
fn missing_channels_and_wrong_units_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    // ABF 2 whose only input channel is in "mX": no membrane potential.
    let no_vm = damaged(dir.path(), "cell_abf2.abf", |b| {
        assert_eq!(replace_all(b, b"\x00mV\x00", b"\x00mX\x00"), 1);
    });
    let e = read(&no_vm, 0).unwrap_err();
    assert!(matches!(e, Error::MissingChannel { .. }), "{e}");
    assert!(e.to_string().contains("`Vm` (mX)"), "{e}");
    // ABF 2 whose command (from the epoch table) is in mV: a voltage clamp, refused by name.
    let vc_cmd = damaged(dir.path(), "cell_abf2.abf", |b| {
        assert_eq!(replace_all(b, b"Cmd 0\x00pA", b"Cmd 0\x00mV"), 1);
    });
    let e = read(&vc_cmd, 0).unwrap_err();
    assert!(matches!(e, Error::VoltageClamp { .. }), "{e}");
    // NWB data in "voltz".
    let voltz = damaged(dir.path(), "cell.nwb", |b| {
        assert!(replace_all(b, b"volts", b"voltz") > 0);
    });
    let e = read(&voltz, 1).unwrap_err();
    assert!(matches!(e, Error::UnitMismatch { .. }), "{e}");
    // A recording without a current has no density to give.
    let rec = Recording::new(0.1, vec![-65.0; 10]).unwrap();
    assert!(rec.current_density(Some(1e-5)).is_err());
    assert!(rec.stimulus_window().is_none());
    let cell = read(&data("cell_abf1.abf"), 0).unwrap();
    assert!(cell.current_density(None).is_err(), "pA needs an area");
    assert!(cell.current_density(Some(0.0)).is_err());
    assert!(cell.current_density(Some(f64::NAN)).is_err());
}

#[test]
fn bad_csv_lines_are_errors_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str); 8] = [
        ("", "empty"),
        ("time,v\n0,1\n0.1,2\n", "header"),
        ("t_ms,vm_mv,i_amps\n0,1,0\n0.1,2,0\n", "i_amps"),
        ("t_ms,vm_mv\n0,1\n0.1,x\n", "line 3"),
        ("t_ms,vm_mv\n0,1\n0.1,NaN\n", "not finite"),
        ("t_ms,vm_mv\n0,1\n0.1\n", "fields"),
        (
            "t_ms,vm_mv\n0,1\n0.1,1\n0.3,1\n0.25,1\n",
            "times decrease at sample 3",
        ),
        ("t_ms,vm_mv\n0,1\n", "at least two"),
    ];
    for (k, (text, needle)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("bad{k}.csv"));
        std::fs::write(&path, text).unwrap();
        let e = read(&path, 0).unwrap_err().to_string();
        assert!(e.contains(needle), "case {k}: {e}");
    }
}

#[test]
fn jittered_csv_times_are_resampled_and_reported() {
    // The cell fixture's sweep with its stamps written to three decimals and every third
    // row dropped: intervals of 0.05 and 0.1 ms. Resampled onto 0.05 ms, it is the fixture
    // where the rows remain, and the stimulus window is found from the resampled current.
    let original = read(&data("cell_sweep1.csv"), 0).unwrap();
    let text = std::fs::read_to_string(data("cell_sweep1.csv")).unwrap();
    let mut lines = text.lines();
    let mut out = format!("{}\n", lines.next().unwrap());
    for (k, line) in lines.enumerate().filter(|(k, _)| k % 3 != 1) {
        let (_, rest) = line.split_once(',').unwrap();
        out.push_str(&format!("{:.3},{rest}\n", k as f64 * 0.05));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gappy.csv");
    std::fs::write(&path, out).unwrap();
    let rec = hh_io::csv::read_csv_step(&path, Some(0.05)).unwrap();
    let how = rec.metadata().resampled.expect("reported");
    assert_eq!(how.samples_out, original.len());
    let (lo, hi) = how.interval_range_ms;
    assert!(
        (lo - 0.05).abs() < 1e-9 && (hi - 0.1).abs() < 1e-9,
        "{how:?}"
    );
    for k in (0..original.len()).filter(|k| k % 3 != 1) {
        let (a, b) = (rec.voltage_mv()[k], original.voltage_mv()[k]);
        assert!((a - b).abs() < 1e-9, "sample {k}: {a} vs {b}");
    }
    assert_eq!(rec.stimulus_window(), original.stimulus_window());
    // With the mean interval (the default) the grid is coarser but the record is the same.
    let rec = read(&path, 0).unwrap();
    assert!(rec.metadata().resampled.is_some());
    assert!((rec.duration_ms() - original.duration_ms()).abs() < 0.2);
}

#[test]
fn damaged_headers_never_panic() {
    // Every byte of the first 1 KiB of each ABF and of the NWB superblock region set to 0xFF
    // in turn: each read is a recording or an error, never a panic or a hang.
    let dir = tempfile::tempdir().unwrap();
    for name in ["cell_abf1.abf", "cell_abf2.abf", "cell.nwb"] {
        let original = std::fs::read(data(name)).unwrap();
        let path = dir.path().join(name);
        for at in (0..1024.min(original.len())).step_by(3) {
            let mut b = original.clone();
            b[at] = 0xFF;
            std::fs::write(&path, &b).unwrap();
            let _ = read(&path, 0);
        }
    }
}

/// A stimulus series whose type is damaged leaves its response unpaired: an error naming
/// what the file presents, not a recording that silently has no current.
#[test]
fn a_damaged_nwb_stimulus_is_an_error_not_a_missing_current() {
    let dir = tempfile::tempdir().unwrap();
    let bad = damaged(dir.path(), "cell.nwb", |b| {
        assert_eq!(
            replace_all(
                b,
                b"CurrentClampStimulusSeries\x00",
                b"CurrentClampStimulusSeriez\x00"
            ),
            2
        );
    });
    let e = read(&bad, 0).unwrap_err();
    assert!(
        matches!(e, Error::Corrupt { .. })
            && e.to_string().contains("stimulus is damaged or missing")
            && e.to_string().contains("CurrentClampStimulusSeries000"),
        "{e}"
    );
    // The intact file pairs both sweeps.
    assert!(read(&data("cell.nwb"), 1).unwrap().current().is_some());
}
