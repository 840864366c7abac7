//! CF decoding: `raw * scale_factor + add_offset`, raw values equal to
//! `_FillValue` or `missing_value` becoming NaN. Only those attributes
//! count: a format's storage fill value (HDF5's dataset fill value) is a
//! storage property, not a CF one. Nothing here depends on the format: it
//! works on a variable's attributes and a `DArray`.

use super::AttrValue;
use crate::array::DArray;
use crate::dtype::{Element, Float};
use crate::key::TokenHasher;
use std::collections::BTreeMap;

/// The CF packing and missing-value attributes of a variable, and the
/// decoding they define, for a variable of any format.
///
/// ```
/// use darray::io::{AttrValue, CfDecoding};
/// use darray::DArray;
/// let attrs = [("scale_factor", AttrValue::from(0.5)), ("_FillValue", AttrValue::from(-1i16))];
/// let cf = CfDecoding::from_attrs(&attrs.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
/// let raw = DArray::from_array(ndarray::arr1(&[4i16, -1, 6]), [3])?;
/// let t = cf.apply::<i16, f64>(&raw).compute()?;
/// assert_eq!((t[[0]], t[[2]]), (2.0, 3.0));
/// assert!(t[[1]].is_nan());
/// # Ok::<(), darray::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CfDecoding {
    /// `scale_factor` (1 when absent).
    pub scale_factor: Option<f64>,
    /// `add_offset` (0 when absent).
    pub add_offset: Option<f64>,
    /// Raw values that mean "missing": `_FillValue` and `missing_value`.
    pub missing: Vec<f64>,
}

impl CfDecoding {
    /// Reads the attributes that drive decoding.
    pub fn from_attrs(attrs: &BTreeMap<String, AttrValue>) -> CfDecoding {
        let num = |k: &str| attrs.get(k).and_then(AttrValue::as_f64);
        let mut missing = vec![];
        for k in ["_FillValue", "missing_value"] {
            missing.extend(attrs.get(k).and_then(AttrValue::as_f64s).unwrap_or_default());
        }
        missing.dedup();
        CfDecoding { scale_factor: num("scale_factor"), add_offset: num("add_offset"), missing }
    }

    /// Decodes one raw value (compared with the missing values exactly, in
    /// f64, which holds every raw value of the types that are packed).
    pub fn decode(&self, raw: f64) -> f64 {
        if self.missing.contains(&raw) {
            return f64::NAN;
        }
        raw * self.scale_factor.unwrap_or(1.0) + self.add_offset.unwrap_or(0.0)
    }

    /// `raw` decoded to `T`, as an elementwise step that fuses with what
    /// consumes it (computed in f64, then rounded to `T`).
    pub fn apply<S: Element, T: Float>(&self, raw: &DArray<S>) -> DArray<T> {
        let mut h = TokenHasher::new("cf-decode");
        h.u64(S::DTYPE as u64).u64(T::DTYPE as u64);
        for v in [self.scale_factor, self.add_offset] {
            h.u64(v.map_or(u64::MAX, f64::to_bits)).u64(u64::from(v.is_some()));
        }
        h.u64(self.missing.len() as u64);
        for v in &self.missing {
            h.u64(v.to_bits());
        }
        let cf = self.clone();
        if cf.scale_factor.is_none() && cf.add_offset.is_none() && cf.missing.is_empty() {
            return raw.map_named("astype", h.finish(), |v: S| T::el_from_f64(v.el_to_f64()));
        }
        raw.map_named("cf-decode", h.finish(), move |v: S| T::el_from_f64(cf.decode(v.el_to_f64())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_packed_and_missing_values() {
        let mut a = BTreeMap::new();
        a.insert("scale_factor".to_string(), AttrValue::Float(vec![0.01]));
        a.insert("add_offset".to_string(), AttrValue::Float(vec![100.0]));
        a.insert("missing_value".to_string(), AttrValue::Int(vec![-100]));
        a.insert("_FillValue".to_string(), AttrValue::Int(vec![-32767]));
        let cf = CfDecoding::from_attrs(&a);
        assert_eq!(cf.decode(31740.0), 31740.0 * 0.01 + 100.0);
        assert!(cf.decode(-100.0).is_nan() && cf.decode(-32767.0).is_nan());
        assert_eq!(CfDecoding::from_attrs(&BTreeMap::new()).decode(3.5), 3.5);
    }
}
