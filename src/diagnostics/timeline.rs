//! A self-contained HTML page with an SVG timeline: tasks per thread as
//! coloured bars (one colour per operation), memory and CPU below.

use super::profile::{Profiler, ResourceSample, TaskRecord};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Well-separated hues: successive golden-angle steps around the wheel.
fn colour(i: usize) -> String {
    format!("hsl({:.0}, 65%, 55%)", (i as f64 * 137.508) % 360.0)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The page.
pub(crate) fn html(recs: &[TaskRecord], samples: &[ResourceSample]) -> String {
    let t0 = recs.iter().map(|r| r.start).chain(samples.iter().map(|s| s.time)).fold(f64::INFINITY, f64::min);
    let t1 = recs.iter().map(|r| r.end).chain(samples.iter().map(|s| s.time)).fold(0.0, f64::max);
    let t0 = if t0.is_finite() { t0 } else { 0.0 };
    let span = (t1 - t0).max(1e-9);
    let threads = recs.iter().map(|r| r.thread + 1).max().unwrap_or(0);
    let (w, left, row) = (1200.0, 80.0, 28.0);
    let x = |t: f64| left + (t - t0) / span * (w - left - 10.0);
    let mem_h = if samples.is_empty() { 0.0 } else { 160.0 };
    let height = 40.0 + threads as f64 * row + mem_h + 40.0;
    let mut svg = format!(
        "<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{height}' font-family='sans-serif' font-size='12'>\n"
    );
    let _ = writeln!(svg, "<text x='{left}' y='16'>{} tasks, {:.3} s</text>", recs.len(), span);
    for th in 0..threads {
        let y = 30.0 + th as f64 * row;
        let _ = writeln!(svg, "<text x='4' y='{}'>thread {th}</text>", y + row * 0.6);
        let _ = writeln!(
            svg,
            "<rect x='{left}' y='{y}' width='{}' height='{}' fill='#f2f2f2'/>",
            w - left - 10.0,
            row - 4.0
        );
    }
    let mut legend: BTreeMap<&str, String> = recs.iter().map(|r| (r.op.as_str(), String::new())).collect();
    for (i, c) in legend.values_mut().enumerate() {
        *c = colour(i);
    }
    for r in recs {
        let c = &legend[r.op.as_str()];
        let y = 30.0 + r.thread as f64 * row;
        let _ = writeln!(
            svg,
            "<rect x='{:.2}' y='{y}' width='{:.2}' height='{}' fill='{c}'><title>{} ({:.3} ms, {} bytes)</title></rect>",
            x(r.start),
            (x(r.end) - x(r.start)).max(0.5),
            row - 4.0,
            esc(&r.key),
            (r.end - r.start) * 1e3,
            r.bytes
        );
    }
    if !samples.is_empty() {
        let top = 40.0 + threads as f64 * row;
        let peak = samples.iter().map(|s| s.rss_bytes).max().unwrap_or(1).max(1) as f64;
        let y = |v: f64| top + mem_h - 20.0 - v / peak * (mem_h - 30.0);
        let pts: Vec<String> =
            samples.iter().map(|s| format!("{:.2},{:.2}", x(s.time), y(s.rss_bytes as f64))).collect();
        let _ = writeln!(svg, "<text x='4' y='{}'>memory</text>", top + 14.0);
        let _ = writeln!(svg, "<polyline fill='none' stroke='#c0392b' stroke-width='1.5' points='{}'/>", pts.join(" "));
        let _ =
            writeln!(svg, "<text x='{}' y='{}' fill='#c0392b'>peak RSS {:.1} MB</text>", left, top + 14.0, peak / 1e6);
        let cpu_max = samples.iter().map(|s| s.cpu_percent).fold(100.0, f64::max);
        let cy = |v: f64| top + mem_h - 20.0 - v / cpu_max * (mem_h - 30.0);
        let pts: Vec<String> = samples.iter().map(|s| format!("{:.2},{:.2}", x(s.time), cy(s.cpu_percent))).collect();
        let _ = writeln!(svg, "<polyline fill='none' stroke='#2471a3' stroke-width='1' points='{}'/>", pts.join(" "));
        let _ = writeln!(
            svg,
            "<text x='{}' y='{}' fill='#2471a3'>CPU (max {:.0}%)</text>",
            left + 250.0,
            top + 14.0,
            cpu_max
        );
    }
    let ly = height - 14.0;
    let mut lx = left;
    for (op, c) in &legend {
        let _ = writeln!(
            svg,
            "<rect x='{lx}' y='{}' width='10' height='10' fill='{c}'/><text x='{}' y='{ly}'>{}</text>",
            ly - 9.0,
            lx + 14.0,
            esc(op)
        );
        lx += 20.0 + 7.0 * op.len() as f64;
    }
    svg.push_str("</svg>\n");
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>darray profile</title></head>\n<body>\n<h3>darray profile</h3>\n{svg}</body></html>\n"
    )
}

impl Profiler {
    /// Writes the self-contained HTML timeline (atomically).
    pub fn write_html(&self, path: impl AsRef<std::path::Path>) -> crate::Result<()> {
        crate::io::write_atomic(path, html(&self.records(), &self.samples()).as_bytes())
    }
}
