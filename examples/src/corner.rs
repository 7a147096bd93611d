//! Corner plots: every one- and two-parameter marginal of posterior samples.

use plotters::prelude::*;
use sbi_core::RowMatrix;

use crate::plot::{PALETTE, PlotError, histogram};

/// What [`render_corner`] draws.
pub struct CornerView<'a> {
    /// Title.
    pub title: &'a str,
    /// Posterior samples, n × d (d ≥ 1).
    pub samples: &'a RowMatrix,
    /// Axis names (with units), d of them.
    pub names: &'a [String],
    /// Lower bounds of the region drawn (the prior box), d of them.
    pub low: &'a [f64],
    /// Upper bounds, d of them.
    pub high: &'a [f64],
    /// The true θ, marked in red when known.
    pub truth: Option<&'a [f64]>,
}

fn to_err<E: std::fmt::Debug>(e: E) -> PlotError {
    format!("plotting failed: {e:?}").into()
}

/// A d × d grid: on the diagonal each parameter's histogram, below it each pair's samples
/// (at most 1,500 points), the truth as red lines and crosses.
///
/// # Errors
/// Drawing errors; no samples, or dimensions that disagree.
pub fn render_corner(view: &CornerView<'_>) -> Result<String, PlotError> {
    let s = view.samples;
    let d = s.ncols();
    if s.is_empty()
        || d == 0
        || view.names.len() != d
        || view.low.len() != d
        || view.high.len() != d
        || view.truth.is_some_and(|t| t.len() != d)
    {
        return Err("the corner plot needs samples, names and bounds of one dimension".into());
    }
    let red = RGBColor(214, 39, 40);
    let cell = 260u32;
    let mut svg = String::new();
    {
        let side = cell * d as u32;
        let root = SVGBackend::with_string(&mut svg, (side, side + 40)).into_drawing_area();
        root.fill(&WHITE).map_err(to_err)?;
        let root = root
            .titled(view.title, ("sans-serif", 20))
            .map_err(to_err)?;
        let cells = root.split_evenly((d, d));
        let step = s.nrows().div_ceil(1500).max(1);
        for (k, area) in cells.iter().enumerate() {
            let (r, c) = (k / d, k % d);
            if c > r {
                continue;
            }
            let (xl, xh) = (view.low[c], view.high[c]);
            let x_desc = if r == d - 1 {
                view.names[c].as_str()
            } else {
                ""
            };
            if r == c {
                let col = s.column(c);
                let bins = 30;
                let h = histogram(&col, xl, xh, bins);
                let top = h.iter().cloned().fold(0.0, f64::max).max(1e-300) * 1.1;
                let mut chart = ChartBuilder::on(area)
                    .margin(6)
                    .x_label_area_size(if r == d - 1 { 36 } else { 18 })
                    .y_label_area_size(18)
                    .build_cartesian_2d(xl..xh, 0.0..top)
                    .map_err(to_err)?;
                chart
                    .configure_mesh()
                    .disable_y_mesh()
                    .disable_x_mesh()
                    .y_labels(0)
                    .x_labels(4)
                    .x_desc(x_desc)
                    .label_style(("sans-serif", 11))
                    .draw()
                    .map_err(to_err)?;
                let w = (xh - xl) / bins as f64;
                chart
                    .draw_series(h.iter().enumerate().map(|(i, v)| {
                        let x = xl + i as f64 * w;
                        Rectangle::new([(x, 0.0), (x + w, *v)], PALETTE[0].mix(0.6).filled())
                    }))
                    .map_err(to_err)?;
                if let Some(t) = view.truth {
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            vec![(t[c], 0.0), (t[c], top)],
                            red.stroke_width(2),
                        )))
                        .map_err(to_err)?;
                }
            } else {
                let (yl, yh) = (view.low[r], view.high[r]);
                let mut chart = ChartBuilder::on(area)
                    .margin(6)
                    .x_label_area_size(if r == d - 1 { 36 } else { 18 })
                    .y_label_area_size(if c == 0 { 48 } else { 18 })
                    .build_cartesian_2d(xl..xh, yl..yh)
                    .map_err(to_err)?;
                chart
                    .configure_mesh()
                    .disable_x_mesh()
                    .disable_y_mesh()
                    .x_labels(4)
                    .y_labels(if c == 0 { 4 } else { 0 })
                    .x_desc(x_desc)
                    .y_desc(if c == 0 { view.names[r].as_str() } else { "" })
                    .label_style(("sans-serif", 11))
                    .draw()
                    .map_err(to_err)?;
                chart
                    .draw_series((0..s.nrows()).step_by(step).map(|i| {
                        Circle::new((s.row(i)[c], s.row(i)[r]), 1, PALETTE[0].mix(0.4).filled())
                    }))
                    .map_err(to_err)?;
                if let Some(t) = view.truth {
                    chart
                        .draw_series(std::iter::once(Cross::new(
                            (t[c], t[r]),
                            7,
                            red.stroke_width(2),
                        )))
                        .map_err(to_err)?;
                }
            }
        }
        root.present().map_err(to_err)?;
    }
    Ok(svg)
}
