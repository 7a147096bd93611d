//! The picture of a posterior predictive check ([`render_predictive_check`]): one panel per
//! feature, the predictive distribution as a histogram and the observation as a red line.

use plotters::prelude::*;
use sbi_core::stats::quantile;
use sbi_inference::PredictiveCheck;

use crate::plot::{PALETTE, PlotError, histogram};

/// Panels per row.
const COLUMNS: usize = 4;

fn to_err<E: std::fmt::Debug>(e: E) -> PlotError {
    format!("{e:?}").into()
}

/// The check as SVG: per feature, a histogram (30 bins) of the predictive values over their
/// central 99 % and the observed value, the observation as a red line, and the panel's title
/// the feature's name and the observation's quantile (marked "outside" beyond the central
/// 95 %).
///
/// ```
/// use sbi_core::{Identity, RowMatrix, testing::LinearGaussian};
/// let draws = RowMatrix::from_rows(&vec![[0.0, 1.0]; 200])?;
/// let sim = LinearGaussian::new(2, 0.5)?;
/// let ppc = sbi_inference::PredictiveCheck::run(&sim, &Identity::new(2), &draws, &[0.1, 4.0], 1)?;
/// let svg = hh_sbi_examples::predictive_check::render_predictive_check(&ppc)?;
/// assert!(svg.starts_with("<svg") && svg.contains("x1: q = 1.00 (outside)"));
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
/// ```
///
/// # Errors
/// Drawing errors.
pub fn render_predictive_check(check: &PredictiveCheck) -> Result<String, PlotError> {
    let d = check.names.len();
    let rows = d.div_ceil(COLUMNS).max(1);
    let cols = d.clamp(1, COLUMNS);
    let outside = check.outside(0.95);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (260 * cols as u32, 210 * rows as u32))
            .into_drawing_area();
        root.fill(&WHITE).map_err(to_err)?;
        let panels = root.split_evenly((rows, cols));
        for (j, panel) in panels.iter().enumerate().take(d) {
            let mut values = check.predictive.column(j);
            values.sort_by(f64::total_cmp);
            let observed = check.observed[j];
            let lo = quantile(&values, 0.005).min(observed);
            let hi = quantile(&values, 0.995).max(observed);
            let pad = ((hi - lo) * 0.05).max(1e-9 * (1.0 + lo.abs()));
            let (lo, hi) = (lo - pad, hi + pad);
            let bins = 30;
            let h = histogram(&values, lo, hi, bins);
            let top = h.iter().fold(0.0f64, |m, v| m.max(*v)).max(1e-300) * 1.1;
            let q = check.quantiles[j];
            let mark = if outside.contains(&j) {
                " (outside)"
            } else {
                ""
            };
            let title = format!("{}: q = {q:.2}{mark}", check.names[j]);
            let mut chart = ChartBuilder::on(panel)
                .caption(title, ("sans-serif", 14))
                .margin(8)
                .x_label_area_size(24)
                .y_label_area_size(10)
                .build_cartesian_2d(lo..hi, 0.0..top)
                .map_err(to_err)?;
            chart
                .configure_mesh()
                .disable_y_mesh()
                .disable_y_axis()
                .x_labels(4)
                .label_style(("sans-serif", 11))
                .light_line_style(WHITE.mix(0.0))
                .draw()
                .map_err(to_err)?;
            let w = (hi - lo) / bins as f64;
            chart
                .draw_series(h.iter().enumerate().map(|(k, v)| {
                    let x0 = lo + k as f64 * w;
                    Rectangle::new([(x0, 0.0), (x0 + w, *v)], PALETTE[0].mix(0.6).filled())
                }))
                .map_err(to_err)?;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(observed, 0.0), (observed, top)],
                    PALETTE[1].stroke_width(3),
                )))
                .map_err(to_err)?;
        }
        root.present().map_err(to_err)?;
    }
    Ok(svg)
}

/// A posterior's simulations against a recording on the two things a physiologist reads
/// first: the spike count in the stimulus and the resting potential, per sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Reproduction {
    /// The sweep's feature prefix (`sweep3`), empty for a one-sweep observation.
    pub sweep: String,
    /// Spikes in the recording and the median over the simulations at posterior draws
    /// (`Spikecount_stimint`, else `Spikecount` / `spike_count`), if a feature counts them.
    pub spikes: Option<(f64, f64)>,
    /// The resting potential (`voltage_base`, mV) of the recording and the simulations'
    /// median, if it is a feature.
    pub rest_mv: Option<(f64, f64)>,
}

/// Spike counts within this many spikes count as reproduced.
pub const SPIKE_TOLERANCE: f64 = 1.0;
/// Resting potentials within this many mV count as reproduced.
pub const REST_TOLERANCE_MV: f64 = 2.0;

impl Reproduction {
    /// Per sweep (feature prefix before `/`), the observed and median simulated spike count and
    /// resting potential of `p`; sweeps with neither are left out.
    ///
    /// ```
    /// use sbi_core::RowMatrix;
    /// use sbi_inference::PredictiveCheck;
    /// use hh_sbi_examples::predictive_check::Reproduction;
    /// let p = PredictiveCheck {
    ///     names: vec!["sweep0/Spikecount_stimint".into(), "sweep0/voltage_base".into()],
    ///     observed: vec![4.0, -70.0],
    ///     predictive: RowMatrix::from_rows(&[[3.0, -71.0], [5.0, -69.5], [4.0, -70.5]])?,
    ///     quantiles: vec![0.5, 0.5],
    ///     failed: 0,
    /// };
    /// let r = Reproduction::of(&p);
    /// assert_eq!(r[0].spikes, Some((4.0, 4.0)));
    /// assert!(r[0].reproduced());
    /// # Ok::<(), sbi_core::Error>(())
    /// ```
    pub fn of(p: &PredictiveCheck) -> Vec<Self> {
        let mut out: Vec<Self> = Vec::new();
        for (j, name) in p.names.iter().enumerate() {
            let (sweep, feature) = name.rsplit_once('/').unwrap_or(("", name));
            let median = || {
                let mut col: Vec<f64> = p
                    .predictive
                    .rows()
                    .map(|r| r[j])
                    .filter(|v| v.is_finite())
                    .collect();
                col.sort_by(f64::total_cmp);
                match col.is_empty() {
                    true => f64::NAN,
                    false => quantile(&col, 0.5),
                }
            };
            let spikes = matches!(feature, "Spikecount_stimint" | "spike_count_stimint");
            let total = matches!(feature, "Spikecount" | "spike_count");
            let rest = feature == "voltage_base";
            if !(spikes || total || rest) {
                continue;
            }
            let k = match out.iter().position(|r| r.sweep == sweep) {
                Some(k) => k,
                None => {
                    out.push(Self {
                        sweep: sweep.to_owned(),
                        spikes: None,
                        rest_mv: None,
                    });
                    out.len() - 1
                }
            };
            let pair = (p.observed[j], median());
            match (spikes, total, &out[k].spikes) {
                (true, _, _) | (_, true, None) => out[k].spikes = Some(pair),
                _ => {}
            }
            if rest {
                out[k].rest_mv = Some(pair);
            }
        }
        out
    }

    /// The lowest and highest resting potential the recording's sweeps show, when they lie
    /// more than 2 × [`REST_TOLERANCE_MV`] apart: then no model with one resting potential
    /// for every sweep (Pospischil's or the squid axon's, without a per-sweep holding
    /// current) is within the tolerance of every sweep, whatever θ.
    ///
    /// ```
    /// use hh_sbi_examples::predictive_check::Reproduction;
    /// let sweep = |rest: f64| Reproduction {
    ///     sweep: String::new(),
    ///     spikes: None,
    ///     rest_mv: Some((rest, -71.4)),
    /// };
    /// let moving = [sweep(-70.8), sweep(-73.5), sweep(-69.2)];
    /// assert_eq!(Reproduction::rest_spread(&moving), Some((-73.5, -69.2)));
    /// assert_eq!(Reproduction::rest_spread(&moving[..2]), None); // 2.7 mV apart
    /// ```
    pub fn rest_spread(sweeps: &[Self]) -> Option<(f64, f64)> {
        let (lo, hi) = sweeps
            .iter()
            .filter_map(|r| r.rest_mv.map(|(o, _)| o))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
        (hi - lo > 2.0 * REST_TOLERANCE_MV).then_some((lo, hi))
    }

    /// Spike count within [`SPIKE_TOLERANCE`] and rest within [`REST_TOLERANCE_MV`] (each
    /// when known; a non-finite median is not a reproduction).
    pub fn reproduced(&self) -> bool {
        self.spikes_match() && within(self.rest_mv, REST_TOLERANCE_MV)
    }

    /// Spike count within [`SPIKE_TOLERANCE`] (when known; a non-finite median is not a
    /// match).
    pub fn spikes_match(&self) -> bool {
        within(self.spikes, SPIKE_TOLERANCE)
    }
}

/// Whether an (observed, median) pair agrees within `tol` (a missing pair does not count
/// against it; a non-finite median does).
fn within(pair: Option<(f64, f64)>, tol: f64) -> bool {
    pair.is_none_or(|(o, m)| m.is_finite() && (o - m).abs() <= tol)
}
