//! Attribute values, as every format stores them: text, or numbers of one
//! element type. The type is kept (a `float32` `scale_factor` stays
//! `float32` on a copy: xarray decodes a variable to the scale factor's
//! width).

use crate::dtype::DType;
use num_traits::AsPrimitive;
use std::fmt;

/// An attribute's value: text, or a list of numbers of the element type
/// they are stored as.
///
/// ```
/// use darray::io::AttrValue;
/// use darray::DType;
/// let scale = AttrValue::from(0.01f32);
/// assert_eq!(scale.dtype(), Some(DType::F32));
/// assert_eq!(scale.as_f64(), Some(0.01f32 as f64));
/// assert_eq!(AttrValue::from(vec![0i16, 600]).values_as::<i64>(), Some(vec![0, 600]));
/// assert_eq!(AttrValue::from("K").as_str(), Some("K"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    /// Text (fixed- or variable-length strings; arrays joined by newlines).
    Str(String),
    /// `int8` numbers (HDF5 and NetCDF booleans too).
    I8(Vec<i8>),
    /// `int16` numbers.
    I16(Vec<i16>),
    /// `int32` numbers.
    I32(Vec<i32>),
    /// `int64` numbers.
    I64(Vec<i64>),
    /// `uint8` numbers.
    U8(Vec<u8>),
    /// `uint16` numbers.
    U16(Vec<u16>),
    /// `uint32` numbers.
    U32(Vec<u32>),
    /// `uint64` numbers.
    U64(Vec<u64>),
    /// `float32` numbers.
    F32(Vec<f32>),
    /// `float64` numbers.
    F64(Vec<f64>),
    /// Another type, described.
    Other(String),
}

/// Calls `$m!(variant, rust type, DType variant)` for each numeric variant.
macro_rules! numeric_variants {
    ($m:ident) => {
        $m! { (I8, i8), (I16, i16), (I32, i32), (I64, i64), (U8, u8), (U16, u16), (U32, u32), (U64, u64),
        (F32, f32), (F64, f64) }
    };
}

impl AttrValue {
    /// The text, for a string attribute.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttrValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The element type of a numeric attribute.
    pub fn dtype(&self) -> Option<DType> {
        macro_rules! dt {
            ($(($v:ident, $t:ty)),*) => {
                match self {
                    $(AttrValue::$v(_) => Some(DType::$v),)*
                    _ => None,
                }
            };
        }
        numeric_variants!(dt)
    }

    /// Every value converted with `as` to `T`, for a numeric attribute
    /// (integers stay exact where `T` holds them).
    pub fn values_as<T>(&self) -> Option<Vec<T>>
    where
        i8: AsPrimitive<T>,
        i16: AsPrimitive<T>,
        i32: AsPrimitive<T>,
        i64: AsPrimitive<T>,
        u8: AsPrimitive<T>,
        u16: AsPrimitive<T>,
        u32: AsPrimitive<T>,
        u64: AsPrimitive<T>,
        f32: AsPrimitive<T>,
        f64: AsPrimitive<T>,
        T: Copy + 'static,
    {
        macro_rules! conv {
            ($(($v:ident, $t:ty)),*) => {
                match self {
                    $(AttrValue::$v(x) => Some(x.iter().map(|&x| x.as_()).collect()),)*
                    _ => None,
                }
            };
        }
        numeric_variants!(conv)
    }

    /// Every value as `f64`, for a numeric attribute.
    pub fn as_f64s(&self) -> Option<Vec<f64>> {
        self.values_as::<f64>()
    }

    /// The first value as `f64`, for a numeric attribute.
    pub fn as_f64(&self) -> Option<f64> {
        self.as_f64s().and_then(|v| v.first().copied())
    }
}

impl fmt::Display for AttrValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, v: &[T]) -> fmt::Result {
            match v {
                [one] => write!(f, "{one}"),
                _ => write!(f, "[{}]", v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")),
            }
        }
        macro_rules! show {
            ($(($v:ident, $t:ty)),*) => {
                match self {
                    AttrValue::Str(s) => write!(f, "{s:?}"),
                    AttrValue::Other(d) => write!(f, "<{d}>"),
                    $(AttrValue::$v(x) => list(f, x),)*
                }
            };
        }
        numeric_variants!(show)
    }
}

macro_rules! attr_from {
    ($(($v:ident, $t:ty)),*) => {$(
        impl From<$t> for AttrValue {
            fn from(x: $t) -> Self {
                AttrValue::$v(vec![x])
            }
        }
        impl From<Vec<$t>> for AttrValue {
            fn from(x: Vec<$t>) -> Self {
                AttrValue::$v(x)
            }
        }
        impl From<&[$t]> for AttrValue {
            fn from(x: &[$t]) -> Self {
                AttrValue::$v(x.to_vec())
            }
        }
    )*};
}
numeric_variants!(attr_from);

impl From<&str> for AttrValue {
    fn from(s: &str) -> Self {
        AttrValue::Str(s.to_string())
    }
}

impl From<String> for AttrValue {
    fn from(s: String) -> Self {
        AttrValue::Str(s)
    }
}
