//! Leaf loaders: fill a tile register from a chunk view (with broadcasting
//! as zero strides) or from a source evaluated at global indices.

use super::AxisMap;
use crate::dtype::{AnySlice, AnySliceMut, Element};
use crate::kernels::for_each_segment;
use crate::kernels::source::{Run, Source};
use ndarray::ArrayD;
use std::sync::Arc;

/// Produces the block's flat range `[start, end)`.
pub(crate) trait Load {
    /// Writes the range into `out` (of length `end - start`).
    fn load(&self, shape: &[usize], start: usize, end: usize, prefix: &mut Vec<usize>, out: AnySliceMut<'_>);
    /// The range read in place, when it is contiguous in memory.
    fn view(&self, _start: usize, _end: usize) -> Option<AnySlice<'_>> {
        None
    }
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

/// The lowest and highest element offsets from `base` that a view of
/// `shape` with `strides` starting at `origin` touches (`None` if empty).
fn span(origin: isize, strides: &[isize], shape: &[usize]) -> Option<(isize, isize)> {
    if shape.contains(&0) {
        return None;
    }
    let (mut lo, mut hi) = (origin, origin);
    for (&s, &n) in strides.iter().zip(shape) {
        let d = s * (n as isize - 1);
        if d < 0 {
            lo += d;
        } else {
            hi += d;
        }
    }
    Some((lo, hi))
}

/// Panics unless the view lies inside `arr`'s own elements: the loaders'
/// unchecked reads are sound because of this check (plans are checked
/// earlier, with a typed error, in `exec::run`; this one guards the reads).
fn assert_inside<T>(arr: &ArrayD<T>, origin: isize, strides: &[isize], shape: &[usize]) {
    let own: Vec<isize> = arr.strides().to_vec();
    if let Some((lo, hi)) = span(origin, strides, shape) {
        let (alo, ahi) = span(0, &own, arr.shape()).unwrap_or((0, -1));
        assert!(alo <= lo && hi <= ahi, "view [{lo}, {hi}] outside its chunk [{alo}, {ahi}]");
    }
}

impl<'a, T: Element> ViewLoader<'a, T> {
    /// `strides` are in elements of `arr`, one per block axis (0 where
    /// broadcast). Panics if the window does not lie inside `arr`.
    pub(crate) fn new(arr: &'a ArrayD<T>, origin: isize, strides: Vec<isize>, shape: &[usize]) -> Self {
        assert_inside(arr, origin, &strides, shape);
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
    fn view(&self, start: usize, end: usize) -> Option<AnySlice<'_>> {
        let o = self.origin as usize;
        self.contiguous.then(|| T::wrap_slice(&self.data[o + start..o + end]))
    }
    fn load(&self, shape: &[usize], start: usize, end: usize, prefix: &mut Vec<usize>, out: AnySliceMut<'_>) {
        let out = T::slice_mut(out);
        if self.contiguous {
            let o = self.origin as usize;
            out.copy_from_slice(&self.data[o + start..o + end]);
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
            // SAFETY: `pre` and `c0..c1` index the block, and `new` checked
            // that the block's window lies inside the array.
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

/// A block copied into row-major order first: for views whose innermost
/// axis is strided while another axis is contiguous (a transpose), reading
/// element by element would touch a new cache line per element; a tiled
/// copy touches each line once.
pub(crate) struct CopyLoader<T> {
    data: Vec<T>,
}

impl<T: Element> CopyLoader<T> {
    /// Copies the view (`origin`, `strides` over `shape`, as for
    /// `ViewLoader`) with 32 x 32 tiles over axes `u` (contiguous in the
    /// source) and the last axis.
    /// Panics if the window does not lie inside `arr`.
    pub(crate) fn transposed(arr: &ArrayD<T>, origin: isize, strides: &[isize], shape: &[usize], u: usize) -> Self {
        assert_inside(arr, origin, strides, shape);
        const B: usize = 32;
        let nd = shape.len();
        let last = nd - 1;
        let n: usize = shape.iter().product();
        let mut data = vec![T::default(); n];
        let mut dst_strides = vec![1usize; nd];
        for a in (0..last).rev() {
            dst_strides[a] = dst_strides[a + 1] * shape[a + 1];
        }
        let outer: Vec<usize> = (0..nd).filter(|&a| a != u && a != last).collect();
        let outer_shape: Vec<usize> = outer.iter().map(|&a| shape[a]).collect();
        let ptr = arr.as_ptr();
        for idx in crate::chunks::GridIter::new(outer_shape) {
            let mut sb = origin;
            let mut db = 0usize;
            for (k, &a) in outer.iter().enumerate() {
                sb += idx[k] as isize * strides[a];
                db += idx[k] * dst_strides[a];
            }
            for i0 in (0..shape[u]).step_by(B) {
                for j0 in (0..shape[last]).step_by(B) {
                    for j in j0..(j0 + B).min(shape[last]) {
                        let src_j = sb + j as isize * strides[last];
                        for i in i0..(i0 + B).min(shape[u]) {
                            // SAFETY: checked on entry: the view lies in `arr`.
                            data[db + i * dst_strides[u] + j] = unsafe { *ptr.offset(src_j + i as isize * strides[u]) };
                        }
                    }
                }
            }
        }
        CopyLoader { data }
    }
}

impl<T: Element> Load for CopyLoader<T> {
    fn view(&self, start: usize, end: usize) -> Option<AnySlice<'_>> {
        Some(T::wrap_slice(&self.data[start..end]))
    }
    fn load(&self, _shape: &[usize], start: usize, end: usize, _prefix: &mut Vec<usize>, out: AnySliceMut<'_>) {
        T::slice_mut(out).copy_from_slice(&self.data[start..end]);
    }
}

/// A source evaluated on the block through its axis map: each row segment
/// of the block is one run through the source's index space.
pub(crate) struct SourceLoader {
    src: Arc<dyn Source>,
    map: Vec<AxisMap>,
    offset: Vec<usize>,
    /// Scratch for the global index (a loader lives within one task).
    index: std::cell::RefCell<Vec<usize>>,
}

impl SourceLoader {
    /// A loader for the block at `offset` of the domain.
    pub(crate) fn new(src: Arc<dyn Source>, map: Vec<AxisMap>, offset: Vec<usize>) -> Self {
        let index = std::cell::RefCell::new(vec![0; map.len()]);
        SourceLoader { src, map, offset, index }
    }
}

impl Load for SourceLoader {
    fn load(&self, shape: &[usize], start: usize, end: usize, prefix: &mut Vec<usize>, mut out: AnySliceMut<'_>) {
        let nd = shape.len();
        let last = nd.checked_sub(1);
        let mut index = self.index.borrow_mut();
        // The source axis that follows the block's last axis, if any.
        let along = self.map.iter().position(|m| m.dom.is_some() && m.dom == last);
        let run = Run { axis: along, step: along.map_or(0, |a| self.map[a].step) };
        for_each_segment(shape, start, end, prefix, |pre, c0, c1, off| {
            for (idx, m) in index.iter_mut().zip(&self.map) {
                let c = match m.dom {
                    Some(d) => m.base + m.step * (self.offset[d] + if Some(d) == last { c0 } else { pre[d] }) as isize,
                    None => m.base,
                };
                *idx = c as usize;
            }
            self.src.fill(&index, run, out.sub(off, off + c1 - c0));
        });
    }
}
