//! Constructing nodes: broadcasting, chunk refinement, reduction shapes.
//! Errors become `Invalid` nodes, reported when the array is computed.
//!
//! Elementwise, source and reduction nodes are built from op data
//! (`crate::ops`): the kernel for the inputs' types is chosen here, once,
//! and the node's token is hashed from the op data (plus types, shapes and
//! input tokens), so equal ops on equal inputs get equal keys. The kernel
//! object keeps the op it was built from (`Kernel::op`, `Source::op`,
//! `Reducer::op`): the node holds the op through it, one copy that cannot
//! disagree with the code that runs.

pub(crate) mod blockwise;
mod dense;
mod group;
mod linalg;
mod structure;

pub(crate) use blockwise::blockwise;
pub(crate) use dense::dense;
pub(crate) use group::group_reduce;
pub(crate) use linalg::contract;
pub(crate) use structure::{concat, rechunk, reshape, slice, take, take_chunked, transpose};

use super::{Node, NodeKind};
use crate::chunks::{refine, Chunks};
use crate::dtype::DType;
use crate::error::Error;
use crate::kernels::elementwise::kernel_for;
use crate::kernels::reduce::reducer_for;
use crate::kernels::{Kernel, Source};
use crate::key::TokenHasher;
use crate::ops::{ElemOp, ReduceOp};
use std::sync::Arc;

/// NumPy broadcasting of two shapes.
pub(crate) fn broadcast_shapes(a: &[usize], b: &[usize]) -> Result<Vec<usize>, Error> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let x = if i + a.len() >= n { a[i + a.len() - n] } else { 1 };
        let y = if i + b.len() >= n { b[i + b.len() - n] } else { 1 };
        out[i] = if x == y || y == 1 {
            x
        } else if x == 1 {
            y
        } else {
            return Err(Error::Broadcast { left: a.to_vec(), right: b.to_vec() });
        };
    }
    Ok(out)
}

/// A broadcast shape and, per axis, the chunks known along it.
pub(crate) type BroadcastGrid = (Vec<usize>, Vec<Option<Vec<usize>>>);

/// The shape of arrays (each given by its shape and chunk sizes) broadcast
/// together, and along each of its axes the common refinement of the
/// chunks of the inputs that span it (`None` where none does: each has
/// length 1 there, or lacks the axis).
pub(crate) fn broadcast_grid(inputs: &[(&[usize], &[Vec<usize>])]) -> Result<BroadcastGrid, Error> {
    let mut shape: Vec<usize> = vec![];
    for (s, _) in inputs {
        shape = broadcast_shapes(&shape, s)?;
    }
    let nd = shape.len();
    let known = (0..nd)
        .map(|a| {
            let lists: Vec<&[usize]> = inputs
                .iter()
                .filter_map(|(s, c)| {
                    let off = nd - s.len();
                    (a >= off && s[a - off] == shape[a]).then(|| c[a - off].as_slice())
                })
                .collect();
            (!lists.is_empty()).then(|| refine(&lists))
        })
        .collect();
    Ok((shape, known))
}

/// An elementwise node of the built-in op `op` over `inputs`, its kernel
/// chosen for the inputs' types (once, here). `out` is the output type
/// the caller's types promise; a mismatch (a bug) gives an `Invalid` node.
pub(crate) fn elementwise(op: ElemOp, inputs: Vec<Arc<Node>>, out: DType) -> Arc<Node> {
    if let Some(bad) = inputs.iter().find(|n| n.error().is_some()) {
        return Node::invalid(bad.error().expect("found").clone(), out, bad);
    }
    let Some(first) = inputs.first() else {
        return Node::invalid_without_input(Error::Internal(format!("{} has no inputs", op.name())), out);
    };
    let dtypes: Vec<DType> = inputs.iter().map(|n| n.dtype).collect();
    match kernel_for(&op, &dtypes) {
        Ok(k) if k.out_dtype() == out => elementwise_kernel(k, inputs),
        Ok(k) => Node::invalid(
            Error::Internal(format!("{} gives {}, not {}", op.name(), k.out_dtype().name(), out.name())),
            out,
            first,
        ),
        Err(e) => Node::invalid(e, out, first),
    }
}

/// An elementwise node running `kernel` (a custom op's, or one chosen by
/// [`elementwise`]) over `inputs`, broadcasting them together and chunking
/// the result on the common refinement of their chunk boundaries. The
/// token hashes the kernel's op data, its output type and the inputs'
/// tokens.
pub(crate) fn elementwise_kernel(kernel: Arc<dyn Kernel>, inputs: Vec<Arc<Node>>) -> Arc<Node> {
    let dtype = kernel.out_dtype();
    if let Some((n, e)) = inputs.iter().find_map(|n| n.error().map(|e| (n, e))) {
        return Node::invalid(e.clone(), dtype, n);
    }
    let grids: Vec<(&[usize], &[Vec<usize>])> = inputs.iter().map(|n| (&n.shape[..], n.chunks.sizes())).collect();
    let (shape, known) = match broadcast_grid(&grids) {
        Ok(g) => g,
        Err(e) => return Node::invalid(e, dtype, &inputs[0]),
    };
    // An axis no input spans is one block (of length 1).
    let sizes = known.into_iter().zip(&shape).map(|(k, &n)| k.unwrap_or_else(|| vec![n])).collect();
    // The output type is part of the key: one custom op's name and token
    // may make values of different types.
    let mut h = TokenHasher::new("elementwise");
    kernel.op().hash_into(&mut h);
    h.u64(dtype as u64);
    for n in &inputs {
        h.u64(n.token);
    }
    let label = kernel.name().to_string();
    Node::new(h.finish(), &label, shape, Chunks::from_sizes(sizes), dtype, NodeKind::Elementwise { kernel, inputs })
}

/// A source node: `src` (built from `op`, or a custom source) over an
/// array of `shape` on the grid `chunks`. The token hashes the op data,
/// the type, the shape and the grid.
pub(crate) fn source(src: Arc<dyn Source>, shape: Vec<usize>, chunks: Chunks) -> Arc<Node> {
    let mut h = TokenHasher::new("source");
    src.op().hash_into(&mut h);
    h.usizes(&shape).u64(src.dtype() as u64);
    for l in chunks.sizes() {
        h.usizes(l);
    }
    let name = src.op().name().to_string();
    let dtype = src.dtype();
    Node::new(h.finish(), &name, shape, chunks, dtype, NodeKind::Source(src))
}

/// A reduction node of `op` over some axes of `input` (all for `None`),
/// its reducer chosen for the input's type (once, here). `axes` must be
/// unique and in range, and one at most for the positional reductions;
/// `out` is the result type the caller's types promise.
pub(crate) fn reduce(
    op: ReduceOp,
    input: Arc<Node>,
    axes: Option<&[usize]>,
    keepdims: bool,
    split_every: usize,
    out: DType,
) -> Arc<Node> {
    if let Some(e) = input.error() {
        return Node::invalid(e.clone(), out, &input);
    }
    if op.is_arg() && axes.is_some_and(|a| a.len() > 1) {
        let e = Error::Invalid(format!("{} takes one axis or all, got {axes:?}", op.name()));
        return Node::invalid(e, out, &input);
    }
    let reducer = match reducer_for(op, input.dtype) {
        Ok(r) if r.out_dtype() == out => r,
        Ok(r) => {
            let e = format!("{} gives {}, not {}", op.name(), r.out_dtype().name(), out.name());
            return Node::invalid(Error::Internal(e), out, &input);
        }
        Err(e) => return Node::invalid(e, out, &input),
    };
    let dtype = out;
    let nd = input.shape.len();
    let mut axes: Vec<usize> = match axes {
        None => (0..nd).collect(),
        Some(a) => a.to_vec(),
    };
    if let Some(&bad) = axes.iter().find(|&&a| a >= nd) {
        return Node::invalid(Error::Axis { axis: bad, ndim: nd }, dtype, &input);
    }
    axes.sort_unstable();
    if axes.windows(2).any(|w| w[0] == w[1]) {
        return Node::invalid(Error::Invalid(format!("repeated axis in {axes:?}")), dtype, &input);
    }
    if split_every < 2 {
        let e = Error::Invalid(format!("split_every must be at least 2, got {split_every}"));
        return Node::invalid(e, dtype, &input);
    }
    let reduced_len: usize = axes.iter().map(|&a| input.shape[a]).product();
    // NumPy raises even when the result is empty too ((0, 0) over axis 0),
    // "for consistency" (its test_reduce_zero_axis).
    if op.no_identity() && reduced_len == 0 {
        return Node::invalid(Error::EmptyReduction { op: op.name() }, dtype, &input);
    }
    let mut shape = vec![];
    let mut sizes = vec![];
    for a in 0..nd {
        if axes.contains(&a) {
            if keepdims {
                shape.push(1);
                sizes.push(vec![1]);
            }
        } else {
            shape.push(input.shape[a]);
            sizes.push(input.chunks.sizes()[a].clone());
        }
    }
    let mut h = TokenHasher::new("reduce");
    op.hash_into(&mut h);
    h.u64(dtype as u64).usizes(&axes).u64(keepdims as u64).u64(split_every as u64).u64(input.token);
    let label = op.name().to_string();
    Node::new(
        h.finish(),
        &label,
        shape,
        Chunks::from_sizes(sizes),
        dtype,
        NodeKind::Reduce { reducer, input, axes, keepdims, split_every },
    )
}

/// A grouped reduction node of `op` (see [`group_reduce`]), its reducer
/// chosen for the input's type; `out` is the result type the caller's
/// types promise.
pub(crate) fn group_reduce_op(
    op: ReduceOp,
    input: Arc<Node>,
    axis: usize,
    group: &[Option<usize>],
    ngroups: usize,
    out: DType,
) -> Arc<Node> {
    if let Some(e) = input.error() {
        return Node::invalid(e.clone(), out, &input);
    }
    match reducer_for(op, input.dtype) {
        Ok(r) if r.out_dtype() == out => group_reduce(r, input, axis, group, ngroups),
        Ok(r) => {
            let e = format!("{} gives {}, not {}", op.name(), r.out_dtype().name(), out.name());
            Node::invalid(Error::Internal(e), out, &input)
        }
        Err(e) => Node::invalid(e, out, &input),
    }
}

/// Token for operations that carry a user closure: closures cannot be
/// hashed, so each gets the next number of a process-wide sequence. A
/// program that builds its arrays in the same order gets the same tokens.
pub(crate) fn closure_token() -> u64 {
    crate::key::next_closure_token()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_follows_numpy() {
        assert_eq!(broadcast_shapes(&[3, 1], &[4]).unwrap(), vec![3, 4]);
        assert_eq!(broadcast_shapes(&[], &[2, 2]).unwrap(), vec![2, 2]);
        assert_eq!(broadcast_shapes(&[0], &[1]).unwrap(), vec![0]);
        assert!(broadcast_shapes(&[3], &[4]).is_err());
    }
}
