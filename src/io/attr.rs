//! Attribute values, as every format stores them: text or numbers.

use std::fmt;

/// An attribute's value.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    /// Text (fixed- or variable-length strings; arrays joined by newlines).
    Str(String),
    /// Signed integers (and booleans).
    Int(Vec<i64>),
    /// Unsigned integers.
    UInt(Vec<u64>),
    /// Floating-point numbers.
    Float(Vec<f64>),
    /// Another type, described.
    Other(String),
}

impl AttrValue {
    /// The text, for a string attribute.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttrValue::Str(s) => Some(s),
            _ => None,
        }
    }
    /// Every value as `f64`, for a numeric attribute.
    pub fn as_f64s(&self) -> Option<Vec<f64>> {
        match self {
            AttrValue::Int(v) => Some(v.iter().map(|&x| x as f64).collect()),
            AttrValue::UInt(v) => Some(v.iter().map(|&x| x as f64).collect()),
            AttrValue::Float(v) => Some(v.clone()),
            _ => None,
        }
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
        match self {
            AttrValue::Str(s) => write!(f, "{s:?}"),
            AttrValue::Int(v) => list(f, v),
            AttrValue::UInt(v) => list(f, v),
            AttrValue::Float(v) => list(f, v),
            AttrValue::Other(d) => write!(f, "<{d}>"),
        }
    }
}

macro_rules! attr_from {
    ($($t:ty => $v:ident as $u:ty),*) => {$(
        impl From<$t> for AttrValue {
            fn from(x: $t) -> Self {
                AttrValue::$v(vec![x as $u])
            }
        }
        impl From<Vec<$t>> for AttrValue {
            fn from(x: Vec<$t>) -> Self {
                AttrValue::$v(x.into_iter().map(|x| x as $u).collect())
            }
        }
    )*};
}
attr_from!(f64 => Float as f64, f32 => Float as f64, i64 => Int as i64, i32 => Int as i64, i16 => Int as i64,
    i8 => Int as i64, u64 => UInt as u64, u32 => UInt as u64, u16 => UInt as u64, u8 => UInt as u64);

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
