//! A dry run: a real graph placed on any number of ranks as the
//! distributed executor would place it, and its run simulated with given
//! task costs and a network model, without running a task. It answers what
//! a machine of a thousand ranks would do with a program before one is
//! booked: tasks, bytes held and bytes moved per rank, and a predicted time.

use super::place;
use crate::graph::{TaskGraph, TaskInfo};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The network of a dry run: each message costs `latency_s` plus its
/// bytes over `bandwidth_bytes_per_s`, and each rank sends one message
/// at a time (its link is busy meanwhile).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NetworkModel {
    /// Seconds before the first byte arrives.
    pub latency_s: f64,
    /// Bytes per second of one rank's link.
    pub bandwidth_bytes_per_s: f64,
}

impl NetworkModel {
    /// A typical HPC interconnect (100 Gb/s InfiniBand: 2 us, 12 GB/s).
    pub const INFINIBAND_100G: NetworkModel = NetworkModel { latency_s: 2e-6, bandwidth_bytes_per_s: 12e9 };
    /// Ethernet between cloud machines (10 Gb/s: 50 us, 1.2 GB/s).
    pub const ETHERNET_10G: NetworkModel = NetworkModel { latency_s: 50e-6, bandwidth_bytes_per_s: 1.2e9 };
}

/// One rank's share in a dry run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RankLoad {
    /// Tasks placed on the rank.
    pub tasks: usize,
    /// Seconds of task work (the sum of its tasks' costs).
    pub busy_s: f64,
    /// Bytes of results it sends, and receives.
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// The most result bytes it holds at once in the simulated run
    /// (its own results until their last local reader and their sends,
    /// received ones until their last reader).
    pub peak_bytes_held: u64,
}

/// What a dry run predicts.
#[derive(Debug, Clone, PartialEq)]
pub struct DryRun {
    /// Ranks, and worker threads per rank.
    pub ranks: u32,
    pub threads: usize,
    /// Each rank's share, rank 0 first.
    pub per_rank: Vec<RankLoad>,
    /// The predicted wall time: the simulated end of the last task.
    pub predicted_s: f64,
    /// The same graph's work on one rank's threads (for the efficiency).
    pub serial_s: f64,
}

impl DryRun {
    /// Predicted parallel efficiency: `serial_s / (ranks * predicted_s)`.
    pub fn efficiency(&self) -> f64 {
        self.serial_s / (self.ranks as f64 * self.predicted_s.max(f64::MIN_POSITIVE))
    }
    /// The largest of a per-rank count.
    pub fn max_of(&self, f: impl Fn(&RankLoad) -> f64) -> f64 {
        self.per_rank.iter().map(f).fold(0.0, f64::max)
    }
}

/// Places `g` (its outputs going to rank 0) on `ranks` ranks of `threads`
/// workers and simulates the run: task `i` takes `cost(info)` seconds,
/// results move by `net`. Tasks run in graph order on the first free worker
/// of their rank once their inputs are there.
///
/// ```
/// use darray::DArray;
/// use darray::exec::dist::{dry_run, NetworkModel};
/// let x = DArray::<f64>::ones([4000, 100], [100, 100])?;
/// let g = (&x * 2.0).sum().graph()?;
/// let d = dry_run(&g, 4, 1, &|_| 1e-3, NetworkModel::INFINIBAND_100G);
/// assert_eq!(d.per_rank.iter().map(|r| r.tasks).sum::<usize>(), g.len());
/// assert!(d.efficiency() > 0.8);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn dry_run(
    g: &TaskGraph,
    ranks: u32,
    threads: usize,
    cost: &dyn Fn(&TaskInfo<'_>) -> f64,
    net: NetworkModel,
) -> DryRun {
    let ranks = ranks.max(1);
    let threads = threads.max(1);
    let n = g.tasks.len();
    let owner = place(g, ranks);
    let costs: Vec<f64> = g.tasks().map(|t| cost(&t).max(0.0)).collect();
    let outputs = g.output_tasks();
    let mut is_output = vec![false; n];
    for &o in &outputs {
        is_output[o as usize] = true;
    }
    let mut per_rank = vec![RankLoad::default(); ranks as usize];
    // Workers' free times per rank, and each rank's link.
    let mut workers: Vec<BinaryHeap<Reverse<u64>>> =
        (0..ranks).map(|_| (0..threads).map(|_| Reverse(0u64)).collect()).collect();
    let mut link = vec![0f64; ranks as usize];
    let mut finish = vec![0f64; n];
    // When each result is at each reading rank: (task, rank) -> time.
    let mut arrival: std::collections::HashMap<(u32, u32), f64> = Default::default();
    // Held-bytes events per rank: (time, +/- bytes).
    let mut events: Vec<Vec<(f64, i64)>> = vec![vec![]; ranks as usize];
    let mut last_use = vec![0f64; n];
    let mut last_use_at: std::collections::HashMap<(u32, u32), f64> = Default::default();
    let ns = |s: f64| (s * 1e9) as u64;
    // The other ranks reading each result (the output also to rank 0).
    let mut readers: Vec<Vec<u32>> = vec![vec![]; n];
    for (u, t) in g.tasks.iter().enumerate() {
        for &d in &t.deps {
            let d = d as usize;
            if owner[u] != owner[d] && !readers[d].contains(&owner[u]) {
                readers[d].push(owner[u]);
            }
        }
    }
    for i in 0..n {
        if is_output[i] && owner[i] != 0 && !readers[i].contains(&0) {
            readers[i].push(0);
        }
    }
    for (i, t) in g.tasks.iter().enumerate() {
        let r = owner[i];
        let mut ready = 0f64;
        for &d in &t.deps {
            let at = if owner[d as usize] == r { finish[d as usize] } else { arrival[&(d, r)] };
            ready = ready.max(at);
        }
        let Reverse(free) = workers[r as usize].pop().expect("a worker");
        let start = ready.max(free as f64 / 1e9);
        let end = start + costs[i];
        workers[r as usize].push(Reverse(ns(end)));
        finish[i] = end;
        for &d in &t.deps {
            let d = d as usize;
            if owner[d] == r {
                last_use[d] = last_use[d].max(end);
            } else {
                let e = last_use_at.entry((d as u32, r)).or_insert(0.0);
                *e = e.max(end);
            }
        }
        let load = &mut per_rank[r as usize];
        load.tasks += 1;
        load.busy_s += costs[i];
        let bytes = t.est_bytes;
        for &to in &readers[i] {
            let begin = end.max(link[r as usize]);
            let done = begin + bytes as f64 / net.bandwidth_bytes_per_s;
            link[r as usize] = done;
            arrival.insert((i as u32, to), done + net.latency_s);
            per_rank[r as usize].bytes_sent += bytes;
            per_rank[to as usize].bytes_received += bytes;
            last_use[i] = last_use[i].max(done);
            events[to as usize].push((done + net.latency_s, bytes as i64));
        }
        events[r as usize].push((end, bytes as i64));
    }
    for i in 0..n {
        events[owner[i] as usize].push((last_use[i].max(finish[i]), -(g.tasks[i].est_bytes as i64)));
    }
    for (&(d, r), &t) in &last_use_at {
        events[r as usize].push((t, -(g.tasks[d as usize].est_bytes as i64)));
    }
    for (r, ev) in events.iter_mut().enumerate() {
        // Frees before allocations at the same instant.
        ev.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let (mut now, mut peak) = (0i64, 0i64);
        for &(_, b) in ev.iter() {
            now += b;
            peak = peak.max(now);
        }
        per_rank[r].peak_bytes_held = peak as u64;
    }
    let predicted_s = finish.iter().copied().fold(0.0, f64::max);
    let serial_s = costs.iter().sum::<f64>() / threads as f64;
    DryRun { ranks, threads, per_rank, predicted_s, serial_s }
}
