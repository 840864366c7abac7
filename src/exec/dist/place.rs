//! Placement: which process (rank) runs each task. Deterministic from the
//! graph alone, so every rank of an SPMD program places alike.
//!
//! - A task without dependencies (a file read, a created block, a delayed
//!   value) goes by its block's position in its array's grid, in row-major
//!   order, cut into `ranks` contiguous ranges: neighbouring chunks along the
//!   outer axis stay on one rank (Heat's split axis), and each rank reads
//!   only the chunks it owns.
//! - Any other task runs where its largest input lives (the first of equal
//!   ones): a fused chain stays with its chunk, and a reduction tree moves
//!   only partials. The tree's shape is the lowering's, over block indices,
//!   so sums are the same bits for any number of ranks.

use crate::graph::TaskGraph;
use std::collections::HashMap;

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
    let mut owner = Vec::with_capacity(g.tasks.len());
    for t in &g.tasks {
        let o = if t.deps.is_empty() {
            let grid = &grids[&t.key.token];
            let (mut linear, mut total) = (0u64, 1u64);
            for (&b, &e) in t.key.block.iter().zip(grid) {
                linear = linear * e + b as u64;
                total = total.saturating_mul(e);
            }
            (linear as u128 * ranks as u128 / total.max(1) as u128) as u32
        } else {
            let mut best = t.deps[0];
            for &d in &t.deps[1..] {
                if g.tasks[d as usize].est_bytes > g.tasks[best as usize].est_bytes {
                    best = d;
                }
            }
            owner[best as usize]
        };
        owner.push(o);
    }
    owner
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DArray;

    #[test]
    fn contiguous_ranges_and_reductions_follow_their_inputs() {
        let x = DArray::<f64>::ones([8, 6], [2, 3]).unwrap();
        let g = (&x + 1.0).sum().graph().unwrap();
        let owner = place(&g, 3);
        // 8 leaf blocks (4 x 2) over 3 ranks: linear index i goes to i*3/8.
        let leaves: Vec<u32> = (0..g.tasks.len()).filter(|&i| g.tasks[i].deps.is_empty()).map(|i| owner[i]).collect();
        assert_eq!(leaves, vec![0, 0, 0, 1, 1, 1, 2, 2]);
        // More ranks than blocks: ranks own nothing, nothing breaks.
        let owner = place(&g, 64);
        assert!(owner.iter().all(|&o| o < 64));
        assert_eq!(place(&g, 1), vec![0; g.tasks.len()]);
    }
}
