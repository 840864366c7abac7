//! Constructing nodes: broadcasting, chunk refinement, reduction shapes.
//! Errors become `Invalid` nodes, reported when the array is computed.

use super::{AxisSel, Node, NodeKind};
use crate::chunks::{refine, Chunks};
use crate::dtype::DType;
use crate::error::Error;
use crate::kernels::product::{BlockProduct, ContractSpec};
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
    if let Some(e) = inputs.iter().find_map(|n| n.error()) {
        return Node::invalid(e.clone(), dtype);
    }
    let mut shape: Vec<usize> = vec![];
    for n in &inputs {
        match broadcast_shapes(&shape, &n.shape) {
            Ok(s) => shape = s,
            Err(e) => return Node::invalid(e, dtype),
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
    let mut h = TokenHasher::new(kernel.name());
    h.u64(token_extra);
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
        return Node::invalid(e.clone(), dtype);
    }
    let nd = input.shape.len();
    let mut axes: Vec<usize> = match axes {
        None => (0..nd).collect(),
        Some(a) => a.to_vec(),
    };
    if let Some(&bad) = axes.iter().find(|&&a| a >= nd) {
        return Node::invalid(Error::Axis { axis: bad, ndim: nd }, dtype);
    }
    axes.sort_unstable();
    if axes.windows(2).any(|w| w[0] == w[1]) {
        return Node::invalid(Error::Invalid(format!("repeated axis in {axes:?}")), dtype);
    }
    if split_every < 2 {
        return Node::invalid(Error::Invalid(format!("split_every must be at least 2, got {split_every}")), dtype);
    }
    let reduced_len: usize = axes.iter().map(|&a| input.shape[a]).product();
    let out_len: usize = (0..nd).filter(|a| !axes.contains(a)).map(|a| input.shape[a]).product();
    if no_identity && reduced_len == 0 && out_len > 0 {
        return Node::invalid(Error::EmptyReduction { op: static_name(reducer.name()) }, dtype);
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

/// A transpose node: output axis `j` is input axis `perm[j]`.
pub(crate) fn transpose(input: Arc<Node>, perm: &[usize]) -> Arc<Node> {
    if let Some(e) = input.error() {
        return Node::invalid(e.clone(), input.dtype);
    }
    let nd = input.shape.len();
    let mut seen = vec![false; nd];
    if perm.len() != nd || perm.iter().any(|&p| p >= nd || std::mem::replace(&mut seen[p], true)) {
        return Node::invalid(Error::Invalid(format!("{perm:?} is not a permutation of {nd} axes")), input.dtype);
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
        return Node::invalid(e.clone(), input.dtype);
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

/// Old blocks an assembly task may read (and new blocks an old block may
/// feed) before the rechunk goes through an intermediate grid.
const MAX_RECHUNK_FAN: usize = 32;

/// True when `n` can be produced again from sources alone (no chunk of
/// another task is needed): rechunking it is then only a change of view.
fn recomputable(n: &Node) -> bool {
    match &n.kind {
        NodeKind::Source(_) | NodeKind::FromArray(_) => true,
        NodeKind::Elementwise { .. }
        | NodeKind::Transpose { .. }
        | NodeKind::Slice { .. }
        | NodeKind::Rechunk { .. } => n.inputs().iter().all(|i| recomputable(i)),
        _ => false,
    }
}

/// A rechunk node onto `chunks` (already checked against the shape).
///
/// When every new block would gather many old blocks and every old block
/// would feed many new ones (turning column blocks into row blocks, say),
/// the data goes through an intermediate grid whose blocks are the
/// geometric mean of the two sizes on each axis (as dask's planner does),
/// so each stage reads about the square root of the direct fan-in.
pub(crate) fn rechunk(input: Arc<Node>, chunks: Chunks) -> Arc<Node> {
    if input.error().is_some() || chunks == input.chunks {
        return input;
    }
    let nd = input.shape.len();
    let typical = |c: &Chunks, a: usize| c.sizes()[a].iter().copied().max().unwrap_or(0).max(1);
    let fan_in: usize = (0..nd).map(|a| typical(&chunks, a).div_ceil(typical(&input.chunks, a))).product();
    let fan_out: usize = (0..nd).map(|a| typical(&input.chunks, a).div_ceil(typical(&chunks, a))).product();
    if fan_in > MAX_RECHUNK_FAN && fan_out > MAX_RECHUNK_FAN && !recomputable(&input) {
        let mid: Vec<Vec<usize>> = (0..nd)
            .map(|a| {
                let len = input.shape[a];
                let m = ((typical(&chunks, a) * typical(&input.chunks, a)) as f64).sqrt().round() as usize;
                let m = m.clamp(1, len.max(1));
                let mut v = vec![m; len / m];
                if len % m > 0 || v.is_empty() {
                    v.push(len % m);
                }
                v
            })
            .collect();
        let mid = Chunks::from_sizes(mid);
        if mid != chunks && mid != input.chunks {
            return rechunk(rechunk(input, mid), chunks);
        }
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
        return Node::invalid(Error::Invalid("need at least one array to concatenate".into()), DType::F64);
    };
    let dtype = first.dtype;
    if let Some(e) = inputs.iter().find_map(|n| n.error()) {
        return Node::invalid(e.clone(), dtype);
    }
    let nd = first.shape.len();
    if axis >= nd {
        return Node::invalid(Error::Axis { axis, ndim: nd }, dtype);
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
    if let Some(e) = a.error().or(b.error()) {
        return Node::invalid(e.clone(), dtype);
    }
    let pairs: Vec<(usize, usize)> = spec.batch.iter().chain(&spec.contract).copied().collect();
    for &(x, y) in &pairs {
        if x >= a.shape.len() || y >= b.shape.len() || a.shape[x] != b.shape[y] {
            return Node::invalid(
                Error::Shape(format!("shapes {:?} and {:?} do not align on axes {x} and {y}", a.shape, b.shape)),
                dtype,
            );
        }
    }
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

/// Integer-array indexing along one axis. Output chunks are the runs of
/// consecutive indices that fall in the same input chunk.
pub(crate) fn take(input: Arc<Node>, axis: usize, indices: Vec<usize>) -> Arc<Node> {
    let dtype = input.dtype;
    if let Some(e) = input.error() {
        return Node::invalid(e.clone(), dtype);
    }
    let runs = runs_by_chunk(&input.chunks, axis, indices.iter().copied());
    let mut shape = input.shape.clone();
    shape[axis] = indices.len();
    let mut sizes = input.chunks.sizes().to_vec();
    sizes[axis] = runs;
    let token = TokenHasher::new("take").u64(axis as u64).usizes(&indices).u64(input.token).finish();
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
        return Node::invalid(e.clone(), dtype);
    }
    let (ins, outs) = (&input.shape, &shape);
    if ins.iter().product::<usize>() != outs.iter().product::<usize>() {
        return Node::invalid(Error::Shape(format!("cannot reshape {ins:?} into {outs:?}")), dtype);
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
