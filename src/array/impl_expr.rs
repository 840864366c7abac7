//! The expression behind an array, for optimizer rules (`optimize::Rule`).

use super::DArray;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::optimize::Expr;

impl<T: Element> DArray<T> {
    /// The expression node this array is: what an optimizer rule sees.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::ones([4], [2])?;
    /// let e = (&x + 1.0).expr();
    /// assert_eq!(e.name(), "add");
    /// assert_eq!(e.inputs()[0].token(), x.expr().token());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn expr(&self) -> Expr {
        Expr(self.node.clone())
    }

    /// The array an expression computes, if its elements are `T`s.
    ///
    /// ```
    /// use darray::{DArray, Error};
    /// let x = DArray::<f64>::ones([4], [2])?;
    /// let y = DArray::<f64>::from_expr(x.expr())?;
    /// assert_eq!(y.compute()?, x.compute()?);
    /// assert!(matches!(DArray::<i32>::from_expr(x.expr()), Err(Error::Invalid(_))));
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn from_expr(e: Expr) -> Result<DArray<T>> {
        if e.dtype() != T::DTYPE {
            return Err(Error::Invalid(format!(
                "an expression of {} elements is not a DArray<{}>",
                e.dtype().name(),
                T::DTYPE.name()
            )));
        }
        Ok(DArray::from_node(e.0))
    }
}
