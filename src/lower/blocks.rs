//! Operations that move whole blocks: rechunk assembly and the block
//! products of a contraction with their tree of sums.

use super::{BlockRef, Lowerer};
use crate::chunks::GridIter;
use crate::expr::Node;
use crate::graph::{Piece, TaskId, TaskOp};
use crate::key::{Key, TokenHasher};
use std::sync::Arc;

impl Lowerer {
    /// Output blocks assembled from the input blocks they overlap.
    pub(super) fn emit_rechunk(&mut self, n: &Arc<Node>, input: &Arc<Node>) -> Vec<BlockRef> {
        let (old, new) = (input.chunks.clone(), n.chunks.clone());
        let nd = n.shape.len();
        let label: Arc<str> = Arc::from("rechunk");
        new.block_indices()
            .map(|b| {
                let off = new.block_offset(&b);
                let shape = new.block_shape(&b);
                if shape.contains(&0) {
                    let op = TaskOp::Assemble { dtype: n.dtype, shape: shape.clone(), pieces: vec![] };
                    return (b, vec![], op);
                }
                let lo: Vec<usize> = (0..nd).map(|a| old.locate(a, off[a])).collect();
                let hi: Vec<usize> = (0..nd).map(|a| old.locate(a, off[a] + shape[a] - 1)).collect();
                let mut deps: Vec<TaskId> = vec![];
                let pieces = GridIter::new((0..nd).map(|a| hi[a] - lo[a] + 1).collect())
                    .map(|rel| {
                        let ob: Vec<usize> = (0..nd).map(|a| lo[a] + rel[a]).collect();
                        let oo = old.block_offset(&ob);
                        let os = old.block_shape(&ob);
                        let start: Vec<usize> = (0..nd).map(|a| off[a].max(oo[a])).collect();
                        let end: Vec<usize> = (0..nd).map(|a| (off[a] + shape[a]).min(oo[a] + os[a])).collect();
                        let chunk = self.chunk_ref(input, &ob, &mut deps);
                        Piece {
                            chunk,
                            src: (0..nd).map(|a| start[a] - oo[a]).collect(),
                            dst: (0..nd).map(|a| start[a] - off[a]).collect(),
                            shape: (0..nd).map(|a| end[a] - start[a]).collect(),
                        }
                    })
                    .collect();
                (b, deps, TaskOp::Assemble { dtype: n.dtype, shape, pieces })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|(b, deps, op)| BlockRef::Task(self.push(Key::new(n.token, &label, &b), deps, op)))
            .collect()
    }

    /// Per output block: one product per block of the contracted axes,
    /// then a tree of sums with fan-in `split_every`. The contracted axes
    /// are never gathered into one block.
    pub(super) fn emit_contract(
        &mut self,
        n: &Arc<Node>,
        a: &Arc<Node>,
        b: &Arc<Node>,
        spec: &Arc<crate::kernels::product::ContractSpec>,
        kernel: &Arc<dyn crate::kernels::product::BlockProduct>,
        split_every: usize,
    ) -> Vec<BlockRef> {
        let (nb, fa) = (spec.batch.len(), spec.free_a.len());
        let kgrid: Vec<usize> = spec.contract.iter().map(|&(x, _)| a.chunks.numblocks()[x]).collect();
        let prod_label: Arc<str> = Arc::from("tensordot-product");
        let sum_label: Arc<str> = Arc::from("tensordot-sum");
        let prod_token = TokenHasher::new("product").u64(n.token).finish();
        let mut out = vec![];
        for o in n.chunks.block_indices() {
            let mut level: Vec<TaskId> = vec![];
            for k in GridIter::new(kgrid.clone()) {
                let mut ia = vec![0; a.shape.len()];
                let mut ib = vec![0; b.shape.len()];
                for (p, &(x, y)) in spec.batch.iter().enumerate() {
                    ia[x] = o[p];
                    ib[y] = o[p];
                }
                for (p, &x) in spec.free_a.iter().enumerate() {
                    ia[x] = o[nb + p];
                }
                for (p, &y) in spec.free_b.iter().enumerate() {
                    ib[y] = o[nb + fa + p];
                }
                for (p, &(x, y)) in spec.contract.iter().enumerate() {
                    ia[x] = k[p];
                    ib[y] = k[p];
                }
                let mut deps = vec![];
                let ca = self.chunk_ref(a, &ia, &mut deps);
                let cb = self.chunk_ref(b, &ib, &mut deps);
                let op = TaskOp::Product { kernel: kernel.clone(), spec: spec.clone(), a: ca, b: cb };
                let key: Vec<usize> = o.iter().chain(&k).copied().collect();
                let token = if kgrid.iter().product::<usize>() == 1 { n.token } else { prod_token };
                let label = if token == n.token { &n.label } else { &prod_label };
                level.push(self.push(Key::new(token, label, &key), deps, op));
            }
            let mut depth = 0u64;
            while level.len() > 1 {
                depth += 1;
                let last = level.len() <= split_every;
                let token = if last { n.token } else { TokenHasher::new("sum").u64(n.token).u64(depth).finish() };
                let label = if last { n.label.clone() } else { sum_label.clone() };
                level = level
                    .chunks(split_every)
                    .enumerate()
                    .map(|(g, group)| {
                        let key: Vec<usize> = if last { o.clone() } else { o.iter().copied().chain([g]).collect() };
                        let op = TaskOp::AddBlocks { kernel: kernel.clone() };
                        self.push(Key::new(token, &label, &key), group.to_vec(), op)
                    })
                    .collect();
            }
            out.push(BlockRef::Task(level[0]));
        }
        out
    }
}
