//! Report charts as SVG, drawn with plotters: a line chart of series over days, and
//! a bar chart of labelled values. Sized for a browser and for embedding in the web UI;
//! the text is SVG `<text>`, so it stays sharp and searchable.

use plotters::prelude::*;

/// Width and height of every chart, in SVG pixels.
pub const SIZE: (u32, u32) = (900, 420);
/// The series colours, in order.
const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 95, 170),
    RGBColor(214, 110, 30),
    RGBColor(60, 150, 80),
    RGBColor(170, 50, 60),
    RGBColor(120, 90, 170),
    RGBColor(110, 110, 110),
];

/// The colour of marked points.
const MARK: RGBColor = RGBColor(200, 30, 30);

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ChartError(String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        ChartError(e.to_string())
    }
}

/// One line of a line chart: a value per x label (`None` where it has none).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

/// The colour of the `i`th series.
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The top of a value axis showing `max`: a little headroom, never zero.
fn axis_top(max: f64) -> f64 {
    if max.is_finite() && max > 0.0 { max * 1.1 } else { 1.0 }
}

/// Lines over `labels` (e.g. days), one per series, with a legend.
pub fn line_chart(title: &str, y_label: &str, labels: &[String], series: &[Series]) -> Result<String, ChartError> {
    line_chart_marked(title, y_label, labels, series, &[])
}

/// A line chart with the first series' points at `marked` (x indexes) ringed and
/// named "peak" in the legend.
pub fn line_chart_marked(
    title: &str,
    y_label: &str,
    labels: &[String],
    series: &[Series],
    marked: &[usize],
) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let max = series
            .iter()
            .flat_map(|s| s.values.iter().flatten())
            .fold(0.0_f64, |m, v| m.max(*v));
        let n = labels.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0..n, 0.0..axis_top(max))?;
        chart
            .configure_mesh()
            .y_desc(y_label)
            .x_labels(n.min(12))
            .x_label_formatter(&|i| labels.get(*i).cloned().unwrap_or_default())
            .light_line_style(RGBColor(235, 235, 235))
            .draw()?;
        for (i, s) in series.iter().enumerate() {
            let style = colour(i).stroke_width(2);
            let points: Vec<(usize, f64)> = s
                .values
                .iter()
                .enumerate()
                .filter_map(|(x, v)| v.map(|v| (x, v)))
                .collect();
            chart
                .draw_series(LineSeries::new(points, style))?
                .label(s.name.clone())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], style));
        }
        let first: &[Option<f64>] = series.first().map_or(&[], |s| s.values.as_slice());
        let rings: Vec<(usize, f64)> = marked
            .iter()
            .filter_map(|x| first.get(*x).copied().flatten().map(|v| (*x, v)))
            .collect();
        if !rings.is_empty() {
            let mark = MARK.stroke_width(2);
            chart
                .draw_series(rings.into_iter().map(|p| Circle::new(p, 6, mark)))?
                .label("peak")
                .legend(move |(x, y)| Circle::new((x + 9, y), 5, mark));
        }
        if series.len() > 1 || !marked.is_empty() {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(200, 200, 200))
                .draw()?;
        }
        root.present()?;
    }
    Ok(svg)
}

/// Vertical bars, one per `(label, value)`, in the order given: a stacked bar chart
/// of one series.
pub fn bar_chart(title: &str, y_label: &str, bars: &[(String, f64)]) -> Result<String, ChartError> {
    let labels: Vec<String> = bars.iter().map(|(l, _)| l.clone()).collect();
    let series = [Series {
        name: y_label.to_owned(),
        values: bars.iter().map(|(_, v)| Some(*v)).collect(),
    }];
    stacked_bar_chart(title, y_label, &labels, &series)
}

/// A grid of counts, a cell per row × column, darker the more (white at 0), with each
/// cell's count written in it.
pub fn heatmap(
    title: &str,
    row_labels: &[String],
    col_labels: &[String],
    values: &[Vec<i64>],
) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let max = values.iter().flatten().copied().max().unwrap_or(0).max(1);
        let (rows, cols) = (row_labels.len().max(1), col_labels.len().max(1));
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d((0..cols).into_segmented(), (0..rows).into_segmented())?;
        let label = |labels: &[String], v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(cols)
            .y_labels(rows)
            .x_label_formatter(&|v| label(col_labels, v))
            // Rows top-down: the first row label at the top.
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => rows
                    .checked_sub(1 + *i)
                    .map(|r| label(row_labels, &SegmentValue::CenterOf(r)))
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .draw()?;
        let base = colour(0);
        let cells = values
            .iter()
            .enumerate()
            .flat_map(|(r, row)| row.iter().enumerate().map(move |(c, v)| (r, c, *v)));
        for (r, c, v) in cells {
            let Some(y) = rows.checked_sub(1 + r) else {
                continue;
            };
            #[allow(clippy::cast_precision_loss)]
            let share = v as f64 / max as f64;
            let fill = base.mix(share.clamp(0.0, 1.0)).filled();
            let corners = [
                (SegmentValue::Exact(c), SegmentValue::Exact(y)),
                (SegmentValue::Exact(c + 1), SegmentValue::Exact(y + 1)),
            ];
            chart.draw_series([Rectangle::new(corners.clone(), fill)])?;
            chart.draw_series([Rectangle::new(corners, RGBColor(225, 225, 225).stroke_width(1))])?;
            if v > 0 {
                let ink = if share > 0.5 { WHITE } else { BLACK };
                chart.draw_series([Text::new(
                    v.to_string(),
                    (SegmentValue::CenterOf(c), SegmentValue::CenterOf(y)),
                    ("sans-serif", 11).into_font().color(&ink),
                )])?;
            }
        }
        root.present()?;
    }
    Ok(svg)
}

/// Stacked bars, one per label, each made of the series' values (bottom first), with a
/// legend when there is more than one series.
pub fn stacked_bar_chart(
    title: &str,
    y_label: &str,
    labels: &[String],
    series: &[Series],
) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let height = |i: usize| -> f64 { series.iter().filter_map(|s| s.values.get(i).copied().flatten()).sum() };
        let max = (0..labels.len()).map(height).fold(0.0_f64, f64::max);
        let n = labels.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d((0..n).into_segmented(), 0.0..axis_top(max))?;
        chart
            .configure_mesh()
            .y_desc(y_label)
            .x_labels(n)
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .light_line_style(RGBColor(235, 235, 235))
            .draw()?;
        let mut base = vec![0.0_f64; labels.len()];
        for (k, s) in series.iter().enumerate() {
            let fill = colour(k).filled();
            let bars: Vec<Rectangle<(SegmentValue<usize>, f64)>> = base
                .iter_mut()
                .enumerate()
                .map(|(i, bottom)| {
                    let v = s.values.get(i).copied().flatten().unwrap_or(0.0);
                    let mut bar = Rectangle::new(
                        [
                            (SegmentValue::Exact(i), *bottom),
                            (SegmentValue::Exact(i + 1), *bottom + v),
                        ],
                        fill,
                    );
                    bar.set_margin(0, 0, 6, 6);
                    *bottom += v;
                    bar
                })
                .collect();
            chart
                .draw_series(bars)?
                .label(s.name.clone())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], fill));
        }
        if series.len() > 1 {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(200, 200, 200))
                .draw()?;
        }
        root.present()?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_line_chart_is_an_svg_with_its_title_labels_and_legend() {
        let labels: Vec<String> = ["1 Nov", "2 Nov", "3 Nov"].map(String::from).to_vec();
        let series = [
            Series {
                name: "This period".into(),
                values: vec![Some(3.0), Some(5.0), None],
            },
            Series {
                name: "Previous".into(),
                values: vec![Some(2.0), Some(4.0), Some(1.0)],
            },
        ];
        let svg = line_chart("Orders per day", "orders", &labels, &series).unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        for text in ["Orders per day", "1 Nov", "This period", "Previous"] {
            assert!(svg.contains(text), "{text} missing");
        }
        for (i, _) in series.iter().enumerate() {
            let c = colour(i);
            let hex = format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2);
            assert_eq!(
                svg.matches(&format!("stroke=\"{hex}\"")).count(),
                2,
                "{hex}: the line and its legend mark"
            );
        }
    }

    #[test]
    fn a_bar_chart_draws_a_bar_per_value_even_with_nothing_to_show() {
        let bars = [("ups".to_owned(), 0.9), ("dpd".to_owned(), 0.75)];
        let svg = bar_chart("On time by carrier", "share", &bars).unwrap();
        assert!(svg.contains("ups") && svg.contains("dpd"));
        assert!(bar_chart("Nothing", "orders", &[]).unwrap().starts_with("<svg"));
    }

    #[test]
    fn a_heatmap_names_its_rows() {
        let rows: Vec<String> = ["Mon", "Tue"].map(String::from).to_vec();
        let cols: Vec<String> = ["0", "1", "2"].map(String::from).to_vec();
        let svg = heatmap("Orders by hour", &rows, &cols, &[vec![0, 7, 0], vec![3, 0, 0]]).unwrap();
        for text in ["Orders by hour", "Mon", "Tue"] {
            assert!(svg.contains(text), "{text} missing");
        }
        assert!(heatmap("Nothing", &[], &[], &[]).unwrap().starts_with("<svg"));
    }

    #[test]
    fn marked_points_are_ringed_and_named_in_the_legend() {
        let labels: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let series = [Series {
            name: "orders".into(),
            values: vec![Some(1.0), Some(9.0), Some(2.0)],
        }];
        let svg = line_chart_marked("Orders", "orders", &labels, &series, &[1]).unwrap();
        assert!(svg.contains("peak"));
        assert_eq!(svg.matches("<circle").count(), 2, "the ring and its legend mark");
    }
}
