//! SVG pictures of traces (plotters, SVG backend: no fonts or image libraries to build).

use std::path::Path;

use plotters::prelude::*;
use sbi_core::{TimeWindow, Trace};

/// Error type of the plotting helpers.
pub type PlotError = Box<dyn std::error::Error + Send + Sync>;

/// Colours of successive series.
pub const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// One line of a trace plot.
pub struct Series<'a> {
    /// Legend label.
    pub label: String,
    /// The trace.
    pub trace: &'a Trace,
    /// Line colour.
    pub color: RGBColor,
    /// Line width, px.
    pub width: u32,
}

/// The points of a trace to draw: all of them for short traces; otherwise, per bucket of
/// consecutive samples, its minimum and maximum in time order (min–max decimation keeps every
/// spike peak while keeping files small).
pub fn decimate(trace: &Trace, max_points: usize) -> Vec<(f64, f64)> {
    let v = trace.values();
    if v.len() <= max_points.max(4) {
        return v
            .iter()
            .enumerate()
            .map(|(i, x)| (trace.time_ms(i), *x))
            .collect();
    }
    let buckets = (max_points / 2).max(2);
    let size = v.len().div_ceil(buckets);
    let mut out = Vec::with_capacity(2 * buckets);
    for (b, chunk) in v.chunks(size).enumerate() {
        let base = b * size;
        let (mut imin, mut imax) = (0, 0);
        for (i, x) in chunk.iter().enumerate() {
            if *x < chunk[imin] {
                imin = i;
            }
            if *x > chunk[imax] {
                imax = i;
            }
        }
        for i in if imin <= imax {
            [imin, imax]
        } else {
            [imax, imin]
        } {
            out.push((trace.time_ms(base + i), chunk[i]));
        }
    }
    out
}

fn to_err<E: std::fmt::Debug>(e: E) -> PlotError {
    format!("plotting failed: {e:?}").into()
}

/// Draws membrane-potential traces against time into an SVG file, shading `stimulus` (if any)
/// and labelling it.
///
/// # Errors
/// File or drawing errors; no series.
pub fn plot_traces(
    path: &Path,
    title: &str,
    series: &[Series<'_>],
    stimulus: Option<(TimeWindow, String)>,
) -> Result<(), PlotError> {
    let first = series.first().ok_or("nothing to plot")?;
    let t_end = series
        .iter()
        .map(|s| s.trace.time_ms(s.trace.len().saturating_sub(1)))
        .fold(first.trace.t0_ms(), f64::max);
    let t_start = first.trace.t0_ms();
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for s in series {
        for &v in s.trace.values() {
            if v.is_finite() {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    if !(lo.is_finite() && hi.is_finite()) {
        return Err("traces have no finite value".into());
    }
    let pad = ((hi - lo) * 0.08).max(1.0);
    let (lo, hi) = (lo - pad, hi + pad);

    let root = SVGBackend::new(path, (960, 540)).into_drawing_area();
    root.fill(&WHITE).map_err(to_err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(t_start..t_end.max(t_start + 1e-9), lo..hi)
        .map_err(to_err)?;
    chart
        .configure_mesh()
        .x_desc("time (ms)")
        .y_desc("membrane potential (mV)")
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(to_err)?;
    if let Some((w, label)) = stimulus {
        let shade = RGBColor(255, 200, 80).mix(0.25);
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(w.start_ms, lo), (w.end_ms, hi)],
                shade.filled(),
            )))
            .map_err(to_err)?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], shade.filled()));
    }
    for s in series {
        let style = s.color.stroke_width(s.width);
        let color = s.color;
        let tr = s.trace;
        chart
            .draw_series(LineSeries::new(decimate(tr, 4000), style))
            .map_err(to_err)?
            .label(s.label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(3))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(to_err)?;
    root.present().map_err(to_err)?;
    Ok(())
}
