//! Nodes that rearrange blocks and views: transpose, slice, rechunk (with
//! its planner), concatenate, take, reshape.

use crate::chunks::{refine, Chunks};
use crate::dtype::DType;
use crate::error::Error;
use crate::expr::{AxisSel, Node, NodeKind};
use crate::key::TokenHasher;
use std::sync::Arc;

/// A transpose node: output axis `j` is input axis `perm[j]`.
pub(crate) fn transpose(input: Arc<Node>, perm: &[usize]) -> Arc<Node> {
    if let Some(e) = input.error() {
        return Node::invalid(e.clone(), input.dtype, &input);
    }
    let nd = input.shape.len();
    let mut seen = vec![false; nd];
    if perm.len() != nd || perm.iter().any(|&p| p >= nd || std::mem::replace(&mut seen[p], true)) {
        let e = Error::Invalid(format!("{perm:?} is not a permutation of {nd} axes"));
        return Node::invalid(e, input.dtype, &input);
    }
    if perm.iter().enumerate().all(|(i, &p)| i == p) {
        return input;
    }
    let shape = perm.iter().map(|&p| input.shape[p]).collect();
    let sizes = perm.iter().map(|&p| input.chunks.sizes()[p].clone()).collect();
    let token = TokenHasher::new("transpose").usizes(perm).u64(input.token).finish();
    let dtype = input.dtype;
    Node::new(
        token,
        "transpose",
        shape,
        Chunks::from_sizes(sizes),
        dtype,
        NodeKind::Transpose { input, perm: perm.to_vec() },
    )
}

/// Output chunk lengths for picking `coords` along `axis`: one block per
/// run of consecutive picks inside the same input chunk, so that every
/// output block reads exactly one input block.
fn runs_by_chunk(chunks: &Chunks, axis: usize, coords: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut runs: Vec<usize> = vec![];
    let mut last = usize::MAX;
    for c in coords {
        let b = chunks.locate(axis, c);
        if b == last {
            *runs.last_mut().expect("a run is open") += 1;
        } else {
            runs.push(1);
            last = b;
        }
    }
    if runs.is_empty() {
        runs.push(0);
    }
    runs
}

/// A slicing node. Each output block comes from one input block: output
/// chunks are the runs of selected coordinates within each input chunk.
pub(crate) fn slice(input: Arc<Node>, sel: Vec<AxisSel>) -> Arc<Node> {
    if let Some(e) = input.error() {
        return Node::invalid(e.clone(), input.dtype, &input);
    }
    let mut shape = vec![];
    let mut sizes = vec![];
    let mut axis = 0;
    let mut h = TokenHasher::new("getitem");
    for s in &sel {
        match *s {
            AxisSel::Range { start, step, len } => {
                h.u64(0).u64(start as u64).u64(step as u64).u64(len as u64);
                let coords = (0..len).map(|k| (start as isize + step * k as isize) as usize);
                let runs = runs_by_chunk(&input.chunks, axis, coords);
                shape.push(len);
                sizes.push(runs);
                axis += 1;
            }
            AxisSel::Index(i) => {
                h.u64(1).u64(i as u64);
                axis += 1;
            }
            AxisSel::NewAxis => {
                h.u64(2);
                shape.push(1);
                sizes.push(vec![1]);
            }
        }
    }
    h.u64(input.token);
    let dtype = input.dtype;
    Node::new(h.finish(), "getitem", shape, Chunks::from_sizes(sizes), dtype, NodeKind::Slice { input, sel })
}

/// A rechunk node onto `chunks` (already checked against the shape). How
/// it runs (directly, or through an intermediate grid) is the optimizer's
/// choice (`optimize/rechunk_plan.rs`).
pub(crate) fn rechunk(input: Arc<Node>, chunks: Chunks) -> Arc<Node> {
    if input.error().is_some() || chunks == input.chunks {
        return input;
    }
    let mut h = TokenHasher::new("rechunk");
    for l in chunks.sizes() {
        h.usizes(l);
    }
    let token = h.u64(input.token).finish();
    let (shape, dtype) = (input.shape.clone(), input.dtype);
    Node::new(token, "rechunk", shape, chunks, dtype, NodeKind::Rechunk { input })
}

/// A concatenation along `axis`. Inputs are rechunked on the other axes to
/// the common refinement of their chunks; inputs empty along `axis` are
/// dropped (unless all are).
pub(crate) fn concat(inputs: Vec<Arc<Node>>, axis: usize) -> Arc<Node> {
    let Some(first) = inputs.first() else {
        return Node::invalid_without_input(
            Error::Invalid("need at least one array to concatenate".into()),
            DType::F64,
        );
    };
    let dtype = first.dtype;
    if let Some((n, e)) = inputs.iter().find_map(|n| n.error().map(|e| (n, e))) {
        return Node::invalid(e.clone(), dtype, n);
    }
    let nd = first.shape.len();
    if axis >= nd {
        return Node::invalid(Error::Axis { axis, ndim: nd }, dtype, first);
    }
    for n in &inputs {
        let same = n.shape.len() == nd && (0..nd).all(|a| a == axis || n.shape[a] == first.shape[a]);
        if !same {
            return Node::invalid(
                Error::Shape(format!(
                    "cannot concatenate shapes {:?} and {:?} along axis {axis}",
                    first.shape, n.shape
                )),
                dtype,
                first,
            );
        }
    }
    let mut parts: Vec<Arc<Node>> = inputs.iter().filter(|n| n.shape[axis] > 0).cloned().collect();
    if parts.is_empty() {
        parts.push(first.clone());
    }
    let sizes: Vec<Vec<usize>> = (0..nd)
        .map(|a| {
            if a == axis {
                parts.iter().flat_map(|n| n.chunks.sizes()[a].iter().copied()).collect()
            } else {
                refine(&parts.iter().map(|n| n.chunks.sizes()[a].as_slice()).collect::<Vec<_>>())
            }
        })
        .collect();
    let parts: Vec<Arc<Node>> = parts
        .into_iter()
        .map(|n| {
            let mut want = sizes.clone();
            want[axis] = n.chunks.sizes()[axis].clone();
            rechunk(n, Chunks::from_sizes(want))
        })
        .collect();
    let mut shape = first.shape.clone();
    shape[axis] = parts.iter().map(|n| n.shape[axis]).sum();
    let mut h = TokenHasher::new("concatenate");
    h.u64(axis as u64);
    for n in &parts {
        h.u64(n.token);
    }
    Node::new(
        h.finish(),
        "concatenate",
        shape,
        Chunks::from_sizes(sizes),
        dtype,
        NodeKind::Concat { inputs: parts, axis },
    )
}

/// Integer-array indexing along one axis. Output chunks are the runs of
/// consecutive indices that fall in the same input chunk.
pub(crate) fn take(input: Arc<Node>, axis: usize, indices: Vec<usize>) -> Arc<Node> {
    if input.error().is_some() {
        return take_chunked(input, axis, indices, vec![]);
    }
    let runs = runs_by_chunk(&input.chunks, axis, indices.iter().copied());
    take_chunked(input, axis, indices, runs)
}

/// `take` with the output's chunk lengths along `axis` given (`out`): an
/// output block may then gather from several input blocks.
pub(crate) fn take_chunked(input: Arc<Node>, axis: usize, indices: Vec<usize>, out: Vec<usize>) -> Arc<Node> {
    let dtype = input.dtype;
    if let Some(e) = input.error() {
        return Node::invalid(e.clone(), dtype, &input);
    }
    let mut shape = input.shape.clone();
    shape[axis] = indices.len();
    let mut sizes = input.chunks.sizes().to_vec();
    sizes[axis] = out;
    let token =
        TokenHasher::new("take").u64(axis as u64).usizes(&indices).usizes(&sizes[axis]).u64(input.token).finish();
    let kind = NodeKind::Take { input, axis, indices: Arc::new(indices) };
    Node::new(token, "take", shape, Chunks::from_sizes(sizes), dtype, kind)
}

/// Boundaries of `sizes` rounded down to multiples of `m` (so each block
/// holds whole groups of `m`).
fn round_chunks(sizes: &[usize], m: usize) -> Vec<usize> {
    let total: usize = sizes.iter().sum();
    let mut cuts: Vec<usize> = vec![];
    let mut acc = 0;
    for &s in sizes {
        acc += s;
        let c = if acc == total { acc } else { acc / m * m };
        if c > cuts.last().copied().unwrap_or(0) {
            cuts.push(c);
        }
    }
    let mut prev = 0;
    let out: Vec<usize> = cuts.iter().map(|&c| c - std::mem::replace(&mut prev, c)).collect();
    if out.is_empty() {
        vec![total]
    } else {
        out
    }
}

/// A reshape with dask's rules: axes are grouped where the running products
/// of both shapes meet; a group merging input axes keeps only its first
/// axis chunked, a group splitting one input axis cuts it at multiples of
/// the trailing output axes; other groups become one block. The input is
/// rechunked so that every input block is one output block.
pub(crate) fn reshape(input: Arc<Node>, shape: Vec<usize>) -> Arc<Node> {
    let dtype = input.dtype;
    if let Some(e) = input.error() {
        return Node::invalid(e.clone(), dtype, &input);
    }
    if let Err(e) = crate::chunks::checked_len(&shape, dtype.size()) {
        return Node::invalid(e, dtype, &input);
    }
    let (ins, outs) = (&input.shape, &shape);
    if ins.iter().product::<usize>() != outs.iter().product::<usize>() {
        return Node::invalid(Error::Shape(format!("cannot reshape {ins:?} into {outs:?}")), dtype, &input);
    }
    if ins == outs {
        return input;
    }
    let old = input.chunks.sizes();
    let mut new_in: Vec<Vec<usize>> = old.to_vec();
    let mut out_chunks: Vec<Vec<usize>> = vec![vec![]; outs.len()];
    let (mut i, mut j) = (0, 0);
    let empty = ins.iter().product::<usize>() == 0;
    while i < ins.len() || j < outs.len() {
        // Length-1 axes (and everything, for an empty array) stand alone.
        if i < ins.len() && (ins[i] == 1 || empty) && (j >= outs.len() || outs[j] != ins[i] || empty) {
            new_in[i] = vec![ins[i]];
            i += 1;
            continue;
        }
        if j < outs.len() && (outs[j] == 1 || empty) && (i >= ins.len() || ins[i] != outs[j] || empty) {
            out_chunks[j] = vec![outs[j]];
            j += 1;
            continue;
        }
        // Grow the group until the products meet.
        let (i0, j0) = (i, j);
        let (mut pi, mut pj) = (ins[i], outs[j]);
        i += 1;
        j += 1;
        while pi != pj {
            if pi < pj {
                pi *= ins[i];
                i += 1;
            } else {
                pj *= outs[j];
                j += 1;
            }
        }
        match (i - i0, j - j0) {
            (1, 1) => out_chunks[j0] = old[i0].clone(),
            (_, 1) => {
                let rest: usize = ins[i0 + 1..i].iter().product();
                for (a, c) in new_in.iter_mut().enumerate().take(i).skip(i0 + 1) {
                    *c = vec![ins[a]];
                }
                out_chunks[j0] = old[i0].iter().map(|&c| c * rest).collect();
            }
            (1, _) => {
                let trailing: usize = outs[j0 + 1..j].iter().product();
                new_in[i0] = round_chunks(&old[i0], trailing);
                out_chunks[j0] = new_in[i0].iter().map(|&c| c / trailing).collect();
                for (a, c) in out_chunks.iter_mut().enumerate().take(j).skip(j0 + 1) {
                    *c = vec![outs[a]];
                }
            }
            _ => {
                for (a, c) in new_in.iter_mut().enumerate().take(i).skip(i0) {
                    *c = vec![ins[a]];
                }
                for (a, c) in out_chunks.iter_mut().enumerate().take(j).skip(j0) {
                    *c = vec![outs[a]];
                }
            }
        }
    }
    let input = rechunk(input, Chunks::from_sizes(new_in));
    let token = TokenHasher::new("reshape").usizes(outs).u64(input.token).finish();
    Node::new(token, "reshape", shape, Chunks::from_sizes(out_chunks), dtype, NodeKind::Reshape { input })
}
