//! Contraction nodes (`tensordot`, `matmul`).

use super::structure::rechunk;
use crate::chunks::{refine, Chunks};
use crate::error::Error;
use crate::expr::{Node, NodeKind};
use crate::kernels::product::{BlockProduct, ContractSpec};
use crate::key::TokenHasher;
use std::sync::Arc;

/// A contraction node. Paired (batch and contracted) axes must have equal
/// lengths; both operands are rechunked so paired axes share boundaries.
pub(crate) fn contract(
    a: Arc<Node>,
    b: Arc<Node>,
    spec: ContractSpec,
    kernel: Arc<dyn BlockProduct>,
    split_every: usize,
) -> Arc<Node> {
    let dtype = a.dtype;
    if let Some(e) = a.error() {
        return Node::invalid(e.clone(), dtype, &a);
    }
    if let Some(e) = b.error() {
        return Node::invalid(e.clone(), dtype, &b);
    }
    for &(x, y) in spec.batch.iter().chain(&spec.contract) {
        if x >= a.shape.len() || y >= b.shape.len() || a.shape[x] != b.shape[y] {
            return Node::invalid(
                Error::Shape(format!("shapes {:?} and {:?} do not align on axes {x} and {y}", a.shape, b.shape)),
                dtype,
                &a,
            );
        }
    }
    // A transposed operand is read as it is stored: the block product
    // takes strided views, so no transposed copy of it is made.
    let (a, b, spec) = absorb_transposes(a, b, spec);
    let pairs: Vec<(usize, usize)> = spec.batch.iter().chain(&spec.contract).copied().collect();
    let (mut ca, mut cb) = (a.chunks.sizes().to_vec(), b.chunks.sizes().to_vec());
    for &(x, y) in &pairs {
        let r = refine(&[&ca[x], &cb[y]]);
        ca[x] = r.clone();
        cb[y] = r;
    }
    let a = rechunk(a, Chunks::from_sizes(ca));
    let b = rechunk(b, Chunks::from_sizes(cb));
    let mut shape = vec![];
    let mut sizes = vec![];
    for &(x, _) in &spec.batch {
        shape.push(a.shape[x]);
        sizes.push(a.chunks.sizes()[x].clone());
    }
    for &x in &spec.free_a {
        shape.push(a.shape[x]);
        sizes.push(a.chunks.sizes()[x].clone());
    }
    for &y in &spec.free_b {
        shape.push(b.shape[y]);
        sizes.push(b.chunks.sizes()[y].clone());
    }
    let mut h = TokenHasher::new("tensordot");
    for &(x, y) in spec.batch.iter().chain(&spec.contract) {
        h.u64(x as u64).u64(y as u64);
    }
    h.usizes(&spec.free_a).usizes(&spec.free_b).u64(split_every as u64).u64(a.token).u64(b.token);
    let kind = NodeKind::Contract { a, b, spec: Arc::new(spec), kernel, split_every };
    Node::new(h.finish(), "tensordot", shape, Chunks::from_sizes(sizes), dtype, kind)
}

/// The operands under their transposes, with the spec's axes renamed to
/// the inputs' (axis `x` of `transpose(t, perm)` is axis `perm[x]` of `t`).
fn absorb_transposes(a: Arc<Node>, b: Arc<Node>, mut spec: ContractSpec) -> (Arc<Node>, Arc<Node>, ContractSpec) {
    let ContractSpec { batch, contract, free_a, free_b } = &mut spec;
    let a = untranspose(a, batch.iter_mut().chain(contract.iter_mut()).map(|p| &mut p.0).chain(free_a.iter_mut()));
    let b = untranspose(b, batch.iter_mut().chain(contract.iter_mut()).map(|p| &mut p.1).chain(free_b.iter_mut()));
    (a, b, spec)
}

/// `n`'s input if it is a transpose, its `axes` renamed to the input's.
fn untranspose<'a>(n: Arc<Node>, axes: impl Iterator<Item = &'a mut usize>) -> Arc<Node> {
    match &n.kind {
        NodeKind::Transpose { input, perm } => {
            axes.for_each(|x| *x = perm[*x]);
            input.clone()
        }
        _ => n,
    }
}
