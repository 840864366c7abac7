//! Reductions as data: one enum for whole-array and grouped reductions.
//!
//! The type rules are NumPy's (and the typed API's, through the
//! `Numeric` associated types): `sum`, `prod` and `nansum` of integers
//! accumulate in and give `i64`/`u64`; `mean` and the moments of integers
//! give `f64`; floats keep their type; `argmin`/`argmax` give `i64`
//! positions; `any`/`all` take `bool`. Every op but `any`/`all` takes a
//! numeric type.

use crate::dtype::{DType, Element, Numeric};
use crate::error::{Error, Result};
use crate::key::TokenHasher;
use serde::{Deserialize, Serialize};

/// A reduction.
///
/// Equality and hashing compare `ddof` by bits (as tokens do).
///
/// ```
/// use darray::ops::ReduceOp;
/// use darray::DType;
/// assert_eq!(ReduceOp::Sum.out_dtype(DType::U8)?, DType::U64);
/// assert_eq!(ReduceOp::Var { ddof: 1.0 }.out_dtype(DType::I32)?, DType::F64);
/// assert!(ReduceOp::Any.out_dtype(DType::F32).is_err());
/// # Ok::<(), darray::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub enum ReduceOp {
    /// Sum.
    Sum,
    /// Product.
    Prod,
    /// Smallest value (NaN if any is NaN).
    Min,
    /// Largest value (NaN if any is NaN).
    Max,
    /// Sum ignoring NaN.
    NanSum,
    /// Smallest value ignoring NaN.
    NanMin,
    /// Largest value ignoring NaN.
    NanMax,
    /// Arithmetic mean.
    Mean,
    /// Mean ignoring NaN.
    NanMean,
    /// Variance with `ddof` delta degrees of freedom.
    Var { ddof: f64 },
    /// Standard deviation with `ddof` delta degrees of freedom.
    Std { ddof: f64 },
    /// Variance ignoring NaN.
    NanVar { ddof: f64 },
    /// Standard deviation ignoring NaN.
    NanStd { ddof: f64 },
    /// Position of the smallest value.
    ArgMin,
    /// Position of the largest value.
    ArgMax,
    /// True if any value is true.
    Any,
    /// True if every value is true.
    All,
    /// Product ignoring NaN.
    NanProd,
    /// Position of the smallest value ignoring NaN (an error at compute
    /// for a slice of NaN alone, as NumPy's).
    NanArgMin,
    /// Position of the largest value ignoring NaN.
    NanArgMax,
}

impl ReduceOp {
    /// Every reduction, with sample parameters (for tests and tools that
    /// walk the op set).
    pub fn builtins() -> Vec<ReduceOp> {
        use ReduceOp::*;
        vec![
            Sum,
            Prod,
            Min,
            Max,
            NanSum,
            NanMin,
            NanMax,
            Mean,
            NanMean,
            Var { ddof: 0.0 },
            Std { ddof: 1.0 },
            NanVar { ddof: 0.5 },
            NanStd { ddof: 2.0 },
            ArgMin,
            ArgMax,
            Any,
            All,
            NanProd,
            NanArgMin,
            NanArgMax,
        ]
    }

    /// The name shown in graphs (`sum`, `nanvar`, ...).
    pub fn name(&self) -> &'static str {
        use ReduceOp::*;
        match self {
            Sum => "sum",
            Prod => "prod",
            Min => "min",
            Max => "max",
            NanSum => "nansum",
            NanMin => "nanmin",
            NanMax => "nanmax",
            Mean => "mean",
            NanMean => "nanmean",
            Var { .. } => "var",
            Std { .. } => "std",
            NanVar { .. } => "nanvar",
            NanStd { .. } => "nanstd",
            ArgMin => "argmin",
            ArgMax => "argmax",
            Any => "any",
            All => "all",
            NanProd => "nanprod",
            NanArgMin => "nanargmin",
            NanArgMax => "nanargmax",
        }
    }

    /// The parameter beyond the name, as bits (`ddof`; 0 for the rest).
    pub fn params(&self) -> u64 {
        match *self {
            ReduceOp::Var { ddof } | ReduceOp::Std { ddof } | ReduceOp::NanVar { ddof } | ReduceOp::NanStd { ddof } => {
                ddof.to_bits()
            }
            _ => 0,
        }
    }

    /// True for reductions with no identity, which are an error over no
    /// values (min, max and the positions of either).
    pub fn no_identity(&self) -> bool {
        use ReduceOp::*;
        matches!(self, Min | Max | NanMin | NanMax | ArgMin | ArgMax | NanArgMin | NanArgMax)
    }

    /// True for the reductions that give a position (one axis or all).
    pub fn is_arg(&self) -> bool {
        matches!(self, ReduceOp::ArgMin | ReduceOp::ArgMax | ReduceOp::NanArgMin | ReduceOp::NanArgMax)
    }

    /// The result type for input of type `input`, or an error if the
    /// reduction does not take it.
    pub fn out_dtype(&self, input: DType) -> Result<DType> {
        use ReduceOp::*;
        let bad = || Error::Invalid(format!("{} does not take {}", self.name(), input.name()));
        if matches!(self, Any | All) {
            return if input == DType::Bool { Ok(DType::Bool) } else { Err(bad()) };
        }
        fn sum<T: Numeric>() -> DType {
            <T::Sum as Element>::DTYPE
        }
        fn mean<T: Numeric>() -> DType {
            <T::Mean as Element>::DTYPE
        }
        crate::with_numeric!(input, T => Ok(match self {
            Sum | Prod | NanSum | NanProd => sum::<T>(),
            Mean | NanMean | Var { .. } | Std { .. } | NanVar { .. } | NanStd { .. } => mean::<T>(),
            ArgMin | ArgMax | NanArgMin | NanArgMax => DType::I64,
            Min | Max | NanMin | NanMax | Any | All => input,
        }), bool => Err(bad()))
    }

    /// Feeds the op and its parameter to a token.
    pub fn hash_into(&self, h: &mut TokenHasher) {
        h.str(self.name()).u64(self.params());
    }
}

impl PartialEq for ReduceOp {
    fn eq(&self, o: &ReduceOp) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(o) && self.params() == o.params()
    }
}
impl Eq for ReduceOp {}
impl std::hash::Hash for ReduceOp {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        std::mem::discriminant(self).hash(h);
        self.params().hash(h);
    }
}

impl std::fmt::Display for ReduceOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
