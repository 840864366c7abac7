//! NumPy's shape operations on axes: flips, rolls, squeezing and new
//! axes, moving axes, rotations, flattening, broadcasting, tiling and
//! repeating (padding, differences, stacking and the `s!` macro have files
//! of their own beside this one, which share its helpers).
//!
//! Everything is built from the lazy primitives (strided slices, `take`,
//! concatenation, transposes, reshapes, elementwise broadcasting,
//! reductions, `map_overlap`), so results stay blocked: a pad is the input
//! plus thin edge blocks, a flip or roll reads the same chunks in another
//! order, and no operation gathers an array into one block. Errors follow
//! the crate's policy: the operation returns an array carrying the error
//! (reported by `compute`, visible through `error()`).

use super::impl_ops::where_;
use super::impl_reduce::DEFAULT_SPLIT_EVERY;
use super::impl_structure::{concatenate, Sel};
use super::DArray;
use crate::chunks::{checked_len, ChunkSpec, DEFAULT_CHUNK_BYTES, MAX_AXIS_BLOCKS};
use crate::dtype::Element;
use crate::error::Error;
use crate::expr::build::broadcast_grid;
use crate::expr::{reduce, take_chunked};
use crate::ops::{ElemOp, ReduceOp};

// ------------------------------------------------------------ helpers

/// `s` along `axis` of an `nd`-axis array, the other axes whole.
pub(super) fn along(nd: usize, axis: usize, s: Sel) -> Vec<Sel> {
    let mut v = vec![Sel::all(); nd];
    v[axis] = s;
    v
}

/// `n` cut into blocks of `c` (the last shorter), at most `MAX_AXIS_BLOCKS`.
pub(super) fn split(n: usize, c: usize) -> Vec<usize> {
    if n == 0 {
        return vec![0];
    }
    let c = c.max(1).max(n.div_ceil(MAX_AXIS_BLOCKS));
    let mut v = vec![c; n / c];
    if !n.is_multiple_of(c) {
        v.push(n % c);
    }
    v
}

/// Block lengths for `shape`: the axes with a list in `known` keep it; the
/// others (new or broadcast axes) are cut so that a block holds about
/// `DEFAULT_CHUNK_BYTES` (or as much as one block of the known axes), the
/// last axes whole first.
pub(super) fn fill_sizes(shape: &[usize], known: Vec<Option<Vec<usize>>>, itemsize: usize) -> Vec<Vec<usize>> {
    let mut base: usize = known.iter().flatten().map(|l| l.iter().copied().max().unwrap_or(1).max(1)).product();
    let budget = (DEFAULT_CHUNK_BYTES / itemsize.max(1)).max(base);
    let mut out: Vec<Vec<usize>> = vec![vec![]; shape.len()];
    for a in (0..shape.len()).rev() {
        out[a] = match &known[a] {
            Some(l) => l.clone(),
            None => {
                let c = (budget / base.max(1)).clamp(1, shape[a].max(1));
                base = base.saturating_mul(c);
                split(shape[a], c)
            }
        };
    }
    out
}

/// Unique axes below `ndim`, or the error NumPy gives.
pub(super) fn check_axes(axes: &[usize], ndim: usize) -> Result<(), Error> {
    if let Some(&a) = axes.iter().find(|&&a| a >= ndim) {
        return Err(Error::Axis { axis: a, ndim });
    }
    let mut seen = vec![false; ndim];
    for &a in axes {
        if std::mem::replace(&mut seen[a], true) {
            return Err(Error::Invalid(format!("repeated axis {a} in {axes:?}")));
        }
    }
    Ok(())
}

impl<T: Element> DArray<T> {
    /// Positions `lo..hi` along `axis`.
    pub(super) fn span_on(&self, axis: usize, lo: usize, hi: usize) -> DArray<T> {
        self.slice(&along(self.ndim(), axis, Sel::span(lo as isize, hi as isize)))
    }

    /// Positions `hi - 1` down to `lo` along `axis`.
    pub(super) fn rev_on(&self, axis: usize, lo: usize, hi: usize) -> DArray<T> {
        let stop = if lo == 0 { None } else { Some(lo as isize - 1) };
        self.slice(&along(self.ndim(), axis, Sel::range(Some(hi as isize - 1), stop, -1)))
    }

    /// The same values as `U` (no node for the same type).
    pub(super) fn as_dtype<U: Element>(&self) -> DArray<U> {
        if U::DTYPE == T::DTYPE {
            return DArray::from_node(self.node.clone());
        }
        self.unary(ElemOp::Cast(U::DTYPE))
    }

    /// Block lengths of `self` with `w` positions along `axis`, cut like
    /// its longest block there.
    pub(super) fn sizes_with(&self, axis: usize, w: usize) -> Vec<Vec<usize>> {
        let mut sizes = self.chunks().to_vec();
        let c = sizes[axis].iter().copied().max().unwrap_or(1);
        sizes[axis] = split(w, c);
        sizes
    }

    /// `self` broadcast to `shape` (a broadcast of its shape) on the grid
    /// `sizes`: rechunked to it on the axes it spans, each block then a
    /// fused elementwise read (a select under an all-true mask: the one
    /// elementwise op every element type has).
    pub(super) fn broadcast_chunked(&self, shape: &[usize], sizes: Vec<Vec<usize>>) -> DArray<T> {
        let lead = shape.len() - self.ndim();
        let y = if lead > 0 { self.slice(&vec![Sel::NewAxis; lead]) } else { self.clone() };
        let ysizes: Vec<Vec<usize>> = (0..shape.len())
            .map(|a| if y.shape()[a] == shape[a] { sizes[a].clone() } else { vec![y.shape()[a]] })
            .collect();
        let y = y.rechunk(ChunkSpec::Explicit(ysizes));
        if y.shape() == shape || !y.is_valid() {
            return y;
        }
        match DArray::<bool>::full(shape, true, ChunkSpec::Explicit(sizes)) {
            Ok(all) => where_(&all, &y, &y),
            Err(e) => self.failed_with(e),
        }
    }

    /// The reduction `op` along `axis` (one giving `T`), kept as a
    /// length-1 axis.
    pub(super) fn reduce_keep(&self, op: ReduceOp, axis: usize) -> DArray<T> {
        DArray::from_node(reduce(op, self.node.clone(), Some(&[axis]), true, DEFAULT_SPLIT_EVERY, T::DTYPE))
    }
}

// ------------------------------------------------------------ flips, rolls, axes

impl<T: Element> DArray<T> {
    /// Reverses the order of elements along every axis (NumPy's
    /// `np.flip(m)`). A view: the same chunks read backwards.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[1, 2], [3, 4]]), [1, 1])?;
    /// assert_eq!(x.flip().compute()?, ndarray::arr2(&[[4, 3], [2, 1]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn flip(&self) -> DArray<T> {
        self.flip_axes(&(0..self.ndim()).collect::<Vec<_>>())
    }

    /// Reverses the order of elements along `axis` (`np.flip(m, axis)`).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[1, 2], [3, 4]]), [1, 1])?;
    /// assert_eq!(x.flip_axis(1).compute()?, ndarray::arr2(&[[2, 1], [4, 3]]).into_dyn());
    /// assert!(x.flip_axis(2).validate().is_err());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn flip_axis(&self, axis: usize) -> DArray<T> {
        self.flip_axes(&[axis])
    }

    /// Reverses the order of elements along each of `axes` (a tuple
    /// `axis` in NumPy; repeated axes are an error, as there).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[1, 2], [3, 4]]), [2, 1])?;
    /// assert_eq!(x.flip_axes(&[0, 1]).compute()?, x.flip().compute()?);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn flip_axes(&self, axes: &[usize]) -> DArray<T> {
        if let Err(e) = check_axes(axes, self.ndim()) {
            return self.failed_with(e);
        }
        let mut sel = vec![Sel::all(); self.ndim()];
        for &a in axes {
            sel[a] = Sel::range(None, None, -1);
        }
        self.slice(&sel)
    }

    /// Flips the first axis (`np.flipud`); an error below 1-d.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::arange(0i32, 4, 1, 3)?;
    /// assert_eq!(x.flipud().compute()?.into_raw_vec_and_offset().0, vec![3, 2, 1, 0]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn flipud(&self) -> DArray<T> {
        if self.ndim() < 1 {
            return self.failed_with(Error::Invalid("flipud: input must be >= 1-d".into()));
        }
        self.flip_axis(0)
    }

    /// Flips the second axis (`np.fliplr`); an error below 2-d.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[1, 2, 3]]), [1, 2])?;
    /// assert_eq!(x.fliplr().compute()?, ndarray::arr2(&[[3, 2, 1]]).into_dyn());
    /// assert!(DArray::arange(0i32, 4, 1, 3)?.fliplr().validate().is_err());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn fliplr(&self) -> DArray<T> {
        if self.ndim() < 2 {
            return self.failed_with(Error::Invalid("fliplr: input must be >= 2-d".into()));
        }
        self.flip_axis(1)
    }

    /// Rolls the flattened array by `shift` positions (NumPy's
    /// `np.roll(a, shift)` without an axis): elements pushed past the end
    /// come back at the start, in row-major order.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::arange(0i64, 10, 1, 4)?;
    /// assert_eq!(x.roll(2).compute()?.into_raw_vec_and_offset().0, vec![8, 9, 0, 1, 2, 3, 4, 5, 6, 7]);
    /// assert_eq!(x.roll(-2).compute()?.into_raw_vec_and_offset().0, vec![2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn roll(&self, shift: isize) -> DArray<T> {
        if self.error().is_some() {
            return self.clone();
        }
        self.ravel().roll_axis(shift, 0).reshape(self.shape())
    }

    /// Rolls along `axis` by `shift` positions (`np.roll(a, shift, axis)`):
    /// the two pieces of the axis joined in the other order.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]), [1, 2])?;
    /// let y = x.roll_axis(1, 1).compute()?;
    /// assert_eq!(y, ndarray::arr2(&[[4, 0, 1, 2, 3], [9, 5, 6, 7, 8]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn roll_axis(&self, shift: isize, axis: usize) -> DArray<T> {
        self.roll_axes(&[shift], &[axis])
    }

    /// Rolls along several axes (`np.roll(a, shifts, axes)`): `shifts` and
    /// `axes` pair up, one of them may have a single entry for all, and
    /// shifts of a repeated axis add up.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]), [1, 2])?;
    /// let y = x.roll_axes(&[1, 1], &[1, 0]).compute()?;
    /// assert_eq!(y, ndarray::arr2(&[[9, 5, 6, 7, 8], [4, 0, 1, 2, 3]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn roll_axes(&self, shifts: &[isize], axes: &[usize]) -> DArray<T> {
        if self.error().is_some() {
            return self.clone();
        }
        let nd = self.ndim();
        let pairs: Vec<(isize, usize)> = match (shifts.len(), axes.len()) {
            (s, a) if s == a => shifts.iter().copied().zip(axes.iter().copied()).collect(),
            (1, _) => axes.iter().map(|&a| (shifts[0], a)).collect(),
            (_, 1) => shifts.iter().map(|&s| (s, axes[0])).collect(),
            (s, a) => {
                return self.failed_with(Error::Invalid(format!("roll: {s} shifts do not pair with {a} axes")));
            }
        };
        if let Some(&(_, a)) = pairs.iter().find(|p| p.1 >= nd) {
            return self.failed_with(Error::Axis { axis: a, ndim: nd });
        }
        let mut total = vec![0i128; nd];
        for (s, a) in pairs {
            total[a] += s as i128;
        }
        let mut y = self.clone();
        for (axis, t) in total.into_iter().enumerate() {
            let n = self.shape()[axis];
            if n == 0 {
                continue;
            }
            let s = t.rem_euclid(n as i128) as usize;
            if s > 0 {
                y = concatenate(&[y.span_on(axis, n - s, n), y.span_on(axis, 0, n - s)], axis);
            }
        }
        y
    }

    /// Removes every axis of length 1 (`np.squeeze(a)`).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::zeros([1, 3, 1], [1, 2, 1])?;
    /// assert_eq!(x.squeeze().shape(), &[3]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn squeeze(&self) -> DArray<T> {
        let axes: Vec<usize> = (0..self.ndim()).filter(|&a| self.shape()[a] == 1).collect();
        self.squeeze_axes(&axes)
    }

    /// Removes the given axes (`np.squeeze(a, axis)`): each must have
    /// length 1.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::zeros([1, 3, 1], [1, 2, 1])?;
    /// assert_eq!(x.squeeze_axes(&[2]).shape(), &[1, 3]);
    /// assert!(x.squeeze_axes(&[1]).validate().is_err());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn squeeze_axes(&self, axes: &[usize]) -> DArray<T> {
        if let Err(e) = check_axes(axes, self.ndim()) {
            return self.failed_with(e);
        }
        if let Some(&a) = axes.iter().find(|&&a| self.shape()[a] != 1) {
            return self.failed_with(Error::Shape(format!(
                "cannot squeeze out axis {a} of length {} (not 1) from shape {:?}",
                self.shape()[a],
                self.shape()
            )));
        }
        let sel: Vec<Sel> =
            (0..self.ndim()).map(|a| if axes.contains(&a) { Sel::Index(0) } else { Sel::all() }).collect();
        self.slice(&sel)
    }

    /// Inserts an axis of length 1 at position `axis` of the result
    /// (`np.expand_dims(a, axis)`).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::zeros([2, 3], [1, 3])?;
    /// assert_eq!(x.expand_dims(1).shape(), &[2, 1, 3]);
    /// assert_eq!(x.expand_dims(2).shape(), &[2, 3, 1]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn expand_dims(&self, axis: usize) -> DArray<T> {
        self.expand_dims_axes(&[axis])
    }

    /// Inserts axes of length 1 at the given positions of the result (a
    /// tuple `axis` in NumPy).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::zeros([2, 3], [1, 3])?;
    /// assert_eq!(x.expand_dims_axes(&[0, 3]).shape(), &[1, 2, 3, 1]);
    /// assert!(x.expand_dims_axes(&[4]).validate().is_err());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn expand_dims_axes(&self, axes: &[usize]) -> DArray<T> {
        let out = self.ndim() + axes.len();
        if let Err(e) = check_axes(axes, out) {
            return self.failed_with(e);
        }
        let sel: Vec<Sel> = (0..out).map(|a| if axes.contains(&a) { Sel::NewAxis } else { Sel::all() }).collect();
        self.slice(&sel)
    }

    /// Moves axis `source` to position `destination`, the others keeping
    /// their order (`np.moveaxis`).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::zeros([3, 4, 5], [3, 2, 5])?;
    /// assert_eq!(x.moveaxis(0, 2).shape(), &[4, 5, 3]);
    /// assert_eq!(x.moveaxis(2, 0).shape(), &[5, 3, 4]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn moveaxis(&self, source: usize, destination: usize) -> DArray<T> {
        self.moveaxes(&[source], &[destination])
    }

    /// Moves several axes (`np.moveaxis` with sequences): `source[i]` goes
    /// to position `destination[i]`.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::zeros([3, 4, 5], [3, 2, 5])?;
    /// assert_eq!(x.moveaxes(&[0, 1], &[2, 0]).shape(), &[4, 5, 3]);
    /// assert!(x.moveaxes(&[0, 0], &[1, 2]).validate().is_err());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn moveaxes(&self, source: &[usize], destination: &[usize]) -> DArray<T> {
        let nd = self.ndim();
        if let Err(e) = check_axes(source, nd).and_then(|_| check_axes(destination, nd)) {
            return self.failed_with(e);
        }
        if source.len() != destination.len() {
            return self.failed_with(Error::Invalid(format!(
                "moveaxis: {} source axes for {} destinations",
                source.len(),
                destination.len()
            )));
        }
        let mut order: Vec<usize> = (0..nd).filter(|a| !source.contains(a)).collect();
        let mut pairs: Vec<(usize, usize)> = destination.iter().copied().zip(source.iter().copied()).collect();
        pairs.sort_unstable();
        for (d, s) in pairs {
            order.insert(d, s);
        }
        self.permuted_axes(&order)
    }

    /// Exchanges two axes: NumPy's name for [`swap_axes`](DArray::swap_axes).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::zeros([2, 3, 4], [1, 3, 2])?;
    /// assert_eq!(x.swapaxes(0, 2).shape(), &[4, 3, 2]);
    /// assert_eq!(x.swapaxes(0, 2).token(), x.swap_axes(0, 2).token());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn swapaxes(&self, a: usize, b: usize) -> DArray<T> {
        self.swap_axes(a, b)
    }

    /// Rotates by 90 degrees `k` times in the plane of the first two axes,
    /// from the first towards the second (`np.rot90(m, k)`).
    ///
    /// ```
    /// use darray::DArray;
    /// let m = DArray::from_array(ndarray::arr2(&[[1, 2], [3, 4]]), [1, 2])?;
    /// assert_eq!(m.rot90(1).compute()?, ndarray::arr2(&[[2, 4], [1, 3]]).into_dyn());
    /// assert_eq!(m.rot90(2).compute()?, ndarray::arr2(&[[4, 3], [2, 1]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn rot90(&self, k: isize) -> DArray<T> {
        self.rot90_axes(k, (0, 1))
    }

    /// Rotates by 90 degrees `k` times in the plane of `axes`, from the
    /// first towards the second (`np.rot90(m, k, axes)`; `k < 0` turns the
    /// other way).
    ///
    /// ```
    /// use darray::DArray;
    /// let m = DArray::from_fn([2, 2, 2], [1, 2, 1], |i| (4 * i[0] + 2 * i[1] + i[2]) as u8)?;
    /// // NumPy: np.rot90(np.arange(8).reshape((2, 2, 2)), 1, (1, 2))
    /// let r = m.rot90_axes(1, (1, 2)).compute()?;
    /// assert_eq!(r.into_raw_vec_and_offset().0, vec![1, 3, 0, 2, 5, 7, 4, 6]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn rot90_axes(&self, k: isize, axes: (usize, usize)) -> DArray<T> {
        let nd = self.ndim();
        let (a0, a1) = axes;
        if a0 >= nd || a1 >= nd {
            return self.failed_with(Error::Axis { axis: a0.max(a1), ndim: nd });
        }
        if a0 == a1 {
            return self.failed_with(Error::Invalid(format!("rot90: axes {axes:?} must be different")));
        }
        let mut perm: Vec<usize> = (0..nd).collect();
        perm.swap(a0, a1);
        match k.rem_euclid(4) {
            0 => self.clone(),
            1 => self.flip_axis(a1).permuted_axes(&perm),
            2 => self.flip_axes(&[a0, a1]),
            _ => self.permuted_axes(&perm).flip_axis(a1),
        }
    }

    /// The elements in row-major order as a 1-d array (`np.ravel`). Blocks
    /// spanning the trailing axes whole are merged as `reshape` does.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[1, 2, 3], [4, 5, 6]]), [1, 3])?;
    /// assert_eq!(x.ravel().compute()?.into_raw_vec_and_offset().0, vec![1, 2, 3, 4, 5, 6]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn ravel(&self) -> DArray<T> {
        self.reshape([self.len()])
    }

    /// Same as [`ravel`](DArray::ravel) (NumPy's `flatten` copies; a lazy
    /// array has no views to share).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<u8>::ones([2, 2], [1, 2])?;
    /// assert_eq!(x.flatten().shape(), &[4]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn flatten(&self) -> DArray<T> {
        self.ravel()
    }

    /// The array with at least one axis (`np.atleast_1d`): a 0-d array
    /// becomes shape `[1]`.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::full([], 5i32, Vec::<usize>::new())?;
    /// assert_eq!(x.atleast_1d().shape(), &[1]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn atleast_1d(&self) -> DArray<T> {
        match self.ndim() {
            0 => self.slice(&[Sel::NewAxis]),
            _ => self.clone(),
        }
    }

    /// The array with at least two axes (`np.atleast_2d`): `[n]` becomes
    /// `[1, n]`.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::zeros([3], 2)?;
    /// assert_eq!(x.atleast_2d().shape(), &[1, 3]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn atleast_2d(&self) -> DArray<T> {
        match self.ndim() {
            0 => self.slice(&[Sel::NewAxis, Sel::NewAxis]),
            1 => self.slice(&[Sel::NewAxis]),
            _ => self.clone(),
        }
    }

    /// The array with at least three axes (`np.atleast_3d`): `[n]` becomes
    /// `[1, n, 1]` and `[m, n]` becomes `[m, n, 1]`.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::zeros([3], 2)?;
    /// assert_eq!(x.atleast_3d().shape(), &[1, 3, 1]);
    /// assert_eq!(DArray::<f64>::zeros([2, 3], 2)?.atleast_3d().shape(), &[2, 3, 1]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn atleast_3d(&self) -> DArray<T> {
        match self.ndim() {
            0 => self.slice(&[Sel::NewAxis, Sel::NewAxis, Sel::NewAxis]),
            1 => self.slice(&[Sel::NewAxis, Sel::all(), Sel::NewAxis]),
            2 => self.slice(&[Sel::all(), Sel::all(), Sel::NewAxis]),
            _ => self.clone(),
        }
    }
}

// ------------------------------------------------------------ broadcasting, tiling, repeating

impl<T: Element> DArray<T> {
    /// The array broadcast to `shape` with NumPy's rules
    /// (`np.broadcast_to`): axes are matched from the end, and an axis of
    /// length 1 (or a missing leading one) is repeated. Each block reads
    /// the input's block once per position; the broadcast axes are cut
    /// into blocks of about 128 MiB (whole where they fit).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::arange(1i32, 4, 1, 2)?;
    /// let y = x.broadcast_to([3, 3]).compute()?;
    /// assert_eq!(y, ndarray::arr2(&[[1, 2, 3], [1, 2, 3], [1, 2, 3]]).into_dyn());
    /// assert!(x.broadcast_to([4]).validate().is_err());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn broadcast_to(&self, shape: impl AsRef<[usize]>) -> DArray<T> {
        if self.error().is_some() {
            return self.clone();
        }
        let shape = shape.as_ref();
        let (nd, k) = (shape.len(), self.ndim());
        let fits = nd >= k && (0..k).all(|a| self.shape()[a] == shape[nd - k + a] || self.shape()[a] == 1);
        if !fits {
            return self.failed_with(Error::Broadcast { left: self.shape().to_vec(), right: shape.to_vec() });
        }
        if let Err(e) = checked_len(shape, std::mem::size_of::<T>()) {
            return self.failed_with(e);
        }
        let known = (0..nd)
            .map(|a| (a >= nd - k && self.shape()[a + k - nd] == shape[a]).then(|| self.chunks()[a + k - nd].clone()))
            .collect();
        self.broadcast_chunked(shape, fill_sizes(shape, known, std::mem::size_of::<T>()))
    }

    /// Repeats the whole array `reps[a]` times along each axis (`np.tile`):
    /// a shorter `reps` is padded with leading 1s, a longer one adds
    /// leading axes. The input's chunks are repeated.
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::arange(0i32, 3, 1, 2)?;
    /// // NumPy: np.tile(np.array([0, 1, 2]), 2) and np.tile(a, (2, 2))
    /// assert_eq!(a.tile(&[2]).compute()?.into_raw_vec_and_offset().0, vec![0, 1, 2, 0, 1, 2]);
    /// let t = a.tile(&[2, 2]).compute()?;
    /// assert_eq!(t, ndarray::arr2(&[[0, 1, 2, 0, 1, 2], [0, 1, 2, 0, 1, 2]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn tile(&self, reps: &[usize]) -> DArray<T> {
        if self.error().is_some() {
            return self.clone();
        }
        let nd = self.ndim().max(reps.len());
        let lead = nd - self.ndim();
        let mut y = if lead > 0 { self.slice(&vec![Sel::NewAxis; lead]) } else { self.clone() };
        let reps: Vec<usize> = std::iter::repeat_n(1, nd - reps.len()).chain(reps.iter().copied()).collect();
        // Checked before any node: the chunk lists grow with the copies.
        let shape: Vec<usize> = (0..nd).map(|a| y.shape()[a].saturating_mul(reps[a])).collect();
        if let Err(e) = checked_len(&shape, std::mem::size_of::<T>()) {
            return self.failed_with(e);
        }
        if let Some(a) = (0..nd).find(|&a| y.chunks()[a].len().saturating_mul(reps[a]) > MAX_AXIS_BLOCKS) {
            return self.failed_with(Error::TooLarge(format!(
                "tile: {} copies of {} blocks along axis {a} are more than {MAX_AXIS_BLOCKS} blocks",
                reps[a],
                y.chunks()[a].len()
            )));
        }
        for (axis, &r) in reps.iter().enumerate() {
            y = y.repeat_whole(axis, r);
        }
        y
    }

    /// `r` copies of the array joined along `axis`, by doubling (so a
    /// large `r` makes a few nodes, not `r`).
    pub(super) fn repeat_whole(&self, axis: usize, r: usize) -> DArray<T> {
        match r {
            0 => return self.span_on(axis, 0, 0),
            1 => return self.clone(),
            _ => {}
        }
        let (mut power, mut left, mut acc) = (self.clone(), r, None::<DArray<T>>);
        loop {
            if left & 1 == 1 {
                acc = Some(match acc {
                    None => power.clone(),
                    Some(a) => concatenate(&[a, power.clone()], axis),
                });
            }
            left >>= 1;
            if left == 0 || !power.is_valid() {
                break;
            }
            power = concatenate(&[power.clone(), power], axis);
        }
        match acc {
            Some(a) if power.is_valid() => a,
            _ => power,
        }
    }

    /// Repeats each element `repeats` times along `axis` (`np.repeat(a,
    /// repeats, axis)`; for NumPy's flattening `axis=None`, use
    /// `x.ravel().repeat(r, 0)`).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[1, 2], [3, 4]]), [1, 1])?;
    /// // NumPy: np.repeat(x, 2, axis=1)
    /// let y = x.repeat(2, 1).compute()?;
    /// assert_eq!(y, ndarray::arr2(&[[1, 1, 2, 2], [3, 3, 4, 4]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn repeat(&self, repeats: usize, axis: usize) -> DArray<T> {
        self.repeat_counts(&[repeats], axis)
    }

    /// Repeats element `i` along `axis` `counts[i]` times (`np.repeat` with
    /// an array of repeats; a single count applies to all). A gather: each
    /// output block reads one input block, and is no longer along `axis`
    /// than the input's longest block.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[1, 2], [3, 4]]), [1, 1])?;
    /// // NumPy: np.repeat(x, [1, 2], axis=0)
    /// let y = x.repeat_counts(&[1, 2], 0).compute()?;
    /// assert_eq!(y, ndarray::arr2(&[[1, 2], [3, 4], [3, 4]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn repeat_counts(&self, counts: &[usize], axis: usize) -> DArray<T> {
        if self.error().is_some() {
            return self.clone();
        }
        let nd = self.ndim();
        if axis >= nd {
            return self.failed_with(Error::Axis { axis, ndim: nd });
        }
        let n = self.shape()[axis];
        if counts.len() != n && counts.len() != 1 {
            return self
                .failed_with(Error::Shape(format!("repeat: {} counts for an axis of length {n}", counts.len())));
        }
        let count = |i: usize| if counts.len() == 1 { counts[0] } else { counts[i] };
        let total = (0..n).try_fold(0usize, |acc, i| acc.checked_add(count(i)));
        let mut shape = self.shape().to_vec();
        shape[axis] = total.unwrap_or(usize::MAX);
        if let Err(e) = total.ok_or_else(|| Error::TooLarge("repeat: the count overflows".into())).and_then(|_| {
            checked_len(&shape, std::mem::size_of::<T>())?;
            checked_len(&[shape[axis]], std::mem::size_of::<usize>())
        }) {
            return self.failed_with(e);
        }
        let mut indices: Vec<usize> = vec![];
        if indices.try_reserve_exact(shape[axis]).is_err() {
            return self.failed_with(Error::TooLarge(format!("repeat: {} positions do not fit memory", shape[axis])));
        }
        // Each input chunk's copies, cut at the input's longest block.
        let longest = self.chunks()[axis].iter().copied().max().unwrap_or(1).max(1);
        let mut out_chunks = vec![];
        let mut pos = 0;
        for &c in &self.chunks()[axis] {
            let start = indices.len();
            for i in pos..pos + c {
                indices.extend(std::iter::repeat_n(i, count(i)));
            }
            pos += c;
            let run = indices.len() - start;
            out_chunks.extend(split(run, longest).into_iter().filter(|&l| l > 0));
        }
        if out_chunks.is_empty() {
            out_chunks.push(0);
        }
        DArray::from_node(take_chunked(self.node.clone(), axis, indices, out_chunks))
    }
}

/// Broadcasts arrays against each other (`np.broadcast_arrays`): each
/// result has the common shape, and all share one chunk grid (the common
/// refinement of the inputs' chunks, so they meet blockwise). A shape
/// mismatch gives every result the error.
///
/// ```
/// use darray::{broadcast_arrays, DArray};
/// let x = DArray::arange(0i32, 3, 1, 2)?.reshape([1, 3]);
/// let y = DArray::arange(0i32, 2, 1, 1)?.reshape([2, 1]);
/// let b = broadcast_arrays(&[x, y]);
/// assert_eq!(b[0].shape(), &[2, 3]);
/// assert_eq!(b[1].compute()?, ndarray::arr2(&[[0, 0, 0], [1, 1, 1]]).into_dyn());
/// assert_eq!(b[0].chunks(), b[1].chunks());
/// # Ok::<(), darray::Error>(())
/// ```
pub fn broadcast_arrays<T: Element>(arrays: &[DArray<T>]) -> Vec<DArray<T>> {
    let fail = |e: &Error| arrays.iter().map(|a| a.failed_with(e.clone())).collect();
    if let Some(e) = arrays.iter().find_map(|a| a.error()) {
        return fail(e);
    }
    let grids: Vec<(&[usize], &[Vec<usize>])> = arrays.iter().map(|x| (x.shape(), x.chunks())).collect();
    let (shape, known) = match broadcast_grid(&grids) {
        Ok(g) => g,
        Err(e) => return fail(&e),
    };
    if let Err(e) = checked_len(&shape, std::mem::size_of::<T>()) {
        return fail(&e);
    }
    let sizes = fill_sizes(&shape, known, std::mem::size_of::<T>());
    arrays.iter().map(|x| x.broadcast_chunked(&shape, sizes.clone())).collect()
}
