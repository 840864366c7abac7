//! Structure: transposes and basic slicing. Both are views: they change how
//! a fused task reads its leaves, not the data, so they fuse with the
//! operations around them and touch only the chunks they need.

use super::DArray;
use crate::chunks::{ChunkSpec, Chunks};
use crate::dtype::Element;
use crate::error::Error;
use crate::expr::{concat, rechunk, reshape, slice, take, transpose, AxisSel, Node};

/// One entry of a basic index, like NumPy's `x[a:b:s, i, None]`. Negative
/// positions count from the end; a negative step walks backwards.
///
/// ```
/// use darray::{DArray, Sel};
/// let x = DArray::from_fn([4, 6], [2, 4], |i| (10 * i[0] + i[1]) as i32)?;
/// let y = x.slice(&[Sel::index(-1), Sel::range(None, None, -2)]);
/// assert_eq!(y.compute()?.into_raw_vec_and_offset().0, vec![35, 33, 31]);
/// # Ok::<(), darray::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sel {
    /// `start:stop:step`, each optional as in Python.
    Range { start: Option<isize>, stop: Option<isize>, step: isize },
    /// One position; the axis is dropped.
    Index(isize),
    /// A new axis of length 1.
    NewAxis,
    /// NumPy's `...`: as many whole axes as the other entries leave
    /// unmentioned (at most one per index; `..` in [`s!`](crate::s)).
    Ellipsis,
}

impl Sel {
    /// The whole axis (`:`).
    pub fn all() -> Sel {
        Sel::Range { start: None, stop: None, step: 1 }
    }
    /// `start:stop:step`.
    pub fn range(start: Option<isize>, stop: Option<isize>, step: isize) -> Sel {
        Sel::Range { start, stop, step }
    }
    /// `start:stop`.
    pub fn span(start: isize, stop: isize) -> Sel {
        Sel::Range { start: Some(start), stop: Some(stop), step: 1 }
    }
    /// One position.
    pub fn index(i: isize) -> Sel {
        Sel::Index(i)
    }
}

impl From<std::ops::Range<isize>> for Sel {
    fn from(r: std::ops::Range<isize>) -> Sel {
        Sel::span(r.start, r.end)
    }
}

impl From<isize> for Sel {
    fn from(i: isize) -> Sel {
        Sel::Index(i)
    }
}

impl From<i32> for Sel {
    fn from(i: i32) -> Sel {
        Sel::Index(i as isize)
    }
}

impl From<usize> for Sel {
    /// One position (those past `isize::MAX` are out of range anyway).
    fn from(i: usize) -> Sel {
        Sel::Index(isize::try_from(i).unwrap_or(isize::MAX))
    }
}

/// Python's `slice.indices`: (start, step, count) for an axis of `n`.
pub(crate) fn normalise(start: Option<isize>, stop: Option<isize>, step: isize, n: usize) -> (usize, isize, usize) {
    let n = n as isize;
    let clip = |v: isize, lo: isize, hi: isize| v.clamp(lo, hi);
    let fix = |v: isize| if v < 0 { v + n } else { v };
    let (lo, hi) = if step > 0 { (0, n) } else { (-1, n - 1) };
    let s = start.map_or(if step > 0 { lo } else { hi }, |v| clip(fix(v), lo, hi));
    let e = stop.map_or(if step > 0 { hi } else { lo }, |v| clip(fix(v), lo, hi));
    // In i128: `step` may be isize::MAX or isize::MIN.
    let (s, e, st) = (s as i128, e as i128, step as i128);
    let count = if st > 0 { (e - s + st - 1).max(0) / st } else { (s - e - st - 1).max(0) / -st };
    // A selection of at most one position has no real step; 1 keeps later
    // index arithmetic (steps compose by multiplying) from overflowing.
    let step = if count > 1 { step } else { 1 };
    (if count > 0 { s as usize } else { 0 }, step, count as usize)
}

impl<T: Element> DArray<T> {
    /// Reverses the axes (NumPy's `x.T`).
    ///
    /// ```
    /// use darray::DArray;
    /// let a = ndarray::arr2(&[[1, 2, 3], [4, 5, 6]]);
    /// let x = DArray::from_array(a.clone(), [1, 2])?;
    /// assert_eq!(x.t().compute()?, a.t().to_owned().into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn t(&self) -> DArray<T> {
        let nd = self.ndim();
        self.permuted_axes(&(0..nd).rev().collect::<Vec<_>>())
    }
    /// Same as [`t`](DArray::t).
    pub fn transpose(&self) -> DArray<T> {
        self.t()
    }
    /// Reorders axes: output axis `j` is input axis `perm[j]`.
    pub fn permuted_axes(&self, perm: &[usize]) -> DArray<T> {
        DArray::from_node(transpose(self.node.clone(), perm))
    }
    /// Exchanges two axes.
    pub fn swap_axes(&self, a: usize, b: usize) -> DArray<T> {
        let nd = self.ndim();
        if a >= nd || b >= nd {
            return self.failed_with(Error::Axis { axis: a.max(b), ndim: nd });
        }
        let mut perm: Vec<usize> = (0..nd).collect();
        perm.swap(a, b);
        self.permuted_axes(&perm)
    }

    /// Basic indexing with NumPy's rules: ranges with steps (also
    /// negative), single positions that drop their axis, new axes, and one
    /// [`Sel::Ellipsis`] standing for the axes not mentioned (which are
    /// otherwise kept whole at the end); [`s!`](crate::s) writes the list. Only the chunks the result needs are
    /// read or computed.
    pub fn slice(&self, sel: &[Sel]) -> DArray<T> {
        if let Some(e) = self.error() {
            return self.failed_with(e.clone());
        }
        let nd = self.ndim();
        let used = sel.iter().filter(|s| !matches!(s, Sel::NewAxis | Sel::Ellipsis)).count();
        if used > nd {
            return self.failed_with(Error::Invalid(format!("{used} indices for an array of {nd} axes")));
        }
        let ellipses = sel.iter().filter(|s| matches!(s, Sel::Ellipsis)).count();
        if ellipses > 1 {
            return self.failed_with(Error::Invalid("an index can only have a single ellipsis".into()));
        }
        // The axes left unmentioned are kept whole: at the ellipsis, or at the end.
        let fill = nd - used;
        let mut out = Vec::with_capacity(sel.len() + fill);
        let mut axis = 0;
        let tail = if ellipses == 0 { fill } else { 0 };
        for s in sel.iter().copied().chain(std::iter::repeat_n(Sel::all(), tail)) {
            match s {
                Sel::Ellipsis => {
                    for a in axis..axis + fill {
                        out.push(AxisSel::Range { start: 0, step: 1, len: self.shape()[a] });
                    }
                    axis += fill;
                }
                Sel::Range { start, stop, step } => {
                    if step == 0 {
                        return self.failed_with(Error::Invalid("slice step cannot be zero".into()));
                    }
                    let (start, step, len) = normalise(start, stop, step, self.shape()[axis]);
                    out.push(AxisSel::Range { start, step, len });
                    axis += 1;
                }
                Sel::Index(i) => {
                    let n = self.shape()[axis] as isize;
                    let j = if i < 0 { i + n } else { i };
                    if j < 0 || j >= n {
                        return self.failed_with(Error::Invalid(format!(
                            "index {i} is out of bounds for axis {axis} with size {n}"
                        )));
                    }
                    out.push(AxisSel::Index(j as usize));
                    axis += 1;
                }
                Sel::NewAxis => out.push(AxisSel::NewAxis),
            }
        }
        DArray::from_node(slice(self.node.clone(), out))
    }
}

impl<T: Element> DArray<T> {
    /// The same values on another chunk grid. Over sources this only
    /// changes how they are generated; otherwise each new block is
    /// assembled from the old blocks it overlaps.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_fn([6, 6], [6, 1], |i| (i[0] * 6 + i[1]) as u32)?;
    /// let y = x.map_blocks(|b, _| b).rechunk([1, 6]);
    /// assert_eq!(y.chunks(), &[vec![1; 6], vec![6]]);
    /// assert_eq!(y.compute()?, x.compute()?);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn rechunk(&self, chunks: impl Into<ChunkSpec>) -> DArray<T> {
        if let Some(e) = self.error() {
            return self.failed_with(e.clone());
        }
        match Chunks::new(self.shape(), &chunks.into(), std::mem::size_of::<T>()) {
            Ok(c) => DArray::from_node(rechunk(self.node.clone(), c)),
            Err(e) => self.failed_with(e),
        }
    }
}

impl<T: Element> DArray<T> {
    /// Picks positions along one axis by index (NumPy's `take`; negative
    /// indices count from the end). Each output block reads one input
    /// block: consecutive indices in the same input chunk form a block.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::arange(0i32, 10, 1, 4)?;
    /// let y = x.take(&[9, 0, 1, -1], 0);
    /// assert_eq!(y.compute()?.into_raw_vec_and_offset().0, vec![9, 0, 1, 9]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn take(&self, indices: &[isize], axis: usize) -> DArray<T> {
        if let Some(e) = self.error() {
            return self.failed_with(e.clone());
        }
        let nd = self.ndim();
        if axis >= nd {
            return self.failed_with(Error::Axis { axis, ndim: nd });
        }
        let n = self.shape()[axis] as isize;
        let mut idx = Vec::with_capacity(indices.len());
        for &i in indices {
            let j = if i < 0 { i + n } else { i };
            if j < 0 || j >= n {
                return self
                    .failed_with(Error::Invalid(format!("index {i} is out of bounds for axis {axis} with size {n}")));
            }
            idx.push(j as usize);
        }
        DArray::from_node(take(self.node.clone(), axis, idx))
    }

    /// The same elements (in C order) in another shape, with dask's rules:
    /// the array is rechunked where the new shape needs it, so that every
    /// block maps to one block of the result.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::arange(0i64, 24, 1, 5)?;
    /// let y = x.reshape([2, 3, 4]);
    /// assert_eq!(y.compute()?, ndarray::Array::from_shape_vec((2, 3, 4), (0..24).collect()).unwrap().into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn reshape(&self, shape: impl AsRef<[usize]>) -> DArray<T> {
        DArray::from_node(reshape(self.node.clone(), shape.as_ref().to_vec()))
    }
}

/// Joins arrays along an existing axis (NumPy's `concatenate`). Chunks on
/// the other axes are brought to their common refinement.
///
/// ```
/// use darray::{concatenate, DArray};
/// let a = DArray::<i64>::zeros([2, 3], [1, 3])?;
/// let b = DArray::<i64>::ones([4, 3], [2, 2])?;
/// let c = concatenate(&[a, b], 0);
/// assert_eq!(c.shape(), &[6, 3]);
/// assert_eq!(c.sum().compute()?[[]], 12);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn concatenate<T: Element>(arrays: &[DArray<T>], axis: usize) -> DArray<T> {
    if arrays.is_empty() {
        return DArray::from_node(Node::invalid_without_input(
            Error::Invalid("need at least one array to concatenate".into()),
            T::DTYPE,
        ));
    }
    DArray::from_node(concat(arrays.iter().map(|a| a.node.clone()).collect(), axis))
}

/// Joins arrays of one shape along a new axis (NumPy's `stack`).
///
/// ```
/// use darray::{stack, DArray};
/// let a = DArray::<f32>::full([3], 1.0, 2)?;
/// let b = DArray::<f32>::full([3], 2.0, 2)?;
/// let s = stack(&[a, b], 1);
/// assert_eq!(s.shape(), &[3, 2]);
/// assert_eq!(s.compute()?.into_raw_vec_and_offset().0, vec![1.0, 2.0, 1.0, 2.0, 1.0, 2.0]);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn stack<T: Element>(arrays: &[DArray<T>], axis: usize) -> DArray<T> {
    let Some(first) = arrays.first() else {
        let e = Error::Invalid("need at least one array to stack".into());
        return DArray::from_node(Node::invalid_without_input(e, T::DTYPE));
    };
    if let Some(bad) = arrays.iter().find(|a| a.error().is_some()) {
        return bad.clone();
    }
    let nd = first.ndim();
    if axis > nd {
        return first.failed_with(Error::Axis { axis, ndim: nd + 1 });
    }
    if let Some(b) = arrays.iter().find(|a| a.shape() != first.shape()) {
        return first.failed_with(Error::Shape(format!("cannot stack shapes {:?} and {:?}", first.shape(), b.shape())));
    }
    let mut sel = vec![Sel::all(); axis];
    sel.push(Sel::NewAxis);
    let parts: Vec<DArray<T>> = arrays.iter().map(|a| a.slice(&sel)).collect();
    concatenate(&parts, axis)
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn slice_indices_follow_python() {
        // Checked against Python's slice(start, stop, step).indices(n).
        assert_eq!(normalise(None, None, 1, 5), (0, 1, 5));
        assert_eq!(normalise(None, None, -1, 5), (4, -1, 5));
        assert_eq!(normalise(Some(1), Some(-1), 2, 6), (1, 2, 2));
        assert_eq!(normalise(Some(-2), None, -2, 7), (5, -2, 3));
        assert_eq!(normalise(Some(10), Some(20), 1, 5), (0, 1, 0));
        assert_eq!(normalise(Some(3), Some(1), 1, 5), (0, 1, 0));
        assert_eq!(normalise(None, Some(-10), -1, 5), (4, -1, 5));
        // At most one position: the step is normalised to 1.
        assert_eq!(normalise(None, None, 3, 0), (0, 1, 0));
        assert_eq!(normalise(None, None, isize::MAX, 5), (0, 1, 1));
        assert_eq!(normalise(None, None, isize::MIN, 5), (4, 1, 1));
        assert_eq!(normalise(Some(isize::MIN), Some(isize::MAX), 2, 5), (0, 2, 3));
    }
}
