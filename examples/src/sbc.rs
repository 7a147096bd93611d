//! Simulation-based calibration pictures: each parameter's histogram of SBC ranks with the
//! band a calibrated posterior's histogram stays in.

use plotters::prelude::*;
use sbi_core::RowMatrix;

use crate::plot::{PALETTE, PlotError};

/// Bins of each rank histogram.
const BINS: usize = 20;

fn to_err<E: std::fmt::Debug>(e: E) -> PlotError {
    format!("plotting failed: {e:?}").into()
}

/// One histogram of the ranks per column of `ranks` (each in 0…=`num_samples`, as
/// [`sbi_inference::Calibration`] gives them), 20 bins, with the uniform expectation (the
/// dashed line) and its central 99 % binomial band (grey; normal approximation): a calibrated
/// posterior's bins stay in it but for about one bin in a hundred. A ∪ shape means an
/// overconfident posterior (the truth too often in its tails), a ∩ shape an underconfident
/// one, a slope a biased one.
///
/// # Errors
/// No pair, names that do not match the columns, drawing errors.
pub fn render_sbc(
    title: &str,
    ranks: &RowMatrix,
    num_samples: usize,
    names: &[String],
) -> Result<String, PlotError> {
    let d = ranks.ncols();
    let n = ranks.nrows();
    if n == 0 || d == 0 || names.len() != d || num_samples == 0 {
        return Err("the SBC picture needs ranks and one name per parameter".into());
    }
    let expected = n as f64 / BINS as f64;
    let p = 1.0 / BINS as f64;
    let half_band = 2.576 * (n as f64 * p * (1.0 - p)).sqrt();
    let (lo, hi) = ((expected - half_band).max(0.0), expected + half_band);
    let cols = d.min(4);
    let rows = d.div_ceil(cols);
    let cell = (300u32, 220u32);
    let mut svg = String::new();
    {
        let size = (cell.0 * cols as u32, cell.1 * rows as u32 + 40);
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(to_err)?;
        let root = root.titled(title, ("sans-serif", 18)).map_err(to_err)?;
        let areas = root.split_evenly((rows, cols));
        let width = (num_samples + 1) as f64 / BINS as f64;
        for (j, area) in areas.iter().enumerate().take(d) {
            let mut counts = [0.0f64; BINS];
            for r in ranks.column(j) {
                counts[((r / width) as usize).min(BINS - 1)] += 1.0;
            }
            let top = counts.iter().cloned().fold(hi, f64::max) * 1.1;
            let mut chart = ChartBuilder::on(area)
                .margin(8)
                .caption(&names[j], ("sans-serif", 14))
                .x_label_area_size(28)
                .y_label_area_size(36)
                .build_cartesian_2d(0.0..(num_samples + 1) as f64, 0.0..top)
                .map_err(to_err)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .disable_y_mesh()
                .x_labels(3)
                .y_labels(4)
                .x_desc("rank")
                .label_style(("sans-serif", 11))
                .draw()
                .map_err(to_err)?;
            let end = (num_samples + 1) as f64;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, lo), (end, hi)],
                    RGBColor(200, 200, 200).mix(0.5).filled(),
                )))
                .map_err(to_err)?;
            chart
                .draw_series(counts.iter().enumerate().map(|(i, c)| {
                    let x = i as f64 * width;
                    Rectangle::new([(x, 0.0), (x + width, *c)], PALETTE[0].mix(0.7).filled())
                }))
                .map_err(to_err)?;
            chart
                .draw_series(DashedLineSeries::new(
                    [(0.0, expected), (end, expected)],
                    5,
                    4,
                    BLACK.stroke_width(1),
                ))
                .map_err(to_err)?;
        }
        root.present().map_err(to_err)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_one_panel_per_parameter_and_refuses_mismatches() {
        let rows: Vec<[f64; 2]> = (0..100)
            .map(|i| [i as f64 * 10.0, 999.0 - i as f64])
            .collect();
        let ranks = RowMatrix::from_rows(&rows).unwrap();
        let names = vec!["a (mV)".to_owned(), "b".to_owned()];
        let svg = render_sbc("SBC", &ranks, 1000, &names).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("a (mV)") && svg.contains("rank"));
        assert!(render_sbc("SBC", &ranks, 1000, &names[..1]).is_err());
        assert!(render_sbc("SBC", &ranks, 0, &names).is_err());
    }
}
