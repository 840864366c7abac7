//! Dense-step nodes: one task on whole blocks of other nodes.

use crate::chunks::Chunks;
use crate::dtype::DType;
use crate::expr::{DenseArg, Node, NodeKind};
use crate::key::TokenHasher;
use crate::ops::DenseOp;
use std::sync::Arc;

/// A dense node running `op` on `args` (a node, its flat block index, the
/// part to read), giving `parts` outputs, the first of `shape` and `dtype`.
/// An argument's error becomes the node's.
pub(crate) fn dense(
    op: DenseOp,
    args: Vec<(Arc<Node>, usize, usize)>,
    shape: Vec<usize>,
    dtype: DType,
    parts: usize,
) -> Arc<Node> {
    let chunks = Chunks::from_sizes(shape.iter().map(|&s| vec![s]).collect());
    if let Some(e) = args.iter().find_map(|(n, _, _)| n.error()) {
        return Node::invalid_shaped(e.clone(), dtype, shape, chunks);
    }
    let mut h = TokenHasher::new("dense");
    h.str(&format!("{op:?}")).usizes(&shape).u64(parts as u64);
    let mut inputs: Vec<Arc<Node>> = vec![];
    let mut refs = Vec::with_capacity(args.len());
    for (n, block, part) in args {
        h.u64(n.token).u64(block as u64).u64(part as u64);
        let input = match inputs.iter().position(|i| i.token == n.token) {
            Some(i) => i,
            None => {
                inputs.push(n);
                inputs.len() - 1
            }
        };
        refs.push(DenseArg { input, block, part });
    }
    let label = op.name();
    Node::new(h.finish(), label, shape, chunks, dtype, NodeKind::Dense { op, inputs, args: refs, parts })
}
