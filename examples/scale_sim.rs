//! Scale-out by simulation: E4, C1 and E8 of the side-by-side suite at 100
//! times their size, placed on 16 to 1024 ranks by the distributed
//! executor's own placement, their runs simulated (`exec::dist::dry_run`)
//! with per-task costs measured here on the same expressions at their own
//! size (one thread; E4 and C1 on created data of the E4 file's shape and
//! chunks) and a stated network model. One JSON line per workload and rank
//! count.
//!
//! ```text
//! CLIMATE_H5=/path/climate.h5 cargo run --release --example scale_sim [-- --network ib|eth]
//! ```

use darray::exec::dist::{dry_run, NetworkModel};
use darray::exec::{Observer, TaskEvent};
use darray::graph::TaskGraph;
use darray::{Config, DArray, Result};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Seconds each task took, by its position in the graph.
#[derive(Default)]
struct Timer {
    start: Mutex<HashMap<usize, Instant>>,
    took: Mutex<HashMap<usize, f64>>,
}

impl Observer for Timer {
    fn on_task_start(&self, t: &TaskEvent<'_>) {
        self.start.lock().unwrap().insert(t.index, Instant::now());
    }
    fn on_task_end(&self, t: &TaskEvent<'_>, _: usize) {
        let s = self.start.lock().unwrap().remove(&t.index).unwrap();
        self.took.lock().unwrap().insert(t.index, s.elapsed().as_secs_f64());
    }
}

/// Per-task costs of `x` computed once on one thread: the mean of its
/// tasks without inputs (reads, created blocks), and of the others by
/// operation.
struct Costs {
    leaf: f64,
    by_op: HashMap<String, f64>,
    other: f64,
}

fn measure(x: &DArray<f64>) -> Result<Costs> {
    let g = x.graph()?;
    let timer = Arc::new(Timer::default());
    x.compute_with(&Config::default().threads(1).observe(timer.clone()))?;
    let took = timer.took.lock().unwrap();
    let (mut leaf, mut ops, mut all) = (vec![], HashMap::<String, Vec<f64>>::new(), vec![]);
    for (i, t) in g.tasks().enumerate() {
        let s = took.get(&i).copied().unwrap_or(0.0);
        if t.deps.is_empty() {
            leaf.push(s);
        } else {
            ops.entry(t.ops.join(">")).or_default().push(s);
            all.push(s);
        }
    }
    let mean = |v: &[f64]| if v.is_empty() { 0.0 } else { v.iter().sum::<f64>() / v.len() as f64 };
    Ok(Costs { leaf: mean(&leaf), by_op: ops.iter().map(|(k, v)| (k.clone(), mean(v))).collect(), other: mean(&all) })
}

fn simulate(name: &str, g: &TaskGraph, c: &Costs, net: NetworkModel, net_name: &str) {
    let cost = |t: &darray::graph::TaskInfo<'_>| {
        if t.deps.is_empty() {
            c.leaf
        } else {
            c.by_op.get(&t.ops.join(">")).copied().unwrap_or(c.other)
        }
    };
    for ranks in [16u32, 64, 256, 1024] {
        let d = dry_run(g, ranks, 1, &cost, net);
        let total_moved: u64 = d.per_rank.iter().map(|r| r.bytes_sent).sum();
        println!(
            "{{\"workload\": \"{name}\", \"ranks\": {ranks}, \"threads\": 1, \"network\": \"{net_name}\", \"tasks\": {}, \
             \"tasks_per_rank_max\": {}, \"tasks_per_rank_min\": {}, \"peak_bytes_held_max\": {}, \
             \"bytes_sent_max\": {}, \"bytes_received_max\": {}, \"bytes_moved_total\": {total_moved}, \
             \"predicted_s\": {:.4}, \"one_rank_s\": {:.3}, \"efficiency\": {:.3}}}",
            g.len(),
            d.max_of(|r| r.tasks as f64),
            d.per_rank.iter().map(|r| r.tasks).min().unwrap_or(0),
            d.max_of(|r| r.peak_bytes_held as f64),
            d.max_of(|r| r.bytes_sent as f64),
            d.max_of(|r| r.bytes_received as f64),
            d.predicted_s,
            d.serial_s,
            d.efficiency()
        );
    }
}

fn pattern(n: usize, chunk: usize) -> Result<DArray<f64>> {
    DArray::from_fn([n, n], [chunk, chunk], |i| ((7 * i[0] + 13 * i[1]) % 101) as f64)
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (net, net_name) = match args.iter().position(|a| a == "--network").and_then(|i| args.get(i + 1)) {
        Some(n) if n == "eth" => (NetworkModel::ETHERNET_10G, "ethernet 10G: 50 us, 1.2 GB/s"),
        _ => (NetworkModel::INFINIBAND_100G, "infiniband 100G: 2 us, 12 GB/s"),
    };
    let path = std::env::var("CLIMATE_H5").map_err(|_| darray::Error::Invalid("set CLIMATE_H5".into()))?;
    let f = darray::io::hdf5::File::open(&path)?;
    let storage = f.variable("t2m")?.storage_chunks.unwrap_or_default();
    let file = f.array_with::<f32>("t2m", &darray::io::hdf5::ReadOptions::default().chunks(storage.clone()))?;
    let (t, ny, nx) = (file.shape()[0], file.shape()[1], file.shape()[2]);
    // Costs are measured on created data of the file's shape and chunks,
    // so the measured graph has the simulated one's tasks (a file's blocks
    // would be read by tasks of their own): decompression is not in them.
    let x = DArray::<f64>::random_uniform([t, ny, nx], storage.clone(), 250.0, 300.0, 1)?;
    // The same expressions at 100x the steps, on blocks of the same shape.
    let big = DArray::<f64>::random_uniform([100 * t, ny, nx], storage.clone(), 250.0, 300.0, 1)?;
    let e4 = |x: &DArray<f64>| (x - &x.mean_axis(0)).std(0.0);
    simulate("E4x100", &e4(&big).graph()?, &measure(&e4(&x))?, net, net_name);
    let d = 365;
    let c1 = |x: &DArray<f64>| {
        let n = x.shape()[0] / (4 * d) * 4 * d;
        let labels: Vec<i64> = (0..n).map(|t| ((t / 4) % d) as i64).collect();
        let x = x.slice(&[darray::Sel::span(0, n as isize)]);
        let g = x.groupby(0, &labels);
        (&x - &g.expand(&g.mean())).std(0.0)
    };
    simulate("C1x100", &c1(&big).graph()?, &measure(&c1(&x))?, net, net_name);
    // E8: (x + x.T).sum() on 20000^2 in 2000^2 blocks; 100x the elements.
    let e8 = |n: usize| -> Result<DArray<f64>> {
        let x = pattern(n, 2000)?;
        Ok((&x + &x.t()).sum())
    };
    simulate("E8x100", &e8(200_000)?.graph()?, &measure(&e8(20_000)?)?, net, net_name);
    Ok(())
}
