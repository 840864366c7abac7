//! Grouped reductions along one axis: each group is the set of positions
//! carrying its label. How the input is read (per run or per chunk) is the
//! optimizer's choice (`optimize/group_layout.rs`).

use crate::chunks::Chunks;
use crate::expr::{GroupLayout, Node, NodeKind};
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
    let layout = GroupLayout::Undecided { input: input.clone(), group: Arc::new(group.to_vec()) };
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
