//! Elementwise operations: arithmetic with broadcasting, math functions,
//! comparisons, `where_`, casts, and user functions per element or block.
//!
//! Every built-in method builds its node from op data (`crate::ops`): the
//! kernel for the element type is chosen once, when the node is built.
//! User closures (`mapv`, and the crate's own named closures) are custom
//! ops carrying their kernel.

use super::DArray;
use crate::dtype::{AnyArray, Bitwise, CastFrom, Element, Float, Integer, Numeric};
use crate::error::Result;
use crate::expr::{build::closure_token, elementwise, elementwise_kernel, BlockFn, Node, NodeKind};
use crate::kernels::elementwise::Map1;
use crate::key::TokenHasher;
use crate::ops::{BinaryOp, ElemOp, Scalar, UnaryOp};
use ndarray::ArrayD;
use std::marker::PhantomData;
use std::ops::{Add, BitAnd, BitOr, BitXor, Div, Mul, Neg, Not, Rem, Shl, Shr, Sub};
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
    /// Elementwise maximum ignoring NaN: NaN only where both are NaN
    /// (NumPy's `fmax`).
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::from_array(ndarray::arr1(&[1.0, f64::NAN, f64::NAN]), 2)?;
    /// let b = DArray::from_array(ndarray::arr1(&[f64::NAN, 2.0, f64::NAN]), 2)?;
    /// let m = a.fmax(&b).compute()?;
    /// assert_eq!((m[0], m[1]), (1.0, 2.0));
    /// assert!(m[2].is_nan());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn fmax(&self, other: impl Into<Operand<T>>) -> Self {
        self.binary(BinaryOp::Fmax, other.into(), false)
    }
    /// Elementwise minimum ignoring NaN (NumPy's `fmin`).
    pub fn fmin(&self, other: impl Into<Operand<T>>) -> Self {
        self.binary(BinaryOp::Fmin, other.into(), false)
    }
    /// `x * x` (NumPy's `square`; integers wrap).
    pub fn square(&self) -> Self {
        self.unary(UnaryOp::Square)
    }
    /// NumPy's `floor_divide` (`//`): the floor of the quotient. For
    /// integers it is the same as `/`; integer division by zero gives 0.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[-7.0, 7.0, -7.5]), 2)?;
    /// assert_eq!(x.floor_divide(2.0).compute()?.into_raw_vec_and_offset().0, vec![-4.0, 3.0, -4.0]);
    /// let i = DArray::from_array(ndarray::arr1(&[-7i32, 7]), 2)?;
    /// assert_eq!((&i / 2).compute()?.into_raw_vec_and_offset().0, vec![-4, 3]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn floor_divide(&self, other: impl Into<Operand<T>>) -> Self {
        self.binary(BinaryOp::FloorDiv, other.into(), false)
    }
    /// NumPy's `remainder` (the same as `%`): the result has the divisor's
    /// sign.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[-10.0, 370.0]), 2)?;
    /// assert_eq!(x.remainder(360.0).compute()?.into_raw_vec_and_offset().0, vec![350.0, 10.0]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn remainder(&self, other: impl Into<Operand<T>>) -> Self {
        self.binary(BinaryOp::Rem, other.into(), false)
    }
    /// C's `fmod` (NumPy's `fmod`): the remainder of truncating division,
    /// with the dividend's sign; an integer remainder by zero gives 0.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[-10i32, 10]), 2)?;
    /// assert_eq!(x.fmod(3).compute()?.into_raw_vec_and_offset().0, vec![-1, 1]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn fmod(&self, other: impl Into<Operand<T>>) -> Self {
        self.binary(BinaryOp::Fmod, other.into(), false)
    }
    /// True division, NumPy's `/` and `true_divide`: integers are divided
    /// as `f64` (floats keep their type).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[-7i32, 1]), 2)?;
    /// assert_eq!(x.true_divide(2).compute()?.into_raw_vec_and_offset().0, vec![-3.5, 0.5]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn true_divide(&self, other: impl Into<Operand<T>>) -> DArray<T::Mean>
    where
        T::Mean: CastFrom<T>,
    {
        let a: DArray<T::Mean> = self.cast();
        match other.into() {
            Operand::Array(b) => &a / &b.cast::<T::Mean>(),
            Operand::Scalar(s) => &a / <T::Mean as CastFrom<T>>::cast_from(s),
        }
    }
    /// NumPy's name for [`true_divide`](DArray::true_divide).
    pub fn divide(&self, other: impl Into<Operand<T>>) -> DArray<T::Mean>
    where
        T::Mean: CastFrom<T>,
    {
        self.true_divide(other)
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
    /// Nearest integer, halves to even as NumPy's `round` (`2.5` gives
    /// `2`, `-0.5` gives `-0`; Rust's `f64::round` would give 3 and -1).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[0.5, 1.5, 2.5, -2.5, 2.6]), 2)?;
    /// assert_eq!(x.round().compute()?.into_raw_vec_and_offset().0, vec![0.0, 2.0, 2.0, -2.0, 3.0]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    round => Round;
    /// Sign: -1, 0 or 1 (NaN stays NaN; both zeros give `+0`, as NumPy's `sign`).
    signum => Signum;
    /// `1 / x`.
    recip => Recip;
    /// Inverse sine.
    arcsin => Arcsin;
    /// Inverse cosine.
    arccos => Arccos;
    /// Inverse tangent.
    arctan => Arctan;
    /// Hyperbolic sine.
    sinh => Sinh;
    /// Hyperbolic cosine.
    cosh => Cosh;
    /// Inverse hyperbolic sine.
    arcsinh => Arcsinh;
    /// Inverse hyperbolic cosine.
    arccosh => Arccosh;
    /// Inverse hyperbolic tangent.
    arctanh => Arctanh;
    /// `ln(1 + x)`, accurate for small `x`.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[1e-20f64]), 1)?;
    /// assert_eq!(x.log1p().compute()?[0], 1e-20);
    /// assert_eq!(x.expm1().compute()?[0], 1e-20);
    /// # Ok::<(), darray::Error>(())
    /// ```
    log1p => Log1p;
    /// `e^x - 1`, accurate for small `x`.
    expm1 => Expm1;
    /// `2^x`.
    exp2 => Exp2;
    /// Cube root (of negative values too).
    cbrt => Cbrt;
    /// Towards zero.
    trunc => Trunc;
    /// Degrees to radians (also NumPy's `radians`).
    deg2rad => Deg2Rad;
    /// Radians to degrees (also NumPy's `degrees`).
    rad2deg => Rad2Deg;
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
    /// True where the value is infinite.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[f64::NEG_INFINITY, 0.0, f64::INFINITY, f64::NAN]), 2)?;
    /// assert_eq!(x.isinf().compute()?.into_raw_vec_and_offset().0, vec![true, false, true, false]);
    /// assert_eq!(x.isposinf().compute()?.into_raw_vec_and_offset().0, vec![false, false, true, false]);
    /// assert_eq!(x.isneginf().compute()?.into_raw_vec_and_offset().0, vec![true, false, false, false]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn isinf(&self) -> DArray<bool> {
        self.unary(UnaryOp::IsInf)
    }
    /// True where the value is `+inf`.
    pub fn isposinf(&self) -> DArray<bool> {
        self.unary(UnaryOp::IsPosInf)
    }
    /// True where the value is `-inf`.
    pub fn isneginf(&self) -> DArray<bool> {
        self.unary(UnaryOp::IsNegInf)
    }
    /// True where the sign bit is set: negative values, `-0.0` and NaN
    /// with the sign bit.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[-0.0, 0.0, -1.0]), 2)?;
    /// assert_eq!(x.signbit().compute()?.into_raw_vec_and_offset().0, vec![true, false, true]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn signbit(&self) -> DArray<bool> {
        self.unary(UnaryOp::Signbit)
    }
    /// NumPy's name for [`round`](DArray::round): halves to even.
    pub fn rint(&self) -> Self {
        self.round()
    }
    /// Rounds to `decimals` decimal places (negative: to tens, hundreds,
    /// ...), halves to even, as NumPy's `round(x, decimals)`: the value is
    /// scaled by `10^decimals`, rounded and scaled back, so results carry
    /// the scaling's rounding error, as NumPy's do.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[1.125, 2.675, 1250.0, -0.5]), 2)?;
    /// // 2.675 is stored as 2.67499..., but 2.675 * 100 rounds to 267.5: NumPy's 2.68.
    /// assert_eq!(x.round_decimals(2).compute()?.into_raw_vec_and_offset().0[..2], [1.12, 2.68]);
    /// assert_eq!(x.round_decimals(-2).compute()?.into_raw_vec_and_offset().0[2], 1200.0);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn round_decimals(&self, decimals: i32) -> Self {
        if decimals == 0 {
            return self.round();
        }
        self.unary(UnaryOp::RoundDecimals(decimals))
    }
    /// NaN replaced by 0, `+inf` by the largest finite value and `-inf` by
    /// the smallest (NumPy's `nan_to_num` defaults).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[f64::NAN, f64::INFINITY, -1.0]), 2)?;
    /// assert_eq!(x.nan_to_num().compute()?.into_raw_vec_and_offset().0, vec![0.0, f64::MAX, -1.0]);
    /// assert_eq!(x.nan_to_num_with(-9.0, 9.0, -9.0).compute()?.into_raw_vec_and_offset().0, vec![-9.0, 9.0, -1.0]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn nan_to_num(&self) -> Self {
        self.nan_to_num_with(
            T::zero(),
            <T as num_traits::Bounded>::max_value(),
            <T as num_traits::Bounded>::min_value(),
        )
    }
    /// NaN, `+inf` and `-inf` replaced by the given values.
    pub fn nan_to_num_with(&self, nan: T, posinf: T, neginf: T) -> Self {
        let s = Scalar::new;
        self.unary(UnaryOp::NanToNum { nan: s(nan), posinf: s(posinf), neginf: s(neginf) })
    }
    /// `atan(self / other)` in the right quadrant (NumPy's `arctan2`;
    /// `self` is y, `other` is x).
    ///
    /// ```
    /// use darray::DArray;
    /// let y = DArray::from_array(ndarray::arr1(&[1.0, -1.0]), 2)?;
    /// let a = y.arctan2(-1.0).compute()?;
    /// assert_eq!(a.into_raw_vec_and_offset().0, vec![0.75 * std::f64::consts::PI, -0.75 * std::f64::consts::PI]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn arctan2(&self, other: impl Into<Operand<T>>) -> Self {
        self.binary(BinaryOp::Arctan2, other.into(), false)
    }
    /// `sqrt(self^2 + other^2)` without intermediate overflow.
    pub fn hypot(&self, other: impl Into<Operand<T>>) -> Self {
        self.binary(BinaryOp::Hypot, other.into(), false)
    }
    /// The magnitude of `self` with the sign of `other`.
    pub fn copysign(&self, other: impl Into<Operand<T>>) -> Self {
        self.binary(BinaryOp::Copysign, other.into(), false)
    }
    /// True where `self` and `other` are equal within a tolerance, as
    /// NumPy's `isclose`: `|a - b| <= atol + rtol * |b|` where `b` is
    /// finite, exact equality otherwise (so infinities of one sign are
    /// close), NaN close to NaN only with `equal_nan`. NumPy's defaults
    /// are `rtol = 1e-5`, `atol = 1e-8`.
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::from_array(ndarray::arr1(&[1.0, 1e10, f64::INFINITY, f64::NAN]), 2)?;
    /// let b = DArray::from_array(ndarray::arr1(&[1.0 + 1e-9, 1.0001e10, f64::INFINITY, f64::NAN]), 2)?;
    /// let c = a.isclose(&b, 1e-5, 1e-8, false).compute()?;
    /// assert_eq!(c.into_raw_vec_and_offset().0, vec![true, false, true, false]);
    /// assert!(a.isclose(&b, 1e-5, 1e-8, true).compute()?[3]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn isclose(&self, other: &DArray<T>, rtol: T, atol: T, equal_nan: bool) -> DArray<bool> {
        let tol = &(&other.abs() * rtol) + atol;
        let near = (self - other).abs().less_equal(&tol) & other.isfinite();
        let close = near | self.equal(other);
        if equal_nan {
            close | (self.isnan() & other.isnan())
        } else {
            close
        }
    }
    /// True (a 0-d array) if every element pair is
    /// [`isclose`](DArray::isclose) (NumPy's `allclose`).
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::<f64>::ones([4, 4], 2)?;
    /// assert!(a.allclose(&(&a + 1e-9), 1e-5, 1e-8, false).compute()?[[]]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn allclose(&self, other: &DArray<T>, rtol: T, atol: T, equal_nan: bool) -> DArray<bool> {
        self.isclose(other, rtol, atol, equal_nan).all()
    }
}

impl<T: Element> DArray<T> {
    /// True (a 0-d array) if both arrays have one shape and equal elements
    /// (NumPy's `array_equal`; with `equal_nan`, NaN equals NaN). Arrays of
    /// different shapes are not equal (no broadcasting).
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::arange(0i32, 6, 1, 4)?;
    /// assert!(a.array_equal(&a.clone(), false).compute()?[[]]);
    /// assert!(!a.array_equal(&a.reshape([2, 3]), false).compute()?[[]]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn array_equal(&self, other: &DArray<T>, equal_nan: bool) -> DArray<bool> {
        if self.shape() != other.shape() {
            return DArray::full([], false, crate::ChunkSpec::Shape(vec![])).expect("0-d chunks are valid");
        }
        let eq = self.equal(other);
        let eq = if equal_nan && T::DTYPE.is_float() {
            // x != x only for NaN: both NaN counts as equal.
            eq | (self.not_equal(self) & other.not_equal(other))
        } else {
            eq
        };
        eq.all()
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

// Bitwise operators: logical on masks, bitwise on integers; shifts on
// integers.
macro_rules! bits {
    ($bound:ident, $tr:ident, $m:ident, $op:ident) => {
        impl<T: $bound, R: Into<Operand<T>>> $tr<R> for DArray<T> {
            type Output = DArray<T>;
            fn $m(self, o: R) -> DArray<T> {
                self.binary(BinaryOp::$op, o.into(), false)
            }
        }
        impl<T: $bound, R: Into<Operand<T>>> $tr<R> for &DArray<T> {
            type Output = DArray<T>;
            fn $m(self, o: R) -> DArray<T> {
                self.binary(BinaryOp::$op, o.into(), false)
            }
        }
    };
}
bits!(Bitwise, BitAnd, bitand, And);
bits!(Bitwise, BitOr, bitor, Or);
bits!(Bitwise, BitXor, bitxor, Xor);
bits!(Integer, Shl, shl, Shl);
bits!(Integer, Shr, shr, Shr);

impl<T: Bitwise> Not for DArray<T> {
    type Output = DArray<T>;
    fn not(self) -> DArray<T> {
        !&self
    }
}
impl<T: Bitwise> Not for &DArray<T> {
    type Output = DArray<T>;
    fn not(self) -> DArray<T> {
        self.invert()
    }
}

impl<T: Bitwise> DArray<T> {
    /// Bitwise and (NumPy's `bitwise_and`, the `&` operator; logical on
    /// `bool`).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[0b1100u8, 0b1010]), 1)?;
    /// assert_eq!(x.bitwise_and(0b0110).compute()?.into_raw_vec_and_offset().0, vec![0b0100, 0b0010]);
    /// assert_eq!((&x | 1).compute()?.into_raw_vec_and_offset().0, vec![0b1101, 0b1011]);
    /// assert_eq!((!&x).compute()?.into_raw_vec_and_offset().0, vec![0b1111_0011, 0b1111_0101]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn bitwise_and(&self, other: impl Into<Operand<T>>) -> Self {
        self.binary(BinaryOp::And, other.into(), false)
    }
    /// Bitwise or (`|`).
    pub fn bitwise_or(&self, other: impl Into<Operand<T>>) -> Self {
        self.binary(BinaryOp::Or, other.into(), false)
    }
    /// Bitwise exclusive or (`^`).
    pub fn bitwise_xor(&self, other: impl Into<Operand<T>>) -> Self {
        self.binary(BinaryOp::Xor, other.into(), false)
    }
    /// Bitwise not (NumPy's `invert`, `~`, and the `!` operator; logical
    /// not on `bool`).
    pub fn invert(&self) -> Self {
        if T::DTYPE == crate::DType::Bool {
            self.unary(UnaryOp::Not)
        } else {
            self.unary(UnaryOp::Invert)
        }
    }
    /// NumPy's name for [`invert`](DArray::invert).
    pub fn bitwise_not(&self) -> Self {
        self.invert()
    }
}

impl<T: Integer> DArray<T> {
    /// `self << other` (NumPy's `left_shift`, the `<<` operator): 0 where
    /// the shift is negative or not below the bit width, as NumPy's.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[1i32, -8]), 1)?;
    /// assert_eq!((&x << 2).compute()?.into_raw_vec_and_offset().0, vec![4, -32]);
    /// assert_eq!(x.right_shift(1).compute()?.into_raw_vec_and_offset().0, vec![0, -4]);
    /// assert_eq!(x.right_shift(40).compute()?.into_raw_vec_and_offset().0, vec![0, -1]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn left_shift(&self, other: impl Into<Operand<T>>) -> Self {
        self.binary(BinaryOp::Shl, other.into(), false)
    }
    /// `self >> other` (NumPy's `right_shift`, `>>`): arithmetic for
    /// signed types; past the bit width 0, or -1 for negative values.
    pub fn right_shift(&self, other: impl Into<Operand<T>>) -> Self {
        self.binary(BinaryOp::Shr, other.into(), false)
    }
}
