//! Elementwise operations: arithmetic with broadcasting, math functions,
//! comparisons, `where_`, casts, and user functions per element or block.
//!
//! Every built-in method builds its node from op data (`crate::ops`): the
//! kernel for the element type is chosen once, when the node is built.
//! User closures (`mapv`, and the crate's own named closures) are custom
//! ops carrying their kernel.

use super::DArray;
use crate::dtype::{AnyArray, CastFrom, Element, Float, Numeric};
use crate::error::Result;
use crate::expr::{build::closure_token, elementwise, elementwise_kernel, BlockFn, Node, NodeKind};
use crate::kernels::elementwise::Map1;
use crate::key::TokenHasher;
use crate::ops::{BinaryOp, ElemOp, Scalar, UnaryOp};
use ndarray::ArrayD;
use std::marker::PhantomData;
use std::ops::{Add, BitAnd, BitOr, BitXor, Div, Mul, Neg, Not, Rem, Sub};
use std::sync::Arc;

/// The other side of a binary operation: an array or a scalar.
#[derive(Clone)]
pub enum Operand<T> {
    /// An array, broadcast against the other side.
    Array(DArray<T>),
    /// A scalar.
    Scalar(T),
}

impl<T: Element> std::fmt::Debug for Operand<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Operand::Array(a) => write!(f, "{a:?}"),
            Operand::Scalar(s) => write!(f, "{s:?}"),
        }
    }
}

impl<T: Element> From<DArray<T>> for Operand<T> {
    fn from(a: DArray<T>) -> Self {
        Operand::Array(a)
    }
}
impl<T: Element> From<&DArray<T>> for Operand<T> {
    fn from(a: &DArray<T>) -> Self {
        Operand::Array(a.clone())
    }
}
macro_rules! scalar_operand {
    ($($t:ty => $v:ident),*) => {$(
        impl From<$t> for Operand<$t> {
            fn from(x: $t) -> Self {
                Operand::Scalar(x)
            }
        }
    )*};
}
crate::for_each_element!(scalar_operand);

/// A typed closure over a block and its index, as a `BlockFn`.
pub(crate) struct TypedBlockFn<T, U, F>(pub F, pub PhantomData<fn(T) -> U>);

impl<T: Element, U: Element, F: Fn(ArrayD<T>, &[usize]) -> ArrayD<U> + Send + Sync> BlockFn for TypedBlockFn<T, U, F> {
    fn call(&self, chunk: AnyArray, block: &[usize]) -> Result<AnyArray> {
        let a = T::unwrap(chunk).expect("a block has the array's element type");
        Ok(U::wrap((self.0)(a, block)))
    }
}

impl<T: Element> DArray<T> {
    /// The custom op `f`, applied to every element and fused with
    /// neighbouring operations; `name` and `token` identify it in task keys.
    pub(crate) fn map_named<U: Element>(
        &self,
        name: &str,
        token: u64,
        f: impl Fn(T) -> U + Send + Sync + 'static,
    ) -> DArray<U> {
        let kernel = Arc::new(Map1::new(ElemOp::custom(name, token), f));
        DArray::from_node(elementwise_kernel(kernel, vec![self.node.clone()]))
    }

    /// The built-in one-input op `op` on every element.
    pub(crate) fn unary<U: Element>(&self, op: impl Into<ElemOp>) -> DArray<U> {
        DArray::from_node(elementwise(op.into(), vec![self.node.clone()], U::DTYPE))
    }

    /// The binary op `op` of `self` and `other` (broadcast together, or a
    /// scalar), with `self` on the right when `flip`.
    pub(crate) fn binary<U: Element>(&self, op: BinaryOp, other: Operand<T>, flip: bool) -> DArray<U> {
        let node = match other {
            Operand::Array(o) => {
                let inputs = if flip { vec![o.node, self.node.clone()] } else { vec![self.node.clone(), o.node] };
                elementwise(ElemOp::Binary(op), inputs, U::DTYPE)
            }
            Operand::Scalar(s) => {
                let scalar = Scalar::new(s);
                let op = if flip { ElemOp::ScalarLeft { op, scalar } } else { ElemOp::ScalarRight { op, scalar } };
                elementwise(op, vec![self.node.clone()], U::DTYPE)
            }
        };
        DArray::from_node(node)
    }

    /// Applies a function to every element. The function fuses into the
    /// per-chunk pass like built-in operations. It should be pure: on values
    /// that are the same everywhere (`full`, and steps over it) it runs once
    /// per tile of a task rather than once per element.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::arange(0i64, 5, 1, 2)?;
    /// let y = x.mapv(|v| v * v);
    /// assert_eq!(y.compute()?.into_raw_vec_and_offset().0, vec![0, 1, 4, 9, 16]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn mapv<U: Element>(&self, f: impl Fn(T) -> U + Send + Sync + 'static) -> DArray<U> {
        self.map_named("mapv", closure_token(), f)
    }

    /// Converts elements to another type with NumPy's `astype` rules
    /// (truncation, wrap-around; `bool` as 0/1 and nonzero).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[1.7f64, -2.5]), 2)?;
    /// assert_eq!(x.cast::<i32>().compute()?.into_raw_vec_and_offset().0, vec![1, -2]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn cast<U: Element + CastFrom<T>>(&self) -> DArray<U> {
        if U::DTYPE == T::DTYPE {
            return DArray::from_node(self.node.clone());
        }
        self.unary(ElemOp::Cast(U::DTYPE))
    }

    /// Runs `f` on each chunk (given with its block index); `f` must return
    /// a block of the same shape. Panics in `f` become errors naming the task.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::ones([4, 4], [2, 2])?;
    /// let y = x.map_blocks(|b, idx| b * (idx[0] * 2 + idx[1]) as f64);
    /// assert_eq!(y.sum().compute()?[[]], 4.0 * (0.0 + 1.0 + 2.0 + 3.0));
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn map_blocks<U: Element>(
        &self,
        f: impl Fn(ArrayD<T>, &[usize]) -> ArrayD<U> + Send + Sync + 'static,
    ) -> DArray<U> {
        if let Some(e) = self.error() {
            return DArray::from_node(Node::invalid(e.clone(), U::DTYPE, &self.node));
        }
        let token = TokenHasher::new("map_blocks").u64(closure_token()).u64(self.node.token).finish();
        let n = &self.node;
        let node = Node::new(
            token,
            "map_blocks",
            n.shape.clone(),
            n.chunks.clone(),
            U::DTYPE,
            NodeKind::MapBlocks { f: Arc::new(TypedBlockFn(f, PhantomData)), input: n.clone() },
        );
        DArray::from_node(node)
    }

    /// `self == other` elementwise.
    pub fn equal(&self, other: impl Into<Operand<T>>) -> DArray<bool> {
        self.binary(BinaryOp::Eq, other.into(), false)
    }
    /// `self != other` elementwise.
    pub fn not_equal(&self, other: impl Into<Operand<T>>) -> DArray<bool> {
        self.binary(BinaryOp::Ne, other.into(), false)
    }
    /// `self < other` elementwise.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::arange(0.0f64, 4.0, 1.0, 2)?;
    /// assert_eq!(x.less(2.0).compute()?.into_raw_vec_and_offset().0, vec![true, true, false, false]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn less(&self, other: impl Into<Operand<T>>) -> DArray<bool> {
        self.binary(BinaryOp::Lt, other.into(), false)
    }
    /// `self <= other` elementwise.
    pub fn less_equal(&self, other: impl Into<Operand<T>>) -> DArray<bool> {
        self.binary(BinaryOp::Le, other.into(), false)
    }
    /// `self > other` elementwise.
    pub fn greater(&self, other: impl Into<Operand<T>>) -> DArray<bool> {
        self.binary(BinaryOp::Gt, other.into(), false)
    }
    /// `self >= other` elementwise.
    pub fn greater_equal(&self, other: impl Into<Operand<T>>) -> DArray<bool> {
        self.binary(BinaryOp::Ge, other.into(), false)
    }
}

/// Chooses `a` where `cond` is true and `b` elsewhere, broadcasting all
/// three (NumPy's `where`).
///
/// ```
/// use darray::{where_, DArray};
/// let x = DArray::arange(-2i32, 3, 1, 2)?;
/// let relu = where_(&x.greater(0), &x, 0);
/// assert_eq!(relu.compute()?.into_raw_vec_and_offset().0, vec![0, 0, 0, 1, 2]);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn where_<T: Element>(cond: &DArray<bool>, a: impl Into<Operand<T>>, b: impl Into<Operand<T>>) -> DArray<T> {
    let side = |o: Operand<T>| match o {
        Operand::Array(a) => a.node,
        Operand::Scalar(s) => {
            // A 0-d constant broadcasts like a scalar.
            DArray::full([], s, crate::ChunkSpec::Shape(vec![])).expect("0-d chunks are valid").node
        }
    };
    let inputs = vec![cond.node.clone(), side(a.into()), side(b.into())];
    DArray::from_node(elementwise(ElemOp::Where, inputs, T::DTYPE))
}

impl<T: Numeric> DArray<T> {
    /// Absolute value.
    pub fn abs(&self) -> Self {
        self.unary(UnaryOp::Abs)
    }
    /// Limits values to `[min, max]` (NaN stays NaN).
    pub fn clip(&self, min: T, max: T) -> Self {
        self.unary(UnaryOp::Clip { min: Scalar::new(min), max: Scalar::new(max) })
    }
    /// Elementwise maximum, propagating NaN (NumPy's `maximum`).
    pub fn maximum(&self, other: impl Into<Operand<T>>) -> Self {
        self.binary(BinaryOp::Maximum, other.into(), false)
    }
    /// Elementwise minimum, propagating NaN (NumPy's `minimum`).
    pub fn minimum(&self, other: impl Into<Operand<T>>) -> Self {
        self.binary(BinaryOp::Minimum, other.into(), false)
    }
}

macro_rules! float_fns {
    ($($(#[$m:meta])* $name:ident => $op:ident;)*) => {
        impl<T: Float> DArray<T> {
            $(
                $(#[$m])*
                pub fn $name(&self) -> Self {
                    self.unary(UnaryOp::$op)
                }
            )*
        }
    };
}
float_fns! {
    /// Square root.
    sqrt => Sqrt;
    /// `e^x`.
    exp => Exp;
    /// Natural logarithm.
    ln => Ln;
    /// Base-10 logarithm.
    log10 => Log10;
    /// Base-2 logarithm.
    log2 => Log2;
    /// Sine.
    sin => Sin;
    /// Cosine.
    cos => Cos;
    /// Tangent.
    tan => Tan;
    /// Hyperbolic tangent.
    tanh => Tanh;
    /// Largest integer not above.
    floor => Floor;
    /// Smallest integer not below.
    ceil => Ceil;
    /// Nearest integer, halves away from zero.
    round => Round;
    /// Sign: -1, 0 or 1 (NaN stays NaN; both zeros give `+0`, as NumPy's `sign`).
    signum => Signum;
    /// `1 / x`.
    recip => Recip;
}

impl<T: Float> DArray<T> {
    /// Natural logarithm: NumPy's name for [`ln`](DArray::ln) (the same
    /// op, shown as `ln` in graphs).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[1.0f64, std::f64::consts::E, 0.0]), 2)?;
    /// let y = x.log().compute()?;
    /// assert_eq!(y.into_raw_vec_and_offset().0, vec![0.0, 1.0, f64::NEG_INFINITY]);
    /// assert_eq!(x.log().token(), x.ln().token());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn log(&self) -> Self {
        self.ln()
    }
    /// Integer power.
    pub fn powi(&self, n: i32) -> Self {
        self.unary(UnaryOp::Powi(n))
    }
    /// Real power.
    pub fn powf(&self, p: T) -> Self {
        self.unary(UnaryOp::Powf(Scalar::new(p)))
    }
    /// Elementwise `self ^ other` with broadcasting.
    pub fn pow(&self, other: &DArray<T>) -> Self {
        self.binary(BinaryOp::Pow, other.into(), false)
    }
    /// True where the value is NaN.
    pub fn isnan(&self) -> DArray<bool> {
        self.unary(UnaryOp::IsNan)
    }
    /// True where the value is neither infinite nor NaN.
    pub fn isfinite(&self) -> DArray<bool> {
        self.unary(UnaryOp::IsFinite)
    }
}

// Arithmetic operators: array with array (by value or reference) and array
// with scalar on either side.
macro_rules! arith {
    (left, $tr:ident, $m:ident, $op:ident, $($t:ty => $v:ident),*) => {$(
        impl $tr<DArray<$t>> for $t {
            type Output = DArray<$t>;
            fn $m(self, a: DArray<$t>) -> DArray<$t> {
                a.binary(BinaryOp::$op, Operand::Scalar(self), true)
            }
        }
        impl $tr<&DArray<$t>> for $t {
            type Output = DArray<$t>;
            fn $m(self, a: &DArray<$t>) -> DArray<$t> {
                a.binary(BinaryOp::$op, Operand::Scalar(self), true)
            }
        }
    )*};
    ($tr:ident, $m:ident, $op:ident) => {
        impl<T: Numeric> $tr<DArray<T>> for DArray<T> {
            type Output = DArray<T>;
            fn $m(self, o: DArray<T>) -> DArray<T> {
                self.binary(BinaryOp::$op, o.into(), false)
            }
        }
        impl<T: Numeric> $tr<&DArray<T>> for DArray<T> {
            type Output = DArray<T>;
            fn $m(self, o: &DArray<T>) -> DArray<T> {
                self.binary(BinaryOp::$op, o.into(), false)
            }
        }
        impl<T: Numeric> $tr<DArray<T>> for &DArray<T> {
            type Output = DArray<T>;
            fn $m(self, o: DArray<T>) -> DArray<T> {
                self.binary(BinaryOp::$op, o.into(), false)
            }
        }
        impl<T: Numeric> $tr<&DArray<T>> for &DArray<T> {
            type Output = DArray<T>;
            fn $m(self, o: &DArray<T>) -> DArray<T> {
                self.binary(BinaryOp::$op, o.into(), false)
            }
        }
        impl<T: Numeric> $tr<T> for DArray<T> {
            type Output = DArray<T>;
            fn $m(self, s: T) -> DArray<T> {
                self.binary(BinaryOp::$op, Operand::Scalar(s), false)
            }
        }
        impl<T: Numeric> $tr<T> for &DArray<T> {
            type Output = DArray<T>;
            fn $m(self, s: T) -> DArray<T> {
                self.binary(BinaryOp::$op, Operand::Scalar(s), false)
            }
        }
        crate::for_each_numeric!(arith, left, $tr, $m, $op);
    };
}
arith!(Add, add, Add);
arith!(Sub, sub, Sub);
arith!(Mul, mul, Mul);
arith!(Div, div, Div);
arith!(Rem, rem, Rem);

impl<T: Numeric> Neg for DArray<T> {
    type Output = DArray<T>;
    fn neg(self) -> DArray<T> {
        -&self
    }
}
impl<T: Numeric> Neg for &DArray<T> {
    type Output = DArray<T>;
    fn neg(self) -> DArray<T> {
        self.unary(UnaryOp::Neg)
    }
}

macro_rules! logic {
    ($tr:ident, $m:ident, $op:ident) => {
        impl<R: Into<Operand<bool>>> $tr<R> for DArray<bool> {
            type Output = DArray<bool>;
            fn $m(self, o: R) -> DArray<bool> {
                self.binary(BinaryOp::$op, o.into(), false)
            }
        }
        impl<R: Into<Operand<bool>>> $tr<R> for &DArray<bool> {
            type Output = DArray<bool>;
            fn $m(self, o: R) -> DArray<bool> {
                self.binary(BinaryOp::$op, o.into(), false)
            }
        }
    };
}
logic!(BitAnd, bitand, And);
logic!(BitOr, bitor, Or);
logic!(BitXor, bitxor, Xor);

impl Not for DArray<bool> {
    type Output = DArray<bool>;
    fn not(self) -> DArray<bool> {
        !&self
    }
}
impl Not for &DArray<bool> {
    type Output = DArray<bool>;
    fn not(self) -> DArray<bool> {
        self.unary(UnaryOp::Not)
    }
}
