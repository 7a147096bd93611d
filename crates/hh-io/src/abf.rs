//! The ABF reader (ABF 1 and ABF 2, pCLAMP), through `openreadout-abf`.

use std::path::Path;

use openreadout_core::FormatReader;
use openreadout_core::model::{Severity, SignalChannelInfo};

use crate::channels::{ChannelChoice, position};
use crate::error::{Error, Result};
use crate::recording::{
    Current, CurrentSource, CurrentUnit, Format, MAX_MEMBRANE_MV, Metadata, Recording,
};

/// openreadout-abf's header findings that say the sweep structure (sweeps × samples ×
/// channels, the sample groups, the scaling, the channel map) does not fit the data: warnings
/// there, errors here. None of the 70 pyABF test files openreadout reads has one.
const STRUCTURE_FINDINGS: [&str; 8] = [
    "data_length_mismatch",
    "sweep_length_mismatch",
    "synch_length_mismatch",
    "partial_sample_group",
    "sweep_count_exceeds_samples",
    "no_samples",
    "bad_channel_map",
    "bad_scaling",
];

/// mV per unit of a voltage channel, or `None` if the unit is not a voltage.
pub(crate) fn millivolt_factor(unit: &str) -> Option<f64> {
    match unit.trim() {
        "mV" => Some(1.0),
        "V" | "volts" | "volt" => Some(1e3),
        "uV" | "µV" | "μV" => Some(1e-3),
        _ => None,
    }
}

/// Reads sweep `sweep` (from 0) of an ABF 1 or ABF 2 file: the first input channel in mV,
/// V or µV is the membrane potential (converted to mV); the first in pA, nA or µA is the
/// injected current. Input channel i and output (command) i are one amplifier channel, as
/// pCLAMP pairs them: an input whose command is a potential (mV, V) belongs to a
/// voltage-clamped cell — a current there is the clamp's measured current, a potential its
/// command copy — and is never taken; a file with only such channels is a voltage-clamp
/// recording ([`Error::VoltageClamp`]). Without a current channel, the command waveform is rebuilt from the
/// protocol's epoch table when the file allows it (episodic files with step, ramp and
/// pulse-train epochs; [`CurrentSource::Protocol`]); otherwise the recording has no current.
///
/// ```no_run
/// let rec = hh_io::read_abf(std::path::Path::new("cell.abf"), 0)?;
/// println!("{} samples at {} kHz", rec.len(), 1.0 / rec.dt_ms());
/// # Ok::<(), hh_io::Error>(())
/// ```
///
/// # Errors
/// An unreadable or damaged file (truncated data, a section outside the file, bad scaling
/// factors, sweeps × samples × channels that are not the data: [`Error::Corrupt`]), a file that is not ABF ([`Error::UnknownFormat`]), no
/// voltage channel ([`Error::MissingChannel`]), a current unit that is not a current
/// ([`Error::UnitMismatch`]), a sweep past the last ([`Error::SweepOutOfRange`]).
pub fn read_abf(path: &Path, sweep: usize) -> Result<Recording> {
    read_abf_with(path, sweep, &ChannelChoice::default())
}

/// [`read_abf`] with the channels named ([`ChannelChoice`]): the membrane potential from the
/// input channel named (any input in a voltage unit, whatever its command), the current from
/// the input named (in a current unit) or the command (output) named, rebuilt from the epoch
/// table. The ±500 mV bound still holds.
///
/// # Errors
/// As [`read_abf`]; a name that is none of the file's inputs (or commands, for the current)
/// ([`Error::MissingChannel`], listing them); a named channel in the wrong kind of unit
/// ([`Error::UnitMismatch`]).
pub fn read_abf_with(path: &Path, sweep: usize, choice: &ChannelChoice) -> Result<Recording> {
    let p = path.display().to_string();
    let corrupt = |detail: String| Error::Corrupt {
        path: p.clone(),
        format: "ABF",
        detail,
    };
    let reader = openreadout_abf::AbfReader;
    let mut dataset = reader.open(path).map_err(|e| match e {
        openreadout_core::Error::Io { source, .. } => crate::error::io_error(path, &source),
        openreadout_core::Error::UnknownFormat { .. } => Error::UnknownFormat {
            path: p.clone(),
            detail: "no `ABF ` or `ABF2` signature".into(),
        },
        other => corrupt(other.to_string()),
    })?;
    let report = dataset
        .check_headers()
        .map_err(|e| corrupt(e.to_string()))?;
    if let Some(f) = report
        .findings
        .iter()
        .find(|f| f.severity == Severity::Error)
    {
        return Err(corrupt(f.message.clone()));
    }
    // Sweeps × samples × channels must be the data: a header that disagrees with it would
    // cut sweeps in the wrong places.
    if let Some(f) = report
        .findings
        .iter()
        .find(|f| STRUCTURE_FINDINGS.contains(&f.code.as_str()))
    {
        return Err(corrupt(format!(
            "the sweep structure does not match the data ({}): {}",
            f.code, f.message
        )));
    }
    let info = dataset.info().map_err(|e| corrupt(e.to_string()))?;
    let format = match info.format_version.as_deref() {
        Some(v) if v.starts_with('1') => Format::Abf1,
        _ => Format::Abf2,
    };
    let data = info
        .traces
        .first()
        .ok_or_else(|| corrupt("no data trace".into()))?;
    let num_sweeps = data.sweep_count as usize;
    if sweep >= num_sweeps {
        return Err(Error::SweepOutOfRange {
            path: p,
            sweep,
            num_sweeps,
        });
    }
    if !(data.sample_rate_hz.is_finite() && data.sample_rate_hz > 0.0) {
        return Err(Error::Sampling {
            path: p,
            detail: format!("sample rate {} Hz is not positive", data.sample_rate_hz),
        });
    }
    let dt_ms = 1e3 / data.sample_rate_hz;
    let unit = |c: &SignalChannelInfo| c.unit.clone().unwrap_or_default();
    let listing = || {
        data.channels
            .iter()
            .map(|c| format!("`{}` ({})", c.name, unit(c)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let commands = command_units(data);
    // Input i under voltage clamp: its command (output i) is a potential.
    let clamped = |i: usize| {
        commands
            .get(&(i as u64))
            .is_some_and(|u| millivolt_factor(u).is_some())
    };
    let names = || data.channels.iter().map(|c| c.name.as_str());
    let voltage = match &choice.voltage {
        Some(spec) => {
            let i = position(names(), spec).ok_or_else(|| Error::MissingChannel {
                path: p.clone(),
                what: "input channel of the name given for the membrane potential",
                found: format!("`{spec}` is none of {}", listing()),
            })?;
            let c = &data.channels[i];
            let f = millivolt_factor(&unit(c)).ok_or_else(|| Error::UnitMismatch {
                path: p.clone(),
                channel: c.name.clone(),
                unit: unit(c),
                expected: "a potential (mV, V or µV) for the membrane potential",
            })?;
            Some((i, f))
        }
        None => data
            .channels
            .iter()
            .enumerate()
            .filter(|&(i, _)| !clamped(i))
            .find_map(|(i, c)| millivolt_factor(&unit(c)).map(|f| (i, f))),
    };
    let Some((vi, vfactor)) = voltage else {
        let vc: Vec<String> = data
            .channels
            .iter()
            .enumerate()
            .filter(|&(i, _)| clamped(i))
            .map(|(i, c)| {
                format!(
                    "input `{}` ({}) under a command in {}",
                    c.name,
                    unit(c),
                    commands[&(i as u64)]
                )
            })
            .collect();
        if !vc.is_empty() {
            return Err(Error::VoltageClamp {
                path: p,
                detail: vc.join(", "),
            });
        }
        return Err(Error::MissingChannel {
            path: p.clone(),
            what: "membrane-potential channel (unit mV, V or µV)",
            found: format!("the input channels are {}", listing()),
        });
    };
    // A named current: an input of that name, else a command (None here: found below).
    let named_input = match &choice.current {
        Some(spec) => position(names(), spec),
        None => None,
    };
    let ci = match (&choice.current, named_input) {
        (Some(_), Some(i)) => {
            let c = &data.channels[i];
            let u = CurrentUnit::parse(&unit(c)).ok_or_else(|| Error::UnitMismatch {
                path: p.clone(),
                channel: c.name.clone(),
                unit: unit(c),
                expected: "a current (pA, nA or µA) for the injected current",
            })?;
            Some((i, u))
        }
        (Some(_), None) => None,
        (None, _) => data
            .channels
            .iter()
            .enumerate()
            .filter(|&(i, _)| !clamped(i))
            .find_map(|(i, c)| CurrentUnit::parse(&unit(c)).map(|u| (i, u))),
    };
    let command = match (&choice.current, named_input) {
        (Some(spec), None) => Some(spec.as_str()),
        _ => None,
    };
    let sweep32 = sweep as u32;
    let samples = dataset
        .read_trace(0, sweep32, 0, data.sample_count)
        .map_err(|e| corrupt(e.to_string()))?;
    let column = |i: usize| -> Result<Vec<f64>> {
        samples
            .channels
            .get(i)
            .cloned()
            .ok_or_else(|| corrupt(format!("channel {i} has no samples in sweep {sweep}")))
    };
    let voltage: Vec<f64> = column(vi)?.iter().map(|x| x * vfactor).collect();
    let vch = &data.channels[vi];
    if let Some(k) = voltage.iter().position(|v| v.abs() > MAX_MEMBRANE_MV) {
        return Err(Error::ImplausiblePotential {
            path: p,
            channel: vch.name.clone(),
            value: voltage[k],
            sample: k,
        });
    }
    let mut metadata = Metadata {
        format,
        num_sweeps,
        voltage_channel: vch.name.clone(),
        voltage_unit: unit(vch),
        current_channel: None,
        current_unit: None,
        resampled: None,
        no_current: None,
    };
    let current = match ci {
        Some((i, current_unit)) => {
            let c = &data.channels[i];
            metadata.current_channel = Some(c.name.clone());
            metadata.current_unit = Some(unit(c));
            Some(Current {
                values: column(i)?,
                unit: current_unit,
                source: CurrentSource::Recorded,
            })
        }
        None => command_current(&mut *dataset, &info, sweep32, &p, command, &mut metadata)?,
    };
    if current.is_none() {
        metadata.no_current = Some(no_current_reason(&info));
    }
    let rec = Recording::new(dt_ms, voltage)?.with_metadata(sweep, metadata);
    match current {
        Some(c) => rec.with_current(c),
        None => Ok(rec),
    }
}

/// The unit of each output (DAC) the file describes, by its index.
fn command_units(
    data: &openreadout_core::model::TraceInfo,
) -> std::collections::BTreeMap<u64, String> {
    data.extra
        .get("outputs")
        .and_then(|o| o.as_array())
        .map(|outputs| {
            outputs
                .iter()
                .filter_map(|o| {
                    let index = o.get("index")?.as_u64()?;
                    let unit = o.get("unit")?.as_str()?.trim().to_owned();
                    Some((index, unit))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Why an ABF file gives no current: the reader's reasons for not rebuilding a command
/// waveform the file declares (openreadout-abf's `command waveform: …` notes: a damaged or
/// unsupported epoch table), else that it declares none.
fn no_current_reason(info: &openreadout_core::model::FileInfo) -> String {
    let reasons: Vec<&str> = info
        .notes
        .iter()
        .filter_map(|n| n.strip_prefix("command waveform: "))
        .collect();
    match reasons.is_empty() {
        true => "the file has no input in a current unit and declares no command waveform".into(),
        false => format!(
            "the file has no input in a current unit, and its command waveform was not rebuilt \
             from the epoch table: {}",
            reasons.join("; ")
        ),
    }
}

/// The command waveform rebuilt from the epoch table (trace 1), when the reader could.
fn command_current(
    dataset: &mut dyn openreadout_core::Dataset,
    info: &openreadout_core::model::FileInfo,
    sweep: u32,
    path: &str,
    named: Option<&str>,
    metadata: &mut Metadata,
) -> Result<Option<Current>> {
    let no_command = |found: String| Error::MissingChannel {
        path: path.into(),
        what: "input or command channel of the name given for the current",
        found,
    };
    let Some(cmd) = info.traces.get(1) else {
        return match named {
            Some(spec) => Err(no_command(format!(
                "`{spec}` is none of the inputs, and the file's commands are not rebuilt"
            ))),
            None => Ok(None),
        };
    };
    let found = match named {
        Some(spec) => {
            let k =
                position(cmd.channels.iter().map(|c| c.name.as_str()), spec).ok_or_else(|| {
                    no_command(format!(
                        "`{spec}` is none of the inputs or of the commands ({})",
                        cmd.channels
                            .iter()
                            .map(|c| format!("`{}`", c.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
            let c = &cmd.channels[k];
            let u = c
                .unit
                .as_deref()
                .and_then(CurrentUnit::parse)
                .ok_or_else(|| Error::UnitMismatch {
                    path: path.into(),
                    channel: c.name.clone(),
                    unit: c.unit.clone().unwrap_or_default(),
                    expected: "a current (pA, nA or µA) for the injected current",
                })?;
            Some((k, c, u))
        }
        None => cmd.channels.iter().enumerate().find_map(|(k, c)| {
            c.unit
                .as_deref()
                .and_then(CurrentUnit::parse)
                .map(|u| (k, c, u))
        }),
    };
    let Some((k, ch, current_unit)) = found else {
        if let Some(c) = cmd.channels.first() {
            let unit = c.unit.clone().unwrap_or_default();
            if millivolt_factor(&unit).is_some() {
                return Err(Error::VoltageClamp {
                    path: path.into(),
                    detail: format!("the command `{}` is a potential, in {unit}", c.name),
                });
            }
            return Err(Error::UnitMismatch {
                path: path.into(),
                channel: c.name.clone(),
                unit: c.unit.clone().unwrap_or_default(),
                expected: "a current (pA, nA or µA) for the command of a current clamp",
            });
        }
        return Ok(None);
    };
    let unit = ch.unit.clone().unwrap_or_default();
    let samples = dataset
        .read_trace(1, sweep, 0, cmd.sample_count)
        .map_err(|e| Error::Corrupt {
            path: path.into(),
            format: "ABF",
            detail: e.to_string(),
        })?;
    metadata.current_channel = Some(ch.name.clone());
    metadata.current_unit = Some(unit.clone());
    Ok(samples.channels.get(k).map(|v| Current {
        values: v.clone(),
        unit: current_unit,
        source: CurrentSource::Protocol,
    }))
}
