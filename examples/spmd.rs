//! The same programs on one process or on every rank of `mpirun` (build
//! with `--features mpi`): each result printed as a line of its bits'
//! digest, so runs on any number of ranks compare line by line.
//!
//! ```text
//! cargo run --example spmd                      # one process
//! mpirun --bind-to none -n 3 target/debug/examples/spmd
//! mpirun -n 2 target/debug/examples/spmd fail   # a task fails on rank 1
//! mpirun -n 2 target/debug/examples/spmd volume # bytes a blocked sum moves
//! ```

use darray::delayed::{call_many, Delayed};
use darray::{delayed, Config, DArray, Result};
use ndarray::ArrayD;
use std::hash::{Hash, Hasher};

fn digest(a: &ArrayD<f64>) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    a.shape().hash(&mut h);
    for v in a.iter() {
        v.to_bits().hash(&mut h);
    }
    format!("{:016x} {:?} first {:?}", h.finish(), a.shape(), a.iter().next())
}

#[allow(clippy::ptr_arg)] // delayed calls take their argument types by reference
fn square(x: &Vec<f64>) -> Vec<f64> {
    x.iter().map(|v| v * v).collect()
}

fn main() -> Result<()> {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let cfg = Config::default();
    println!("rank {}", cfg.executor.rank());
    let x = DArray::<f64>::random_normal([73, 41], [10, 9], 10.0, 3.0, 7)?;
    match mode.as_str() {
        "fail" => {
            let y = x.map_blocks(|b: ArrayD<f64>, at: &[usize]| {
                assert!(at[0] != 5, "bad block {at:?}");
                b
            });
            y.sum().compute_with(&cfg)?;
            return Ok(());
        }
        "volume" => {
            let (s, st) = DArray::<f64>::ones([800, 600], [100, 100])?.sum().compute_with(&cfg)?;
            println!(
                "sum {} tasks {} received {} sent {}",
                s, st.tasks_run, st.comm.bytes_received, st.comm.bytes_sent
            );
            return Ok(());
        }
        _ => {}
    }
    darray::exec::dist::register_value::<Vec<f64>>();
    darray::exec::dist::register_value::<f64>();
    let labels: Vec<i64> = (0..73).map(|i| i % 12).collect();
    let results = [
        ("elementwise", (&x * 2.0 + 1.0).sin().compute_with(&cfg)?.0),
        ("sum", x.sum().compute_with(&cfg)?.0),
        ("mean_axis", x.mean_axis(0).compute_with(&cfg)?.0),
        ("std_axis", x.std_axis(1, 1.0).compute_with(&cfg)?.0),
        ("transpose_rechunk", x.t().rechunk([7, 11]).compute_with(&cfg)?.0),
        ("matmul", x.matmul(&x.t()).compute_with(&cfg)?.0),
        ("climatology", x.groupby(0, &labels).mean().compute_with(&cfg)?.0),
    ];
    for (name, a) in &results {
        println!("{name} {}", digest(a));
    }
    let parts: Vec<Delayed<Vec<f64>>> = (0..6).map(|i| delayed!(square(Delayed::value(vec![i as f64, 0.5])))).collect();
    let total = call_many("total", |v: &[&Vec<f64>]| v.iter().flat_map(|x| x.iter()).sum::<f64>(), &parts);
    println!("delayed {}", total.compute_with(&cfg)?.0);
    // Futures: map spreads the items over the ranks; every rank gathers.
    let client = darray::delayed::futures::Client::with_config(cfg);
    let cubes = client.map("cube", |v: &f64| v * v * v, (0..25).map(f64::from).collect());
    let first = client.submit1("first", |v: &f64| v + 0.5, &cubes[3]);
    println!("futures {:?} {}", client.gather(&cubes)?.iter().sum::<f64>(), first.result()?);
    Ok(())
}
