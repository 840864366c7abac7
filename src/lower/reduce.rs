//! Reductions: a fused partial per input block, then combine levels with a
//! fan-in of `split_every` spread over the reduced axes.

use super::{BlockRef, Lowerer};
use crate::chunks::GridIter;
use crate::expr::Node;
use crate::graph::{TaskId, TaskOp};
use crate::key::{Key, TokenHasher};
use crate::program::{AxisMap, Finish, Terminal};
use std::sync::Arc;

use super::builder::ProgramBuilder;

impl Lowerer {
    pub(super) fn emit_reduce(
        &mut self,
        n: &Arc<Node>,
        reducer: &Arc<dyn crate::kernels::Reducer>,
        input: &Arc<Node>,
        axes: &[usize],
        keepdims: bool,
        split_every: usize,
    ) -> Vec<BlockRef> {
        let nd = input.shape.len();
        let reduced: Vec<bool> = (0..nd).map(|a| axes.contains(&a)).collect();
        let grid = input.chunks.clone();
        let mut dims = grid.numblocks();
        let finished = |dims: &[usize]| (0..nd).all(|a| !reduced[a] || dims[a] == 1);
        let name = reducer.name().to_string();

        // Level 0: one fused partial per input block.
        let mut b = ProgramBuilder::new(&self.materialised);
        let out = b.value(input, false, &AxisMap::identity(nd));
        let finish0 = finished(&dims);
        let partial_name = format!("{name}-{}", if finish0 { "aggregate" } else { "partial" });
        let terminal = Terminal::Partial {
            reducer: reducer.clone(),
            reduced: reduced.clone(),
            finish: finish0.then_some(Finish { keepdims }),
        };
        let (p, leaves) = b.finish(out, input, terminal, &partial_name);
        let token0 = if finish0 { n.token } else { TokenHasher::new("partial").u64(n.token).finish() };
        let refs = self.emit_group(input, token0, &partial_name, p, &leaves);
        let mut level: Vec<TaskId> = refs
            .iter()
            .map(|r| match r {
                BlockRef::Task(t) => *t,
                BlockRef::Held(_) => unreachable!("partials are tasks"),
            })
            .collect();
        if finish0 {
            return refs;
        }

        // Tree levels: merge up to k blocks per reduced axis until one is left.
        let r = (0..nd).filter(|&a| reduced[a] && dims[a] > 1).count().max(1);
        let k = ((split_every as f64).powf(1.0 / r as f64) + 1e-9).floor().max(2.0) as usize;
        let mut depth = 0u64;
        loop {
            depth += 1;
            let new_dims: Vec<usize> =
                (0..nd).map(|a| if reduced[a] { dims[a].div_ceil(k) } else { dims[a] }).collect();
            let last = finished(&new_dims);
            let token = if last { n.token } else { TokenHasher::new("combine").u64(n.token).u64(depth).finish() };
            let label: Arc<str> = Arc::from(format!("{name}-{}", if last { "aggregate" } else { "combine" }).as_str());
            let mut next = Vec::with_capacity(new_dims.iter().product());
            for nb in GridIter::new(new_dims.clone()) {
                let ranges: Vec<std::ops::Range<usize>> = (0..nd)
                    .map(|a| if reduced[a] { nb[a] * k..((nb[a] + 1) * k).min(dims[a]) } else { nb[a]..nb[a] + 1 })
                    .collect();
                let deps: Vec<TaskId> = GridIter::new(ranges.iter().map(|r| r.len()).collect())
                    .map(|o| {
                        let flat = (0..nd).fold(0, |acc, a| acc * dims[a] + ranges[a].start + o[a]);
                        level[flat]
                    })
                    .collect();
                let finish = last.then_some(Finish { keepdims });
                let op = TaskOp::Combine { reducer: reducer.clone(), reduced: reduced.clone(), finish };
                next.push(self.push(Key::new(token, &label, &nb), deps, op));
            }
            level = next;
            dims = new_dims;
            if last {
                return level.into_iter().map(BlockRef::Task).collect();
            }
        }
    }
}
