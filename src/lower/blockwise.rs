//! Blockwise nodes: a task per step, reading the blocks it names.

use super::{BlockRef, Lowerer};
use crate::expr::{Node, Step, StepArg};
use crate::graph::{dep_position, BlockwiseTask, ChunkRef, TaskOp};
use crate::key::Key;
use std::sync::Arc;

impl Lowerer {
    pub(super) fn emit_blockwise(
        &mut self,
        n: &Arc<Node>,
        inputs: &[Arc<Node>],
        steps: &[Step],
        f: &Option<Arc<dyn crate::ops::StepFn>>,
    ) -> Vec<BlockRef> {
        let grid = n.chunks.clone();
        let label: Arc<str> = Arc::from(n.label.as_ref());
        let index: Vec<Vec<usize>> = grid.block_indices().collect();
        // A step reads earlier blocks of its own node (a forward carry) or
        // later ones (a backward one): its tasks are built in that order.
        let backward =
            steps.iter().enumerate().any(|(i, s)| s.args.iter().any(|a| matches!(a, StepArg::Own(k) if *k > i)));
        let order: Vec<usize> = if backward { (0..steps.len()).rev().collect() } else { (0..steps.len()).collect() };
        let mut refs: Vec<Option<BlockRef>> = vec![None; steps.len()];
        for i in order {
            let step = &steps[i];
            let mut deps = vec![];
            let args = step
                .args
                .iter()
                .map(|a| match *a {
                    StepArg::Input { input, block } => self.chunk_ref_flat(&inputs[input], block, &mut deps),
                    StepArg::Own(k) => match refs[k].as_ref().expect("a carry reads a block built before it") {
                        BlockRef::Task(t) => ChunkRef::Dep(dep_position(&mut deps, *t)),
                        BlockRef::Held(c) => ChunkRef::Held(c.clone()),
                    },
                })
                .collect();
            let shape = grid.block_shape(&index[i]);
            let block = index[i].clone();
            let (op, f) = (step.op.clone(), f.clone());
            let op = TaskOp::Blockwise(Box::new(BlockwiseTask { op, args, shape, dtype: n.dtype, block, f }));
            refs[i] = Some(BlockRef::Task(self.push(Key::new(n.token, &label, &index[i]), deps, op)));
        }
        refs.into_iter().map(|r| r.expect("every step is built")).collect()
    }
}
