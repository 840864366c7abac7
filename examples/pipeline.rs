//! A delayed pipeline: load several files, clean each, analyze them
//! together, store the result (dask.delayed's load/clean/analyze/store).
//!
//! ```text
//! cargo run --release --example pipeline [-- --graph pipeline.svg]
//! ```
//!
//! The example first writes a few small station files of its own (one
//! reading per line, some of them missing or broken) to a temporary folder.

use darray::delayed::{call_many, Delayed};
use darray::{try_delayed, Result};
use std::path::{Path, PathBuf};

/// Summary of all stations.
#[derive(Debug, Clone)]
struct Summary {
    stations: usize,
    readings: usize,
    mean: f64,
    std: f64,
}

#[allow(clippy::ptr_arg)]
fn load(path: &PathBuf) -> std::result::Result<Vec<String>, String> {
    std::fs::read_to_string(path)
        .map(|s| s.lines().map(str::to_owned).collect())
        .map_err(|e| format!("{}: {e}", path.display()))
}

// Delayed calls hand each function a reference to the value type itself.
#[allow(clippy::ptr_arg)]
fn clean(lines: &Vec<String>) -> Vec<f64> {
    // Broken lines and missing readings are dropped; so are sensor spikes.
    lines.iter().filter_map(|l| l.trim().parse::<f64>().ok()).filter(|v| v.is_finite() && v.abs() < 100.0).collect()
}

fn analyze(stations: &[&Vec<f64>]) -> Summary {
    let all: Vec<f64> = stations.iter().flat_map(|s| s.iter().copied()).collect();
    let n = all.len() as f64;
    let mean = all.iter().sum::<f64>() / n;
    let std = (all.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    Summary { stations: stations.len(), readings: all.len(), mean, std }
}

#[allow(clippy::ptr_arg)]
fn store(s: &Summary, out: &PathBuf) -> std::result::Result<PathBuf, String> {
    let text = format!("stations {}\nreadings {}\nmean {:.4}\nstd {:.4}\n", s.stations, s.readings, s.mean, s.std);
    // The output folder (`data/`, ignored by git) is not in a fresh clone.
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    darray::io::write_atomic(out, text.as_bytes()).map_err(|e| e.to_string())?;
    Ok(out.clone())
}

fn write_inputs(dir: &Path, n: usize) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    (0..n)
        .map(|k| {
            let p = dir.join(format!("station_{k:02}.txt"));
            let lines: Vec<String> = (0..500)
                .map(|i| match (i * 7 + k) % 53 {
                    0 => "NaN".to_string(),
                    1 => "sensor error".to_string(),
                    2 => "9999".to_string(),
                    _ => format!("{:.3}", 10.0 + k as f64 * 0.5 + ((i * 13 + k * 5) % 41) as f64 / 10.0 - 2.0),
                })
                .collect();
            std::fs::write(&p, lines.join("\n")).map(|_| p)
        })
        .collect()
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let graph = args.iter().position(|a| a == "--graph").and_then(|i| args.get(i + 1));
    let dir = std::env::temp_dir().join(format!("darray-pipeline-{}", std::process::id()));
    let files = write_inputs(&dir, 8).map_err(|e| darray::Error::User(e.to_string()))?;

    let cleaned: Vec<Delayed<Vec<f64>>> = files
        .into_iter()
        .map(|f| {
            let lines = try_delayed!(load(Delayed::value(f)));
            darray::delayed!(clean(lines))
        })
        .collect();
    let summary = call_many("analyze", analyze, &cleaned);
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join("pipeline_summary.txt");
    let stored = try_delayed!(store(&summary, Delayed::value(out)));

    let (path, s) = darray::delayed::compute2(&stored, &summary)?;
    println!(
        "{} stations, {} clean readings: mean {:.4}, std {:.4}; written to {}",
        s.stations,
        s.readings,
        s.mean,
        s.std,
        path.display()
    );
    println!("graph: {} tasks", stored.graph()?.len());
    if let Some(g) = graph {
        stored.graph()?.visualize(g)?;
        println!("graph picture: {g}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
