//! Grouped reductions along one axis: each group is the set of positions
//! carrying its label. Positions are cut into pieces, maximal runs of one
//! group inside one chunk; each piece is a slice view of the input (fused
//! into its own partial task), and a group's partials merge into its block.
//! Groups that are contiguous runs inside chunks (resampling) need one
//! piece each; groups spread over the axis (climatologies) merge one
//! partial per chunk they touch, never holding more than their partials.

use super::slice;
use crate::chunks::Chunks;
use crate::expr::{AxisSel, Node, NodeKind};
use crate::kernels::Reducer;
use crate::key::TokenHasher;
use std::sync::Arc;

/// A grouped reduction: `group[i]` is the group (`0..ngroups`) of position
/// `i` along `axis`, or `None` to leave it out. The result has `ngroups`
/// along `axis`, one block per group.
pub(crate) fn group_reduce(
    reducer: Arc<dyn Reducer>,
    input: Arc<Node>,
    axis: usize,
    group: &[Option<usize>],
    ngroups: usize,
) -> Arc<Node> {
    let dtype = reducer.out_dtype();
    if let Some(e) = input.error() {
        return Node::invalid(e.clone(), dtype);
    }
    let nd = input.shape.len();
    let mut pieces: Vec<(usize, Arc<Node>)> = vec![];
    let mut i = 0;
    while i < group.len() {
        let Some(g) = group[i] else {
            i += 1;
            continue;
        };
        let chunk = input.chunks.locate(axis, i);
        let end = input.chunks.offset(axis, chunk) + input.chunks.sizes()[axis][chunk];
        let mut j = i + 1;
        while j < end && group[j] == Some(g) {
            j += 1;
        }
        let sel: Vec<AxisSel> = (0..nd)
            .map(|a| {
                if a == axis {
                    AxisSel::Range { start: i, step: 1, len: j - i }
                } else {
                    AxisSel::Range { start: 0, step: 1, len: input.shape[a] }
                }
            })
            .collect();
        pieces.push((g, slice(input.clone(), sel)));
        i = j;
    }
    let mut shape = input.shape.clone();
    shape[axis] = ngroups;
    let mut sizes = input.chunks.sizes().to_vec();
    sizes[axis] = if ngroups == 0 { vec![0] } else { vec![1; ngroups] };
    let mut h = TokenHasher::new("groupby");
    h.str(reducer.name()).u64(reducer.params()).u64(dtype as u64).u64(axis as u64).u64(ngroups as u64).u64(input.token);
    for g in group {
        h.u64(g.map_or(u64::MAX, |g| g as u64));
    }
    let label = format!("groupby-{}", reducer.name());
    let kind = NodeKind::GroupReduce { reducer, pieces, axis };
    Node::new(h.finish(), &label, shape, Chunks::from_sizes(sizes), dtype, kind)
}
