//! Per-chunk compute kernels. A fused task walks its block in tiles
//! (row-major runs sized by `tile_len`); every elementwise step runs as a
//! tight, vectorised loop over a tile held in L1, so a chain of operations
//! makes one pass over memory and allocates no chunk-sized intermediates.

#[macro_use]
pub(crate) mod simd;
pub(crate) mod blocks;
pub(crate) mod dense;
pub(crate) mod elementwise;
pub(crate) mod product;
#[cfg(test)]
mod rebuild_tests;
pub(crate) mod reduce;
pub(crate) mod source;

pub use elementwise::Kernel;
pub use reduce::Reducer;
pub use source::Source;

/// Bytes of tile registers a fused task aims to keep in L1 (32 KiB on
/// current x86 cores, with room left for the inputs streaming through).
const TILE_BYTES: usize = 24 << 10;

/// Elements per tile for a program whose registers take `bytes_per_elem`
/// bytes per element together: as many as fit `TILE_BYTES` (fewer
/// registers, longer tiles, less dispatch per element), a multiple of 64.
pub(crate) fn tile_len(bytes_per_elem: usize) -> usize {
    (TILE_BYTES / bytes_per_elem.max(1)).clamp(512, 8192) / 64 * 64
}

/// Visits the row segments (runs along the last axis) of the flat row-major
/// range `[start, end)` of a block of shape `shape`, calling
/// `f(prefix, c0, c1, tile_offset)` where `prefix` is the index over all axes
/// but the last and `[c0, c1)` the run along the last axis.
#[inline]
pub(crate) fn for_each_segment(
    shape: &[usize],
    start: usize,
    end: usize,
    prefix: &mut Vec<usize>,
    mut f: impl FnMut(&[usize], usize, usize, usize),
) {
    if start >= end {
        return;
    }
    let nd = shape.len();
    let row_len = if nd == 0 { 1 } else { shape[nd - 1] };
    let lead = if nd == 0 { &[][..] } else { &shape[..nd - 1] };
    let mut row = start / row_len;
    let mut col = start % row_len;
    prefix.clear();
    prefix.resize(lead.len(), 0);
    for a in (0..lead.len()).rev() {
        prefix[a] = row % lead[a];
        row /= lead[a];
    }
    let mut p = start;
    while p < end {
        let len = (row_len - col).min(end - p);
        f(prefix, col, col + len, p - start);
        p += len;
        col = 0;
        for a in (0..lead.len()).rev() {
            prefix[a] += 1;
            if prefix[a] < lead[a] {
                break;
            }
            prefix[a] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_cover_range_in_order() {
        let mut seen = vec![];
        let mut pre = vec![];
        for_each_segment(&[2, 3, 4], 5, 19, &mut pre, |p, c0, c1, off| seen.push((p.to_vec(), c0, c1, off)));
        assert_eq!(
            seen,
            vec![(vec![0, 1], 1, 4, 0), (vec![0, 2], 0, 4, 3), (vec![1, 0], 0, 4, 7), (vec![1, 1], 0, 3, 11)]
        );
        let mut n = 0;
        for_each_segment(&[], 0, 1, &mut pre, |p, c0, c1, _| {
            assert!(p.is_empty() && c0 == 0 && c1 == 1);
            n += 1
        });
        assert_eq!(n, 1);
    }
}
