//! Static task priorities (what dask's `order` is for): the scheduler runs
//! the ready task with the lowest rank, so the ranks decide how many
//! results are alive at once.
//!
//! Ranks start as a depth-first post-order from the outputs (finish one
//! branch before starting the next), then are refined by simulating one
//! worker that, among ready tasks, first runs one that frees a held result
//! (it is that result's last reader), and otherwise the lowest depth-first
//! rank. The refinement matters where blocks meet again after a detour: in
//! an anomaly against a day-of-year climatology, block `i` and the block a
//! year later feed the same group means; once those are known, finishing
//! both blocks' anomalies frees both, where plain depth-first order would
//! go on to block `i + 1` and keep the later block waiting for a long time.

use crate::graph::{TaskGraph, TaskId};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Depth-first post-order ranks from the outputs.
fn dfs_ranks(g: &TaskGraph, outputs: &[TaskId]) -> Vec<u32> {
    let n = g.tasks.len();
    let mut rank = vec![u32::MAX; n];
    let mut next = 0u32;
    let mut stack: Vec<(TaskId, usize)> = vec![];
    for &o in outputs {
        if rank[o as usize] != u32::MAX {
            continue;
        }
        stack.push((o, 0));
        while let Some(&mut (t, ref mut i)) = stack.last_mut() {
            let deps = &g.tasks[t as usize].deps;
            if *i < deps.len() {
                let d = deps[*i];
                *i += 1;
                if rank[d as usize] == u32::MAX {
                    stack.push((d, 0));
                }
            } else {
                stack.pop();
                if rank[t as usize] == u32::MAX {
                    rank[t as usize] = next;
                    next += 1;
                }
            }
        }
    }
    for r in rank.iter_mut().filter(|r| **r == u32::MAX) {
        *r = next;
        next += 1;
    }
    rank
}

/// The rank of each task; `dep_off`/`dependents` list each task's
/// dependents (CSR form, as the scheduler builds them).
pub(crate) fn order(g: &TaskGraph, outputs: &[TaskId], dep_off: &[u32], dependents: &[TaskId]) -> Vec<u32> {
    let dfs = dfs_ranks(g, outputs);
    let n = g.tasks.len();
    let mut sim = Sim {
        g,
        dep_off,
        dependents,
        waiting: g.tasks.iter().map(|t| t.deps.len() as u32).collect(),
        uses_left: (0..n).map(|t| dep_off[t + 1] - dep_off[t]).collect(),
        done: vec![false; n],
    };
    // (class, depth-first rank, task); class 0: running it frees a held
    // result; 1: it is the last input missing for a task that would.
    let mut ready: BinaryHeap<Reverse<(u8, u32, TaskId)>> = BinaryHeap::new();
    for (t, task) in g.tasks.iter().enumerate() {
        if task.deps.is_empty() {
            ready.push(Reverse((sim.class(t), dfs[t], t as TaskId)));
        }
    }
    let mut rank = vec![0u32; n];
    let mut next = 0u32;
    while let Some(Reverse((_, _, t))) = ready.pop() {
        let t = t as usize;
        if std::mem::replace(&mut sim.done[t], true) {
            continue; // pushed again when it became more urgent
        }
        rank[t] = next;
        next += 1;
        for &d in &g.tasks[t].deps {
            let d = d as usize;
            sim.uses_left[d] -= 1;
            if sim.uses_left[d] != 1 {
                continue;
            }
            // `d` now has one reader left: it, or the last input it waits
            // for, became more urgent.
            let Some(&c) = sim.users(d).iter().find(|&&c| !sim.done[c as usize]) else { continue };
            let c = c as usize;
            match sim.waiting[c] {
                0 => ready.push(Reverse((0, dfs[c], c as TaskId))),
                1 => {
                    let missing = g.tasks[c].deps.iter().map(|&u| u as usize).find(|&u| !sim.done[u]);
                    if let Some(u) = missing.filter(|&u| sim.waiting[u] == 0) {
                        ready.push(Reverse((sim.class(u), dfs[u], u as TaskId)));
                    }
                }
                _ => {}
            }
        }
        for &u in &dependents[dep_off[t] as usize..dep_off[t + 1] as usize] {
            let ui = u as usize;
            sim.waiting[ui] -= 1;
            if sim.waiting[ui] == 0 {
                ready.push(Reverse((sim.class(ui), dfs[ui], u)));
            }
        }
    }
    rank
}

/// The state of the simulated worker.
struct Sim<'a> {
    g: &'a TaskGraph,
    dep_off: &'a [u32],
    dependents: &'a [TaskId],
    waiting: Vec<u32>,
    uses_left: Vec<u32>,
    done: Vec<bool>,
}

impl Sim<'_> {
    fn users(&self, t: usize) -> &[TaskId] {
        &self.dependents[self.dep_off[t] as usize..self.dep_off[t + 1] as usize]
    }
    /// Whether running `t` (ready) frees one of its inputs.
    fn frees(&self, t: usize) -> bool {
        self.g.tasks[t].deps.iter().any(|&d| self.uses_left[d as usize] == 1)
    }
    /// 0: running `t` frees a held result; 1: it is the last input missing
    /// for a task that would; 2: neither.
    fn class(&self, t: usize) -> u8 {
        if self.frees(t) {
            return 0;
        }
        let enables = self.users(t).iter().any(|&c| {
            let c = c as usize;
            self.waiting[c] == 1
                && (self.uses_left[t] == 1
                    || self.g.tasks[c].deps.iter().any(|&d| d as usize != t && self.uses_left[d as usize] == 1))
        });
        if enables {
            1
        } else {
            2
        }
    }
}
