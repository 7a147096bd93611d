//! Measured spike fractions.

use crate::error::{Error, Result};

/// The study's measured spike fractions, as shipped with the crate.
const MEASURED_CSV: &str = include_str!("../data/measured_spike_fractions.csv");

/// The range of relative stimuli (stimulus / reference) a data point may have: 10⁻³…10³.
/// The study measured 0.9–1.2 times the reference; a point a thousand times off is a unit
/// mistake (µA for nA, a fraction for a percentage), and fitting it would only make δv undo
/// the factor (x ≈ 10⁻³⁰⁰ gave δv ≈ 10²⁹⁸, reported as converged).
pub const RELATIVE_STIMULUS_RANGE: (f64, f64) = (1e-3, 1e3);

/// Spike counts at relative stimulus levels: `spiking[i]` of `trials[i]` trials spiked at
/// relative stimulus `x[i]`.
///
/// ```
/// let d = spike_fit::SpikeData::from_counts(vec![0.9, 1.0], vec![100, 500], vec![1000, 1000])?;
/// assert_eq!(d.fractions(), vec![0.1, 0.5]);
/// assert!(spike_fit::SpikeData::from_fractions(vec![1.0], vec![1.5]).is_err());
/// assert!(spike_fit::SpikeData::from_fractions(vec![1e-300], vec![0.5]).is_err());
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
    /// [`Error::InvalidData`]: no point, mismatched lengths, x outside
    /// [`RELATIVE_STIMULUS_RANGE`],
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
            let (lo, hi) = RELATIVE_STIMULUS_RANGE;
            if !(lo..=hi).contains(&x[i]) {
                return Err(Error::InvalidData(format!(
                    "point {i}: relative stimulus {} is outside {lo}…{hi} (the stimulus divided \
                     by the reference; the study's points lie at 0.9–1.2): check its unit",
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
        let bad = |e: sbi_core::Error| Error::InvalidData(e.to_string());
        let table = sbi_core::Table::parse(text, source).map_err(bad)?;
        let names = table.columns();
        let wanted = ["relative_stimulus", "spiking_trials", "trials"];
        if names.len() < 3 || names[..3] != wanted || names.len() > 4 {
            return Err(Error::InvalidData(format!(
                "{source}: expected header relative_stimulus,spiking_trials,trials[,fraction]"
            )));
        }
        // Counts are whole numbers (up to 2⁵³, where f64 still counts exactly).
        let count = |r: usize, j: usize| -> Result<u64> {
            let v = table.row(r)[j];
            if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= 9_007_199_254_740_992.0 {
                Ok(v as u64)
            } else {
                Err(bad(table.error_at(
                    r,
                    format!("{} `{v}` is not a whole number of trials", names[j]),
                )))
            }
        };
        let (mut x, mut k, mut n) = (Vec::new(), Vec::new(), Vec::new());
        for r in 0..table.len() {
            x.push(table.row(r)[0]);
            k.push(count(r, 1)?);
            n.push(count(r, 2)?);
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
