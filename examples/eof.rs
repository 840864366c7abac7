//! EOF analysis of a variable's anomalies (the `eofs` package's
//! definitions), on a real file of `../shared/data`:
//!
//! ```text
//! cargo run --release --example eof [-- PATH VARIABLE [K]]
//! ```
//!
//! Axis 0 is time and axis 1 latitude (its coordinate variable gives the
//! weights: the square root of cos(latitude), as `eofs` recommends, so each
//! point's variance counts by its area). Prints the K (default 3) leading
//! modes: the fraction of variance each explains, the EOF pattern's extreme
//! points and the principal component's range, with the wall time.

use darray::io::hdf5::File;
use darray::{linalg, ComputeAll, DArray, Result};
use std::time::Instant;

fn main() -> std::process::ExitCode {
    darray::exec::keep_freed_memory();
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("eof: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let t0 = Instant::now();
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let (path, var) = match &argv[..] {
        [p, v, ..] => (p.clone(), v.clone()),
        [p] => {
            eprintln!("usage: eof [PATH VARIABLE [K]] (got only {p})");
            std::process::exit(2);
        }
        [] => ("../shared/data/air_temperature.nc".to_string(), "air".to_string()),
    };
    let k: usize = match argv.get(2).map(|k| k.parse()) {
        None => 3,
        Some(Ok(k)) => k,
        Some(Err(_)) => {
            eprintln!("eof: K must be a number of modes, not {:?}", argv[2]);
            std::process::exit(2);
        }
    };
    let file = File::open(&path)?;
    let info = file.variable(&var)?;
    println!("{path}: {info}");
    let x: DArray<f64> = file.array_decoded(&var)?;
    let lat_name = info.dims.get(1).cloned().unwrap_or_default();
    let lat = file.array_decoded::<f64>(&lat_name)?.compute()?;
    if x.ndim() < 2 || lat.len() != x.shape()[1] {
        eprintln!("eof: axis 1 of {var} needs a latitude coordinate ({lat_name:?} has {} values)", lat.len());
        std::process::exit(2);
    }
    // sqrt(cos(latitude)), broadcast over the axes after latitude.
    let mut wshape = vec![lat.len()];
    wshape.extend(std::iter::repeat_n(1, x.ndim() - 2));
    let w = lat.mapv(|l| l.to_radians().cos().max(0.0).sqrt()).into_shape_with_order(wshape).expect("same length");
    let w = DArray::from_array(w, lat.len())?;

    let e = linalg::eof(&x, Some(&w), k);
    let (fraction, eofs, pcs) = (&e.variance_fraction, &e.eofs, &e.pcs);
    let ((fraction, eofs, pcs), stats) = (fraction, eofs, pcs).compute_all_with(&darray::Config::default())?;
    println!(
        "{k} leading EOFs of {var} ({} steps x {} points), weights sqrt(cos({lat_name})):",
        x.shape()[0],
        x.shape()[1..].iter().product::<usize>()
    );
    for m in 0..k {
        let pattern = eofs.index_axis(ndarray::Axis(0), m);
        let pc = pcs.index_axis(ndarray::Axis(1), m);
        let (lo, hi) = pattern.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        let (plo, phi) = pc.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        println!(
            "  EOF {}: {:6.2} % of the variance; pattern from {lo:+.4} to {hi:+.4}; PC from {plo:+.1} to {phi:+.1}",
            m + 1,
            100.0 * fraction[[m]]
        );
    }
    println!("{} tasks; {:.2} s", stats.tasks_run, t0.elapsed().as_secs_f64());
    Ok(())
}
