//! SVG pictures of traces (plotters, SVG backend: no fonts or image libraries to build).

use std::path::Path;

use plotters::prelude::*;
use sbi_core::stats::quantile;
use sbi_core::{RowMatrix, TimeWindow, Trace};

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

/// An observed (or recorded) trace, thick and near-black, labelled `label`, then the
/// simulations at posterior draws over it, thin and coloured, "posterior draw k": the series
/// of a posterior predictive picture.
pub fn observed_with_draws<'a>(
    label: String,
    observed: &'a Trace,
    draws: &'a [Trace],
) -> Vec<Series<'a>> {
    let mut series = vec![Series {
        label,
        trace: observed,
        color: RGBColor(20, 20, 20),
        width: 2,
    }];
    series.extend(draws.iter().enumerate().map(|(i, trace)| Series {
        label: format!("posterior draw {}", i + 1),
        trace,
        color: PALETTE[(i % 5) + 1],
        width: 1,
    }));
    series
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

/// Writes a rendered picture to `path` atomically (a failed write leaves any previous file).
fn write_svg(path: &Path, svg: &str) -> Result<(), PlotError> {
    sbi_core::write_atomic(path, |w| w.write_all(svg.as_bytes()))?;
    Ok(())
}

fn to_err<E: std::fmt::Debug>(e: E) -> PlotError {
    format!("plotting failed: {e:?}").into()
}

/// Coordinates of every chart here: f64 × f64.
type Xy =
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>;

/// The legend box, upper right, on a translucent white background.
fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Xy>,
) -> Result<(), PlotError> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(to_err)
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
    write_svg(path, &render_traces(title, series, stimulus)?)
}

/// [`plot_traces`]' picture as SVG text.
///
/// # Errors
/// Drawing errors; no series.
pub fn render_traces(
    title: &str,
    series: &[Series<'_>],
    stimulus: Option<(TimeWindow, String)>,
) -> Result<String, PlotError> {
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

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (960, 540)).into_drawing_area();
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
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 16, y + 6)], shade.filled())
                });
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
        draw_legend(&mut chart)?;
        root.present().map_err(to_err)?;
    }
    Ok(svg)
}

/// A colour on a perceptually ordered white → blue → dark-purple ramp, `t` in [0, 1].
pub fn density_color(t: f64) -> RGBColor {
    let stops = [
        (0.0, (255.0, 255.0, 255.0)),
        (0.25, (198.0, 219.0, 239.0)),
        (0.5, (107.0, 174.0, 214.0)),
        (0.75, (33.0, 113.0, 181.0)),
        (1.0, (63.0, 0.0, 125.0)),
    ];
    let t = t.clamp(0.0, 1.0);
    let i = stops
        .iter()
        .rposition(|s| s.0 <= t)
        .unwrap_or(0)
        .min(stops.len() - 2);
    let (t0, c0) = stops[i];
    let (t1, c1) = stops[i + 1];
    let u = (t - t0) / (t1 - t0);
    let mix = |a: f64, b: f64| (a + (b - a) * u).round() as u8;
    RGBColor(mix(c0.0, c1.0), mix(c0.1, c1.1), mix(c0.2, c1.2))
}

/// Gaussian kernel density of 2-D `samples` on an `n × n` grid over the box, Scott's bandwidth
/// per axis; returns row-major densities (row = y index).
pub fn kde_2d(samples: &RowMatrix, low: [f64; 2], high: [f64; 2], n: usize) -> Vec<f64> {
    let m = samples.nrows().max(1) as f64;
    let mean = samples.column_means();
    let sd: Vec<f64> = (0..2)
        .map(|j| {
            let v = samples
                .column(j)
                .iter()
                .map(|x| (x - mean[j]).powi(2))
                .sum::<f64>()
                / m;
            // Scott: σ·n^(−1/6) in 2-D; a floor keeps a near-point posterior visible.
            (v.sqrt() * m.powf(-1.0 / 6.0)).max((high[j] - low[j]) / (4.0 * n as f64))
        })
        .collect();
    let cell = |j: usize, k: usize| low[j] + (k as f64 + 0.5) * (high[j] - low[j]) / n as f64;
    let mut grid = vec![0.0; n * n];
    for r in samples.rows() {
        let gx: Vec<f64> = (0..n)
            .map(|k| (-0.5 * ((cell(0, k) - r[0]) / sd[0]).powi(2)).exp())
            .collect();
        let gy: Vec<f64> = (0..n)
            .map(|k| (-0.5 * ((cell(1, k) - r[1]) / sd[1]).powi(2)).exp())
            .collect();
        for (iy, wy) in gy.iter().enumerate() {
            if *wy < 1e-12 {
                continue;
            }
            for (ix, wx) in gx.iter().enumerate() {
                grid[iy * n + ix] += wx * wy;
            }
        }
    }
    grid
}

/// Histogram of `values` on `bins` equal bins over `[low, high]`, normalised to a density.
pub fn histogram(values: &[f64], low: f64, high: f64, bins: usize) -> Vec<f64> {
    let mut h = vec![0.0; bins];
    let w = (high - low) / bins as f64;
    for v in values {
        let k = ((v - low) / w).floor();
        if k >= 0.0 && (k as usize) < bins {
            h[k as usize] += 1.0;
        }
    }
    let total = values.len().max(1) as f64 * w;
    h.iter_mut().for_each(|c| *c /= total);
    h
}

/// The posterior picture: a 2-D kernel density of the samples over the prior box, marginal
/// histograms on top and right, the true θ marked (red cross and lines) and the posterior mean
/// (black dot).
///
/// # Errors
/// File or drawing errors; samples not 2-D.
pub fn plot_posterior_2d(path: &Path, view: &PosteriorView<'_>) -> Result<(), PlotError> {
    write_svg(path, &render_posterior_2d(view)?)
}

/// What [`plot_posterior_2d`] draws.
pub struct PosteriorView<'a> {
    /// Title.
    pub title: &'a str,
    /// Posterior samples, n × 2.
    pub samples: &'a RowMatrix,
    /// Axis names (with units).
    pub names: [&'a str; 2],
    /// Lower corner of the region drawn.
    pub low: [f64; 2],
    /// Upper corner.
    pub high: [f64; 2],
    /// The true θ, marked.
    pub truth: Option<[f64; 2]>,
    /// Per parameter, an interval (e.g. the central 90 %) shaded on its marginal.
    pub intervals: Option<[[f64; 2]; 2]>,
}

/// [`plot_posterior_2d`]'s picture as SVG text.
///
/// # Errors
/// Drawing errors; samples not 2-D.
pub fn render_posterior_2d(view: &PosteriorView<'_>) -> Result<String, PlotError> {
    let PosteriorView {
        title,
        samples,
        names,
        low,
        high,
        truth,
        intervals,
    } = *view;
    if samples.ncols() != 2 || samples.is_empty() {
        return Err("the posterior picture needs 2-D samples".into());
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (820, 820)).into_drawing_area();
        root.fill(&WHITE).map_err(to_err)?;
        let root = root.titled(title, ("sans-serif", 20)).map_err(to_err)?;
        let (top, bottom) = root.split_vertically(180);
        let (top_left, _corner) = top.split_horizontally(640);
        let (main, right) = bottom.split_horizontally(640);
        let truth_style = RGBColor(214, 39, 40);
        let n = 90;
        let grid = kde_2d(samples, low, high, n);
        let peak = grid.iter().cloned().fold(0.0, f64::max).max(1e-300);
        let mean = samples.column_means();

        let mut chart = ChartBuilder::on(&main)
            .margin(8)
            .x_label_area_size(46)
            .y_label_area_size(64)
            .build_cartesian_2d(low[0]..high[0], low[1]..high[1])
            .map_err(to_err)?;
        chart
            .configure_mesh()
            .x_desc(names[0])
            .y_desc(names[1])
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 16))
            .disable_mesh()
            .draw()
            .map_err(to_err)?;
        let (wx, wy) = ((high[0] - low[0]) / n as f64, (high[1] - low[1]) / n as f64);
        chart
            .draw_series(
                grid.iter()
                    .enumerate()
                    .filter(|(_, d)| **d > 1e-3 * peak)
                    .map(|(i, d)| {
                        let (ix, iy) = ((i % n) as f64, (i / n) as f64);
                        let x0 = low[0] + ix * wx;
                        let y0 = low[1] + iy * wy;
                        Rectangle::new(
                            [(x0, y0), (x0 + wx, y0 + wy)],
                            density_color(d / peak).filled(),
                        )
                    }),
            )
            .map_err(to_err)?;
        if let Some(t) = truth {
            chart
                .draw_series([
                    PathElement::new(
                        vec![(t[0], low[1]), (t[0], high[1])],
                        truth_style.mix(0.6).stroke_width(1),
                    ),
                    PathElement::new(
                        vec![(low[0], t[1]), (high[0], t[1])],
                        truth_style.mix(0.6).stroke_width(1),
                    ),
                ])
                .map_err(to_err)?;
            chart
                .draw_series(std::iter::once(Cross::new(
                    (t[0], t[1]),
                    9,
                    truth_style.stroke_width(3),
                )))
                .map_err(to_err)?
                .label("true θ")
                .legend(move |(x, y)| Cross::new((x + 8, y), 6, truth_style.stroke_width(3)));
        }
        chart
            .draw_series(std::iter::once(Circle::new(
                (mean[0], mean[1]),
                4,
                BLACK.filled(),
            )))
            .map_err(to_err)?
            .label("posterior mean")
            .legend(|(x, y)| Circle::new((x + 8, y), 4, BLACK.filled()));
        draw_legend(&mut chart)?;

        // Marginals, with their intervals shaded behind the histogram.
        let bins = 60;
        let band = RGBColor(255, 170, 60).mix(0.35).filled();
        for (j, area) in [(0usize, &top_left), (1usize, &right)] {
            let h = histogram(&samples.column(j), low[j], high[j], bins);
            let hmax = h.iter().cloned().fold(0.0, f64::max).max(1e-300) * 1.1;
            let w = (high[j] - low[j]) / bins as f64;
            let fill = RGBColor(33, 113, 181).mix(0.7).filled();
            let interval = intervals.map(|iv| [iv[j][0].max(low[j]), iv[j][1].min(high[j])]);
            if j == 0 {
                let mut c = ChartBuilder::on(area)
                    .margin(8)
                    .y_label_area_size(64)
                    .x_label_area_size(10)
                    .build_cartesian_2d(low[0]..high[0], 0.0..hmax)
                    .map_err(to_err)?;
                c.configure_mesh()
                    .disable_mesh()
                    .disable_x_axis()
                    .y_desc("density")
                    .draw()
                    .map_err(to_err)?;
                if let Some([a, b]) = interval {
                    c.draw_series(std::iter::once(Rectangle::new([(a, 0.0), (b, hmax)], band)))
                        .map_err(to_err)?
                        .label("90 % interval")
                        .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], band));
                    draw_legend(&mut c)?;
                }
                c.draw_series(h.iter().enumerate().map(|(k, v)| {
                    let x0 = low[0] + k as f64 * w;
                    Rectangle::new([(x0, 0.0), (x0 + w, *v)], fill)
                }))
                .map_err(to_err)?;
                if let Some(t) = truth {
                    c.draw_series(std::iter::once(PathElement::new(
                        vec![(t[0], 0.0), (t[0], hmax)],
                        truth_style.stroke_width(2),
                    )))
                    .map_err(to_err)?;
                }
            } else {
                let mut c = ChartBuilder::on(area)
                    .margin(8)
                    .x_label_area_size(46)
                    .y_label_area_size(10)
                    .build_cartesian_2d(0.0..hmax, low[1]..high[1])
                    .map_err(to_err)?;
                c.configure_mesh()
                    .disable_mesh()
                    .disable_y_axis()
                    .x_labels(3)
                    .x_desc("density")
                    .draw()
                    .map_err(to_err)?;
                if let Some([a, b]) = interval {
                    c.draw_series(std::iter::once(Rectangle::new([(0.0, a), (hmax, b)], band)))
                        .map_err(to_err)?;
                }
                c.draw_series(h.iter().enumerate().map(|(k, v)| {
                    let y0 = low[1] + k as f64 * w;
                    Rectangle::new([(0.0, y0), (*v, y0 + w)], fill)
                }))
                .map_err(to_err)?;
                if let Some(t) = truth {
                    c.draw_series(std::iter::once(PathElement::new(
                        vec![(0.0, t[1]), (hmax, t[1])],
                        truth_style.stroke_width(2),
                    )))
                    .map_err(to_err)?;
                }
            }
        }
        root.present().map_err(to_err)?;
    }
    Ok(svg)
}

/// One curve of an x–y chart.
pub struct Curve {
    /// Legend label.
    pub label: String,
    /// Points, in x order.
    pub points: Vec<(f64, f64)>,
    /// Colour.
    pub color: RGBColor,
}

/// An x–y chart of curves, optionally with measured points (black dots), into an SVG file.
///
/// # Errors
/// File or drawing errors; nothing to draw.
pub fn plot_curves(
    path: &Path,
    title: &str,
    axes: (&str, &str),
    curves: &[Curve],
    measured: Option<(&str, &[(f64, f64)])>,
) -> Result<(), PlotError> {
    write_svg(path, &render_curves(title, axes, curves, measured)?)
}

/// [`plot_curves`]' picture as SVG text.
///
/// # Errors
/// Drawing errors; no curve.
pub fn render_curves(
    title: &str,
    axes: (&str, &str),
    curves: &[Curve],
    measured: Option<(&str, &[(f64, f64)])>,
) -> Result<String, PlotError> {
    let all = curves
        .iter()
        .flat_map(|c| c.points.iter())
        .chain(measured.iter().flat_map(|m| m.1.iter()));
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for (x, y) in all.filter(|(x, y)| x.is_finite() && y.is_finite()) {
        (x0, x1, y0, y1) = (x0.min(*x), x1.max(*x), y0.min(*y), y1.max(*y));
    }
    if !(x0.is_finite() && y0.is_finite()) {
        return Err("nothing to plot".into());
    }
    let (px, py) = (((x1 - x0) * 0.03).max(1e-12), ((y1 - y0) * 0.05).max(1e-3));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(to_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(46)
            .y_label_area_size(60)
            .build_cartesian_2d(x0 - px..x1 + px, y0 - py..y1 + py)
            .map_err(to_err)?;
        chart
            .configure_mesh()
            .x_desc(axes.0)
            .y_desc(axes.1)
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 16))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(to_err)?;
        for c in curves {
            let color = c.color;
            chart
                .draw_series(LineSeries::new(
                    c.points.iter().copied(),
                    color.stroke_width(2),
                ))
                .map_err(to_err)?
                .label(c.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(3))
                });
        }
        if let Some((label, pts)) = measured {
            chart
                .draw_series(pts.iter().map(|p| Circle::new(*p, 5, BLACK.filled())))
                .map_err(to_err)?
                .label(label)
                .legend(|(x, y)| Circle::new((x + 8, y), 5, BLACK.filled()));
        }
        draw_legend(&mut chart)?;
        root.present().map_err(to_err)?;
    }
    Ok(svg)
}

/// The region to draw, per parameter: the prior range `low`–`high`, or where the posterior is
/// much narrower than it, the span of its central 99.8 % and the truth, widened by half, within
/// the prior range; and whether any parameter was zoomed in.
pub fn view_box(
    samples: &RowMatrix,
    low: &[f64],
    high: &[f64],
    truth: Option<&[f64]>,
) -> (Vec<f64>, Vec<f64>, bool) {
    let (mut lo, mut hi, mut zoomed) = (low.to_vec(), high.to_vec(), false);
    for j in 0..samples.ncols().min(low.len()) {
        let mut col = samples.column(j);
        col.sort_by(f64::total_cmp);
        let (mut a, mut b) = (quantile(&col, 0.001), quantile(&col, 0.999));
        if let Some(t) = truth {
            (a, b) = (a.min(t[j]), b.max(t[j]));
        }
        let width = high[j] - low[j];
        let pad = 0.5 * (b - a).max(1e-3 * width);
        if b - a + 2.0 * pad < 0.5 * width {
            lo[j] = (a - pad).max(low[j]);
            hi[j] = (b + pad).min(high[j]);
            zoomed = true;
        }
    }
    (lo, hi, zoomed)
}
