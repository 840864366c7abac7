//! Scans along a chunked axis (`cumsum`, `cummax`, `ffill`, ...) as blocked
//! prefix algorithms: each block scans its own values, continuing from the
//! edge row of the output block before it, so a block's task waits only for
//! its neighbour's and the values are those of one sequential pass.

use super::DArray;
use crate::dtype::{CastFrom, Float, Numeric};
use crate::error::Error;
use crate::expr::build::blockwise;
use crate::ops::{RollOp, ScanOp};

impl<T: Numeric> DArray<T> {
    fn scan_node<U: Numeric + CastFrom<T>>(&self, op: ScanOp, axis: usize, reverse: bool) -> DArray<U> {
        if let Some(e) = self.error() {
            return self.failed_as(e.clone());
        }
        if axis >= self.ndim() {
            return self.failed_as(Error::Axis { axis, ndim: self.ndim() });
        }
        let x = self.cast::<U>();
        DArray::from_node(blockwise::scan(x.node, op, axis, reverse, U::DTYPE))
    }

    /// Cumulative sum along `axis` (integers accumulate in `i64`/`u64`, as
    /// NumPy's do, wrapping around; floats in their type, in order).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::arange(1i32, 7, 1, 4)?;
    /// assert_eq!(x.cumsum(0).compute()?.into_raw_vec_and_offset().0, vec![1i64, 3, 6, 10, 15, 21]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn cumsum(&self, axis: usize) -> DArray<T::Sum>
    where
        T::Sum: CastFrom<T>,
    {
        self.scan_node(ScanOp::Sum, axis, false)
    }

    /// Cumulative product along `axis`.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::arange(1.0, 6.0, 1.0, 2)?;
    /// assert_eq!(x.cumprod(0).compute()?.into_raw_vec_and_offset().0, vec![1.0, 2.0, 6.0, 24.0, 120.0]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn cumprod(&self, axis: usize) -> DArray<T::Sum>
    where
        T::Sum: CastFrom<T>,
    {
        self.scan_node(ScanOp::Prod, axis, false)
    }

    /// Cumulative sum along `axis`, NaN counted as zero (NumPy's `nancumsum`).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[1.0, f64::NAN, 2.0]), 1)?;
    /// assert_eq!(x.nancumsum(0).compute()?.into_raw_vec_and_offset().0, vec![1.0, 1.0, 3.0]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn nancumsum(&self, axis: usize) -> DArray<T::Sum>
    where
        T::Sum: CastFrom<T>,
    {
        self.scan_node(ScanOp::NanSum, axis, false)
    }

    /// Cumulative product along `axis`, NaN counted as one.
    pub fn nancumprod(&self, axis: usize) -> DArray<T::Sum>
    where
        T::Sum: CastFrom<T>,
    {
        self.scan_node(ScanOp::NanProd, axis, false)
    }

    /// Running maximum along `axis` (NumPy's `maximum.accumulate`: NaN
    /// from the first NaN on).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[2, 1, 5, 3]), 3)?;
    /// assert_eq!(x.cummax(0).compute()?.into_raw_vec_and_offset().0, vec![2, 2, 5, 5]);
    /// assert_eq!(x.cummin(0).compute()?.into_raw_vec_and_offset().0, vec![2, 1, 1, 1]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn cummax(&self, axis: usize) -> DArray<T> {
        self.scan_node(ScanOp::Max, axis, false)
    }

    /// Running minimum along `axis` (NaN from the first NaN on).
    pub fn cummin(&self, axis: usize) -> DArray<T> {
        self.scan_node(ScanOp::Min, axis, false)
    }
}

impl<T: Float> DArray<T> {
    /// Each NaN replaced by the last value before it along `axis` that is
    /// not NaN (xarray's `ffill`); with a `limit`, only NaN at most `limit`
    /// positions after that value. NaN before any value stay.
    ///
    /// ```
    /// use darray::DArray;
    /// let n = f64::NAN;
    /// let x = DArray::from_array(ndarray::arr1(&[n, 1.0, n, n, n, 2.0, n]), 2)?;
    /// let f = x.ffill(0, None).compute()?.into_raw_vec_and_offset().0;
    /// assert!(f[0].is_nan());
    /// assert_eq!(f[1..], [1.0, 1.0, 1.0, 1.0, 2.0, 2.0]);
    /// let l = x.ffill(0, Some(1)).compute()?.into_raw_vec_and_offset().0;
    /// assert_eq!(l[1..3], [1.0, 1.0]);
    /// assert!(l[3].is_nan() && l[4].is_nan());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn ffill(&self, axis: usize, limit: Option<usize>) -> DArray<T> {
        match limit {
            None => self.scan_node(ScanOp::Fill, axis, false),
            Some(l) => self.window_node(RollOp::Last, axis, l, 0, 1),
        }
    }

    /// Each NaN replaced by the next value after it along `axis` that is
    /// not NaN (xarray's `bfill`); with a `limit`, only NaN at most `limit`
    /// positions before that value.
    ///
    /// ```
    /// use darray::DArray;
    /// let n = f64::NAN;
    /// let x = DArray::from_array(ndarray::arr1(&[n, 1.0, n, n, 2.0, n]), 4)?;
    /// let b = x.bfill(0, None).compute()?.into_raw_vec_and_offset().0;
    /// assert_eq!(b[..5], [1.0, 1.0, 2.0, 2.0, 2.0]);
    /// assert!(b[5].is_nan());
    /// assert!(x.bfill(0, Some(1)).compute()?[2].is_nan());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn bfill(&self, axis: usize, limit: Option<usize>) -> DArray<T> {
        match limit {
            None => self.scan_node(ScanOp::Fill, axis, true),
            Some(l) => self.window_node(RollOp::First, axis, 0, l, 1),
        }
    }
}
