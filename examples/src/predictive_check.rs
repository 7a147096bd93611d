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
