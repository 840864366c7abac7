//! Grouped reductions along one axis: each group is the set of positions
//! carrying its label. Positions are cut into runs of one group inside one
//! chunk. With few runs a chunk (contiguous groups, resampling, a
//! day-of-year climatology), each run is a slice view of the input fused
//! into its own partial task; with many (the hours of hourly data), each
//! chunk makes one partial with a row per group present (flox's
//! map-reduce). Either way a group's partials merge into its block, and no
//! more than partials are held.

use super::slice;
use crate::chunks::Chunks;
use crate::expr::{AxisSel, GroupLayout, Node, NodeKind};

/// Runs of groups per chunk above which a grouped reduction makes one
/// partial per chunk (with a row per group) rather than one per run. A
/// per-chunk partial holds a row of accumulators per group present, so it
/// is larger than the chunk when the chunk holds many groups; below this
/// the small per-run partials are cheaper (measured on C1: 19 runs a chunk,
/// 0.75 s per run against 1.4-2.0 s per chunk, where freeing the large
/// partials cost TLB shootdowns).
const PIECES_PER_CHUNK: usize = 32;
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
        return Node::invalid(e.clone(), dtype, &input);
    }
    let nd = input.shape.len();
    // Runs of one group inside one chunk: (group, start, end).
    let mut runs: Vec<(usize, usize, usize)> = vec![];
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
        runs.push((g, i, j));
        i = j;
    }
    // Many short runs (more than a few per chunk): one pass per chunk.
    let per_chunk = runs.len() > PIECES_PER_CHUNK * input.chunks.numblocks()[axis].max(1);
    let layout = if per_chunk {
        GroupLayout::PerChunk { input: input.clone(), group: Arc::new(group.to_vec()) }
    } else {
        GroupLayout::Pieces(
            runs.iter()
                .map(|&(g, i, j)| {
                    let sel: Vec<AxisSel> = (0..nd)
                        .map(|a| {
                            let (start, len) = if a == axis { (i, j - i) } else { (0, input.shape[a]) };
                            AxisSel::Range { start, step: 1, len }
                        })
                        .collect();
                    (g, slice(input.clone(), sel))
                })
                .collect(),
        )
    };
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
    let kind = NodeKind::GroupReduce { reducer, axis, layout };
    Node::new(h.finish(), &label, shape, Chunks::from_sizes(sizes), dtype, kind)
}
