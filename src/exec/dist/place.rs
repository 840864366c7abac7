//! Placement: which process (rank) runs each task. Deterministic from the
//! graph alone, so every rank of an SPMD program places alike.
//!
//! - A task without dependencies (a file read, a created block, a delayed
//!   value) goes by its block's position in its array's grid, in row-major
//!   order, cut into `ranks` contiguous ranges: neighbouring chunks along the
//!   outer axis stay on one rank (Heat's split axis), and each rank reads
//!   only the chunks it owns.
//! - Any other task runs where its largest input lives: a fused chain stays
//!   with its chunk, and a reduction tree moves only partials. Equal
//!   largest inputs on several ranks leave the choice to the task's own
//!   block position, so the groups of a climatology and the levels of a
//!   tree spread over the ranks as their blocks do. A task whose
//!   inputs are all small (under `SMALL` bytes: partials, a mean it
//!   subtracts) goes by its own block position too: what it reads or
//!   makes itself outweighs them.
//! - Leaves that are alone in their grid (per-block partials of a grouped
//!   reduction over created data) are cut into contiguous ranges by their
//!   order in the graph.
//! - A tree's shape is the lowering's, over block indices, so sums are
//!   the same bits for any number of ranks.

use crate::graph::TaskGraph;
use std::collections::HashMap;

/// Inputs below this many bytes do not draw a task to their rank.
const SMALL: u64 = 64 << 10;

/// The rank of every task of `g` over `ranks` processes.
pub(crate) fn place(g: &TaskGraph, ranks: u32) -> Vec<u32> {
    let ranks = ranks.max(1) as u64;
    // Each array's grid: one past the largest block index per axis.
    let mut grids: HashMap<u64, Vec<u64>> = HashMap::new();
    for t in &g.tasks {
        let grid = grids.entry(t.key.token).or_default();
        if grid.len() < t.key.block.len() {
            grid.resize(t.key.block.len(), 0);
        }
        for (e, &b) in grid.iter_mut().zip(t.key.block.iter()) {
            *e = (*e).max(b as u64 + 1);
        }
    }
    // The rank of a task's own block position: its array's grid cut in
    // row-major order into `ranks` contiguous ranges.
    let by_position = |t: &crate::graph::Task| -> u32 {
        let grid = &grids[&t.key.token];
        let (mut linear, mut total) = (0u64, 1u64);
        for (&b, &e) in t.key.block.iter().zip(grid) {
            linear = linear * e + b as u64;
            total = total.saturating_mul(e);
        }
        (linear as u128 * ranks as u128 / total.max(1) as u128) as u32
    };
    // Leaves that are the one block of their own grid (the partials a
    // grouped reduction makes per block and group) are spread by their
    // order, which is the lowering's block order.
    let lonely = |t: &crate::graph::Task| {
        t.deps.is_empty() && !t.key.block.is_empty() && grids[&t.key.token].iter().all(|&e| e == 1)
    };
    let n_lonely = g.tasks.iter().filter(|t| lonely(t)).count() as u128;
    let mut k_lonely = 0u128;
    let mut owner: Vec<u32> = Vec::with_capacity(g.tasks.len());
    for t in &g.tasks {
        let mine = if lonely(t) {
            k_lonely += 1;
            ((k_lonely - 1) * ranks as u128 / n_lonely) as u32
        } else {
            by_position(t)
        };
        let largest = t.deps.iter().map(|&d| g.tasks[d as usize].est_bytes).max();
        let o = match largest {
            Some(m) if m >= SMALL => {
                let mut at = t.deps.iter().filter(|&&d| g.tasks[d as usize].est_bytes == m).map(|&d| owner[d as usize]);
                let first = at.clone().next().expect("a largest input");
                // All on one rank: there; spread over several: where the
                // task's own position says (a group's partials from every
                // year meet on the group's rank, not the first year's).
                if at.all(|o| o == first) {
                    first
                } else {
                    mine
                }
            }
            _ => mine,
        };
        owner.push(o);
    }
    owner
}
