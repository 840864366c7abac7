//! `map_overlap`: each block extended by a halo of its neighbours' values
//! (or padding past the array's edges), as windows of the input blocks.

use super::{BlockRef, Lowerer};
use crate::chunks::{Chunks, GridIter};
use crate::expr::{BlockFn, Node, Pad};
use crate::graph::{HaloPiece, OverlapTask, TaskId, TaskOp};
use crate::key::Key;
use std::sync::Arc;

/// Along one axis of an extended block: a run of positions read from one
/// input chunk with a step of +1 or -1, or (`src: None`) padding.
struct Run {
    dst: usize,
    len: usize,
    src: Option<(usize, usize, isize)>, // (chunk, start within it, step)
}

/// The input coordinate the extended coordinate `e` reads, if any.
fn source(e: isize, n: usize, pad: &Pad) -> Option<usize> {
    let n = n as isize;
    if (0..n).contains(&e) {
        return Some(e as usize);
    }
    let s = match pad {
        Pad::None | Pad::Constant(_) => return None,
        Pad::Edge => e.clamp(0, n - 1),
        Pad::Reflect if e < 0 => -e,
        Pad::Reflect => 2 * (n - 1) - e,
        Pad::Symmetric if e < 0 => -e - 1,
        Pad::Symmetric => 2 * n - 1 - e,
        Pad::Wrap => e.rem_euclid(n),
    };
    Some(s as usize)
}

/// Runs of the extended range `lo..hi` of axis `a`.
fn runs(chunks: &Chunks, a: usize, lo: isize, hi: isize, n: usize, pad: &Pad) -> Vec<Run> {
    let src: Vec<Option<usize>> = (lo..hi).map(|e| source(e, n, pad)).collect();
    let chunk_of = |s: usize| chunks.locate(a, s);
    let mut out: Vec<Run> = vec![];
    let mut i = 0;
    while i < src.len() {
        let Some(s) = src[i] else {
            let j = (i..src.len()).find(|&j| src[j].is_some()).unwrap_or(src.len());
            out.push(Run { dst: i, len: j - i, src: None });
            i = j;
            continue;
        };
        let c = chunk_of(s);
        let next = |k: usize, step: isize| {
            src.get(k)
                .copied()
                .flatten()
                .filter(|&t| t as isize == s as isize + step * (k - i) as isize && chunk_of(t) == c)
        };
        let step = if next(i + 1, -1).is_some() { -1 } else { 1 };
        let mut j = i + 1;
        while next(j, step).is_some() {
            j += 1;
        }
        out.push(Run { dst: i, len: j - i, src: Some((c, s - chunks.offset(a, c), step)) });
        i = j;
    }
    out
}

impl Lowerer {
    pub(super) fn emit_overlap(
        &mut self,
        n: &Arc<Node>,
        f: &Arc<dyn BlockFn>,
        input: &Arc<Node>,
        depth: &[usize],
        pad: &Pad,
    ) -> Vec<BlockRef> {
        let grid = input.chunks.clone();
        let nd = n.shape.len();
        let label: Arc<str> = Arc::from("map_overlap");
        let fill = match pad {
            Pad::Constant(v) => Some(v.clone()),
            _ => None,
        };
        let mut out = vec![];
        for b in grid.block_indices() {
            let off = grid.block_offset(&b);
            let shape = grid.block_shape(&b);
            let mut ext_shape = vec![0; nd];
            let mut inner = vec![0; nd];
            let mut axis_runs = vec![];
            for a in 0..nd {
                let (o, l, d, len) = (off[a] as isize, shape[a] as isize, depth[a] as isize, n.shape[a] as isize);
                let (lo, hi) = match pad {
                    Pad::None => ((o - d).max(0), (o + l + d).min(len)),
                    _ => (o - d, o + l + d),
                };
                ext_shape[a] = (hi - lo) as usize;
                inner[a] = (o - lo) as usize;
                axis_runs.push(if shape[a] == 0 { vec![] } else { runs(&grid, a, lo, hi, n.shape[a], pad) });
            }
            let mut deps: Vec<TaskId> = vec![];
            let mut pieces = vec![];
            // Every combination of reading runs (padding is pre-filled).
            let reading: Vec<Vec<&Run>> =
                axis_runs.iter().map(|r| r.iter().filter(|r| r.src.is_some()).collect()).collect();
            if reading.iter().all(|r| !r.is_empty()) {
                for pick in GridIter::new(reading.iter().map(|r| r.len()).collect()) {
                    let rs: Vec<&Run> = (0..nd).map(|a| reading[a][pick[a]]).collect();
                    let src: Vec<(usize, usize, isize)> = rs.iter().map(|r| r.src.expect("a reading run")).collect();
                    let idx: Vec<usize> = src.iter().map(|s| s.0).collect();
                    pieces.push(HaloPiece {
                        chunk: self.chunk_ref(input, &idx, &mut deps),
                        src: src.iter().map(|s| s.1).collect(),
                        step: src.iter().map(|s| s.2).collect(),
                        dst: rs.iter().map(|r| r.dst).collect(),
                        shape: rs.iter().map(|r| r.len).collect(),
                    });
                }
            }
            let op = TaskOp::Overlap(Box::new(OverlapTask {
                f: f.clone(),
                block: b.clone(),
                dtype: input.dtype,
                ext_shape,
                fill: fill.clone(),
                pieces,
                inner,
                shape,
            }));
            out.push(BlockRef::Task(self.push(Key::new(n.token, &label, &b), deps, op)));
        }
        out
    }
}
