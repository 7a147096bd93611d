//! Inference from a recording, shared by `infer_recording`, `synthesize_recording` and
//! `hh_posterior --observed`: the prior given on the command line, the simulator set up from
//! a recording's sampling and stimulus, and the check of a recording against a protocol.

use hh_io::Recording;
use hh_model::{HhParams, HhSimulator, Parameter, Protocol, Scheme, Substepped};

use crate::cli::CliError;

/// A box prior over named model parameters, from `name:low:high,name:low:high,…`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterBox {
    /// hh-model parameter names ([`Parameter::NAMES`]), in θ order.
    pub names: Vec<String>,
    /// Lower bounds.
    pub low: Vec<f64>,
    /// Upper bounds.
    pub high: Vec<f64>,
}

impl ParameterBox {
    /// Parses `g_na:60:180,g_k:12:60,v_rest:-75:-55`.
    ///
    /// ```
    /// let b = hh_sbi_examples::recording::ParameterBox::parse("g_na:60:180,v_rest:-75:-55")?;
    /// assert_eq!(b.names, ["g_na", "v_rest"]);
    /// assert_eq!(b.low, [60.0, -75.0]);
    /// assert!(hh_sbi_examples::recording::ParameterBox::parse("g_na:180:60").is_err());
    /// assert!(hh_sbi_examples::recording::ParameterBox::parse("bogus:0:1").is_err());
    /// # Ok::<(), hh_sbi_examples::cli::CliError>(())
    /// ```
    ///
    /// # Errors
    /// A malformed entry, an unknown or repeated name, `stim_amplitude` (a recording's
    /// stimulus is its own), bounds that are not finite with low < high.
    pub fn parse(spec: &str) -> Result<Self, CliError> {
        let mut b = Self {
            names: Vec::new(),
            low: Vec::new(),
            high: Vec::new(),
        };
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let parts: Vec<&str> = item.split(':').collect();
            let [name, lo, hi] = parts.as_slice() else {
                return Err(CliError(format!(
                    "--parameters: `{item}` is not name:low:high"
                )));
            };
            let p: Parameter = name.parse().map_err(|_| {
                CliError(format!(
                    "--parameters: unknown parameter `{name}` (known: {})",
                    Parameter::NAMES.join(", ")
                ))
            })?;
            if p == Parameter::StimAmplitude {
                return Err(CliError(
                    "--parameters: a recording brings its own stimulus; use stim_scale (a \
                     factor on it) instead of stim_amplitude"
                        .into(),
                ));
            }
            if b.names.iter().any(|n| n == name) {
                return Err(CliError(format!("--parameters: `{name}` appears twice")));
            }
            let num = |s: &str| -> Result<f64, CliError> {
                s.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| {
                        CliError(format!("--parameters: `{s}` in `{item}` is not a number"))
                    })
            };
            let (l, h) = (num(lo)?, num(hi)?);
            if l >= h {
                return Err(CliError(format!(
                    "--parameters: `{item}`: the low bound must be below the high bound"
                )));
            }
            b.names.push((*name).to_owned());
            b.low.push(l);
            b.high.push(h);
        }
        if b.names.is_empty() {
            return Err(CliError("--parameters: no parameter given".into()));
        }
        Ok(b)
    }

    /// The names as `&str`.
    pub fn name_refs(&self) -> Vec<&str> {
        self.names.iter().map(String::as_str).collect()
    }
}

/// How a recording is modelled: what is fixed besides θ.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordingModel {
    /// Membrane area, cm², turning a total current (pA, nA, µA) into the model's density;
    /// `None` for a current recorded as a density (µA/cm²).
    pub area_cm2: Option<f64>,
    /// Integration steps per recorded sample (the model runs at `dt / substeps`).
    pub substeps: usize,
    /// The integration scheme.
    pub scheme: Scheme,
    /// Intrinsic white-noise current, µA/cm²·√ms (scaled by the area to the model's total
    /// current when there is one).
    pub noise: f64,
    /// The model's fixed parameters (classic HH by default); θ overrides the named ones.
    pub params: HhParams,
}

impl Default for RecordingModel {
    fn default() -> Self {
        Self {
            area_cm2: None,
            substeps: 1,
            scheme: Scheme::ExpEuler,
            noise: 0.0,
            params: HhParams::default(),
        }
    }
}

/// The simulator of `rec`: its dt (over `model.substeps` integration steps), its length, its
/// stimulus waveform (in µA with the area, or in µA/cm²), starting at rest; θ sets `names`.
///
/// # Errors
/// No current in the recording, a total current without an area (or a density with one),
/// and the model's own checks.
pub fn simulator_for(
    rec: &Recording,
    names: &[&str],
    model: &RecordingModel,
) -> Result<Substepped<HhSimulator>, CliError> {
    let (waveform, params, noise) = match model.area_cm2 {
        Some(a) => {
            // Checked through the density conversion (area finite and positive).
            rec.current_density(Some(a))?;
            (
                rec.current_microampere()?,
                model.params.clone().with_membrane_area_cm2(a),
                model.noise * a,
            )
        }
        None => (
            rec.current_density(None)?,
            model.params.clone(),
            model.noise,
        ),
    };
    let protocol =
        Protocol::from_samples(rec.dt_ms(), &waveform, model.substeps)?.with_noise_sigma(noise);
    let inner = HhSimulator::new(params, protocol, model.scheme, names)?;
    Ok(Substepped::new(inner, model.substeps)?)
}

/// Why `rec` is not a recording of `protocol` (dt within 10⁻⁶, the same number of samples),
/// or `None` if it is.
pub fn protocol_mismatch(rec: &Recording, protocol: &Protocol) -> Option<String> {
    let mut why = Vec::new();
    if ((rec.dt_ms() - protocol.dt_ms) / protocol.dt_ms).abs() > 1e-6 {
        why.push(format!(
            "its sampling interval is {} ms ({} kHz), the protocol's is {} ms",
            rec.dt_ms(),
            1.0 / rec.dt_ms(),
            protocol.dt_ms
        ));
    }
    if rec.len() != protocol.num_steps {
        why.push(format!(
            "it has {} samples ({} ms), the protocol {} ({} ms)",
            rec.len(),
            rec.duration_ms(),
            protocol.num_steps,
            protocol.duration_ms()
        ));
    }
    (!why.is_empty()).then(|| why.join("; "))
}

/// Per column of `samples` (at least two rows): mean, standard deviation, 5 % and 95 %
/// quantiles.
pub fn column_summary(samples: &sbi_core::RowMatrix) -> Vec<[f64; 4]> {
    let means = samples.column_means();
    (0..samples.ncols())
        .map(|j| {
            let mut col = samples.column(j);
            let n = col.len() as f64;
            let m = means[j];
            let sd = (col.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            col.sort_by(f64::total_cmp);
            [
                m,
                sd,
                crate::notebook::quantile(&col, 0.05),
                crate::notebook::quantile(&col, 0.95),
            ]
        })
        .collect()
}

/// The region to draw, per parameter: the prior range, or where the posterior is much
/// narrower than it, the span of its central 99.8 % and the truth, widened by half, within
/// the prior range.
pub fn view_box(
    samples: &sbi_core::RowMatrix,
    low: &[f64],
    high: &[f64],
    truth: Option<&[f64]>,
) -> (Vec<f64>, Vec<f64>) {
    let (mut lo, mut hi) = (low.to_vec(), high.to_vec());
    for j in 0..samples.ncols().min(low.len()) {
        let mut col = samples.column(j);
        col.sort_by(f64::total_cmp);
        let (mut a, mut b) = (
            crate::notebook::quantile(&col, 0.001),
            crate::notebook::quantile(&col, 0.999),
        );
        if let Some(t) = truth {
            (a, b) = (a.min(t[j]), b.max(t[j]));
        }
        let width = high[j] - low[j];
        let pad = 0.5 * (b - a).max(1e-3 * width);
        if b - a + 2.0 * pad < 0.5 * width {
            lo[j] = (a - pad).max(low[j]);
            hi[j] = (b + pad).min(high[j]);
        }
    }
    (lo, hi)
}
