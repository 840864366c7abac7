//! A typed scalar: one value of any element type, as op data (the scalar
//! of `x + 2.0`, the bounds of `clip`, the value of `full`).
//!
//! Equality and hashing go by type and bit pattern, as tokens do: `NaN`
//! equals `NaN` and `0.0` differs from `-0.0`, so two ops compare equal
//! exactly when they compute the same values.

use crate::dtype::{DType, Element};
use crate::key::TokenHasher;
use serde::{Deserialize, Serialize};

macro_rules! scalar_enum {
    ($($t:ty => $v:ident),*) => {
        /// One value of an element type.
        #[derive(Clone, Copy, Debug, Serialize, Deserialize)]
        pub enum Scalar {
            $(
                #[doc = concat!("A `", stringify!($t), "`.")]
                $v($t),
            )*
        }

        impl Scalar {
            /// The element type of the value.
            pub fn dtype(&self) -> DType {
                match self {
                    $(Scalar::$v(_) => DType::$v,)*
                }
            }
            /// The value's bit pattern (as `Element::el_bits`): with the
            /// type, all that identifies it.
            pub fn bits(&self) -> u64 {
                match self {
                    $(Scalar::$v(x) => x.el_bits(),)*
                }
            }
            /// The value of type `dtype` with the bit pattern `bits`.
            pub fn from_bits(dtype: DType, bits: u64) -> Scalar {
                match dtype {
                    $(DType::$v => Scalar::$v(<$t as Element>::el_from_bits(bits)),)*
                }
            }
            /// `x` converted to `dtype` with `as` semantics (`bool`: nonzero).
            pub fn from_f64(dtype: DType, x: f64) -> Scalar {
                match dtype {
                    $(DType::$v => Scalar::$v(<$t as Element>::el_from_f64(x)),)*
                }
            }
            /// The value as `f64` (`bool` as 0/1; large integers rounded),
            /// for messages.
            pub fn to_f64(&self) -> f64 {
                match self {
                    $(Scalar::$v(x) => x.el_to_f64(),)*
                }
            }
        }

        $(
            impl From<$t> for Scalar {
                fn from(x: $t) -> Scalar {
                    Scalar::$v(x)
                }
            }
        )*
    };
}
crate::for_each_element!(scalar_enum);

impl Scalar {
    /// Wraps a typed value.
    ///
    /// ```
    /// use darray::ops::Scalar;
    /// assert_eq!(Scalar::new(2.5f32), Scalar::F32(2.5));
    /// assert_eq!(Scalar::new(2.5f32).get::<f32>(), Some(2.5));
    /// assert_eq!(Scalar::new(2.5f32).get::<f64>(), None);
    /// ```
    pub fn new<T: Element>(x: T) -> Scalar {
        Scalar::from_bits(T::DTYPE, x.el_bits())
    }
    /// The value as `T`, if it is of that type.
    pub fn get<T: Element>(&self) -> Option<T> {
        (self.dtype() == T::DTYPE).then(|| T::el_from_bits(self.bits()))
    }
    /// Feeds the type and bit pattern to a token.
    pub fn hash_into(&self, h: &mut TokenHasher) {
        h.u64(self.dtype() as u64).u64(self.bits());
    }
}

impl PartialEq for Scalar {
    fn eq(&self, o: &Scalar) -> bool {
        self.dtype() == o.dtype() && self.bits() == o.bits()
    }
}
impl Eq for Scalar {}
impl std::hash::Hash for Scalar {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.dtype().hash(h);
        self.bits().hash(h);
    }
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        macro_rules! show {
            ($($t:ty => $v:ident),*) => {
                match self {
                    $(Scalar::$v(x) => write!(f, "{x}"),)*
                }
            };
        }
        crate::for_each_element!(show)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_goes_by_type_and_bits() {
        assert_eq!(Scalar::F64(f64::NAN), Scalar::F64(f64::NAN));
        assert_ne!(Scalar::F64(0.0), Scalar::F64(-0.0));
        assert_ne!(Scalar::F64(1.0), Scalar::F32(1.0));
        assert_ne!(Scalar::I64(1), Scalar::U64(1));
    }

    #[test]
    fn bits_round_trip_for_every_type() {
        for s in [
            Scalar::Bool(true),
            Scalar::I8(-3),
            Scalar::I16(i16::MIN),
            Scalar::I32(-7),
            Scalar::I64(i64::MIN),
            Scalar::U8(200),
            Scalar::U16(u16::MAX),
            Scalar::U32(u32::MAX),
            Scalar::U64(u64::MAX),
            Scalar::F32(-1.5e-30),
            Scalar::F64(f64::NEG_INFINITY),
        ] {
            assert_eq!(Scalar::from_bits(s.dtype(), s.bits()), s);
        }
    }
}
