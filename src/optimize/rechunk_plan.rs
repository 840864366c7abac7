//! Rechunk planning (`rechunk-plan`). When every new block would gather
//! many old blocks and every old block would feed many new ones (turning
//! column blocks into row blocks, say), the data goes through an
//! intermediate grid whose blocks are the geometric mean of the two sizes
//! on each axis (as dask's planner does), so each stage reads about the
//! square root of the direct fan-in. A rechunk of values made from sources
//! alone is a change of view (`fuse::from_sources`) and needs no plan.

use super::expr::Expr;
use super::fuse::from_sources;
use super::rule::Rule;
use crate::chunks::Chunks;
use crate::error::Result;
use crate::expr::{rechunk, Node, NodeKind};
use std::sync::Arc;

/// Old blocks an assembly task may read (and new blocks an old block may
/// feed) before the rechunk goes through an intermediate grid.
const MAX_RECHUNK_FAN: usize = 32;

pub(super) struct RechunkPlan;

impl Rule for RechunkPlan {
    fn name(&self) -> &str {
        "rechunk-plan"
    }
    fn rewrite(&self, e: &Expr) -> Result<Option<Expr>> {
        let n = &e.0;
        let NodeKind::Rechunk { input } = &n.kind else { return Ok(None) };
        Ok(intermediate(input, &n.chunks).map(|mid| {
            // The same values (the same token) through the middle grid.
            Expr(n.with_inputs(vec![rechunk(input.clone(), mid)]))
        }))
    }
}

/// The intermediate grid for rechunking `input` to `chunks`, if one helps.
fn intermediate(input: &Arc<Node>, chunks: &Chunks) -> Option<Chunks> {
    let nd = input.shape.len();
    let typical = |c: &Chunks, a: usize| c.sizes()[a].iter().copied().max().unwrap_or(0).max(1);
    let fan_in: usize = (0..nd).map(|a| typical(chunks, a).div_ceil(typical(&input.chunks, a))).product();
    let fan_out: usize = (0..nd).map(|a| typical(&input.chunks, a).div_ceil(typical(chunks, a))).product();
    if fan_in <= MAX_RECHUNK_FAN || fan_out <= MAX_RECHUNK_FAN || from_sources(input) {
        return None;
    }
    let mid: Vec<Vec<usize>> = (0..nd)
        .map(|a| {
            let len = input.shape[a];
            let m = ((typical(chunks, a) * typical(&input.chunks, a)) as f64).sqrt().round() as usize;
            let m = m.clamp(1, len.max(1));
            let mut v = vec![m; len / m];
            if !len.is_multiple_of(m) || v.is_empty() {
                v.push(len % m);
            }
            v
        })
        .collect();
    let mid = Chunks::from_sizes(mid);
    (mid != *chunks && mid != input.chunks).then_some(mid)
}
