//! Constructing nodes: broadcasting, chunk refinement, reduction shapes.
//! Errors become `Invalid` nodes, reported when the array is computed.

mod group;
mod linalg;
mod structure;

pub(crate) use group::group_reduce;
pub(crate) use linalg::contract;
pub(crate) use structure::{concat, rechunk, reshape, slice, take, take_chunked, transpose};

use super::{Node, NodeKind};
use crate::chunks::{refine, Chunks};
use crate::error::Error;
use crate::kernels::{Kernel, Reducer};
use crate::key::TokenHasher;
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

/// An elementwise node over `inputs`, broadcasting them together and
/// chunking the result on the common refinement of their chunk boundaries.
pub(crate) fn elementwise(kernel: Arc<dyn Kernel>, token_extra: u64, inputs: Vec<Arc<Node>>) -> Arc<Node> {
    let dtype = kernel.out_dtype();
    if let Some((n, e)) = inputs.iter().find_map(|n| n.error().map(|e| (n, e))) {
        return Node::invalid(e.clone(), dtype, n);
    }
    let mut shape: Vec<usize> = vec![];
    for n in &inputs {
        match broadcast_shapes(&shape, &n.shape) {
            Ok(s) => shape = s,
            Err(e) => return Node::invalid(e, dtype, &inputs[0]),
        }
    }
    let nd = shape.len();
    let sizes = (0..nd)
        .map(|a| {
            let lists: Vec<&[usize]> = inputs
                .iter()
                .filter_map(|n| {
                    let off = nd - n.shape.len();
                    (a >= off && n.shape[a - off] == shape[a]).then(|| n.chunks.sizes()[a - off].as_slice())
                })
                .collect();
            if lists.is_empty() {
                vec![shape[a]]
            } else {
                refine(&lists)
            }
        })
        .collect();
    // The output type is part of the key: one closure name and parameter
    // may make values of different types.
    let mut h = TokenHasher::new(kernel.name());
    h.u64(token_extra).u64(dtype as u64);
    for n in &inputs {
        h.u64(n.token);
    }
    let label = kernel.name().to_string();
    Node::new(h.finish(), &label, shape, Chunks::from_sizes(sizes), dtype, NodeKind::Elementwise { kernel, inputs })
}

/// A reduction node. `axes` must be sorted, unique and in range.
pub(crate) fn reduce(
    reducer: Arc<dyn Reducer>,
    input: Arc<Node>,
    axes: Option<&[usize]>,
    keepdims: bool,
    split_every: usize,
    no_identity: bool,
) -> Arc<Node> {
    let dtype = reducer.out_dtype();
    if let Some(e) = input.error() {
        return Node::invalid(e.clone(), dtype, &input);
    }
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
    if no_identity && reduced_len == 0 {
        return Node::invalid(Error::EmptyReduction { op: static_name(reducer.name()) }, dtype, &input);
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
    let token = TokenHasher::new(reducer.name())
        .u64(reducer.params())
        .u64(dtype as u64)
        .usizes(&axes)
        .u64(keepdims as u64)
        .u64(split_every as u64)
        .u64(input.token)
        .finish();
    let label = reducer.name().to_string();
    Node::new(
        token,
        &label,
        shape,
        Chunks::from_sizes(sizes),
        dtype,
        NodeKind::Reduce { reducer, input, axes, keepdims, split_every },
    )
}

fn static_name(n: &str) -> &'static str {
    match n {
        "min" => "min",
        "max" => "max",
        "argmin" => "argmin",
        "argmax" => "argmax",
        "nanmin" => "nanmin",
        "nanmax" => "nanmax",
        _ => "reduction",
    }
}

/// Token for operations that carry a user closure: closures cannot be
/// hashed, so each gets the next number of a process-wide sequence. A
/// program that builds its arrays in the same order gets the same tokens.
pub(crate) fn closure_token() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
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
