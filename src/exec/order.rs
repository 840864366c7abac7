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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::testing::graph;
    use proptest::prelude::*;

    /// Dependents in CSR form, as the scheduler builds them.
    fn csr(g: &TaskGraph) -> (Vec<u32>, Vec<TaskId>) {
        let n = g.tasks.len();
        let mut users: Vec<Vec<TaskId>> = vec![vec![]; n];
        for (i, t) in g.tasks.iter().enumerate() {
            for &d in &t.deps {
                users[d as usize].push(i as TaskId);
            }
        }
        let mut off = vec![0u32];
        let mut flat = vec![];
        for u in users {
            flat.extend(u);
            off.push(flat.len() as u32);
        }
        (off, flat)
    }

    fn ranks(g: &TaskGraph, outputs: &[TaskId]) -> Vec<u32> {
        let (off, dep) = csr(g);
        order(g, outputs, &off, &dep)
    }

    #[test]
    fn independent_chains_finish_one_at_a_time() {
        // a0 -> a1 and b0 -> b1: a chain is finished before the next starts.
        let g = graph(&[&[], &[0], &[], &[2]]);
        let r = ranks(&g, &[1, 3]);
        assert!(r[1] < r[2], "{r:?}");
    }

    #[test]
    fn blocks_meeting_again_are_finished_together() {
        // A day-of-year anomaly: x0..x3, means m0 = f(x0, x2), m1 = f(x1, x3),
        // anomalies a_i = x_i - m_(i % 2). Once m0 is known, a2 (which frees
        // x2) runs before x1 is even read; depth-first alone would run a1
        // (and read x1, x3) first.
        let g = graph(&[&[], &[], &[], &[], &[0, 2], &[1, 3], &[0, 4], &[1, 5], &[2, 4], &[3, 5]]);
        let r = ranks(&g, &[6, 7, 8, 9]);
        assert!(r[8] < r[1], "a2 before x1: {r:?}");
        assert!(r[6] < r[1], "a0 before x1: {r:?}");
    }

    /// Random DAGs: `deps[i]` picks among earlier tasks.
    fn dags() -> impl Strategy<Value = Vec<Vec<TaskId>>> {
        proptest::collection::vec(proptest::collection::vec(any::<u32>(), 0..4), 1..40).prop_map(|raw| {
            raw.iter()
                .enumerate()
                .map(|(i, ds)| {
                    let mut v: Vec<TaskId> = if i == 0 { vec![] } else { ds.iter().map(|d| d % i as u32).collect() };
                    v.sort_unstable();
                    v.dedup();
                    v
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn ranks_are_a_topological_permutation(deps in dags()) {
            let refs: Vec<&[TaskId]> = deps.iter().map(|d| d.as_slice()).collect();
            let g = graph(&refs);
            let n = g.tasks.len() as TaskId;
            let r = ranks(&g, &[n - 1]);
            let mut sorted = r.clone();
            sorted.sort_unstable();
            prop_assert_eq!(sorted, (0..n).collect::<Vec<_>>());
            for (i, t) in g.tasks.iter().enumerate() {
                for &d in &t.deps {
                    prop_assert!(r[d as usize] < r[i], "dep {} of {} ranked after it: {:?}", d, i, r);
                }
            }
        }
    }
}
