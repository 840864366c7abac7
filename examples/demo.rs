//! The main example: a synthetic climate-like field (time, lat, lon) built
//! lazily, reduced in parallel, with the task graph's shape and the
//! scheduler's memory counts printed.
//!
//! ```text
//! cargo run --release --example demo [-- T LAT LON] [--profile PREFIX]
//! ```
//!
//! With `--profile PREFIX` it also writes `PREFIX.html` (a timeline of the
//! tasks per thread with memory and CPU below) and `PREFIX.json` (a Chrome
//! trace for Perfetto or chrome://tracing), and prints a profile summary.

use darray::diagnostics::Profiler;
use darray::{compute_all, ComputeAll, Config, DArray, ReduceOpts, Result};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() -> Result<()> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let profile = argv.iter().position(|a| a == "--profile").and_then(|i| argv.get(i + 1)).cloned();
    let args: Vec<usize> = argv.iter().filter_map(|a| a.parse().ok()).collect();
    let (t, ny, nx) = match args[..] {
        [t, y, x] => (t, y, x),
        _ => (2920, 181, 360),
    };
    let chunks = [73, ny, nx];
    // Temperature in kelvin, built from small pieces that broadcast like
    // NumPy's: a latitude profile (lat, 1), a seasonal cycle (time, 1, 1)
    // scaled by latitude, a land-sea pattern (lon), and reproducible noise.
    let sin_lat = DArray::from_fn([ny, 1], [ny, 1], move |i| {
        (-90.0 + 180.0 * i[0] as f64 / (ny - 1).max(1) as f64).to_radians().sin()
    })?;
    let season =
        DArray::from_fn([t, 1, 1], [73, 1, 1], |i| (2.0 * std::f64::consts::PI * i[0] as f64 / 4.0 / 365.0).cos())?;
    let lon = DArray::from_fn([nx], [nx], move |i| 2.0 * (360.0 * i[0] as f64 / nx as f64).to_radians().cos())?;
    let noise = DArray::random_uniform([t, ny, nx], chunks, -2.5, 2.5, 42)?;
    let x = (288.0 - 40.0 * &sin_lat * &sin_lat) + 10.0 * &season * &sin_lat + &lon + &noise;
    println!(
        "field: shape {:?}, {} chunks of {:?}, {:.1} MB logical",
        x.shape(),
        x.numblocks().iter().product::<usize>(),
        chunks,
        x.nbytes() as f64 / 1e6
    );

    let clim = x.mean_with(&ReduceOpts::axis(0).keepdims(true)); // mean over time
    let anomaly = &x - &clim;
    let anomaly_std = anomaly.std(0.0);
    let warm = x.greater(290.0).cast::<u32>().sum(); // cell-steps above 290 K
    let (mean, lo, hi) = (x.mean(), x.min(), x.max());

    let graph = anomaly_std.graph()?;
    println!("anomaly std graph: {} tasks, depth {}", graph.len(), graph.depth());

    let t0 = Instant::now();
    let prof = Arc::new(Profiler::with_resources(Duration::from_millis(20)));
    let mut cfg = Config::default().progress(true);
    if profile.is_some() {
        cfg = cfg.observe(prof.clone());
    }
    let ((m, l, h, s, w, c), stats) = (&mean, &lo, &hi, &anomaly_std, &warm, &clim).compute_all_with(&cfg)?;
    let dt = t0.elapsed().as_secs_f64();
    println!("overall mean {:.3} K, min {:.3} K, max {:.3} K", m[[]], l[[]], h[[]]);
    println!("anomaly std {:.4} K, cell-steps above 290 K: {}", s[[]], w[[]]);
    println!("time-mean field {:?}: equator {:.2} K, pole {:.2} K", c.shape(), c[[0, ny / 2, 0]], c[[0, 0, 0]]);
    println!(
        "computed in {dt:.3} s on {} threads: {} tasks, at most {} chunks and {:.1} MB of results held at once",
        cfg.threads,
        stats.tasks_run,
        stats.peak_chunks_held,
        stats.peak_bytes_held as f64 / 1e6
    );
    if let Some(prefix) = profile {
        prof.write_html(format!("{prefix}.html"))?;
        prof.write_chrome_trace(format!("{prefix}.json"))?;
        print!("{}", prof.summary());
        println!("profile written to {prefix}.html and {prefix}.json");
    }
    // The same numbers through separate computations agree.
    let again = compute_all((&mean,))?.0;
    assert_eq!(again[[]], m[[]]);
    Ok(())
}
