//! The NWB 2.x reader: `CurrentClampSeries` and their `CurrentClampStimulusSeries`, sweep by
//! sweep, through the pure-Rust `hdf5-reader` (no libhdf5).

use std::path::Path;

use hdf5_reader::group::Group;
use hdf5_reader::{Dataset, Hdf5File};

use crate::abf::millivolt_factor;
use crate::error::{Error, Result};
use crate::recording::{Current, CurrentSource, CurrentUnit, Format, Metadata, Recording};

/// One series of a sweep: its path, sweep number and group.
struct Series {
    path: String,
    sweep: Option<u64>,
    group: Group,
}

fn string_attr(g: &Group, name: &str) -> Option<String> {
    g.attribute(name).ok()?.read_string().ok()
}

/// Every group under `parent` (one level) whose `neurodata_type` is `kind`, by name.
fn series_of(file: &Hdf5File, parent: &str, kind: &str) -> Vec<Series> {
    let Ok(group) = file.group(parent) else {
        return Vec::new();
    };
    let Ok(children) = group.groups() else {
        return Vec::new();
    };
    let mut out: Vec<Series> = children
        .into_iter()
        .filter(|g| string_attr(g, "neurodata_type").as_deref() == Some(kind))
        .map(|g| Series {
            path: format!("{parent}/{}", g.name()),
            sweep: g
                .attribute("sweep_number")
                .ok()
                .and_then(|a| a.read_as_f64().ok())
                .filter(|x| *x >= 0.0 && x.fract() == 0.0)
                .map(|x| x as u64),
            group: g,
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The names of the groups under `/stimulus/presentation`, whatever their type.
fn presented(file: &Hdf5File) -> Vec<String> {
    file.group("/stimulus/presentation")
        .and_then(|g| g.groups())
        .map(|gs| gs.iter().map(|g| g.name().to_owned()).collect())
        .unwrap_or_default()
}

/// `x` with a factor that is within 10⁻⁶ of a power of ten snapped to it: NWB writers store
/// `conversion` as float32 or float64, and 1e-3 in float32 (1.0000000474974513e-3) means 1e-3.
fn snap_power_of_ten(x: f64) -> f64 {
    if x > 0.0 {
        let p = 10f64.powi(x.log10().round() as i32);
        if ((x - p) / p).abs() < 1e-6 {
            return p;
        }
    }
    x
}

/// A series' `data` in SI units times `to_unit`: `data·conversion + offset`, with
/// `conversion` snapped to a power of ten as [`snap_power_of_ten`] says.
fn read_series(
    s: &Series,
    path: &str,
    si_unit: &'static str,
    to_unit: impl Fn(&str) -> Option<f64>,
) -> Result<(Vec<f64>, f64, String)> {
    let corrupt = |detail: String| Error::Corrupt {
        path: path.into(),
        format: "NWB",
        detail: format!("{}: {detail}", s.path),
    };
    let data: Dataset = s
        .group
        .dataset("data")
        .map_err(|e| corrupt(format!("no readable `data` ({e})")))?;
    let unit = data
        .attribute("unit")
        .ok()
        .and_then(|a| a.read_string().ok())
        .unwrap_or_default();
    let factor = to_unit(&unit).ok_or_else(|| Error::UnitMismatch {
        path: path.into(),
        channel: s.path.clone(),
        unit: unit.clone(),
        expected: si_unit,
    })?;
    let num = |name: &str, default: f64| -> f64 {
        data.attribute(name)
            .ok()
            .and_then(|a| a.read_as_f64().ok())
            .unwrap_or(default)
    };
    let conversion = num("conversion", 1.0);
    let offset = num("offset", 0.0);
    if !(conversion.is_finite() && conversion != 0.0 && offset.is_finite()) {
        return Err(corrupt(format!(
            "conversion {conversion} / offset {offset} are not usable"
        )));
    }
    if data.ndim() != 1 {
        return Err(corrupt(format!(
            "data has shape {:?}; a sweep is one-dimensional",
            data.shape()
        )));
    }
    let raw = read_numbers(&data).map_err(|e| corrupt(format!("data unreadable ({e})")))?;
    let scale = snap_power_of_ten(conversion * factor);
    let values: Vec<f64> = raw.iter().map(|x| x * scale + offset * factor).collect();
    let rate = s
        .group
        .dataset("starting_time")
        .ok()
        .and_then(|d| d.attribute("rate").ok())
        .and_then(|a| a.read_as_f64().ok());
    let dt_ms = match rate {
        Some(r) if r.is_finite() && r > 0.0 => 1e3 / r,
        Some(r) => {
            return Err(Error::Sampling {
                path: path.into(),
                detail: format!("{}: sampling rate {r} Hz is not positive", s.path),
            });
        }
        None => timestamps_dt(s, path)?,
    };
    Ok((values, dt_ms, unit))
}

/// The sampling interval of a series with `timestamps` (seconds) instead of a rate: they
/// must be uniform within 10⁻⁶·dt.
fn timestamps_dt(s: &Series, path: &str) -> Result<f64> {
    let sampling = |detail: String| Error::Sampling {
        path: path.into(),
        detail: format!("{}: {detail}", s.path),
    };
    let t = s
        .group
        .dataset("timestamps")
        .and_then(|d| read_numbers(&d))
        .map_err(|_| sampling("neither `starting_time` with a rate nor `timestamps`".into()))?;
    if t.len() < 2 {
        return Err(sampling("fewer than two timestamps".into()));
    }
    let dt = (t[t.len() - 1] - t[0]) / (t.len() - 1) as f64;
    if dt <= 0.0
        || !dt.is_finite()
        || (0..t.len()).any(|k| (t[k] - t[0] - k as f64 * dt).abs() > 1e-6 * dt)
    {
        return Err(sampling("timestamps are not uniformly spaced".into()));
    }
    Ok(dt * 1e3)
}

/// A numeric dataset as f64, whatever its stored type (float 32/64, integers up to 32 bits:
/// every value exact).
fn read_numbers(d: &Dataset) -> hdf5_reader::error::Result<Vec<f64>> {
    use hdf5_reader::Datatype as T;
    fn all<X: hdf5_reader::H5Type + Copy + Into<f64>>(
        d: &Dataset,
    ) -> hdf5_reader::error::Result<Vec<f64>> {
        Ok(d.read_array::<X>()?.iter().map(|&x| x.into()).collect())
    }
    match d.dtype() {
        T::FloatingPoint { size: 4, .. } => all::<f32>(d),
        T::FixedPoint {
            size: 2,
            signed: true,
            ..
        } => all::<i16>(d),
        T::FixedPoint {
            size: 2,
            signed: false,
            ..
        } => all::<u16>(d),
        T::FixedPoint {
            size: 4,
            signed: true,
            ..
        } => all::<i32>(d),
        T::FixedPoint {
            size: 4,
            signed: false,
            ..
        } => all::<u32>(d),
        T::FixedPoint {
            size: 1,
            signed: true,
            ..
        } => all::<i8>(d),
        T::FixedPoint {
            size: 1,
            signed: false,
            ..
        } => all::<u8>(d),
        _ => all::<f64>(d),
    }
}

fn ampere_factor(unit: &str) -> Option<f64> {
    // NWB stores SI: amperes; the recording keeps pA.
    matches!(unit.trim(), "amperes" | "ampere" | "A").then_some(1e12)
}

fn volt_factor(unit: &str) -> Option<f64> {
    millivolt_factor(unit)
}

/// Reads sweep `sweep` of an NWB 2.x file: the `CurrentClampSeries` under `/acquisition`
/// whose `sweep_number` is `sweep` (or, in files without sweep numbers, the `sweep`-th by
/// name), in mV, with the `CurrentClampStimulusSeries` under `/stimulus/presentation` of the
/// same sweep number as its current, in pA. `data·conversion + offset` gives SI units
/// (volts, amperes); a conversion within 10⁻⁶ of a power of ten is taken as that power.
///
/// ```no_run
/// let rec = hh_io::read_nwb(std::path::Path::new("cell.nwb"), 3)?;
/// assert_eq!(rec.sweep(), 3);
/// # Ok::<(), hh_io::Error>(())
/// ```
///
/// # Errors
/// Not HDF5 ([`Error::UnknownFormat`]); only `VoltageClampSeries` ([`Error::VoltageClamp`]);
/// no `CurrentClampSeries` ([`Error::MissingChannel`]);
/// no series of that sweep ([`Error::SweepOutOfRange`], naming the sweeps there are); a
/// unit other than volts / amperes ([`Error::UnitMismatch`]); unreadable data or attributes,
/// a stimulus of another length or rate ([`Error::Corrupt`]).
pub fn read_nwb(path: &Path, sweep: usize) -> Result<Recording> {
    let p = path.display().to_string();
    let file = Hdf5File::open(path).map_err(|e| match e {
        hdf5_reader::error::Error::Io(io) => crate::error::io_error(path, &io),
        hdf5_reader::error::Error::InvalidMagic => Error::UnknownFormat {
            path: p.clone(),
            detail: "no HDF5 signature".into(),
        },
        other => Error::Corrupt {
            path: p.clone(),
            format: "NWB",
            detail: other.to_string(),
        },
    })?;
    // A file shorter than the end its superblock records was cut off (a copy or a download
    // that stopped); its last objects may be missing or half written.
    let len = std::fs::metadata(path)
        .map_err(|e| crate::error::io_error(path, &e))?
        .len();
    let sb = file.superblock();
    let eof = sb.base_address.saturating_add(sb.eof_address);
    if len < eof {
        return Err(Error::Corrupt {
            path: p,
            format: "NWB",
            detail: format!(
                "the file has {len} bytes but its HDF5 superblock says {eof}: it was cut short"
            ),
        });
    }
    let responses = series_of(&file, "/acquisition", "CurrentClampSeries");
    if responses.is_empty() {
        let clamped = series_of(&file, "/acquisition", "VoltageClampSeries");
        if !clamped.is_empty() {
            return Err(Error::VoltageClamp {
                path: p,
                detail: format!(
                    "{} VoltageClampSeries under /acquisition and no CurrentClampSeries",
                    clamped.len()
                ),
            });
        }
        let kind = file
            .root_group()
            .ok()
            .and_then(|g| string_attr(&g, "neurodata_type"))
            .unwrap_or_else(|| "no neurodata_type".into());
        return Err(Error::MissingChannel {
            path: p,
            what: "CurrentClampSeries under /acquisition",
            found: format!("the root group is {kind}"),
        });
    }
    let numbered = responses.iter().all(|s| s.sweep.is_some());
    let pick = |list: &[Series]| -> Option<usize> {
        if numbered {
            list.iter().position(|s| s.sweep == Some(sweep as u64))
        } else {
            (sweep < list.len()).then_some(sweep)
        }
    };
    let Some(ri) = pick(&responses) else {
        let sweeps: Vec<String> = responses
            .iter()
            .map(|s| s.sweep.map_or_else(|| s.path.clone(), |n| n.to_string()))
            .collect();
        return Err(if numbered {
            Error::Missing {
                path: p,
                what: format!("sweep {sweep}"),
                found: format!("the file's sweep numbers are {}", sweeps.join(", ")),
            }
        } else {
            Error::SweepOutOfRange {
                path: p,
                sweep,
                num_sweeps: responses.len(),
            }
        });
    };
    let response = &responses[ri];
    let (voltage, dt_ms, vunit) = read_series(response, &p, "volts", volt_factor)?;
    let stimuli = series_of(
        &file,
        "/stimulus/presentation",
        "CurrentClampStimulusSeries",
    );
    let stimulus = if numbered {
        stimuli.iter().find(|s| s.sweep == response.sweep)
    } else {
        stimuli.get(ri)
    };
    let mut metadata = Metadata {
        format: Format::Nwb,
        num_sweeps: responses.len(),
        voltage_channel: response.path.clone(),
        voltage_unit: vunit,
        current_channel: None,
        current_unit: None,
        resampled: None,
        no_current: None,
    };
    let current = match stimulus {
        Some(s) => {
            let (values, sdt, unit) = read_series(s, &p, "amperes", ampere_factor)?;
            if values.len() != voltage.len() || ((sdt - dt_ms) / dt_ms).abs() > 1e-9 {
                return Err(Error::Corrupt {
                    path: p,
                    format: "NWB",
                    detail: format!(
                        "{} has {} samples at {} ms, {} has {} at {} ms",
                        s.path,
                        values.len(),
                        sdt,
                        response.path,
                        voltage.len(),
                        dt_ms
                    ),
                });
            }
            metadata.current_channel = Some(s.path.clone());
            metadata.current_unit = Some(unit);
            Some(Current {
                values,
                unit: CurrentUnit::PicoAmpere,
                source: CurrentSource::Recorded,
            })
        }
        // No stimulus for this response while the file presents stimuli: one is damaged or
        // missing (a wrong type or sweep number), not "no current".
        None => match presented(&file) {
            names if names.is_empty() => None,
            names => {
                return Err(Error::Corrupt {
                    path: p,
                    format: "NWB",
                    detail: format!(
                        "no CurrentClampStimulusSeries pairs with {} (sweep {}), though \
                         /stimulus/presentation holds {}: its stimulus is damaged or missing",
                        response.path,
                        response
                            .sweep
                            .map_or_else(|| "unnumbered".to_owned(), |k| k.to_string()),
                        names.join(", ")
                    ),
                });
            }
        },
    };
    let rec = Recording::new(dt_ms, voltage)?.with_metadata(sweep, metadata);
    match current {
        Some(c) => rec.with_current(c),
        None => Ok(rec),
    }
}
