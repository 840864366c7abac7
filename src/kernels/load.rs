//! Leaf loaders: fill a tile register from a chunk view (with broadcasting
//! as zero strides) or from a source evaluated at global indices.

use super::for_each_segment;
use super::source::Source;
use crate::dtype::{AnyVec, Element};
use ndarray::ArrayD;
use std::sync::Arc;

/// Fills `out[..end - start]` with the block's flat range `[start, end)`.
pub(crate) trait Load {
    fn load(&self, shape: &[usize], start: usize, end: usize, prefix: &mut Vec<usize>, out: &mut AnyVec);
}

/// A window of a chunk seen with the block's shape: element `i` of the
/// block is at `origin + sum(i[a] * strides[a])` of the chunk's data.
pub(crate) struct ViewLoader<'a, T> {
    data: &'a [T],
    base: *const T,
    origin: isize,
    strides: Vec<isize>,
    contiguous: bool,
}

impl<'a, T: Element> ViewLoader<'a, T> {
    /// `strides` are in elements of `arr`, one per block axis (0 where
    /// broadcast); the caller guarantees the window lies inside `arr`.
    pub(crate) fn new(arr: &'a ArrayD<T>, origin: isize, strides: Vec<isize>, shape: &[usize]) -> Self {
        let mut expect = 1isize;
        let mut contiguous = arr.is_standard_layout();
        for (a, &n) in shape.iter().enumerate().rev() {
            if n > 1 && strides[a] != expect {
                contiguous = false;
            }
            expect *= n as isize;
        }
        let data = if contiguous { arr.as_slice().unwrap_or(&[]) } else { &[] };
        ViewLoader { data, base: arr.as_ptr(), origin, strides, contiguous }
    }
}

impl<T: Element> Load for ViewLoader<'_, T> {
    fn load(&self, shape: &[usize], start: usize, end: usize, prefix: &mut Vec<usize>, out: &mut AnyVec) {
        let out = T::vec_mut(out);
        if self.contiguous {
            let o = self.origin as usize;
            out[..end - start].copy_from_slice(&self.data[o + start..o + end]);
            return;
        }
        let strides = &self.strides;
        let nd = strides.len();
        let sl = if nd == 0 { 0 } else { strides[nd - 1] };
        let ptr = self.base;
        for_each_segment(shape, start, end, prefix, |pre, c0, c1, off| {
            let base: isize =
                self.origin + pre.iter().zip(strides).map(|(&i, &s)| i as isize * s).sum::<isize>() + c0 as isize * sl;
            let dst = &mut out[off..off + (c1 - c0)];
            // SAFETY: `pre` and `c0..c1` index the block, and the caller of
            // `new` guaranteed the block's window lies inside the array.
            unsafe {
                if sl == 1 {
                    dst.copy_from_slice(std::slice::from_raw_parts(ptr.offset(base), c1 - c0));
                } else if sl == 0 {
                    dst.fill(*ptr.offset(base));
                } else {
                    for (j, d) in dst.iter_mut().enumerate() {
                        *d = *ptr.offset(base + j as isize * sl);
                    }
                }
            }
        });
    }
}

/// A source evaluated on the block: `origin` is the block's start in the
/// source's own coordinates, `bcast` marks source axes broadcast to the
/// block, and the source's axes align with the block's trailing axes.
pub(crate) struct SourceLoader {
    pub src: Arc<dyn Source>,
    pub origin: Vec<usize>,
    pub bcast: Vec<bool>,
    /// Scratch for the global index (a loader lives within one task).
    pub index: std::cell::RefCell<Vec<usize>>,
}

impl SourceLoader {
    pub(crate) fn new(src: Arc<dyn Source>, origin: Vec<usize>, bcast: Vec<bool>) -> Self {
        let index = std::cell::RefCell::new(origin.clone());
        SourceLoader { src, origin, bcast, index }
    }
}

impl Load for SourceLoader {
    fn load(&self, shape: &[usize], start: usize, end: usize, prefix: &mut Vec<usize>, out: &mut AnyVec) {
        let m = self.origin.len();
        let nd = shape.len();
        let lead = nd.saturating_sub(1);
        let mut index = self.index.borrow_mut();
        let repeat = m > 0 && self.bcast[m - 1];
        for_each_segment(shape, start, end, prefix, |pre, c0, c1, off| {
            for (a, idx) in index.iter_mut().enumerate() {
                let ba = nd - m + a;
                let local = if ba < lead { pre[ba] } else { c0 };
                *idx = if self.bcast[a] { 0 } else { self.origin[a] + local };
            }
            self.src.fill(&index, c1 - c0, repeat, out, off);
        });
    }
}
