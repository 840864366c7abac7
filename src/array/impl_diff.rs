//! `diff` (fused differences of shifted views) and `gradient` (one
//! `map_overlap` task per block).

use super::impl_ops::Operand;
use super::impl_overlap::Boundary;
use super::impl_structure::concatenate;
use super::DArray;
use crate::chunks::ChunkSpec;
use crate::dtype::{CastFrom, DType, Element, Float, Numeric};
use crate::error::Error;
use crate::ops::BinaryOp;
use ndarray::{ArrayD, Axis, Slice, Zip};

// ------------------------------------------------------------ differences

impl<T: Element> DArray<T> {
    /// The `n`-th discrete difference along `axis` (`np.diff(a, n,
    /// axis)`): `out[i] = a[i + 1] - a[i]`, applied `n` times, so the axis
    /// gets `n` shorter (down to 0). Integers wrap around as in NumPy;
    /// for `bool` the difference is `a[i + 1] != a[i]`, as NumPy's. The
    /// shifted operand is rechunked to the other's grid, so the result
    /// keeps the input's chunks.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[1, 2, 4, 7, 0]), 2)?;
    /// // NumPy: np.diff(x) and np.diff(x, n=2)
    /// assert_eq!(x.diff(1, 0).compute()?.into_raw_vec_and_offset().0, vec![1, 2, 3, -7]);
    /// assert_eq!(x.diff(2, 0).compute()?.into_raw_vec_and_offset().0, vec![1, 1, -10]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn diff(&self, n: usize, axis: usize) -> DArray<T> {
        self.diff_with(n, axis, None, None)
    }

    /// [`diff`](DArray::diff) with NumPy's `prepend` and `append`: values
    /// joined to the array along `axis` before differencing. A scalar (or
    /// a 0-d array) stands for a slab of length 1 along `axis`; an array
    /// must match the others axes' lengths.
    ///
    /// ```
    /// use darray::{DArray, Operand};
    /// let x = DArray::from_array(ndarray::arr1(&[1, 2, 4, 7, 0]), 2)?;
    /// let d = x.diff_with(1, 0, Some(Operand::Scalar(0)), Some(Operand::Scalar(0)));
    /// assert_eq!(d.compute()?.into_raw_vec_and_offset().0, vec![1, 1, 2, 3, -7, 0]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn diff_with(
        &self,
        n: usize,
        axis: usize,
        prepend: Option<Operand<T>>,
        append: Option<Operand<T>>,
    ) -> DArray<T> {
        if self.error().is_some() || n == 0 {
            return self.clone();
        }
        let nd = self.ndim();
        if nd == 0 {
            return self.failed_with(Error::Invalid("diff requires input that is at least one dimensional".into()));
        }
        if axis >= nd {
            return self.failed_with(Error::Axis { axis, ndim: nd });
        }
        let mut slab = self.shape().to_vec();
        slab[axis] = 1;
        let edge = |o: Operand<T>| -> DArray<T> {
            match o {
                Operand::Scalar(v) => DArray::full(&slab, v, ChunkSpec::Explicit(self.sizes_with(axis, 1)))
                    .unwrap_or_else(|e| self.failed_with(e)),
                Operand::Array(a) if a.ndim() == 0 => a.broadcast_to(&slab),
                Operand::Array(a) => a,
            }
        };
        let mut parts: Vec<DArray<T>> = prepend.map(edge).into_iter().collect();
        parts.push(self.clone());
        parts.extend(append.map(edge));
        let y = if parts.len() > 1 { concatenate(&parts, axis) } else { self.clone() };
        let len = y.shape()[axis];
        if !y.is_valid() || n >= len {
            return y.span_on(axis, 0, len.saturating_sub(n));
        }
        // `y[1:] - y[:-1]`, n times, the shifted operand on the other's
        // grid: fused elementwise steps over views, several times faster
        // than a stencil task per block (which copies each block with its
        // halo).
        let mut y = y;
        for _ in 0..n {
            let len = y.shape()[axis];
            let lo = y.span_on(axis, 0, len - 1);
            let hi = y.span_on(axis, 1, len).rechunk(ChunkSpec::Explicit(lo.chunks().to_vec()));
            y = if T::DTYPE == DType::Bool {
                hi.binary::<bool>(BinaryOp::Ne, Operand::Array(lo), false).as_dtype()
            } else {
                hi.binary(BinaryOp::Sub, Operand::Array(lo), false)
            };
        }
        y
    }
}

/// NumPy's gradient of one (extended) block along `axis`: central
/// differences inside, one-sided ones of `edge_order` at the block's ends
/// (which `map_overlap` trims off except at the array's own edges).
fn gradient_block<F: Float>(b: ArrayD<F>, axis: usize, h: f64, edge_order: usize) -> ArrayD<F> {
    let n = b.shape()[axis];
    let mut out = b.clone();
    if n < edge_order + 1 {
        return out;
    }
    let f = |v: f64| <F as CastFrom<f64>>::cast_from(v);
    let ax = Axis(axis);
    let at = |i: usize| b.index_axis(ax, i);
    let two_h = f(2.0 * h);
    // Slabs at a time, as in `diff_block`.
    Zip::from(out.slice_axis_mut(ax, Slice::from(1..n - 1)))
        .and(b.slice_axis(ax, Slice::from(2..n)))
        .and(b.slice_axis(ax, Slice::from(0..n - 2)))
        .for_each(|o, &p, &m| *o = (p - m) / two_h);
    let (mut first, mut last) = (out.index_axis(ax, 0).to_owned(), out.index_axis(ax, n - 1).to_owned());
    if edge_order == 1 {
        let h1 = f(h);
        Zip::from(&mut first).and(at(1)).and(at(0)).for_each(|o, &p, &m| *o = (p - m) / h1);
        Zip::from(&mut last).and(at(n - 1)).and(at(n - 2)).for_each(|o, &p, &m| *o = (p - m) / h1);
    } else {
        let (a, c1, c) = (f(-1.5 / h), f(2.0 / h), f(-0.5 / h));
        Zip::from(&mut first)
            .and(at(0))
            .and(at(1))
            .and(at(2))
            .for_each(|o, &x0, &x1, &x2| *o = a * x0 + c1 * x1 + c * x2);
        let (a, c1, c) = (f(0.5 / h), f(-2.0 / h), f(1.5 / h));
        Zip::from(&mut last)
            .and(at(n - 3))
            .and(at(n - 2))
            .and(at(n - 1))
            .for_each(|o, &x0, &x1, &x2| *o = a * x0 + c1 * x1 + c * x2);
    }
    out.index_axis_mut(ax, 0).assign(&first);
    out.index_axis_mut(ax, n - 1).assign(&last);
    out
}

impl<T: Numeric> DArray<T> {
    /// The gradient along every axis with spacing `spacing` (`np.gradient(f,
    /// spacing)`): one array per axis (none for a 0-d array). See
    /// [`gradient_axis`](DArray::gradient_axis); per-axis spacings are
    /// `gradient_axis` per axis.
    ///
    /// ```
    /// use darray::DArray;
    /// let f = DArray::from_array(ndarray::arr2(&[[1.0, 2.0, 6.0], [3.0, 4.0, 5.0]]), [1, 2])?;
    /// // NumPy: np.gradient(np.array([[1, 2, 6], [3, 4, 5]], dtype=float))
    /// let g = f.gradient(1.0);
    /// assert_eq!(g[0].compute()?, ndarray::arr2(&[[2.0, 2.0, -1.0], [2.0, 2.0, -1.0]]).into_dyn());
    /// assert_eq!(g[1].compute()?, ndarray::arr2(&[[1.0, 2.5, 4.0], [1.0, 1.0, 1.0]]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn gradient(&self, spacing: f64) -> Vec<DArray<T::Mean>> {
        (0..self.ndim()).map(|a| self.gradient_axis(a, spacing)).collect()
    }

    /// The gradient along `axis` with spacing `spacing`
    /// (`np.gradient(f, spacing, axis=axis)`): `(f[i+1] - f[i-1]) / (2 h)`
    /// inside, `(f[1] - f[0]) / h` and `(f[n-1] - f[n-2]) / h` at the ends.
    /// Integers are converted to `f64` first, as NumPy does. One task per
    /// block, reading one neighbouring position on each side
    /// (`map_overlap`). The axis needs 2 positions.
    ///
    /// ```
    /// use darray::DArray;
    /// let f = DArray::from_array(ndarray::arr1(&[1, 2, 4, 7, 11, 16]), 4)?;
    /// // NumPy: np.gradient(f) and np.gradient(f, 2)
    /// assert_eq!(f.gradient_axis(0, 1.0).compute()?.into_raw_vec_and_offset().0, vec![1.0, 1.5, 2.5, 3.5, 4.5, 5.0]);
    /// assert_eq!(f.gradient_axis(0, 2.0).compute()?.into_raw_vec_and_offset().0, vec![0.5, 0.75, 1.25, 1.75, 2.25, 2.5]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn gradient_axis(&self, axis: usize, spacing: f64) -> DArray<T::Mean> {
        self.gradient_with(axis, spacing, 1)
    }

    /// [`gradient_axis`](DArray::gradient_axis) with NumPy's `edge_order`
    /// (1 or 2): second-order one-sided differences at the ends for 2
    /// (the axis then needs 3 positions).
    ///
    /// ```
    /// use darray::DArray;
    /// let f = DArray::from_array(ndarray::arr1(&[1, 2, 4, 7, 11, 16]), 4)?;
    /// // NumPy: np.gradient(f, edge_order=2)
    /// let g = f.gradient_with(0, 1.0, 2).compute()?;
    /// assert_eq!(g.into_raw_vec_and_offset().0, vec![0.5, 1.5, 2.5, 3.5, 4.5, 5.5]);
    /// assert!(f.gradient_with(0, 1.0, 3).validate().is_err());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn gradient_with(&self, axis: usize, spacing: f64, edge_order: usize) -> DArray<T::Mean> {
        let f: DArray<T::Mean> = self.as_dtype();
        if f.error().is_some() {
            return f;
        }
        let nd = self.ndim();
        if axis >= nd {
            return f.failed_with(Error::Axis { axis, ndim: nd });
        }
        if !(1..=2).contains(&edge_order) {
            return f.failed_with(Error::Invalid(format!("gradient: edge_order must be 1 or 2, got {edge_order}")));
        }
        if self.shape()[axis] < edge_order + 1 {
            return f.failed_with(Error::Shape(format!(
                "gradient: axis {axis} of length {} is too short: at least {} positions are required",
                self.shape()[axis],
                edge_order + 1
            )));
        }
        let mut depth = vec![0; nd];
        depth[axis] = edge_order;
        f.map_overlap(&depth, Boundary::None, move |b, _| gradient_block(b, axis, spacing, edge_order))
    }
}
