//! NumPy's creation routines beyond the basic constructors: identity and
//! triangular matrices, diagonals, index grids, `*_like`, log-spaced
//! ranges, more random distributions, and random choice and permutation.
//!
//! Matrices and grids are compositions of existing primitives: positions
//! (`arange` sources) broadcast against each other, compared, and chosen
//! with `where_`, so they fuse into one program per chunk and never hold a
//! mask. Diagonals are strided views of the blocks the diagonal crosses.
//! Random distributions are counter-based sources (op data, so graphs stay
//! serialisable): every value is drawn from its own stream keyed by the
//! seed and its flat index, and so does not depend on the chunking, the
//! evaluation order or the thread count. `random_choice` and
//! `random_permutation` draw their positions when the array is built (a
//! seeded Fisher-Yates shuffle, the same whatever the chunking) and gather
//! them with two takes: first each output block's positions in sorted order
//! (a gather reads each input block it needs once, in runs), then the order
//! inside the block (a take within that one block).

use super::{concatenate, stack, where_, DArray, Operand, Sel};
use crate::chunks::{ChunkSpec, Chunks, DEFAULT_CHUNK_BYTES};
use crate::dtype::{CastFrom, Element, Float, Numeric};
use crate::error::{Error, Result};
use crate::expr::take_chunked;
use crate::kernels::source::Stream;
use crate::ops::{BinaryOp, Dist, Scalar};
use std::collections::HashMap;

/// The block lengths along each axis of `shape` on `chunks`.
fn sizes_of<T: Element>(shape: &[usize], chunks: ChunkSpec) -> Result<Vec<Vec<usize>>> {
    Ok(Chunks::new(shape, &chunks, std::mem::size_of::<T>())?.sizes().to_vec())
}

/// Positions `0..n` as a lazy `i64` array chunked as `sizes`.
fn positions(n: usize, sizes: &[usize]) -> Result<DArray<i64>> {
    let n = i64::try_from(n).map_err(|_| Error::TooLarge(format!("{n} positions do not fit i64")))?;
    DArray::<i64>::arange(0, n, 1, ChunkSpec::Explicit(vec![sizes.to_vec()]))
}

/// Row positions as an `[n, 1]` array and column positions as `[1, m]`,
/// chunked as `sizes` (their comparisons broadcast to `[n, m]`).
fn grid_positions(n: usize, m: usize, sizes: &[Vec<usize>]) -> Result<(DArray<i64>, DArray<i64>)> {
    let rows = positions(n, &sizes[0])?.slice(&[Sel::all(), Sel::NewAxis]);
    let cols = positions(m, &sizes[1])?.slice(&[Sel::NewAxis, Sel::all()]);
    Ok((rows, cols))
}

/// `x` broadcast to the shape and chunks of `all` (an array of `true`).
fn broadcast_like<T: Element>(x: &DArray<T>, all: &DArray<bool>) -> DArray<T> {
    where_(all, x, x)
}

impl<T: Numeric> DArray<T> {
    /// A 2-D array of `n` rows and `m` columns (`n` when `None`) with ones
    /// on the `k`-th diagonal (0 the main one, positive above, negative
    /// below) and zeros elsewhere: NumPy's `eye(N, M, k)`.
    ///
    /// ```
    /// use darray::DArray;
    /// let e = DArray::<f64>::eye(3, None, 1, 2)?.compute()?;
    /// // np.eye(3, k=1)
    /// assert_eq!(e, ndarray::arr2(&[[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn eye(n: usize, m: Option<usize>, k: isize, chunks: impl Into<ChunkSpec>) -> Result<Self> {
        let m = m.unwrap_or(n);
        let sizes = sizes_of::<T>(&[n, m], chunks.into())?;
        let (rows, cols) = grid_positions(n, m, &sizes)?;
        let on = cols.equal(&rows + k as i64);
        where_(&on, Operand::Scalar(T::one()), Operand::Scalar(T::zero())).validate()
    }

    /// The `n` x `n` identity matrix (NumPy's `identity`).
    ///
    /// ```
    /// use darray::DArray;
    /// let i = DArray::<i32>::identity(4, 3)?;
    /// assert_eq!(i.compute()?, ndarray::Array2::<i32>::eye(4).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn identity(n: usize, chunks: impl Into<ChunkSpec>) -> Result<Self> {
        Self::eye(n, None, 0, chunks)
    }

    /// A 2-D array of `n` rows and `m` columns (`n` when `None`) with ones
    /// at and below the `k`-th diagonal (`j <= i + k`) and zeros above:
    /// NumPy's `tri(N, M, k)`.
    ///
    /// ```
    /// use darray::DArray;
    /// let t = DArray::<i64>::tri(3, Some(5), 2, 2)?.compute()?;
    /// // np.tri(3, 5, 2, dtype=int)
    /// assert_eq!(t, ndarray::arr2(&[[1, 1, 1, 0, 0], [1, 1, 1, 1, 0], [1, 1, 1, 1, 1]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn tri(n: usize, m: Option<usize>, k: isize, chunks: impl Into<ChunkSpec>) -> Result<Self> {
        let m = m.unwrap_or(n);
        let sizes = sizes_of::<T>(&[n, m], chunks.into())?;
        let (rows, cols) = grid_positions(n, m, &sizes)?;
        let on = cols.less_equal(&rows + k as i64);
        where_(&on, Operand::Scalar(T::one()), Operand::Scalar(T::zero())).validate()
    }

    /// An array of zeros with the shape and chunks of `a` (NumPy's
    /// `zeros_like`; for another element type, `zeros(a.shape(),
    /// a.chunks().to_vec())`). An `a` carrying an error is that error.
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::<u16>::ones([5, 3], [2, 3])?;
    /// let z = DArray::zeros_like(&a)?;
    /// assert_eq!((z.shape(), z.chunks()), (a.shape(), a.chunks()));
    /// assert_eq!(z.sum().compute()?[[]], 0);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn zeros_like(a: &DArray<T>) -> Result<Self> {
        Self::full_like(a, T::zero())
    }

    /// An array of ones with the shape and chunks of `a` (NumPy's
    /// `ones_like`).
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::<f32>::zeros([4], 3)?;
    /// assert_eq!(DArray::ones_like(&a)?.sum().compute()?[[]], 4.0);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn ones_like(a: &DArray<T>) -> Result<Self> {
        Self::full_like(a, T::one())
    }

    /// NumPy's `empty_like`: here the same as
    /// [`zeros_like`](DArray::zeros_like) (a lazy array has no memory to
    /// leave uninitialised; its blocks are zeros, made when needed).
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::<i8>::ones([3, 3], 2)?;
    /// let e = DArray::empty_like(&a)?;
    /// assert_eq!(e.chunks(), a.chunks());
    /// assert_eq!(e.sum().compute()?[[]], 0);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn empty_like(a: &DArray<T>) -> Result<Self> {
        Self::zeros_like(a)
    }
}

impl<T: Element> DArray<T> {
    /// An array filled with `value`, with the shape and chunks of `a`
    /// (NumPy's `full_like`). An `a` carrying an error is that error.
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::<bool>::full([2, 2], false, 1)?;
    /// let t = DArray::full_like(&a, true)?;
    /// assert!(t.compute()?.iter().all(|&b| b));
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn full_like(a: &DArray<T>, value: T) -> Result<Self> {
        if let Some(e) = a.error() {
            return Err(e.clone());
        }
        DArray::full(a.shape(), value, ChunkSpec::Explicit(a.chunks().to_vec()))
    }

    /// The lower triangle of the last two axes: elements with `j <= i + k`
    /// kept, the others zero (`false` for `bool`), as NumPy's `tril(m, k)`
    /// for arrays of 2 or more dimensions (fewer is an error carried by
    /// the result).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_fn([3, 3], 2, |i| (3 * i[0] + i[1] + 1) as i32)?;
    /// let l = x.tril(-1).compute()?;
    /// assert_eq!(l, ndarray::arr2(&[[0, 0, 0], [4, 0, 0], [7, 8, 0]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn tril(&self, k: isize) -> DArray<T> {
        self.triangle(k, true)
    }

    /// The upper triangle of the last two axes: elements with `j >= i + k`
    /// kept, the others zero, as NumPy's `triu(m, k)`.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_fn([3, 3], 2, |i| (3 * i[0] + i[1] + 1) as i32)?;
    /// let u = x.triu(0).compute()?;
    /// assert_eq!(u, ndarray::arr2(&[[1, 2, 3], [0, 5, 6], [0, 0, 9]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn triu(&self, k: isize) -> DArray<T> {
        self.triangle(k, false)
    }

    fn triangle(&self, k: isize, lower: bool) -> DArray<T> {
        if self.error().is_some() {
            return self.clone();
        }
        let nd = self.ndim();
        if nd < 2 {
            let name = if lower { "tril" } else { "triu" };
            return self.failed_with(Error::Invalid(format!("{name} needs at least 2 dimensions, got {nd}")));
        }
        let (n, m) = (self.shape()[nd - 2], self.shape()[nd - 1]);
        let sizes = [self.chunks()[nd - 2].clone(), self.chunks()[nd - 1].clone()];
        let (rows, cols) = match grid_positions(n, m, &sizes) {
            Ok(p) => p,
            Err(e) => return self.failed_with(e),
        };
        let diag = &rows + k as i64;
        let keep = if lower { cols.less_equal(&diag) } else { cols.greater_equal(&diag) };
        where_(&keep, self, Operand::Scalar(T::default()))
    }

    /// NumPy's `diag(v, k)`: of a 1-D array, the square 2-D array with `v`
    /// on the `k`-th diagonal and zeros elsewhere (chunked as `v` along
    /// both axes, plus a block for the `|k|` extra rows and columns; `v` is
    /// first rechunked where its chunks squared would pass
    /// `DEFAULT_CHUNK_BYTES`); of a 2-D array, its
    /// `k`-th diagonal ([`diagonal`](DArray::diagonal)`(k, 0, 1)`). Other
    /// dimensions are an error carried by the result.
    ///
    /// ```
    /// use darray::DArray;
    /// let v = DArray::from_array(ndarray::arr1(&[1, 2]), 1)?;
    /// let m = v.diag(1);
    /// assert_eq!(m.compute()?, ndarray::arr2(&[[0, 1, 0], [0, 0, 2], [0, 0, 0]]).into_dyn());
    /// assert_eq!(m.diag(1).compute()?, ndarray::arr1(&[1, 2]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn diag(&self, k: isize) -> DArray<T> {
        if self.error().is_some() {
            return self.clone();
        }
        match self.ndim() {
            1 => self.diag_matrix(k),
            2 => self.diagonal(k, 0, 1),
            nd => self.failed_with(Error::Invalid(format!("diag needs a 1-D or 2-D array, got {nd} dimensions"))),
        }
    }

    fn diag_matrix(&self, k: isize) -> DArray<T> {
        let pad = k.unsigned_abs();
        // The square's blocks are v's chunks squared: keep them within the
        // default block size (a single-chunk v of 10^5 would make one
        // 80 GB block).
        let size = std::mem::size_of::<T>().max(1);
        let side = ((DEFAULT_CHUNK_BYTES / size) as f64).sqrt() as usize;
        let v = match self.chunks()[0].iter().max() {
            Some(&c) if c > side => self.rechunk(side),
            _ => self.clone(),
        };
        let v = if pad == 0 {
            v
        } else {
            match DArray::full([pad], T::default(), pad) {
                Ok(z) => concatenate(&[v, z], 0),
                Err(e) => return self.failed_with(e),
            }
        };
        let n = v.shape()[0];
        let sizes = [v.chunks()[0].clone(), v.chunks()[0].clone()];
        let (rows, cols) = match grid_positions(n, n, &sizes) {
            Ok(p) => p,
            Err(e) => return self.failed_with(e),
        };
        let zero = Operand::Scalar(T::default());
        if k >= 0 {
            // out[i, i + k] = v[i]
            where_(&cols.equal(&rows + k as i64), v.slice(&[Sel::all(), Sel::NewAxis]), zero)
        } else {
            // out[j + |k|, j] = v[j]
            where_(&rows.equal(&cols + pad as i64), v.slice(&[Sel::NewAxis, Sel::all()]), zero)
        }
    }

    /// The diagonal `a[..., i, i + offset]` of the axes `axis1` (`i`) and
    /// `axis2`, as NumPy's `diagonal(offset, axis1, axis2)`: those axes are
    /// removed and the diagonal is the last axis of the result. Only the
    /// blocks the diagonal crosses are read: each run of it inside one
    /// block is a strided view of that block, and the runs are joined.
    /// An axis out of range, `axis1 == axis2` or fewer than 2 dimensions is
    /// an error carried by the result.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_fn([2, 3, 3], [1, 2, 2], |i| (100 * i[0] + 10 * i[1] + i[2]) as i64)?;
    /// let d = x.diagonal(0, 1, 2);
    /// assert_eq!(d.compute()?, ndarray::arr2(&[[0, 11, 22], [100, 111, 122]]).into_dyn());
    /// // x[d, i, d + 1]: axis 2 is one ahead of axis 0
    /// let d = x.diagonal(-1, 2, 0);
    /// assert_eq!(d.compute()?, ndarray::arr2(&[[1, 102], [11, 112], [21, 122]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn diagonal(&self, offset: isize, axis1: usize, axis2: usize) -> DArray<T> {
        if self.error().is_some() {
            return self.clone();
        }
        let nd = self.ndim();
        if nd < 2 {
            return self.failed_with(Error::Invalid(format!("diagonal needs at least 2 dimensions, got {nd}")));
        }
        if axis1 >= nd || axis2 >= nd {
            return self.failed_with(Error::Axis { axis: axis1.max(axis2), ndim: nd });
        }
        if axis1 == axis2 {
            return self.failed_with(Error::Invalid(format!("diagonal of axis {axis1} with itself")));
        }
        let mut perm: Vec<usize> = (0..nd).filter(|&a| a != axis1 && a != axis2).collect();
        perm.extend([axis1, axis2]);
        let y = self.permuted_axes(&perm);
        let batch = nd - 2;
        let (n1, n2) = (self.shape()[axis1], self.shape()[axis2]);
        let (i0, j0) = if offset >= 0 { (0, offset.unsigned_abs()) } else { (offset.unsigned_abs(), 0) };
        let len = if i0 >= n1 || j0 >= n2 { 0 } else { (n1 - i0).min(n2 - j0) };
        if len == 0 {
            let mut shape = y.shape()[..batch].to_vec();
            shape.push(0);
            let mut sizes = y.chunks()[..batch].to_vec();
            sizes.push(vec![0]);
            return match DArray::full(&shape, T::default(), ChunkSpec::Explicit(sizes)) {
                Ok(z) => z,
                Err(e) => self.failed_with(e),
            };
        }
        let ends = |c: &[usize]| -> Vec<usize> {
            c.iter()
                .scan(0, |acc, &l| {
                    *acc += l;
                    Some(*acc)
                })
                .collect()
        };
        let (e1, e2) = (ends(&self.chunks()[axis1]), ends(&self.chunks()[axis2]));
        let mut parts = vec![];
        let mut t = 0;
        while t < len {
            let (i, j) = (i0 + t, j0 + t);
            let end1 = e1[e1.partition_point(|&e| e <= i)];
            let end2 = e2[e2.partition_point(|&e| e <= j)];
            let l = (end1 - i).min(end2 - j).min(len - t);
            // The l x l square of one block, flattened: its diagonal is
            // every (l + 1)-th element.
            let mut sel = vec![Sel::all(); batch];
            sel.push(Sel::span(i as isize, (i + l) as isize));
            sel.push(Sel::span(j as isize, (j + l) as isize));
            let mut flat = y.shape()[..batch].to_vec();
            flat.push(l * l);
            let mut step = vec![Sel::all(); batch];
            step.push(Sel::range(None, None, (l + 1) as isize));
            parts.push(y.slice(&sel).reshape(flat).slice(&step));
            t += l;
        }
        concatenate(&parts, batch)
    }
}

impl<T: Numeric + CastFrom<i64>> DArray<T> {
    /// NumPy's `indices(dimensions)`: an array of shape `[d, shape...]`
    /// (`d = shape.len()`) whose slice `k` holds each element's index along
    /// axis `k`; chunked as `chunks` over `shape`, one block per `k`.
    /// A shape of no axes gives an empty `[0]` array, as NumPy's; an index
    /// that does not fit `T` is an error.
    ///
    /// ```
    /// use darray::DArray;
    /// let g = DArray::<i64>::indices([2, 3], [1, 2])?;
    /// assert_eq!(g.shape(), &[2, 2, 3]);
    /// // np.indices((2, 3))
    /// let want = ndarray::arr3(&[[[0, 0, 0], [1, 1, 1]], [[0, 1, 2], [0, 1, 2]]]);
    /// assert_eq!(g.compute()?, want.into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn indices(shape: impl AsRef<[usize]>, chunks: impl Into<ChunkSpec>) -> Result<Self> {
        let shape = shape.as_ref();
        let sizes = sizes_of::<T>(shape, chunks.into())?;
        if shape.is_empty() {
            return DArray::zeros([0], ChunkSpec::Explicit(vec![vec![0]]));
        }
        if let Some(&n) = shape.iter().find(|&&n| n > 0 && (n - 1) as f64 > T::highest().el_to_f64()) {
            return Err(Error::Invalid(format!("indices up to {} do not fit {}", n - 1, T::DTYPE.name())));
        }
        let all = DArray::<bool>::full(shape, true, ChunkSpec::Explicit(sizes.clone()))?;
        let nd = shape.len();
        let mut grids = Vec::with_capacity(nd);
        for d in 0..nd {
            let p = positions(shape[d], &sizes[d])?.cast::<T>();
            let sel: Vec<Sel> = (0..nd).map(|a| if a == d { Sel::all() } else { Sel::NewAxis }).collect();
            grids.push(broadcast_like(&p.slice(&sel), &all));
        }
        stack(&grids, 0).validate()
    }
}

/// How [`meshgrid`] orders its axes (NumPy's `indexing`): `Xy` (NumPy's
/// default, Cartesian) swaps the first two, so that with inputs `x` and
/// `y` the grids have shape `[len(y), len(x)]`; `Ij` (matrix) keeps the
/// inputs' order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Indexing {
    /// Cartesian: the first two axes swapped.
    #[default]
    Xy,
    /// Matrix: axis `k` is input `k`.
    Ij,
}

/// Coordinate grids from 1-D arrays, as NumPy's `meshgrid(*xi, indexing)`:
/// grid `k` holds `xs[k]` along its axis and repeats it along the others.
/// Each axis is chunked as its input; the grids are broadcast views, never
/// copies. An input that is not 1-D makes every grid carry the error.
///
/// ```
/// use darray::{meshgrid, DArray, Indexing};
/// let x = DArray::from_array(ndarray::arr1(&[1, 2, 3]), 2)?;
/// let y = DArray::from_array(ndarray::arr1(&[10, 20]), 1)?;
/// let g = meshgrid(&[x, y], Indexing::Xy);
/// assert_eq!(g[0].compute()?, ndarray::arr2(&[[1, 2, 3], [1, 2, 3]]).into_dyn());
/// assert_eq!(g[1].compute()?, ndarray::arr2(&[[10, 10, 10], [20, 20, 20]]).into_dyn());
/// # Ok::<(), darray::Error>(())
/// ```
pub fn meshgrid<T: Element>(xs: &[DArray<T>], indexing: Indexing) -> Vec<DArray<T>> {
    if let Some(bad) = xs.iter().find(|x| x.error().is_some()) {
        let e = bad.error().expect("found").clone();
        return xs.iter().map(|x| x.failed_with(e.clone())).collect();
    }
    if let Some(bad) = xs.iter().find(|x| x.ndim() != 1) {
        let e = Error::Invalid(format!("meshgrid takes 1-D arrays, got one of shape {:?}", bad.shape()));
        return xs.iter().map(|x| x.failed_with(e.clone())).collect();
    }
    let n = xs.len();
    let mut axis_of: Vec<usize> = (0..n).collect();
    if indexing == Indexing::Xy && n >= 2 {
        axis_of.swap(0, 1);
    }
    let mut shape = vec![0; n];
    let mut sizes = vec![vec![]; n];
    for (x, &a) in xs.iter().zip(&axis_of) {
        shape[a] = x.shape()[0];
        sizes[a] = x.chunks()[0].clone();
    }
    let all = match DArray::<bool>::full(&shape, true, ChunkSpec::Explicit(sizes)) {
        Ok(a) => a,
        Err(e) => return xs.iter().map(|x| x.failed_with(e.clone())).collect(),
    };
    xs.iter()
        .zip(&axis_of)
        .map(|(x, &ax)| {
            let sel: Vec<Sel> = (0..n).map(|a| if a == ax { Sel::all() } else { Sel::NewAxis }).collect();
            broadcast_like(&x.slice(&sel), &all)
        })
        .collect()
}

impl<T: Float + CastFrom<u64>> DArray<T> {
    /// `num` values `base ** y` for `y` from `start` to `stop` (included
    /// when `endpoint`), as NumPy's `logspace(start, stop, num, endpoint,
    /// base)`: the powers of [`linspace`](DArray::linspace).
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::<f64>::logspace(2.0, 3.0, 4, true, 2.0, 2)?.compute()?;
    /// // np.logspace(2.0, 3.0, num=4, base=2.0)
    /// for (g, w) in a.iter().zip([4.0, 5.0396842, 6.34960421, 8.0]) {
    ///     assert!((g - w).abs() < 1e-7);
    /// }
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn logspace(
        start: T,
        stop: T,
        num: usize,
        endpoint: bool,
        base: T,
        chunks: impl Into<ChunkSpec>,
    ) -> Result<Self> {
        let y = DArray::linspace(start, stop, num, endpoint, chunks)?;
        y.binary::<T>(BinaryOp::Pow, Operand::Scalar(base), true).validate()
    }

    /// `num` values from `start` to `stop` (included when `endpoint`)
    /// spaced evenly on a log scale, as NumPy's `geomspace`: each is
    /// `10 ** y` for `y` evenly spaced from `log10(start)` to `log10(stop)`,
    /// and the ends are `start` and `stop` exactly. Both bounds negative
    /// gives negative values. A zero, non-finite bound or bounds of
    /// opposite signs (for which NumPy gives complex values) is an error.
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::<f64>::geomspace(-1000.0, -1.0, 4, true, 3)?.compute()?;
    /// // np.geomspace(-1000, -1, num=4)
    /// for (g, w) in a.iter().zip([-1000.0, -100.0, -10.0, -1.0]) {
    ///     assert!((g - w).abs() < 1e-12);
    /// }
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn geomspace(start: T, stop: T, num: usize, endpoint: bool, chunks: impl Into<ChunkSpec>) -> Result<Self> {
        let (s, e) = (start.el_to_f64(), stop.el_to_f64());
        if s == 0.0 || e == 0.0 {
            return Err(Error::Invalid("geomspace: a geometric sequence cannot include zero".into()));
        }
        if !s.is_finite() || !e.is_finite() {
            return Err(Error::Invalid(format!("geomspace bounds must be finite, got {s} and {e}")));
        }
        if (s < 0.0) != (e < 0.0) {
            return Err(Error::Invalid(format!("geomspace bounds {s} and {e} have opposite signs")));
        }
        let sign = if s < 0.0 { -1.0 } else { 1.0 };
        let (s, e) = (s * sign, e * sign);
        let sizes = sizes_of::<T>(&[num], chunks.into())?;
        let spec = ChunkSpec::Explicit(sizes.clone());
        let ten = T::cast_from(10.0);
        let y = DArray::logspace(T::cast_from(s.log10()), T::cast_from(e.log10()), num, endpoint, ten, spec)?;
        // NumPy sets the ends exactly: 10 ** log10(x) need not be x.
        let idx = positions(num, &sizes[0])?;
        let mut y = where_(&idx.equal(0i64), Operand::Scalar(T::cast_from(s)), &y);
        if endpoint && num > 1 {
            y = where_(&idx.equal((num - 1) as i64), Operand::Scalar(T::cast_from(e)), &y);
        }
        if sign < 0.0 {
            y = -&y;
        }
        y.validate()
    }

    /// Standard normal random values (NumPy's `Generator.standard_normal`):
    /// [`random_normal`](DArray::random_normal) with mean 0 and std 1,
    /// the same values.
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::<f64>::random_standard_normal([50], 7, 3)?;
    /// assert_eq!(a.compute()?, DArray::<f64>::random_normal([50], 50, 0.0, 1.0, 3)?.compute()?);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn random_standard_normal(shape: impl AsRef<[usize]>, chunks: impl Into<ChunkSpec>, seed: u64) -> Result<Self> {
        Self::random_normal(shape, chunks, 0.0, 1.0, seed)
    }

    /// Exponential random values of mean `scale` (NumPy's
    /// `Generator.exponential(scale)`): `-scale * ln(1 - u)` of one uniform
    /// draw per element. Counter-based like
    /// [`random_uniform`](DArray::random_uniform). A negative or
    /// non-finite scale is an error.
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::<f64>::random_exponential([1000], 100, 2.0, 1)?;
    /// assert!(a.min().compute()?[[]] >= 0.0);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn random_exponential(
        shape: impl AsRef<[usize]>,
        chunks: impl Into<ChunkSpec>,
        scale: f64,
        seed: u64,
    ) -> Result<Self> {
        Self::random(shape.as_ref(), chunks.into(), seed, Dist::Exponential { scale })
    }

    /// Gamma random values of shape `k` and scale `scale` (NumPy's
    /// `Generator.gamma(shape, scale)`; mean `k * scale`): Marsaglia and
    /// Tsang's rejection method (with `G(k + 1) * u^(1/k)` for `k < 1`),
    /// each element drawing from its own counter-based stream, so values
    /// do not depend on the chunking. Negative or non-finite parameters
    /// are an error; `k = 0` gives zeros, as NumPy's.
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::<f64>::random_gamma([1000], 300, 2.0, 0.5, 4)?;
    /// assert_eq!(a.compute()?, a.rechunk(7).compute()?);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn random_gamma(
        shape: impl AsRef<[usize]>,
        chunks: impl Into<ChunkSpec>,
        k: f64,
        scale: f64,
        seed: u64,
    ) -> Result<Self> {
        let dist = Dist::Gamma { shape: k, scale };
        Self::random(shape.as_ref(), chunks.into(), seed, dist)
    }
}

impl<T: Numeric> DArray<T> {
    /// Uniform random integers in `[low, high)`, or `[low, high]` when
    /// `endpoint` (NumPy's `Generator.integers(low, high, endpoint=...)`),
    /// of an integer type; unbiased (Lemire's multiply and reject on each
    /// element's counter-based stream) and independent of the chunking.
    /// An empty range or a float type is an error.
    ///
    /// ```
    /// use darray::DArray;
    /// let dice = DArray::<u8>::random_integers([600], 64, 1, 7, false, 5)?.compute()?;
    /// assert!(dice.iter().all(|&d| (1..7).contains(&d)));
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn random_integers(
        shape: impl AsRef<[usize]>,
        chunks: impl Into<ChunkSpec>,
        low: T,
        high: T,
        endpoint: bool,
        seed: u64,
    ) -> Result<Self> {
        if T::IS_FLOAT {
            return Err(Error::Invalid(format!("random_integers makes an integer type, not {}", T::DTYPE.name())));
        }
        if if endpoint { low > high } else { low >= high } {
            let close = if endpoint { "]" } else { ")" };
            return Err(Error::Invalid(format!("random_integers: the range [{low:?}, {high:?}{close} is empty")));
        }
        let max = if endpoint { high } else { high.sub_(T::one()) };
        let dist = Dist::Integers { low: Scalar::new(low), max: Scalar::new(max) };
        Self::random(shape.as_ref(), chunks.into(), seed, dist)
    }

    /// Poisson random counts of mean `lam` (NumPy's
    /// `Generator.poisson(lam)`), of an integer type: multiplication of
    /// uniforms for `lam < 10`, Hörmann's PTRS rejection above (NumPy's
    /// algorithms), on each element's counter-based stream. A negative or
    /// non-finite `lam`, a float type, or a `lam` whose likely values do
    /// not fit the type (`lam + 40 sqrt(lam) + 10` above its maximum) is
    /// an error.
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::<i64>::random_poisson([1000], 128, 3.5, 9)?;
    /// assert!(a.min().compute()?[[]] >= 0);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn random_poisson(
        shape: impl AsRef<[usize]>,
        chunks: impl Into<ChunkSpec>,
        lam: f64,
        seed: u64,
    ) -> Result<Self> {
        Self::random(shape.as_ref(), chunks.into(), seed, Dist::Poisson { lam })
    }

    /// Binomial random counts of successes in `n` trials of probability
    /// `p` (NumPy's `Generator.binomial(n, p)`), of an integer type:
    /// inversion while `n * min(p, 1 - p) <= 30` (NumPy's), and above it
    /// Knuth's exact split by a beta variate, which halves `n` (about
    /// `log2(n)` steps), on each element's counter-based stream. `p`
    /// outside `[0, 1]`, a float type or an `n` above the type's maximum
    /// is an error.
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::<u16>::random_binomial([1000], 250, 40, 0.25, 2)?.compute()?;
    /// assert!(a.iter().all(|&k| k <= 40));
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn random_binomial(
        shape: impl AsRef<[usize]>,
        chunks: impl Into<ChunkSpec>,
        n: u64,
        p: f64,
        seed: u64,
    ) -> Result<Self> {
        Self::random(shape.as_ref(), chunks.into(), seed, Dist::Binomial { n, p })
    }
}

/// `v` with room for `n` elements, or `TooLarge` (never an abort).
fn reserve<V>(n: usize) -> Result<Vec<V>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| Error::TooLarge(format!("{n} random positions do not fit in memory")))?;
    Ok(v)
}

/// The first `k` of the positions `0..n` in a seeded random order:
/// Fisher-Yates, step `i` swapping `i` with `i + below(n - i)` drawn from
/// the stream `(seed, i)`. Below `n / 8` draws only the moved entries are
/// kept (a map); both ways give the same positions.
fn shuffled(n: usize, k: usize, seed: u64) -> Result<Vec<usize>> {
    let draw = |i: usize| i + Stream::new(seed, i as u64).below((n - i) as u64) as usize;
    if k.saturating_mul(8) >= n {
        let mut a = reserve(n)?;
        a.extend(0..n);
        for i in 0..k {
            a.swap(i, draw(i));
        }
        a.truncate(k);
        Ok(a)
    } else {
        let mut out = reserve(k)?;
        let mut moved: HashMap<usize, usize> = HashMap::new();
        for i in 0..k {
            let j = draw(i);
            let (vi, vj) = (*moved.get(&i).unwrap_or(&i), *moved.get(&j).unwrap_or(&j));
            moved.insert(j, vi);
            out.push(vj);
        }
        Ok(out)
    }
}

/// NumPy's `choice` positions: `size` of `0..n`, independent uniform draws
/// (stream `(seed, i)` for draw `i`) with replacement, the start of a
/// seeded shuffle without.
fn choice_positions(n: usize, size: usize, replace: bool, seed: u64) -> Result<Vec<usize>> {
    if n == 0 && size > 0 {
        return Err(Error::Invalid("random_choice: cannot take a sample from an empty population".into()));
    }
    if replace {
        let mut out = reserve(size)?;
        out.extend((0..size).map(|i| Stream::new(seed, i as u64).below(n as u64) as usize));
        Ok(out)
    } else if size > n {
        Err(Error::Invalid(format!(
            "random_choice: cannot take a sample of {size} from a population of {n} without replacement"
        )))
    } else {
        shuffled(n, size, seed)
    }
}

/// `x` at positions `idx` along axis 0, chunked there as `out`: each output
/// block first gathers its positions in sorted order (runs within input
/// blocks, each input block read once), then is reordered within itself.
fn gather<T: Element>(x: &DArray<T>, idx: &[usize], out: &[usize]) -> DArray<T> {
    let mut sorted = Vec::with_capacity(idx.len());
    let mut local = Vec::with_capacity(idx.len());
    let mut start = 0;
    for &len in out {
        let block = &idx[start..start + len];
        let mut order: Vec<usize> = (0..len).collect();
        order.sort_by_key(|&t| block[t]);
        let mut rank = vec![0; len];
        for (r, &t) in order.iter().enumerate() {
            rank[t] = r;
            sorted.push(block[t]);
        }
        local.extend(rank.iter().map(|&r| start + r));
        start += len;
    }
    let first = take_chunked(x.node.clone(), 0, sorted, out.to_vec());
    DArray::from_node(take_chunked(first, 0, local, out.to_vec()))
}

impl<T: Element> DArray<T> {
    /// `size` elements of this 1-D array chosen at random, with or without
    /// replacement (NumPy's `Generator.choice(a, size, replace)`, uniform
    /// weights), chunked as `chunks`. The positions are drawn when the
    /// array is built (8 bytes each, held by the graph, with 16 more for
    /// the gather): independently per position with replacement, as the
    /// start of a seeded Fisher-Yates shuffle without; the same whatever
    /// the chunking. An array of another dimension, a sample larger than
    /// the array without replacement, or from an empty array, is an error
    /// carried by the result.
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::arange(0i32, 100, 1, 30)?;
    /// let s = a.random_choice(10, false, 4, 7).compute()?;
    /// let mut v = s.into_raw_vec_and_offset().0;
    /// v.sort();
    /// v.dedup();
    /// assert_eq!(v.len(), 10);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn random_choice(&self, size: usize, replace: bool, chunks: impl Into<ChunkSpec>, seed: u64) -> DArray<T> {
        if self.error().is_some() {
            return self.clone();
        }
        if self.ndim() != 1 {
            return self
                .failed_with(Error::Invalid(format!("random_choice needs a 1-D array, got {:?}", self.shape())));
        }
        let out = match sizes_of::<T>(&[size], chunks.into()) {
            Ok(s) => s[0].clone(),
            Err(e) => return self.failed_with(e),
        };
        match choice_positions(self.shape()[0], size, replace, seed) {
            Ok(idx) => gather(self, &idx, &out),
            Err(e) => self.failed_with(e),
        }
    }

    /// This array with its positions along axis 0 in a seeded random
    /// order (NumPy's `Generator.permutation(x)`), chunked as it is. The
    /// order is a Fisher-Yates shuffle drawn when the array is built (the
    /// same whatever the chunking), gathered as
    /// [`random_choice`](DArray::random_choice) does: an output block may
    /// read every input block. A 0-d array is an error carried by the
    /// result.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_fn([6, 2], [4, 2], |i| (10 * i[0] + i[1]) as u32)?;
    /// let p = x.random_permutation(1).compute()?;
    /// let mut rows: Vec<u32> = p.outer_iter().map(|r| r[0]).collect();
    /// rows.sort();
    /// assert_eq!(rows, vec![0, 10, 20, 30, 40, 50]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn random_permutation(&self, seed: u64) -> DArray<T> {
        if self.error().is_some() {
            return self.clone();
        }
        if self.ndim() == 0 {
            return self.failed_with(Error::Invalid("random_permutation needs at least 1 dimension".into()));
        }
        let n = self.shape()[0];
        match shuffled(n, n, seed) {
            Ok(idx) => gather(self, &idx, &self.chunks()[0]),
            Err(e) => self.failed_with(e),
        }
    }
}

impl DArray<i64> {
    /// `size` positions of `0..n` chosen at random (NumPy's
    /// `Generator.choice(n, size, replace)` of an integer), chunked as
    /// `chunks`: the same values as `arange(0, n).random_choice(size,
    /// replace, chunks, seed)`, held as an in-memory array. Errors as
    /// [`random_choice`](DArray::random_choice)'s, returned.
    ///
    /// ```
    /// use darray::DArray;
    /// let c = DArray::random_choice_range(5, 1000, true, 100, 3)?.compute()?;
    /// assert!(c.iter().all(|&v| (0..5).contains(&v)));
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn random_choice_range(
        n: usize,
        size: usize,
        replace: bool,
        chunks: impl Into<ChunkSpec>,
        seed: u64,
    ) -> Result<Self> {
        let sizes = sizes_of::<i64>(&[size], chunks.into())?;
        if i64::try_from(n).is_err() {
            return Err(Error::TooLarge(format!("random_choice_range: {n} positions do not fit i64")));
        }
        let idx = choice_positions(n, size, replace, seed)?;
        let values: Vec<i64> = idx.into_iter().map(|i| i as i64).collect();
        DArray::from_array(ndarray::Array1::from(values), ChunkSpec::Explicit(sizes))
    }

    /// `0..n` in a seeded random order (NumPy's `Generator.permutation(n)`),
    /// the same as `arange(0, n).random_permutation(seed)`.
    ///
    /// ```
    /// use darray::DArray;
    /// let p = DArray::random_permutation_range(10, 4, 8)?;
    /// assert_eq!(p.compute()?, DArray::arange(0i64, 10, 1, 3)?.random_permutation(8).compute()?);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn random_permutation_range(n: usize, chunks: impl Into<ChunkSpec>, seed: u64) -> Result<Self> {
        Self::random_choice_range(n, n, false, chunks, seed)
    }
}
