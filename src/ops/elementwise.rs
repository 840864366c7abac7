//! Elementwise operations as data.
//!
//! An [`ElemOp`] says what an elementwise step computes; with the element
//! types of its inputs it determines the kernel (built once, when the node
//! is built, by the crate's dispatch from op and types to a monomorphised
//! loop) and the output type ([`ElemOp::out_dtype`]). The type rules are
//! those of the typed API:
//!
//! | ops | inputs | output |
//! | --- | --- | --- |
//! | `abs`, `neg`, `clip`; `add`, `sub`, `mul`, `div`, `mod`, `maximum`, `minimum` | numeric | same |
//! | `sqrt` .. `recip`, `powi`, `powf`, `pow` | float | same |
//! | `isnan`, `isfinite` | float | `bool` |
//! | `eq`, `ne`, `lt`, `le`, `gt`, `ge` | any | `bool` |
//! | `not`, `and`, `or`, `xor` | `bool` | `bool` |
//! | `astype-U` | any | `U` |
//! | `where` | `bool`, `T`, `T` | `T` |
//!
//! A binary op takes two arrays of one type, or one array and a scalar of
//! its type on either side ([`ElemOp::ScalarRight`], [`ElemOp::ScalarLeft`]).
//! Scalar parameters (clip bounds, powers, scalar operands) must have the
//! input's type.
//!
//! User closures (`mapv` and the crate's own named closures) are
//! [`ElemOp::Custom`]: a name and a token stand for the closure, which only
//! its kernel holds. A custom op compares and hashes by name and token, and
//! does not serialise (the closure cannot be sent): serialising one is an
//! error naming it.

use super::scalar::Scalar;
use super::CustomOp;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::key::TokenHasher;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// What kinds of element an op takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Takes {
    Any,
    Numeric,
    Float,
    Bool,
}

impl Takes {
    fn allows(self, d: DType) -> bool {
        match self {
            Takes::Any => true,
            Takes::Numeric => d != DType::Bool,
            Takes::Float => matches!(d, DType::F32 | DType::F64),
            Takes::Bool => d == DType::Bool,
        }
    }
    fn describe(self) -> &'static str {
        match self {
            Takes::Any => "any element type",
            Takes::Numeric => "a numeric type",
            Takes::Float => "a float type",
            Takes::Bool => "bool",
        }
    }
}

/// A function of one element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UnaryOp {
    /// Absolute value (integers wrap: `abs(MIN) == MIN`).
    Abs,
    /// Square root.
    Sqrt,
    /// `e^x`.
    Exp,
    /// Natural logarithm.
    Ln,
    /// Base-10 logarithm.
    Log10,
    /// Base-2 logarithm.
    Log2,
    /// Sine.
    Sin,
    /// Cosine.
    Cos,
    /// Tangent.
    Tan,
    /// Hyperbolic tangent.
    Tanh,
    /// Largest integer not above.
    Floor,
    /// Smallest integer not below.
    Ceil,
    /// Nearest integer, halves away from zero.
    Round,
    /// -1, 0 or 1 (both zeros give `+0`, as NumPy's `sign`; NaN kept).
    Signum,
    /// `1 / x`.
    Recip,
    /// `-x` (integers wrap).
    Neg,
    /// Logical not.
    Not,
    /// True where NaN.
    IsNan,
    /// True where neither infinite nor NaN.
    IsFinite,
    /// Limits to `[min, max]` (NaN stays NaN).
    Clip { min: Scalar, max: Scalar },
    /// Integer power.
    Powi(i32),
    /// Real power.
    Powf(Scalar),
}

impl UnaryOp {
    /// The name shown in graphs.
    pub fn name(&self) -> &'static str {
        use UnaryOp::*;
        match self {
            Abs => "abs",
            Sqrt => "sqrt",
            Exp => "exp",
            Ln => "ln",
            Log10 => "log10",
            Log2 => "log2",
            Sin => "sin",
            Cos => "cos",
            Tan => "tan",
            Tanh => "tanh",
            Floor => "floor",
            Ceil => "ceil",
            Round => "round",
            Signum => "signum",
            Recip => "recip",
            Neg => "neg",
            Not => "not",
            IsNan => "isnan",
            IsFinite => "isfinite",
            Clip { .. } => "clip",
            Powi(_) => "powi",
            Powf(_) => "powf",
        }
    }
    fn takes(&self) -> Takes {
        use UnaryOp::*;
        match self {
            Abs | Neg | Clip { .. } => Takes::Numeric,
            Not => Takes::Bool,
            _ => Takes::Float,
        }
    }
    /// The scalar parameters, which must have the input's type.
    fn scalars(&self) -> Vec<Scalar> {
        match *self {
            UnaryOp::Clip { min, max } => vec![min, max],
            UnaryOp::Powf(p) => vec![p],
            _ => vec![],
        }
    }
    fn out_dtype(&self, t: DType) -> DType {
        match self {
            UnaryOp::IsNan | UnaryOp::IsFinite => DType::Bool,
            _ => t,
        }
    }
    fn hash_into(&self, h: &mut TokenHasher) {
        h.str(self.name());
        match *self {
            UnaryOp::Powi(n) => {
                h.u64(n as i64 as u64);
            }
            _ => self.scalars().iter().for_each(|s| s.hash_into(h)),
        }
    }
}

/// A function of two elements of one type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BinaryOp {
    /// `+` (integers wrap).
    Add,
    /// `-` (integers wrap).
    Sub,
    /// `*` (integers wrap).
    Mul,
    /// `/` (integer division by zero gives 0, as NumPy does).
    Div,
    /// NumPy's `remainder`: the sign of the divisor (shown as `mod`).
    Rem,
    /// `a ^ b` for floats.
    Pow,
    /// The larger, NaN propagating (NumPy's `maximum`).
    Maximum,
    /// The smaller, NaN propagating (NumPy's `minimum`).
    Minimum,
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// Logical and.
    And,
    /// Logical or.
    Or,
    /// Logical exclusive or.
    Xor,
}

impl BinaryOp {
    /// The name shown in graphs.
    pub fn name(&self) -> &'static str {
        use BinaryOp::*;
        match self {
            Add => "add",
            Sub => "sub",
            Mul => "mul",
            Div => "div",
            Rem => "mod",
            Pow => "pow",
            Maximum => "maximum",
            Minimum => "minimum",
            Eq => "eq",
            Ne => "ne",
            Lt => "lt",
            Le => "le",
            Gt => "gt",
            Ge => "ge",
            And => "and",
            Or => "or",
            Xor => "xor",
        }
    }
    /// True for the comparisons, which give `bool`.
    pub fn is_comparison(&self) -> bool {
        use BinaryOp::*;
        matches!(self, Eq | Ne | Lt | Le | Gt | Ge)
    }
    fn takes(&self) -> Takes {
        use BinaryOp::*;
        match self {
            Pow => Takes::Float,
            And | Or | Xor => Takes::Bool,
            _ if self.is_comparison() => Takes::Any,
            _ => Takes::Numeric,
        }
    }
    fn out_dtype(&self, t: DType) -> DType {
        if self.is_comparison() {
            DType::Bool
        } else {
            t
        }
    }
}

/// An elementwise operation: what a step of a fused program computes.
///
/// ```
/// use darray::ops::{BinaryOp, ElemOp, Scalar};
/// use darray::DType;
/// let op = ElemOp::ScalarRight { op: BinaryOp::Lt, scalar: Scalar::F32(2.0) };
/// assert_eq!(op.out_dtype(&[DType::F32])?, DType::Bool);
/// assert!(op.out_dtype(&[DType::F64]).is_err()); // the scalar is f32
/// assert_eq!(op.name(), "lt");
/// # Ok::<(), darray::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ElemOp {
    /// `f(x)`.
    Unary(UnaryOp),
    /// `f(a, b)` of two arrays (broadcast together).
    Binary(BinaryOp),
    /// `f(x, scalar)`.
    ScalarRight { op: BinaryOp, scalar: Scalar },
    /// `f(scalar, x)`.
    ScalarLeft { op: BinaryOp, scalar: Scalar },
    /// Conversion to another type with NumPy's `astype` rules.
    Cast(DType),
    /// `where(cond, a, b)`.
    Where,
    /// A user closure, named by its token (not serialisable).
    #[serde(serialize_with = "super::refuse_custom", skip_deserializing)]
    Custom(CustomOp),
}

impl From<UnaryOp> for ElemOp {
    fn from(u: UnaryOp) -> ElemOp {
        ElemOp::Unary(u)
    }
}
impl From<BinaryOp> for ElemOp {
    fn from(b: BinaryOp) -> ElemOp {
        ElemOp::Binary(b)
    }
}

impl ElemOp {
    /// A custom op: `name` for graphs, `token` standing for the closure.
    pub fn custom(name: &str, token: u64) -> ElemOp {
        ElemOp::Custom(CustomOp::new(name, token))
    }

    /// The name shown in graphs and keys (`add`, `astype-float32`, ...).
    pub fn name(&self) -> Cow<'_, str> {
        match self {
            ElemOp::Unary(u) => u.name().into(),
            ElemOp::Binary(b) | ElemOp::ScalarRight { op: b, .. } | ElemOp::ScalarLeft { op: b, .. } => b.name().into(),
            ElemOp::Cast(d) => format!("astype-{}", d.name()).into(),
            ElemOp::Where => "where".into(),
            ElemOp::Custom(c) => c.name().into(),
        }
    }

    /// Number of inputs (`None` for a custom op: its kernel knows).
    pub fn arity(&self) -> Option<usize> {
        match self {
            ElemOp::Binary(_) => Some(2),
            ElemOp::Where => Some(3),
            ElemOp::Custom(_) => None,
            _ => Some(1),
        }
    }

    /// The output type for inputs of types `inputs`, or an error saying
    /// why the op does not take them. A custom op's types are its
    /// closure's, so asking is an error.
    pub fn out_dtype(&self, inputs: &[DType]) -> Result<DType> {
        let bad = |why: String| Error::Invalid(format!("{} {why}", self.name()));
        if let Some(n) = self.arity() {
            if inputs.len() != n {
                return Err(bad(format!("takes {n} inputs, got {}", inputs.len())));
            }
        }
        let check = |takes: Takes, t: DType, scalars: &[Scalar]| -> Result<()> {
            if !takes.allows(t) {
                return Err(bad(format!("takes {}, not {}", takes.describe(), t.name())));
            }
            match scalars.iter().find(|s| s.dtype() != t) {
                Some(s) => Err(bad(format!("on {} needs scalars of that type, got a {}", t.name(), s.dtype().name()))),
                None => Ok(()),
            }
        };
        match self {
            ElemOp::Unary(u) => {
                check(u.takes(), inputs[0], &u.scalars())?;
                Ok(u.out_dtype(inputs[0]))
            }
            ElemOp::Binary(b) => {
                if inputs[0] != inputs[1] {
                    return Err(bad(format!(
                        "needs inputs of one type, got {} and {}",
                        inputs[0].name(),
                        inputs[1].name()
                    )));
                }
                check(b.takes(), inputs[0], &[])?;
                Ok(b.out_dtype(inputs[0]))
            }
            ElemOp::ScalarRight { op, scalar } | ElemOp::ScalarLeft { op, scalar } => {
                check(op.takes(), inputs[0], &[*scalar])?;
                Ok(op.out_dtype(inputs[0]))
            }
            ElemOp::Cast(to) => Ok(*to),
            ElemOp::Where => {
                if inputs[0] != DType::Bool || inputs[1] != inputs[2] {
                    return Err(bad(format!(
                        "needs a bool condition and two values of one type, got {}, {}, {}",
                        inputs[0].name(),
                        inputs[1].name(),
                        inputs[2].name()
                    )));
                }
                Ok(inputs[1])
            }
            ElemOp::Custom(c) => Err(bad(format!("is a custom op ({}): only its kernel knows its types", c.token()))),
        }
    }

    /// Feeds the op (its kind and every parameter, scalars by type and
    /// bits) to a token: equal ops feed equal data.
    pub fn hash_into(&self, h: &mut TokenHasher) {
        match self {
            ElemOp::Unary(u) => {
                h.str("unary");
                u.hash_into(h);
            }
            ElemOp::Binary(b) => {
                h.str("binary").str(b.name());
            }
            ElemOp::ScalarRight { op, scalar } => {
                h.str("scalar-right").str(op.name());
                scalar.hash_into(h);
            }
            ElemOp::ScalarLeft { op, scalar } => {
                h.str("scalar-left").str(op.name());
                scalar.hash_into(h);
            }
            ElemOp::Cast(d) => {
                h.str("cast").u64(*d as u64);
            }
            ElemOp::Where => {
                h.str("where");
            }
            ElemOp::Custom(c) => c.hash_into(h),
        }
    }

    /// Every built-in op, with sample parameters of type `t` where it has
    /// any, that takes inputs of type `t` (for tests and tools that walk
    /// the op set): each one's input types are given with it.
    pub fn builtins_for(t: DType) -> Vec<(ElemOp, Vec<DType>)> {
        use BinaryOp::*;
        use UnaryOp::*;
        let one = |x: f64| Scalar::from_f64(t, x);
        let unary = [
            Abs,
            Sqrt,
            Exp,
            Ln,
            Log10,
            Log2,
            Sin,
            Cos,
            Tan,
            Tanh,
            Floor,
            Ceil,
            Round,
            Signum,
            Recip,
            Neg,
            Not,
            IsNan,
            IsFinite,
            Clip { min: one(0.0), max: one(5.0) },
            Powi(3),
            Powf(one(2.0)),
        ];
        let binary = [Add, Sub, Mul, Div, Rem, Pow, Maximum, Minimum, Eq, Ne, Lt, Le, Gt, Ge, And, Or, Xor];
        let mut out: Vec<(ElemOp, Vec<DType>)> = vec![];
        let mut push = |op: ElemOp, ins: Vec<DType>| {
            if op.out_dtype(&ins).is_ok() {
                out.push((op, ins));
            }
        };
        for u in unary {
            push(ElemOp::Unary(u), vec![t]);
        }
        for b in binary {
            push(ElemOp::Binary(b), vec![t, t]);
            push(ElemOp::ScalarRight { op: b, scalar: one(3.0) }, vec![t]);
            push(ElemOp::ScalarLeft { op: b, scalar: one(3.0) }, vec![t]);
        }
        for &to in DType::ALL {
            push(ElemOp::Cast(to), vec![t]);
        }
        push(ElemOp::Where, vec![DType::Bool, t, t]);
        out
    }
}

impl std::fmt::Display for ElemOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}
