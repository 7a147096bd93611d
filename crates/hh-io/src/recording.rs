//! [`Recording`]: one sweep of a current-clamp recording, in the units the model speaks.

use std::path::Path;

use sbi_core::{TimeWindow, Trace};

use crate::error::{Error, Result};

/// The file format a recording came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Text, `t_ms,vm_mv[,i_pa|i_na|i_ua|i_ua_per_cm2]`.
    Csv,
    /// Axon Binary Format 1 (pCLAMP ≤ 9).
    Abf1,
    /// Axon Binary Format 2 (pCLAMP ≥ 10).
    Abf2,
    /// Neurodata Without Borders 2.x (HDF5).
    Nwb,
}

impl Format {
    /// A short name: `csv`, `abf1`, `abf2`, `nwb`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Abf1 => "abf1",
            Format::Abf2 => "abf2",
            Format::Nwb => "nwb",
        }
    }
}

/// The unit of a current waveform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CurrentUnit {
    /// pA (10⁻¹² A).
    PicoAmpere,
    /// nA (10⁻⁹ A).
    NanoAmpere,
    /// µA (10⁻⁶ A), the model's unit of total current.
    MicroAmpere,
    /// µA/cm², the model's current density: no membrane area needed.
    MicroAmperePerCm2,
}

impl CurrentUnit {
    /// The CSV column name of a current in this unit: `i_pa`, `i_na`, `i_ua`, `i_ua_per_cm2`.
    pub fn column_name(self) -> &'static str {
        match self {
            CurrentUnit::PicoAmpere => "i_pa",
            CurrentUnit::NanoAmpere => "i_na",
            CurrentUnit::MicroAmpere => "i_ua",
            CurrentUnit::MicroAmperePerCm2 => "i_ua_per_cm2",
        }
    }

    /// The unit as written: `pA`, `nA`, `µA`, `µA/cm²`.
    pub fn symbol(self) -> &'static str {
        match self {
            CurrentUnit::PicoAmpere => "pA",
            CurrentUnit::NanoAmpere => "nA",
            CurrentUnit::MicroAmpere => "µA",
            CurrentUnit::MicroAmperePerCm2 => "µA/cm²",
        }
    }

    /// µA per unit of a total current (`None` for a density).
    pub fn to_microampere(self) -> Option<f64> {
        match self {
            CurrentUnit::PicoAmpere => Some(1e-6),
            CurrentUnit::NanoAmpere => Some(1e-3),
            CurrentUnit::MicroAmpere => Some(1.0),
            CurrentUnit::MicroAmperePerCm2 => None,
        }
    }

    /// Parses a unit as files write it (`pA`, `nA`, `uA`/`µA`, `A`-prefixed SI names are
    /// handled by the readers): `None` if it is not a current.
    pub fn parse(unit: &str) -> Option<Self> {
        match unit.trim() {
            "pA" => Some(CurrentUnit::PicoAmpere),
            "nA" => Some(CurrentUnit::NanoAmpere),
            "uA" | "µA" | "μA" => Some(CurrentUnit::MicroAmpere),
            "uA/cm2" | "µA/cm²" | "μA/cm²" | "uA/cm^2" => Some(CurrentUnit::MicroAmperePerCm2),
            _ => None,
        }
    }
}

/// Where a current waveform came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CurrentSource {
    /// A recorded channel (the amplifier's command or current monitor, an NWB stimulus
    /// series, a CSV column).
    Recorded,
    /// Rebuilt from the acquisition protocol (an ABF file's epoch table) because the file
    /// holds no current channel.
    Protocol,
}

/// The injected current of a recording, one value per voltage sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Current {
    /// The samples, in `unit`.
    pub values: Vec<f64>,
    /// Their unit.
    pub unit: CurrentUnit,
    /// Recorded, or rebuilt from the protocol.
    pub source: CurrentSource,
}

/// What a reader found besides the samples.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Metadata {
    /// The file format.
    pub format: Format,
    /// Sweeps in the file.
    pub num_sweeps: usize,
    /// Name of the membrane-potential channel (ABF ADC name, NWB series path, CSV column).
    pub voltage_channel: String,
    /// Unit of that channel in the file (`mV`, `V`, `volts`…).
    pub voltage_unit: String,
    /// Name of the current channel, if any.
    pub current_channel: Option<String>,
    /// Unit of the current in the file, if any.
    pub current_unit: Option<String>,
    /// How non-uniform time stamps (a CSV's) were interpolated onto a uniform grid, if they
    /// were.
    pub resampled: Option<sbi_core::resample::Resampling>,
    /// Why the recording has no current, when it has none: for an ABF file, the reader's
    /// reason the command waveform was not rebuilt from the epoch table (a damaged or
    /// unsupported protocol), or that the file declares no current at all.
    pub no_current: Option<String>,
}

impl Metadata {
    /// Metadata of a single-sweep recording made in memory (format CSV).
    pub fn in_memory() -> Self {
        Self {
            format: Format::Csv,
            num_sweeps: 1,
            voltage_channel: "vm_mv".into(),
            voltage_unit: "mV".into(),
            current_channel: None,
            current_unit: None,
            resampled: None,
            no_current: None,
        }
    }
}

/// No membrane potential lies beyond ±this, mV: readers refuse a "membrane potential" past it
/// (a channel in another unit, a damaged scaling), as [`Recording::new`] does.
pub const MAX_MEMBRANE_MV: f64 = 500.0;

/// One sweep of a current-clamp recording: the membrane potential in absolute mV (about
/// −65 mV at rest for a mammalian neuron), sampled every `dt_ms`, and the injected current
/// when the file has it.
///
/// Sample *i* is at `t = i·dt` from the sweep's start.
///
/// ```
/// use hh_io::{Current, CurrentSource, CurrentUnit, Recording};
///
/// let v: Vec<f64> = (0..100).map(|i| -65.0 + if i > 50 { 10.0 } else { 0.0 }).collect();
/// let i_pa: Vec<f64> = (0..100).map(|i| if i > 40 { 200.0 } else { 0.0 }).collect();
/// let rec = Recording::new(0.05, v)?.with_current(Current {
///     values: i_pa,
///     unit: CurrentUnit::PicoAmpere,
///     source: CurrentSource::Recorded,
/// })?;
/// // 200 pA into 2·10⁻⁵ cm² of membrane is 10 µA/cm².
/// let density = rec.current_density(Some(2e-5))?;
/// assert!((density[99] - 10.0).abs() < 1e-12);
/// assert_eq!(rec.trace()?.len(), 100);
/// # Ok::<(), hh_io::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    dt_ms: f64,
    voltage_mv: Vec<f64>,
    current: Option<Current>,
    sweep: usize,
    metadata: Metadata,
}

impl Recording {
    /// A recording of `voltage_mv` (absolute mV) sampled every `dt_ms`.
    ///
    /// # Errors
    /// A non-positive or non-finite `dt_ms`, no samples, or a non-finite sample.
    pub fn new(dt_ms: f64, voltage_mv: Vec<f64>) -> Result<Self> {
        if !(dt_ms.is_finite() && dt_ms > 0.0) {
            return Err(Error::Invalid(format!(
                "sampling interval {dt_ms} ms must be finite and positive"
            )));
        }
        if voltage_mv.is_empty() {
            return Err(Error::Invalid(
                "a recording needs at least one sample".into(),
            ));
        }
        check_finite("membrane potential", &voltage_mv)?;
        if let Some(k) = voltage_mv.iter().position(|v| v.abs() > MAX_MEMBRANE_MV) {
            return Err(Error::Invalid(format!(
                "membrane potential {} mV at sample {k}: no membrane sits beyond \
                 ±{MAX_MEMBRANE_MV} mV",
                voltage_mv[k]
            )));
        }
        Ok(Self {
            dt_ms,
            voltage_mv,
            current: None,
            sweep: 0,
            metadata: Metadata::in_memory(),
        })
    }

    /// Attaches the injected current.
    ///
    /// # Errors
    /// A length other than the voltage's, or a non-finite sample.
    pub fn with_current(mut self, current: Current) -> Result<Self> {
        if current.values.len() != self.voltage_mv.len() {
            return Err(Error::LengthMismatch {
                what: "current",
                expected: self.voltage_mv.len(),
                found: current.values.len(),
            });
        }
        check_finite("current", &current.values)?;
        self.current = Some(current);
        Ok(self)
    }

    /// Sets the sweep number and the file's metadata (what readers do).
    pub fn with_metadata(mut self, sweep: usize, metadata: Metadata) -> Self {
        self.sweep = sweep;
        self.metadata = metadata;
        self
    }

    /// Corrects for a liquid-junction potential: the pipette reads the membrane potential
    /// plus the junction potential `ljp_mv`, so the membrane potential is the recorded value
    /// minus `ljp_mv` (for a K-gluconate internal, typically +10 to +15 mV).
    ///
    /// # Errors
    /// A non-finite `ljp_mv`.
    pub fn with_junction_potential(mut self, ljp_mv: f64) -> Result<Self> {
        if !ljp_mv.is_finite() {
            return Err(Error::Invalid(format!(
                "junction potential {ljp_mv} mV must be finite"
            )));
        }
        self.voltage_mv.iter_mut().for_each(|v| *v -= ljp_mv);
        Ok(self)
    }

    /// Sampling interval, ms.
    pub fn dt_ms(&self) -> f64 {
        self.dt_ms
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.voltage_mv.len()
    }

    /// Always false: a recording has at least one sample.
    pub fn is_empty(&self) -> bool {
        self.voltage_mv.is_empty()
    }

    /// Duration, ms (`len · dt`).
    pub fn duration_ms(&self) -> f64 {
        self.len() as f64 * self.dt_ms
    }

    /// The membrane potential, absolute mV.
    pub fn voltage_mv(&self) -> &[f64] {
        &self.voltage_mv
    }

    /// The injected current, if the file has it (or its protocol could be rebuilt).
    pub fn current(&self) -> Option<&Current> {
        self.current.as_ref()
    }

    /// The sweep this is (from 0).
    pub fn sweep(&self) -> usize {
        self.sweep
    }

    /// What the reader found besides the samples.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The membrane potential as a [`Trace`] (t₀ = 0), with the stimulus window of
    /// [`Recording::stimulus_window`] attached when there is a current.
    ///
    /// # Errors
    /// None in practice (the samples were checked); kept for the trace's own checks.
    pub fn trace(&self) -> Result<Trace> {
        let t = Trace::new(self.dt_ms, 0.0, self.voltage_mv.clone())?;
        Ok(match self.stimulus_window() {
            Some(w) => t.with_stimulus(w),
            None => t,
        })
    }

    /// The current in µA, the model's unit of total current.
    ///
    /// # Errors
    /// No current, or a current density (which needs no area: use
    /// [`Recording::current_density`]).
    pub fn current_microampere(&self) -> Result<Vec<f64>> {
        let c = self.need_current()?;
        let f = c.unit.to_microampere().ok_or_else(|| {
            Error::Invalid("the current is a density (µA/cm²), not a total current".into())
        })?;
        Ok(c.values.iter().map(|x| x * f).collect())
    }

    /// The current as a density, µA/cm²: a total current divided by `area_cm2`, or a density
    /// as it is (then `area_cm2` must be `None`).
    ///
    /// # Errors
    /// No current; a total current without an area; an area with a density; an area that is
    /// not finite and positive.
    pub fn current_density(&self, area_cm2: Option<f64>) -> Result<Vec<f64>> {
        let c = self.need_current()?;
        match (c.unit.to_microampere(), area_cm2) {
            (None, None) => Ok(c.values.clone()),
            (None, Some(_)) => Err(Error::Invalid(
                "the current is already a density (µA/cm²): give no membrane area".into(),
            )),
            (Some(_), None) => Err(Error::Invalid(format!(
                "the current is in {}: a membrane area (cm²) is needed to turn it into µA/cm²",
                c.unit.symbol()
            ))),
            (Some(f), Some(a)) => {
                if !(a.is_finite() && a > 0.0) {
                    return Err(Error::Invalid(format!(
                        "membrane area {a} cm² must be finite and positive"
                    )));
                }
                Ok(c.values.iter().map(|x| x * f / a).collect())
            }
        }
    }

    /// Where the stimulus is on: from the first to the last sample whose current differs
    /// from the first sample's (the holding level) by more than 10 % of the largest such
    /// difference; `None` without a current or for a flat one.
    pub fn stimulus_window(&self) -> Option<TimeWindow> {
        let c = self.current.as_ref()?;
        let hold = *c.values.first()?;
        let peak = c
            .values
            .iter()
            .map(|x| (x - hold).abs())
            .fold(0.0, f64::max);
        if peak <= 0.0 {
            return None;
        }
        let on = |x: &f64| (x - hold).abs() > 0.1 * peak;
        let first = c.values.iter().position(on)?;
        let last = c.values.iter().rposition(on)?;
        TimeWindow::new(first as f64 * self.dt_ms, (last + 1) as f64 * self.dt_ms).ok()
    }

    /// Writes `t_ms,vm_mv[,i_<unit>]` (the CSV reader's format; values round-trip exactly),
    /// replacing `path` atomically.
    ///
    /// # Errors
    /// The write fails.
    pub fn write_csv(&self, path: &Path) -> Result<()> {
        use std::io::Write;
        let column = self.current.as_ref().map(|c| c.unit.column_name());
        sbi_core::write_atomic(path, |w| {
            let mut w = std::io::BufWriter::new(w);
            match column {
                Some(col) => writeln!(w, "t_ms,vm_mv,{col}")?,
                None => writeln!(w, "t_ms,vm_mv")?,
            }
            for (i, v) in self.voltage_mv.iter().enumerate() {
                let t = i as f64 * self.dt_ms;
                match &self.current {
                    Some(c) => writeln!(w, "{t:?},{v:?},{:?}", c.values[i])?,
                    None => writeln!(w, "{t:?},{v:?}")?,
                }
            }
            w.flush()
        })?;
        Ok(())
    }

    fn need_current(&self) -> Result<&Current> {
        self.current.as_ref().ok_or_else(|| {
            Error::Invalid(format!(
                "the recording ({} `{}`) has no injected current: {}",
                self.metadata.format.name(),
                self.metadata.voltage_channel,
                self.metadata.no_current.as_deref().unwrap_or(
                    "no injected-current channel, and none could be rebuilt from its protocol"
                )
            ))
        })
    }
}

pub(crate) fn check_finite(what: &'static str, values: &[f64]) -> Result<()> {
    match values.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(Error::NonFinite { what, index }),
        None => Ok(()),
    }
}
