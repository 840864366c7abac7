//! The main example: climatology of a variable of a NetCDF4 / HDF5 or
//! NetCDF3 file, a Zarr store, or a directory of files split along time.
//!
//! ```text
//! cargo run --release --example climatology [-- PATH VARIABLE] [--out OUT.nc]
//! ```
//!
//! PATH is opened with `darray::io::open`, which picks the reader: a Zarr
//! store (v2 or v3), the NetCDF / HDF5 files of a directory joined along
//! their record dimension, or one file of any of those formats.
//!
//! Opens the variable with CF decoding (packed integers become float64, with
//! missing values NaN), treats axis 0 as time (decoding its CF time
//! coordinate), and computes the overall mean, min and max, a climatology
//! (by month when the data span several months, else the daily cycle by
//! hour), the standard deviation of the anomalies against it, and daily
//! means. It then writes the anomalies (float32, chunked, deflated) to a new
//! NetCDF4 file and reports wall time and peak memory.
//!
//! With no arguments it first writes a small synthetic climate-like dataset,
//! `data/synthetic_t2m.nc` (hourly, one month, packed int16), with the
//! project's own writer, and runs on that.

use darray::io::hdf5::{AttrValue, VarOptions, Variable, Writer};
use darray::io::DatasetExt;
use darray::{ComputeAll, Config, DArray, ReduceOpts, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn main() -> std::process::ExitCode {
    darray::exec::keep_freed_memory();
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("climatology: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let t0 = Instant::now();
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let out = argv.iter().position(|a| a == "--out").and_then(|i| argv.get(i + 1)).map(PathBuf::from);
    let pos: Vec<&String> = argv
        .iter()
        .enumerate()
        .filter(|(i, a)| !a.starts_with("--") && (*i == 0 || argv[i - 1] != "--out"))
        .map(|(_, a)| a)
        .collect();
    let (path, var) = match pos[..] {
        [p, v, ..] => (PathBuf::from(p), v.clone()),
        [p] => {
            eprintln!("usage: climatology [PATH VARIABLE] [--out OUT.nc] (got only {p})");
            std::process::exit(2);
        }
        [] => (synthetic()?, "t2m".to_string()),
    };
    let out = out.unwrap_or_else(|| {
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        Path::new("data").join(format!("{stem}_anomaly.nc"))
    });

    let file = darray::io::open(&path)?;
    let info = file.variable(&var)?;
    println!("{}: {info}", path.display());
    let x: DArray<f64> = file.array_decoded(&var)?;
    // Axis 0 is time; its coordinate (when it is a CF time) gives the labels.
    let time = info.dims.first().and_then(|d| file.time_axis(d).ok()).filter(|t| t.len() == x.shape()[0]);
    if let Some(t) = &time {
        println!(
            "time: {} steps from {} to {}{}",
            t.len(),
            t.datetimes()[0],
            t.datetimes()[t.len() - 1],
            t.steps_per_day().map_or(String::new(), |s| format!(", {s} a day"))
        );
    }
    println!(
        "{} blocks of {:?}",
        x.numblocks().iter().product::<usize>(),
        x.chunks().iter().map(|c| c[0]).collect::<Vec<_>>()
    );

    // The climatology: by month when the data span several months, else the
    // daily cycle (by hour); the plain mean over time without a time axis.
    let (kind, labels): (&str, Vec<i64>) = match &time {
        Some(t) if t.months().iter().any(|&m| m != t.months()[0]) => ("month", t.months()),
        Some(t) => ("hour", t.hours()),
        None => ("all", vec![0; x.shape()[0]]),
    };
    let g = x.groupby(0, &labels);
    let clim = g.nanmean();
    let anomaly = &x - &g.expand(&clim);
    let spatial = ReduceOpts::axes((1..x.ndim()).collect::<Vec<_>>());
    let (mean, lo, hi) = (x.nanmean(), x.nanmin(), x.nanmax());
    let anomaly_std = anomaly.nanstd_with(&ReduceOpts::all(), 0.0);
    let cfg = Config::default().progress(true);
    let mut outs = vec![mean, lo, hi, anomaly_std, clim.nanmean_with(&spatial)];
    // The trend map (a least-squares line per grid point, in units a day
    // when the steps are known) and the 90th percentile over time.
    let per_day = time.as_ref().and_then(|t| t.steps_per_day()).map(|s| s as f64);
    let tc: Vec<f64> = (0..x.shape()[0]).map(|i| i as f64 / per_day.unwrap_or(1.0)).collect();
    let mut slope_sel = vec![darray::Sel::index(0)];
    slope_sel.extend((1..x.ndim()).map(|_| darray::Sel::all()));
    let trend = x.polyfit(0, &tc, 1, true).slice(&slope_sel);
    outs.push(trend.nanmean());
    outs.push(trend.nanmax());
    outs.push(x.nanquantile(0.9, 0).nanmean());
    if let Some(t) = &time {
        outs.push(x.groupby(0, &t.dates()).nanmean().nanmean_with(&spatial)); // daily means
    }
    // One graph: the file is read for the statistics and climatology, and
    // again for the anomalies (which need the climatology first).
    let t1 = Instant::now();
    let (r, stats) = outs.as_slice().compute_all_with(&cfg)?;
    let stats_s = t1.elapsed().as_secs_f64();
    let u = units(&info);
    println!("overall mean {:.4} {u}, min {:.4}, max {:.4}", r[0][[]], r[1][[]], r[2][[]]);
    let cells: Vec<String> = g.labels().iter().zip(r[4].iter()).map(|(l, v)| format!("{l}: {v:.3}")).collect();
    println!("climatology by {kind} (spatial mean of each group's mean over time):\n  {}", cells.join(", "));
    println!("anomaly standard deviation {:.4} {u}", r[3][[]]);
    let unit = if per_day.is_some() { "a day" } else { "a step" };
    println!("trend: {:.4} {u} {unit} on average, {:.4} at most", r[5][[]], r[6][[]]);
    println!("90th percentile over time, spatial mean: {:.4} {u}", r[7][[]]);
    if let Some(daily) = r.get(8) {
        let first: Vec<String> = daily.iter().take(5).map(|v| format!("{v:.4}")).collect();
        println!("daily means ({} days, spatial mean): {} ...", daily.len(), first.join(", "));
    }
    println!(
        "statistics in {stats_s:.3} s: {} tasks, at most {} chunks held at once",
        stats.tasks_run, stats.peak_chunks_held
    );

    // The anomalies against the climatology, streamed to a new file.
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| darray::IoError::File { path: dir.display().to_string(), message: e.to_string() })?;
    }
    let t2 = Instant::now();
    let mut w = Writer::create(&out)?.config(cfg);
    let mut opts = VarOptions::default()
        .dims(info.dims.clone())
        .attr("long_name", format!("anomaly of {var} against its climatology by {kind}"));
    if let Some(u) = info.attrs.get("units") {
        opts = opts.attr("units", u.clone());
    }
    w.write(&format!("{var}_anomaly"), &anomaly.cast::<f32>(), &opts)?;
    w.finish()?;
    println!("anomalies written to {} in {:.3} s", out.display(), t2.elapsed().as_secs_f64());
    println!("wall time {:.3} s, peak memory {:.1} MB", t0.elapsed().as_secs_f64(), peak_rss_mb());
    Ok(())
}

fn units(v: &Variable) -> String {
    v.attrs.get("units").and_then(AttrValue::as_str).unwrap_or("").to_string()
}

/// Writes `data/synthetic_t2m.nc` (once): hourly 2 m temperature for one
/// month on a 2.5-degree grid, packed as int16 with `scale_factor` and
/// `add_offset`, a `_FillValue` where a "sensor" failed, coordinates.
fn synthetic() -> Result<PathBuf> {
    let path = PathBuf::from("data/synthetic_t2m.nc");
    if path.exists() {
        return Ok(path);
    }
    std::fs::create_dir_all("data")
        .map_err(|e| darray::IoError::File { path: "data".into(), message: e.to_string() })?;
    let (t, ny, nx) = (24 * 31, 73, 144);
    let (scale, offset, fill) = (0.002, 273.15, i16::MIN);
    let field = DArray::<f64>::from_fn([t, ny, nx], [24, ny, nx], move |i| {
        let lat = (90.0 - 2.5 * i[1] as f64).to_radians();
        let lon = (2.5 * i[2] as f64).to_radians();
        let hour = (i[0] % 24) as f64;
        let day = (i[0] / 24) as f64;
        288.0 - 40.0 * lat.sin().powi(2)
            + 4.0 * lat.cos() * (2.0 * std::f64::consts::PI * (hour / 24.0) + lon).sin()
            + 2.0 * lon.cos()
            + 0.1 * day
    })?;
    let noise = DArray::<f64>::random_normal([t, ny, nx], [24, ny, nx], 0.0, 1.0, 7)?;
    let packed = ((field + noise - offset) / scale).round();
    // A patch of missing values for three days.
    let mask =
        DArray::<bool>::from_fn([t, ny, nx], [24, ny, nx], |i| (48..120).contains(&i[0]) && i[1] == 30 && i[2] < 10)?;
    let raw = darray::where_(&mask, f64::from(fill), &packed).cast::<i16>();
    let mut w = Writer::create(&path)?;
    w.file_attr("title", "synthetic hourly 2 m temperature (darray example)")?;
    let time = DArray::<f64>::arange(0.0, t as f64, 1.0, t)?;
    w.write(
        "time",
        &time,
        &VarOptions::default()
            .dims(["time"])
            .attr("units", "hours since 2020-01-01 00:00:00")
            .attr("calendar", "proleptic_gregorian"),
    )?;
    let lat = DArray::<f32>::linspace(90.0, -90.0, ny, true, ny)?;
    w.write("lat", &lat, &VarOptions::default().dims(["lat"]).attr("units", "degrees_north"))?;
    let lon = DArray::<f32>::linspace(0.0, 357.5, nx, true, nx)?;
    w.write("lon", &lon, &VarOptions::default().dims(["lon"]).attr("units", "degrees_east"))?;
    let opts = VarOptions::default()
        .dims(["time", "lat", "lon"])
        .attr("long_name", "2 metre temperature")
        .attr("units", "K")
        .attr("scale_factor", scale)
        .attr("add_offset", offset)
        .attr("_FillValue", i64::from(fill));
    w.write("t2m", &raw, &opts)?;
    w.finish()?;
    println!("wrote the synthetic dataset {}", path.display());
    Ok(path)
}

/// Peak resident memory of this process (VmHWM), in MB.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
