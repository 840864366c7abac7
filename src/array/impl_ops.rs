//! Elementwise operations: arithmetic with broadcasting, math functions,
//! comparisons, `where_`, casts, and user functions per element or block.

use super::DArray;
use crate::dtype::{AnyArray, CastFrom, Element, Float, Numeric};
use crate::error::Result;
use crate::expr::{build::closure_token, elementwise, BlockFn, Node, NodeKind};
use crate::kernels::elementwise::{Map1, Map2, Where};
use crate::key::TokenHasher;
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
    ($($t:ty),*) => {$(
        impl From<$t> for Operand<$t> {
            fn from(x: $t) -> Self {
                Operand::Scalar(x)
            }
        }
    )*};
}
scalar_operand!(bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

/// A typed closure over a block and its index, as a `BlockFn`.
pub(crate) struct TypedBlockFn<T, U, F>(pub F, pub PhantomData<fn(T) -> U>);

impl<T: Element, U: Element, F: Fn(ArrayD<T>, &[usize]) -> ArrayD<U> + Send + Sync> BlockFn for TypedBlockFn<T, U, F> {
    fn call(&self, chunk: AnyArray, block: &[usize]) -> Result<AnyArray> {
        let a = T::unwrap(chunk).expect("a block has the array's element type");
        Ok(U::wrap((self.0)(a, block)))
    }
}

impl<T: Element> DArray<T> {
    /// `f` applied to every element, fused with neighbouring operations.
    /// `name` and `param` identify the operation in task keys.
    pub(crate) fn map_named<U: Element>(
        &self,
        name: &str,
        param: u64,
        f: impl Fn(T) -> U + Send + Sync + 'static,
    ) -> DArray<U> {
        DArray::from_node(elementwise(Arc::new(Map1::new(name, f)), param, vec![self.node.clone()]))
    }

    /// `f(self, other)` elementwise with broadcasting, or with a scalar.
    pub(crate) fn zip_named<U: Element>(
        &self,
        other: Operand<T>,
        name: &str,
        f: impl Fn(T, T) -> U + Send + Sync + Copy + 'static,
        flip: bool,
    ) -> DArray<U> {
        match other {
            Operand::Array(o) => {
                let inputs = if flip { vec![o.node, self.node.clone()] } else { vec![self.node.clone(), o.node] };
                DArray::from_node(elementwise(Arc::new(Map2::new(name, f)), 0, inputs))
            }
            Operand::Scalar(s) => {
                let param = TokenHasher::new(if flip { "scalar-left" } else { "scalar" }).u64(s.el_bits()).finish();
                if flip {
                    self.map_named(name, param, move |x| f(s, x))
                } else {
                    self.map_named(name, param, move |x| f(x, s))
                }
            }
        }
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
        self.map_named(&format!("astype-{}", U::DTYPE.name()), 0, U::cast_from)
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
        self.zip_named(other.into(), "eq", |a, b| a == b, false)
    }
    /// `self != other` elementwise.
    pub fn not_equal(&self, other: impl Into<Operand<T>>) -> DArray<bool> {
        self.zip_named(other.into(), "ne", |a, b| a != b, false)
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
        self.zip_named(other.into(), "lt", |a, b| a < b, false)
    }
    /// `self <= other` elementwise.
    pub fn less_equal(&self, other: impl Into<Operand<T>>) -> DArray<bool> {
        self.zip_named(other.into(), "le", |a, b| a <= b, false)
    }
    /// `self > other` elementwise.
    pub fn greater(&self, other: impl Into<Operand<T>>) -> DArray<bool> {
        self.zip_named(other.into(), "gt", |a, b| a > b, false)
    }
    /// `self >= other` elementwise.
    pub fn greater_equal(&self, other: impl Into<Operand<T>>) -> DArray<bool> {
        self.zip_named(other.into(), "ge", |a, b| a >= b, false)
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
    DArray::from_node(elementwise(Arc::new(Where::<T>::new()), 0, inputs))
}

impl<T: Numeric> DArray<T> {
    /// Absolute value.
    pub fn abs(&self) -> Self {
        self.map_named("abs", 0, T::abs_val)
    }
    /// Limits values to `[min, max]` (NaN stays NaN).
    pub fn clip(&self, min: T, max: T) -> Self {
        let p = TokenHasher::new("clip").u64(min.el_bits()).u64(max.el_bits()).finish();
        self.map_named("clip", p, move |x| {
            if x < min {
                min
            } else if x > max {
                max
            } else {
                x
            }
        })
    }
    /// Elementwise maximum, propagating NaN (NumPy's `maximum`).
    pub fn maximum(&self, other: impl Into<Operand<T>>) -> Self {
        self.zip_named(other.into(), "maximum", |a, b| if a.el_is_nan() || a >= b { a } else { b }, false)
    }
    /// Elementwise minimum, propagating NaN (NumPy's `minimum`).
    pub fn minimum(&self, other: impl Into<Operand<T>>) -> Self {
        self.zip_named(other.into(), "minimum", |a, b| if a.el_is_nan() || a <= b { a } else { b }, false)
    }
}

macro_rules! float_fns {
    ($($(#[$m:meta])* $name:ident => $f:expr;)*) => {
        impl<T: Float> DArray<T> {
            $(
                $(#[$m])*
                pub fn $name(&self) -> Self {
                    self.map_named(stringify!($name), 0, $f)
                }
            )*
        }
    };
}
float_fns! {
    /// Square root.
    sqrt => |x: T| x.sqrt();
    /// `e^x`.
    exp => |x: T| x.exp();
    /// Natural logarithm.
    ln => |x: T| x.ln();
    /// Base-10 logarithm.
    log10 => |x: T| x.log10();
    /// Base-2 logarithm.
    log2 => |x: T| x.log2();
    /// Sine.
    sin => |x: T| x.sin();
    /// Cosine.
    cos => |x: T| x.cos();
    /// Tangent.
    tan => |x: T| x.tan();
    /// Hyperbolic tangent.
    tanh => |x: T| x.tanh();
    /// Largest integer not above.
    floor => |x: T| x.floor();
    /// Smallest integer not below.
    ceil => |x: T| x.ceil();
    /// Nearest integer, halves away from zero.
    round => |x: T| x.round();
    /// Sign: -1, 0 or 1 (NaN stays NaN).
    signum => |x: T| if x == T::zero() { x } else { x.signum() };
    /// `1 / x`.
    recip => |x: T| x.recip();
}

impl<T: Float> DArray<T> {
    /// Integer power.
    pub fn powi(&self, n: i32) -> Self {
        self.map_named("powi", n as u64, move |x| x.powi(n))
    }
    /// Real power.
    pub fn powf(&self, p: T) -> Self {
        self.map_named("powf", p.el_bits(), move |x| x.powf(p))
    }
    /// Elementwise `self ^ other` with broadcasting.
    pub fn pow(&self, other: &DArray<T>) -> Self {
        self.zip_named(other.into(), "pow", |a, b| a.powf(b), false)
    }
    /// True where the value is NaN.
    pub fn isnan(&self) -> DArray<bool> {
        self.map_named("isnan", 0, |x: T| x.el_is_nan())
    }
    /// True where the value is neither infinite nor NaN.
    pub fn isfinite(&self) -> DArray<bool> {
        self.map_named("isfinite", 0, |x: T| x.is_finite())
    }
}

// Arithmetic operators: array with array (by value or reference) and array
// with scalar on either side.
macro_rules! arith {
    ($tr:ident, $m:ident, $name:expr, $op:ident) => {
        impl<T: Numeric> $tr<DArray<T>> for DArray<T> {
            type Output = DArray<T>;
            fn $m(self, o: DArray<T>) -> DArray<T> {
                self.zip_named(o.into(), $name, T::$op, false)
            }
        }
        impl<T: Numeric> $tr<&DArray<T>> for DArray<T> {
            type Output = DArray<T>;
            fn $m(self, o: &DArray<T>) -> DArray<T> {
                self.zip_named(o.into(), $name, T::$op, false)
            }
        }
        impl<T: Numeric> $tr<DArray<T>> for &DArray<T> {
            type Output = DArray<T>;
            fn $m(self, o: DArray<T>) -> DArray<T> {
                self.zip_named(o.into(), $name, T::$op, false)
            }
        }
        impl<T: Numeric> $tr<&DArray<T>> for &DArray<T> {
            type Output = DArray<T>;
            fn $m(self, o: &DArray<T>) -> DArray<T> {
                self.zip_named(o.into(), $name, T::$op, false)
            }
        }
        impl<T: Numeric> $tr<T> for DArray<T> {
            type Output = DArray<T>;
            fn $m(self, s: T) -> DArray<T> {
                self.zip_named(Operand::Scalar(s), $name, T::$op, false)
            }
        }
        impl<T: Numeric> $tr<T> for &DArray<T> {
            type Output = DArray<T>;
            fn $m(self, s: T) -> DArray<T> {
                self.zip_named(Operand::Scalar(s), $name, T::$op, false)
            }
        }
        arith!(@left $tr, $m, $name, $op, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);
    };
    (@left $tr:ident, $m:ident, $name:expr, $op:ident, $($t:ty),*) => {$(
        impl $tr<DArray<$t>> for $t {
            type Output = DArray<$t>;
            fn $m(self, a: DArray<$t>) -> DArray<$t> {
                a.zip_named(Operand::Scalar(self), $name, <$t as Numeric>::$op, true)
            }
        }
        impl $tr<&DArray<$t>> for $t {
            type Output = DArray<$t>;
            fn $m(self, a: &DArray<$t>) -> DArray<$t> {
                a.zip_named(Operand::Scalar(self), $name, <$t as Numeric>::$op, true)
            }
        }
    )*};
}
arith!(Add, add, "add", add_);
arith!(Sub, sub, "sub", sub_);
arith!(Mul, mul, "mul", mul_);
arith!(Div, div, "div", div_);
arith!(Rem, rem, "mod", rem_);

impl<T: Numeric> Neg for DArray<T> {
    type Output = DArray<T>;
    fn neg(self) -> DArray<T> {
        -&self
    }
}
impl<T: Numeric> Neg for &DArray<T> {
    type Output = DArray<T>;
    fn neg(self) -> DArray<T> {
        self.map_named("neg", 0, |x: T| x.neg_())
    }
}

macro_rules! logic {
    ($tr:ident, $m:ident, $name:expr, $f:expr) => {
        impl<R: Into<Operand<bool>>> $tr<R> for DArray<bool> {
            type Output = DArray<bool>;
            fn $m(self, o: R) -> DArray<bool> {
                self.zip_named(o.into(), $name, $f, false)
            }
        }
        impl<R: Into<Operand<bool>>> $tr<R> for &DArray<bool> {
            type Output = DArray<bool>;
            fn $m(self, o: R) -> DArray<bool> {
                self.zip_named(o.into(), $name, $f, false)
            }
        }
    };
}
logic!(BitAnd, bitand, "and", |a: bool, b: bool| a & b);
logic!(BitOr, bitor, "or", |a: bool, b: bool| a | b);
logic!(BitXor, bitxor, "xor", |a: bool, b: bool| a ^ b);

impl Not for DArray<bool> {
    type Output = DArray<bool>;
    fn not(self) -> DArray<bool> {
        !&self
    }
}
impl Not for &DArray<bool> {
    type Output = DArray<bool>;
    fn not(self) -> DArray<bool> {
        self.map_named("not", 0, |x: bool| !x)
    }
}
