//! Statistics and vector products composed of existing steps: `ptp`,
//! `count_nonzero`, `average`, `moment`, `cov`, `corrcoef`, `inner`,
//! `outer`, `vdot`. Each is elementwise steps, reductions and block
//! products the optimizer already fuses and plans, so none needs a kernel
//! of its own.

use super::DArray;
use crate::array::{tensordot, Operand, ReduceOpts};
use crate::dtype::{CastFrom, Element, Float, Numeric};
use crate::error::Error;
use crate::ops::BinaryOp;
use ndarray::LinalgScalar;

impl<T: Numeric> DArray<T> {
    /// Range of the values, `max - min` (NumPy's `ptp`: NaN if any is
    /// NaN; integers wrap, as NumPy's do); an error for empty arrays.
    ///
    /// ```
    /// use darray::{DArray, ReduceOpts};
    /// let x = DArray::from_array(ndarray::arr2(&[[4, 9, 2], [3, 5, 7]]), 1)?;
    /// assert_eq!(x.ptp().compute()?[[]], 7);
    /// assert_eq!(x.ptp_with(&ReduceOpts::axis(1)).compute()?.into_raw_vec_and_offset().0, vec![7, 4]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn ptp(&self) -> DArray<T> {
        self.ptp_with(&ReduceOpts::all())
    }
    /// [`ptp`](DArray::ptp) with explicit axes and keepdims.
    pub fn ptp_with(&self, o: &ReduceOpts) -> DArray<T> {
        &self.max_with(o) - &self.min_with(o)
    }

    /// Weighted average, NumPy's `average(a, axis, weights)`:
    /// `sum(x * w) / sum(w)` over the axes of `o`, computed in `f64` for
    /// integers. `weights` has the array's shape, or is 1-D along the one
    /// axis reduced. Weights summing to zero give NaN or infinity where
    /// NumPy raises `ZeroDivisionError`.
    ///
    /// ```
    /// use darray::{DArray, ReduceOpts};
    /// let x = DArray::from_array(ndarray::arr2(&[[1.0, 2.0], [3.0, 4.0]]), 1)?;
    /// let w = DArray::from_array(ndarray::arr1(&[3.0, 1.0]), 1)?;
    /// let a = x.average(&w, &ReduceOpts::axis(1)).compute()?;
    /// assert_eq!(a.into_raw_vec_and_offset().0, vec![1.25, 3.25]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn average(&self, weights: &DArray<T>, o: &ReduceOpts) -> DArray<T::Mean>
    where
        T::Mean: CastFrom<T>,
    {
        let w = if weights.shape() == self.shape() {
            weights.clone()
        } else {
            match o.axes.as_deref() {
                Some(&[axis]) if weights.ndim() == 1 && axis < self.ndim() && weights.len() == self.shape()[axis] => {
                    // Along the reduced axis: shaped to broadcast there.
                    let mut shape = vec![1; self.ndim()];
                    shape[axis] = weights.len();
                    weights.reshape(shape)
                }
                _ => {
                    return self.failed_as(Error::Shape(format!(
                        "average: weights of shape {:?} for an array of shape {:?} (they need its shape, or \
                             one axis reduced and 1-D weights of its length)",
                        weights.shape(),
                        self.shape()
                    )))
                }
            }
        };
        let (x, w): (DArray<T::Mean>, DArray<T::Mean>) = (self.cast(), w.cast());
        let num = (&x * &w).sum_with(o);
        let den = if w.shape() == x.shape() {
            w.sum_with(o)
        } else {
            // 1-D weights: their sum, broadcast against the numerator.
            let mut keep = o.clone();
            keep.keepdims = true;
            let s = w.sum_with(&keep);
            if o.keepdims {
                s
            } else {
                s.reshape([])
            }
        };
        &num / &den
    }

    /// The `k`-th central moment, `mean((x - mean(x))^k)` over the axes of
    /// `o` (SciPy's `stats.moment`: the 0th is 1 and the 1st 0, exactly).
    ///
    /// ```
    /// use darray::{DArray, ReduceOpts};
    /// let x = DArray::from_array(ndarray::arr1(&[1.0, 2.0, 3.0, 4.0]), 3)?;
    /// assert_eq!(x.moment(2, &ReduceOpts::all()).compute()?[[]], 1.25);
    /// assert_eq!(x.moment(3, &ReduceOpts::all()).compute()?[[]], 0.0);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn moment(&self, k: u32, o: &ReduceOpts) -> DArray<T::Mean>
    where
        T::Mean: CastFrom<T>,
    {
        let x: DArray<T::Mean> = self.cast();
        let Ok(k) = i32::try_from(k) else {
            return self.failed_as(Error::Invalid(format!("moment: order {k} is too large")));
        };
        let mut keep = o.clone();
        keep.keepdims = true;
        let m = x.mean_with(&keep);
        let d = &x - &m;
        let zero = <T::Mean as CastFrom<f64>>::cast_from(0.0);
        match k {
            // Exact, as SciPy's (no rounding of a sum of deviations), and
            // NaN where the data are, as SciPy's `propagate`.
            0 => &(&d.mean_with(o) * zero) + <T::Mean as CastFrom<f64>>::cast_from(1.0),
            1 => &d.mean_with(o) * zero,
            _ => d.powi(k).mean_with(o),
        }
    }
}

impl<T: Numeric> DArray<T> {
    /// Sum along a diagonal, NumPy's `trace(offset, axis1, axis2)`: the
    /// [`diagonal`](DArray::diagonal) summed (integers in `i64`/`u64`), so
    /// only the blocks it crosses are read. The result has the other axes;
    /// a diagonal past the edge sums to 0.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_fn([3, 3], [2, 2], |i| (3 * i[0] + i[1]) as i32)?;
    /// assert_eq!(x.trace(0, 0, 1).compute()?[[]], 12i64);
    /// assert_eq!(x.trace(1, 0, 1).compute()?[[]], 6i64);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn trace(&self, offset: isize, axis1: usize, axis2: usize) -> DArray<T::Sum> {
        let d = self.diagonal(offset, axis1, axis2);
        d.sum_axis(d.ndim().saturating_sub(1))
    }
}

impl<T: Element> DArray<T> {
    /// Number of elements that are not zero (not `false`), NumPy's
    /// `count_nonzero`; NaN counts as non-zero, as in NumPy.
    ///
    /// ```
    /// use darray::{DArray, ReduceOpts};
    /// let x = DArray::from_array(ndarray::arr2(&[[0, 1, 7], [0, 0, -1]]), 1)?;
    /// assert_eq!(x.count_nonzero().compute()?[[]], 3);
    /// assert_eq!(x.count_nonzero_with(&ReduceOpts::axis(0)).compute()?.into_raw_vec_and_offset().0, vec![0, 1, 2]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn count_nonzero(&self) -> DArray<i64> {
        self.count_nonzero_with(&ReduceOpts::all())
    }
    /// [`count_nonzero`](DArray::count_nonzero) with explicit axes and
    /// keepdims.
    pub fn count_nonzero_with(&self, o: &ReduceOpts) -> DArray<i64> {
        self.binary::<bool>(BinaryOp::Ne, Operand::Scalar(T::default()), false).cast::<i64>().sum_with(o)
    }
}

impl<T: Numeric> DArray<T>
where
    f64: CastFrom<T>,
{
    /// Covariance matrix, NumPy's `cov`, in `f64` as NumPy's (whatever the
    /// input type): with `rowvar` each row is a variable and each column an
    /// observation (else the other way round); normalised by `N - ddof`
    /// (NumPy's default `ddof` is 1; `N - ddof <= 0` gives infinity or NaN,
    /// as NumPy's after its warning). One variable (a 1-D array, or one
    /// row) gives a 0-d variance, as NumPy's squeezed result.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[0.0f32, 1.0, 2.0], [2.0, 1.0, 0.0]]), 1)?;
    /// let c = x.cov(true, 1.0).compute()?;
    /// assert_eq!(c.into_raw_vec_and_offset().0, vec![1.0f64, -1.0, -1.0, 1.0]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn cov(&self, rowvar: bool, ddof: f64) -> DArray<f64> {
        let Some((xc, n)) = self.variables(rowvar) else {
            return self.failed_as(Error::Shape(format!("cov takes a 1-D or 2-D array, not {}-D", self.ndim())));
        };
        let c = &xc.dot(&xc.t()) / (n as f64 - ddof).max(0.0);
        squeezed(c)
    }

    /// Pearson correlation coefficients, NumPy's `corrcoef` (in `f64`):
    /// the covariance normalised by the standard deviations, clipped to
    /// `[-1, 1]` (NaN for a constant variable).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[1.0f64, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 9.0]]), 2)?;
    /// let r = x.corrcoef(true).compute()?;
    /// assert_eq!(r[[0, 0]], 1.0);
    /// assert!((r[[0, 1]] - 0.994376712684369).abs() < 1e-12); // np.corrcoef's value
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn corrcoef(&self, rowvar: bool) -> DArray<f64> {
        let Some((xc, _)) = self.variables(rowvar) else {
            return self.failed_as(Error::Shape(format!("corrcoef takes a 1-D or 2-D array, not {}-D", self.ndim())));
        };
        let k = xc.shape()[0];
        let c = xc.dot(&xc.t());
        let s = xc.square().sum_axis(1).sqrt();
        squeezed((&(&c / &s.reshape([k, 1])) / &s.reshape([1, k])).clip(-1.0, 1.0))
    }

    /// The variables as rows of `f64`, centred on their means, with the
    /// number of observations.
    fn variables(&self, rowvar: bool) -> Option<(DArray<f64>, usize)> {
        let x: DArray<f64> = self.cast();
        let x = match self.ndim() {
            1 => x.reshape([1, self.len()]),
            2 if rowvar => x,
            2 => x.t(),
            _ => return None,
        };
        let n = x.shape()[1];
        let xc = &x - &x.mean_with(&ReduceOpts::axis(1).keepdims(true));
        Some((xc, n))
    }
}

/// A `[1, 1]` matrix of one variable as 0-d (NumPy squeezes it).
fn squeezed(m: DArray<f64>) -> DArray<f64> {
    if m.shape() == [1, 1] {
        m.reshape([])
    } else {
        m
    }
}

impl<T: Float + LinalgScalar> DArray<T> {
    /// Inner product over the last axes, NumPy's `inner`: the result has
    /// `self`'s other axes followed by `other`'s (a 0-d operand
    /// multiplies).
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::from_array(ndarray::arr2(&[[1.0, 2.0], [3.0, 4.0]]), 1)?;
    /// let b = DArray::from_array(ndarray::arr1(&[1.0, 10.0]), 1)?;
    /// assert_eq!(a.inner(&b).compute()?.into_raw_vec_and_offset().0, vec![21.0, 43.0]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn inner(&self, other: &DArray<T>) -> DArray<T> {
        match (self.ndim(), other.ndim()) {
            (0, _) | (_, 0) => {
                // A scalar times the other array, whose axes come in order.
                let (s, a) = if self.ndim() == 0 { (self, other) } else { (other, self) };
                a * s
            }
            (p, q) => tensordot(self, other, &[p - 1], &[q - 1]),
        }
    }
    /// Dot product of the flattened arrays, NumPy's `vdot` (real types:
    /// no conjugation); an error unless both have the same number of
    /// elements.
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::from_array(ndarray::arr2(&[[1.0, 2.0], [3.0, 4.0]]), 1)?;
    /// assert_eq!(a.vdot(&a).compute()?[[]], 30.0);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn vdot(&self, other: &DArray<T>) -> DArray<T> {
        let (n, m) = (self.shape().iter().product::<usize>(), other.shape().iter().product::<usize>());
        if n != m {
            return self.failed_with(Error::Shape(format!("vdot of {n} and {m} elements")));
        }
        tensordot(&self.reshape([n]), &other.reshape([m]), &[0], &[0])
    }
}

impl<T: Numeric> DArray<T> {
    /// Outer product of the flattened arrays, NumPy's `outer`:
    /// `out[i, j] = a[i] * b[j]` (integers wrap).
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::arange(1i64, 4, 1, 2)?;
    /// let o = a.outer(&a).compute()?;
    /// assert_eq!(o.shape(), &[3, 3]);
    /// assert_eq!(o[[1, 2]], 6);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn outer(&self, other: &DArray<T>) -> DArray<T> {
        let (n, m) = (self.shape().iter().product::<usize>(), other.shape().iter().product::<usize>());
        &self.reshape([n, 1]) * &other.reshape([1, m])
    }
}
