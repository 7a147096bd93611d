//! Measured spike fractions.

use crate::error::{Error, Result};

/// The study's measured spike fractions, as shipped with the crate.
const MEASURED_CSV: &str = include_str!("../data/measured_spike_fractions.csv");

/// Spike counts at relative stimulus levels: `spiking[i]` of `trials[i]` trials spiked at
/// relative stimulus `x[i]`.
///
/// ```
/// let d = spike_fit::SpikeData::from_counts(vec![0.9, 1.0], vec![100, 500], vec![1000, 1000])?;
/// assert_eq!(d.fractions(), vec![0.1, 0.5]);
/// assert!(spike_fit::SpikeData::from_fractions(vec![1.0], vec![1.5]).is_err());
/// # Ok::<(), spike_fit::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeData {
    x: Vec<f64>,
    spiking: Vec<u64>,
    trials: Vec<u64>,
}

impl SpikeData {
    /// Counts at each relative stimulus level.
    ///
    /// # Errors
    /// [`Error::InvalidData`]: no point, mismatched lengths, non-finite or non-positive x,
    /// zero trials, more spiking trials than trials.
    pub fn from_counts(x: Vec<f64>, spiking: Vec<u64>, trials: Vec<u64>) -> Result<Self> {
        if x.is_empty() {
            return Err(Error::InvalidData("no data point".into()));
        }
        if x.len() != spiking.len() || x.len() != trials.len() {
            return Err(Error::InvalidData(format!(
                "mismatched lengths: {} stimulus levels, {} counts, {} trial numbers",
                x.len(),
                spiking.len(),
                trials.len()
            )));
        }
        for i in 0..x.len() {
            if !(x[i].is_finite() && x[i] > 0.0) {
                return Err(Error::InvalidData(format!(
                    "point {i}: relative stimulus {} must be finite and positive",
                    x[i]
                )));
            }
            if trials[i] == 0 || spiking[i] > trials[i] {
                return Err(Error::InvalidData(format!(
                    "point {i}: {} spiking of {} trials",
                    spiking[i], trials[i]
                )));
            }
        }
        Ok(Self { x, spiking, trials })
    }

    /// Fractions without counts (taken as out of 1000 trials for the binomial likelihood).
    ///
    /// # Errors
    /// As [`SpikeData::from_counts`]; fractions outside [0, 1] or non-finite.
    pub fn from_fractions(x: Vec<f64>, fractions: Vec<f64>) -> Result<Self> {
        if x.len() != fractions.len() {
            return Err(Error::InvalidData(format!(
                "mismatched lengths: {} stimulus levels, {} fractions",
                x.len(),
                fractions.len()
            )));
        }
        if let Some((i, f)) = fractions
            .iter()
            .enumerate()
            .find(|(_, f)| !(0.0..=1.0).contains(*f))
        {
            return Err(Error::InvalidData(format!(
                "point {i}: fraction {f} outside [0, 1]"
            )));
        }
        let spiking = fractions
            .iter()
            .map(|f| (f * 1000.0).round() as u64)
            .collect();
        Self::from_counts(x, spiking, vec![1000; fractions.len()])
    }

    /// The study's measured data (neuron_spike_simulation's 11 relative stimulus levels, 1000
    /// trials each), compiled into the crate: `data/measured_spike_fractions.csv`.
    ///
    /// ```
    /// let d = spike_fit::SpikeData::measured();
    /// assert_eq!(d.len(), 11);
    /// assert_eq!(d.fractions()[5], 0.5);
    /// ```
    pub fn measured() -> Self {
        // The file is part of the crate and parsed by a test; it cannot fail here.
        Self::parse_csv(MEASURED_CSV, "measured_spike_fractions.csv")
            .unwrap_or_else(|e| unreachable!("the compiled-in data parse: {e}"))
    }

    /// Reads the study's CSV (`relative_stimulus,spiking_trials,trials[,fraction]`; a UTF-8
    /// byte-order mark, as spreadsheet programs write, is accepted).
    ///
    /// # Errors
    /// [`Error::Io`], or [`Error::InvalidData`] naming the bad line.
    pub fn read_csv(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse_csv(&text, &path.display().to_string())
    }

    /// Parses the text of such a CSV; `source` names it in errors.
    ///
    /// # Errors
    /// [`Error::InvalidData`] naming the bad line.
    pub fn parse_csv(text: &str, source: &str) -> Result<Self> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text.lines();
        let header = lines.next().unwrap_or("");
        if !header.starts_with("relative_stimulus,spiking_trials,trials") {
            return Err(Error::InvalidData(format!(
                "{source}: expected header relative_stimulus,spiking_trials,trials[,fraction]"
            )));
        }
        let (mut x, mut k, mut n) = (Vec::new(), Vec::new(), Vec::new());
        for (i, line) in lines.enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let cols: Vec<&str> = line.split(',').map(str::trim).collect();
            let bad = || Error::InvalidData(format!("{source}: line {}: `{line}`", i + 2));
            if cols.len() < 3 {
                return Err(bad());
            }
            x.push(cols[0].parse().map_err(|_| bad())?);
            k.push(cols[1].parse().map_err(|_| bad())?);
            n.push(cols[2].parse().map_err(|_| bad())?);
        }
        Self::from_counts(x, k, n)
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Never true for a constructed value (kept for API completeness).
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Relative stimulus levels.
    pub fn x(&self) -> &[f64] {
        &self.x
    }

    /// Spiking trials per point.
    pub fn spiking(&self) -> &[u64] {
        &self.spiking
    }

    /// Trials per point.
    pub fn trials(&self) -> &[u64] {
        &self.trials
    }

    /// Spike fractions.
    pub fn fractions(&self) -> Vec<f64> {
        self.spiking
            .iter()
            .zip(&self.trials)
            .map(|(k, n)| *k as f64 / *n as f64)
            .collect()
    }
}
