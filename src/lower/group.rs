//! Grouped reductions: fused partials (per block of each piece, or per
//! input block with a row per group), then one merge per (group, block of
//! the other axes) that finalises the group.

use super::builder::ProgramBuilder;
use super::{BlockRef, Lowerer};
use crate::expr::Node;
use crate::graph::{FusedTask, GroupRows, TaskId, TaskOp};
use crate::key::{Key, TokenHasher};
use crate::program::{AxisMap, Finish, Terminal};
use std::sync::Arc;

/// The grid of the blocks of the other axes (`axis` collapsed to one).
fn other_grid(n: &Node, axis: usize) -> Vec<usize> {
    let mut others = n.chunks.numblocks();
    others[axis] = 1;
    others
}

/// Row-major position of block `b` in that grid.
fn flat_other(others: &[usize], axis: usize, b: &[usize]) -> usize {
    (0..others.len()).fold(0, |acc, a| acc * others[a] + if a == axis { 0 } else { b[a] })
}

impl Lowerer {
    pub(super) fn emit_group_reduce(
        &mut self,
        n: &Arc<Node>,
        reducer: &Arc<dyn crate::kernels::Reducer>,
        pieces: &[(usize, Arc<Node>)],
        axis: usize,
    ) -> Vec<BlockRef> {
        let nd = n.shape.len();
        let reduced: Vec<bool> = (0..nd).map(|a| a == axis).collect();
        let ngroups = n.shape[axis];
        let others = other_grid(n, axis);
        let nother: usize = others.iter().product();
        let partial_label = format!("{}-partial", reducer.name());
        // Per group, per block of the other axes: the partials to merge.
        let mut parts: Vec<Vec<Vec<TaskId>>> = vec![vec![vec![]; nother]; ngroups];
        for (g, piece) in pieces {
            let mut b = ProgramBuilder::new(&self.materialised);
            let out = b.value(piece, false, &AxisMap::identity(nd));
            let terminal = Terminal::Partial { reducer: reducer.clone(), reduced: reduced.clone(), finish: None };
            let (p, leaves) = b.finish(out, piece, terminal, &partial_label);
            let token = TokenHasher::new("group-partial").u64(n.token).u64(piece.token).finish();
            // A piece lies in one chunk along the axis: its blocks are the
            // blocks of the other axes, in the same order.
            for (o, r) in self.emit_group(piece, token, &partial_label, p, &leaves).into_iter().enumerate() {
                match r {
                    BlockRef::Task(t) => parts[*g][o].push(t),
                    BlockRef::Held(_) => unreachable!("partials are tasks"),
                }
            }
        }
        let label: Arc<str> = Arc::from(format!("{}-aggregate", reducer.name()).as_str());
        let mut out = vec![];
        if ngroups == 0 {
            // No groups: empty blocks.
            for b in n.chunks.block_indices() {
                let op = TaskOp::Assemble { dtype: n.dtype, shape: n.chunks.block_shape(&b), pieces: vec![] };
                out.push(BlockRef::Task(self.push(Key::new(n.token, &label, &b), vec![], op)));
            }
            return out;
        }
        for b in n.chunks.block_indices() {
            let deps = std::mem::take(&mut parts[b[axis]][flat_other(&others, axis, &b)]);
            let finish = Some(Finish { keepdims: true });
            let op = TaskOp::Combine { reducer: reducer.clone(), reduced: reduced.clone(), finish };
            out.push(BlockRef::Task(self.push(Key::new(n.token, &label, &b), deps, op)));
        }
        out
    }

    /// One partial per input block, with a row per group present in it.
    pub(super) fn emit_group_per_chunk(
        &mut self,
        n: &Arc<Node>,
        reducer: &Arc<dyn crate::kernels::Reducer>,
        input: &Arc<Node>,
        group: &[Option<usize>],
        axis: usize,
    ) -> Vec<BlockRef> {
        let nd = n.shape.len();
        let ngroups = n.shape[axis];
        let others = other_grid(n, axis);
        let nother: usize = others.iter().product();
        let partial_label = format!("{}-partial", reducer.name());
        let mut b = ProgramBuilder::new(&self.materialised);
        let out = b.value(input, false, &AxisMap::identity(nd));
        let terminal = Terminal::Partial { reducer: reducer.clone(), reduced: vec![false; nd], finish: None };
        let (p, leaves) = b.finish(out, input, terminal, &partial_label);
        let program = Arc::new(p);
        let token = TokenHasher::new("group-partial").u64(n.token).finish();
        let label: Arc<str> = Arc::from(partial_label.as_str());
        // Per group, per block of the other axes: (partial task, its row).
        let mut parts: Vec<Vec<Vec<(TaskId, usize)>>> = vec![vec![vec![]; nother]; ngroups];
        let grid = input.chunks.clone();
        for blk in grid.block_indices() {
            let offset = grid.block_offset(&blk);
            let shape = grid.block_shape(&blk);
            let along = &group[offset[axis]..offset[axis] + shape[axis]];
            let mut present: Vec<usize> = along.iter().flatten().copied().collect();
            present.sort_unstable();
            present.dedup();
            if present.is_empty() || shape.contains(&0) {
                continue;
            }
            let row_of = along
                .iter()
                .map(|g| g.map_or(GroupRows::SKIP, |g| present.binary_search(&g).expect("present") as u32))
                .collect();
            let rows = Arc::new(GroupRows { axis, row_of, rows: present.len() });
            let (deps, inputs) = self.bind(&offset, &leaves);
            let op = TaskOp::Fused(FusedTask {
                program: program.clone(),
                offset,
                shape,
                block: blk.clone(),
                inputs,
                group: Some(rows),
            });
            let t = self.push(Key::new(token, &label, &blk), deps, op);
            for (row, &g) in present.iter().enumerate() {
                parts[g][flat_other(&others, axis, &blk)].push((t, row));
            }
        }
        let agg: Arc<str> = Arc::from(format!("{}-aggregate", reducer.name()).as_str());
        let mut out = vec![];
        for b in n.chunks.block_indices() {
            let mine = std::mem::take(&mut parts[b[axis]][flat_other(&others, axis, &b)]);
            let deps: Vec<TaskId> = mine.iter().map(|&(t, _)| t).collect();
            let op = TaskOp::GroupCombine {
                reducer: reducer.clone(),
                axis,
                parts: mine.iter().enumerate().map(|(i, &(_, row))| (i, row)).collect(),
                shape: n.chunks.block_shape(&b),
            };
            out.push(BlockRef::Task(self.push(Key::new(n.token, &agg, &b), deps, op)));
        }
        out
    }
}
