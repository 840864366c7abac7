//! Blockwise nodes: one `BlockOp` step per output block, each reading the
//! whole blocks its algorithm needs. The steps are decided here, so the
//! lowering only turns them into tasks.

use crate::chunks::{Chunks, GridIter};
use crate::dtype::DType;
use crate::expr::{Node, NodeKind, Step, StepArg};
use crate::key::TokenHasher;
use crate::ops::{BlockOp, ElemOp, QuantileMethod, RollOp, ScanOp};
use std::sync::Arc;

/// A blockwise node of `shape`, `chunks` and `dtype` running `steps` (one
/// per block of `chunks`, row-major). An input's error becomes the node's.
pub(crate) fn blockwise(
    label: &str,
    inputs: Vec<Arc<Node>>,
    steps: Vec<Step>,
    shape: Vec<usize>,
    chunks: Chunks,
    dtype: DType,
) -> Arc<Node> {
    blockwise_fn(label, inputs, steps, shape, chunks, dtype, None)
}

/// As [`blockwise`], steps of `BlockOp::Custom` running `f`.
pub(crate) fn blockwise_fn(
    label: &str,
    inputs: Vec<Arc<Node>>,
    steps: Vec<Step>,
    shape: Vec<usize>,
    chunks: Chunks,
    dtype: DType,
    f: Option<Arc<dyn crate::ops::StepFn>>,
) -> Arc<Node> {
    if let Some(e) = inputs.iter().find_map(|n| n.error()) {
        return Node::invalid_shaped(e.clone(), dtype, shape, chunks);
    }
    let mut h = TokenHasher::new("blockwise");
    h.str(label).usizes(&shape).str(&format!("{dtype:?}"));
    for n in &inputs {
        h.u64(n.token);
    }
    for s in &steps {
        match &s.op {
            BlockOp::Custom(c) => h.str("custom").str(c.name()).u64(c.token()),
            op => h.str(&format!("{op:?}")),
        };
        for a in &s.args {
            match a {
                StepArg::Input { input, block } => h.u64(*input as u64).u64(*block as u64),
                StepArg::Own(b) => h.u64(u64::MAX).u64(*b as u64),
            };
        }
    }
    for sizes in chunks.sizes() {
        h.usizes(sizes);
    }
    let kind = NodeKind::Blockwise { inputs, steps: Arc::new(steps), f };
    Node::new(h.finish(), label, shape, chunks, dtype, kind)
}

/// The `f32` input of an `f32` to `f64` cast, which scan and window
/// kernels widen as they read: the cast then costs no block of its own.
fn widened(x: &Arc<Node>, dtype: DType) -> Option<Arc<Node>> {
    match &x.kind {
        NodeKind::Elementwise { kernel, inputs }
            if dtype == DType::F64
                && x.dtype == DType::F64
                && inputs.len() == 1
                && inputs[0].dtype == DType::F32
                && inputs[0].shape == x.shape
                && inputs[0].chunks == x.chunks
                && *kernel.op() == ElemOp::Cast(DType::F64) =>
        {
            Some(inputs[0].clone())
        }
        _ => None,
    }
}

/// Flat (row-major) index of block `b` of a grid of `nb` blocks per axis.
fn flat(b: &[usize], nb: &[usize]) -> usize {
    b.iter().zip(nb).fold(0, |acc, (&i, &n)| acc * n + i)
}

/// Quantiles `q` of `x` over `axes` (sorted, distinct): one step per block
/// of the other axes, reading every block along `axes`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn quantile(
    x: Arc<Node>,
    axes: Vec<usize>,
    q: Vec<f64>,
    method: QuantileMethod,
    skipna: bool,
    keepdims: bool,
    q_axis: bool,
    dtype: DType,
) -> Arc<Node> {
    let nd = x.shape.len();
    let nb = x.chunks.numblocks();
    let grid: Vec<usize> = axes.iter().map(|&a| nb[a]).collect();
    let mut shape = vec![];
    let mut sizes = vec![];
    if q_axis {
        shape.push(q.len());
        sizes.push(vec![q.len()]);
    }
    for a in 0..nd {
        if !axes.contains(&a) {
            shape.push(x.shape[a]);
            sizes.push(x.chunks.sizes()[a].clone());
        } else if keepdims {
            shape.push(1);
            sizes.push(vec![1]);
        }
    }
    let chunks = Chunks::from_sizes(sizes);
    let others: Vec<usize> = (0..nd).filter(|a| !axes.contains(a)).collect();
    let other_grid: Vec<usize> = others.iter().map(|&a| nb[a]).collect();
    let op = BlockOp::Quantile { axes: axes.clone(), grid: grid.clone(), q, method, skipna, keepdims, q_axis };
    // The output grid's blocks, row-major, are those of the other axes
    // (the q axis and kept axes have one block).
    let steps = GridIter::new(other_grid)
        .map(|ob| {
            let args = GridIter::new(grid.clone())
                .map(|rb| {
                    let mut b = vec![0; nd];
                    for (k, &a) in others.iter().enumerate() {
                        b[a] = ob[k];
                    }
                    for (k, &a) in axes.iter().enumerate() {
                        b[a] = rb[k];
                    }
                    StepArg::Input { input: 0, block: flat(&b, &nb) }
                })
                .collect();
            Step { op: op.clone(), args }
        })
        .collect();
    blockwise("quantile", vec![x.clone()], steps, shape, chunks, dtype)
}

/// A scan of `x` along `axis`: block `b` scans its input block, carried on
/// from the output block before it (after it, `reverse`).
pub(crate) fn scan(x: Arc<Node>, op: ScanOp, axis: usize, reverse: bool, dtype: DType) -> Arc<Node> {
    let x = widened(&x, dtype).unwrap_or(x);
    let nb = x.chunks.numblocks();
    let sizes = &x.chunks.sizes()[axis];
    let steps = x
        .chunks
        .block_indices()
        .map(|b| {
            let mut args = vec![StepArg::Input { input: 0, block: flat(&b, &nb) }];
            // The carry comes from the nearest block before it (after it,
            // `reverse`) that is not empty.
            let prev = match reverse {
                false => (0..b[axis]).rev().find(|&k| sizes[k] > 0),
                true => (b[axis] + 1..nb[axis]).find(|&k| sizes[k] > 0),
            };
            if let Some(p) = prev {
                let mut pb = b.clone();
                pb[axis] = p;
                args.push(StepArg::Own(flat(&pb, &nb)));
            }
            Step { op: BlockOp::Scan { op, axis, reverse }, args }
        })
        .collect();
    let op = BlockOp::Scan { op, axis, reverse };
    blockwise(op.name(), vec![x.clone()], steps, x.shape.clone(), x.chunks.clone(), dtype)
}

/// A moving window along `axis`: position `i`'s window is `i - before ..=
/// i + after` (clipped to the array); block `b` reads the input blocks its
/// windows reach.
pub(crate) fn rolling(
    x: Arc<Node>,
    op: RollOp,
    axis: usize,
    before: usize,
    after: usize,
    min_periods: usize,
    dtype: DType,
) -> Arc<Node> {
    let x = widened(&x, dtype).unwrap_or(x);
    let nb = x.chunks.numblocks();
    let n = x.shape[axis];
    let steps = x
        .chunks
        .block_indices()
        .map(|b| {
            let s = x.chunks.offset(axis, b[axis]);
            let len = x.chunks.sizes()[axis][b[axis]];
            let (lo, hi) = (s.saturating_sub(before), (s + len + after).min(n));
            // The blocks holding lo .. hi (a block of an empty axis alone).
            let (first, last) =
                if len == 0 { (b[axis], b[axis]) } else { (x.chunks.locate(axis, lo), x.chunks.locate(axis, hi - 1)) };
            let lead = s - x.chunks.offset(axis, first);
            let args = (first..=last)
                .map(|k| {
                    let mut kb = b.clone();
                    kb[axis] = k;
                    StepArg::Input { input: 0, block: flat(&kb, &nb) }
                })
                .collect();
            Step { op: BlockOp::Rolling { op, axis, before, after, min_periods, lead, len }, args }
        })
        .collect();
    blockwise(op.name(), vec![x.clone()], steps, x.shape.clone(), x.chunks.clone(), dtype)
}

/// A step `op` per block of the axes other than `axis`, reading every
/// block along `axis`: the axis becomes `out_len` positions in one block
/// (or is dropped, `None`), after a leading axis of `lead` positions if
/// given.
pub(crate) fn along(
    x: Arc<Node>,
    axis: usize,
    op: BlockOp,
    out_len: Option<usize>,
    lead: Option<usize>,
    dtype: DType,
) -> Arc<Node> {
    let nd = x.shape.len();
    let nb = x.chunks.numblocks();
    let (mut shape, mut sizes) = (vec![], vec![]);
    if let Some(l) = lead {
        shape.push(l);
        sizes.push(vec![l]);
    }
    for a in 0..nd {
        match (a == axis, out_len) {
            (false, _) => {
                shape.push(x.shape[a]);
                sizes.push(x.chunks.sizes()[a].clone());
            }
            (true, Some(l)) => {
                shape.push(l);
                sizes.push(vec![l]);
            }
            (true, None) => {}
        }
    }
    let mut other_grid = nb.clone();
    other_grid[axis] = 1;
    let steps = GridIter::new(other_grid)
        .map(|ob| {
            let args = (0..nb[axis])
                .map(|k| {
                    let mut b = ob.clone();
                    b[axis] = k;
                    StepArg::Input { input: 0, block: flat(&b, &nb) }
                })
                .collect();
            Step { op: op.clone(), args }
        })
        .collect();
    blockwise(op.name(), vec![x.clone()], steps, shape, Chunks::from_sizes(sizes), dtype)
}

/// A step `op` per block of `inputs` (equally chunked), output block `i`
/// (row-major over `chunks`) reading block `i` of each.
pub(crate) fn per_block(
    inputs: Vec<Arc<Node>>,
    op: BlockOp,
    shape: Vec<usize>,
    chunks: Chunks,
    dtype: DType,
) -> Arc<Node> {
    let label = op.name();
    per_block_fn(label, inputs, op, shape, chunks, dtype, None)
}

/// As [`per_block`], named `label`, steps of `BlockOp::Custom` running `f`.
pub(crate) fn per_block_fn(
    label: &str,
    inputs: Vec<Arc<Node>>,
    op: BlockOp,
    shape: Vec<usize>,
    chunks: Chunks,
    dtype: DType,
    f: Option<Arc<dyn crate::ops::StepFn>>,
) -> Arc<Node> {
    let steps = (0..chunks.nblocks())
        .map(|i| Step {
            op: op.clone(),
            args: (0..inputs.len()).map(|k| StepArg::Input { input: k, block: i }).collect(),
        })
        .collect();
    blockwise_fn(label, inputs, steps, shape, chunks, dtype, f)
}
