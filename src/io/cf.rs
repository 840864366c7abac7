//! CF decoding: `raw * scale_factor + add_offset`, raw values equal to
//! `_FillValue` or `missing_value` becoming NaN, signed integers read as
//! unsigned where `_Unsigned = "true"`, and, on request, values outside
//! `valid_range` / `valid_min` / `valid_max` becoming NaN. Only those
//! attributes count: a format's storage fill value (HDF5's dataset fill
//! value) is a storage property, not a CF one. Nothing here depends on the
//! format: it works on a variable's attributes and a `DArray`.

use super::AttrValue;
use crate::array::DArray;
use crate::dtype::{DType, Element, Float};
use crate::key::TokenHasher;
use std::collections::BTreeMap;

/// The CF packing and missing-value attributes of a variable, and the
/// decoding they define, for a variable of any format.
///
/// What is applied, and in which order, is xarray's (`decode_cf` with
/// `mask_and_scale`) and netCDF4-python's:
/// 1. `_Unsigned = "true"` on a signed integer variable (NetCDF3 has no
///    unsigned types; netCDF-Java and converters mark bytes so) reads its
///    values, and its `_FillValue`, `missing_value` and valid range, as
///    the unsigned type of the same width: a stored `-1i8` is `255`.
/// 2. A raw value equal to `_FillValue` or `missing_value` is missing
///    (NaN).
/// 3. Only when asked ([`mask_valid_range`](CfDecoding::mask_valid_range),
///    or [`ReadOptions::mask_valid_range`](super::ReadOptions::mask_valid_range)):
///    a raw value below `valid_min` or above `valid_max` (or outside
///    `valid_range`), compared in the stored (packed) units, is missing.
///    CF asks generic applications to do this; xarray does not (it keeps
///    the attributes and the values), and comparisons against xarray are
///    what users make, so it is off by default. netCDF4-python does it.
/// 4. `raw * scale_factor + add_offset`, computed in `f64`.
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
///
/// // Bytes marked unsigned, with a valid range applied on request.
/// let attrs = [("_Unsigned", AttrValue::from("true")), ("valid_max", AttrValue::from(-56i8))];
/// let cf = CfDecoding::from_attrs(&attrs.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
/// let raw = DArray::from_array(ndarray::arr1(&[-1i8, 100, -56]), [3])?;
/// assert_eq!(cf.apply::<i8, f32>(&raw).compute()?.into_raw_vec_and_offset().0, [255.0, 100.0, 200.0]);
/// let masked = cf.mask_valid_range(true).apply::<i8, f32>(&raw).compute()?;
/// assert!(masked[[0]].is_nan() && masked[[2]] == 200.0);
/// # Ok::<(), darray::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct CfDecoding {
    /// `scale_factor` (1 when absent).
    pub scale_factor: Option<f64>,
    /// `add_offset` (0 when absent).
    pub add_offset: Option<f64>,
    /// Raw values that mean "missing": `_FillValue` and `missing_value`
    /// (as stored: in the signed type where `unsigned`).
    pub missing: Vec<f64>,
    /// `_Unsigned = "true"`: signed integers are read as the unsigned type
    /// of their width.
    pub unsigned: bool,
    /// The valid range, raw (`valid_range`, or `valid_min` and
    /// `valid_max`; as stored), whether or not it is applied.
    pub valid: (Option<f64>, Option<f64>),
    /// Whether raw values outside `valid` are missing (off by default).
    pub mask_valid: bool,
}

impl CfDecoding {
    /// Reads the attributes that drive decoding (the valid range is read,
    /// and not applied: see [`mask_valid_range`](CfDecoding::mask_valid_range)).
    pub fn from_attrs(attrs: &BTreeMap<String, AttrValue>) -> CfDecoding {
        let num = |k: &str| attrs.get(k).and_then(AttrValue::as_f64);
        let mut missing = vec![];
        for k in ["_FillValue", "missing_value"] {
            missing.extend(attrs.get(k).and_then(AttrValue::as_f64s).unwrap_or_default());
        }
        missing.dedup();
        let unsigned =
            attrs.get("_Unsigned").and_then(AttrValue::as_str).is_some_and(|s| s.eq_ignore_ascii_case("true"));
        let range = attrs.get("valid_range").and_then(AttrValue::as_f64s).filter(|r| r.len() == 2);
        let valid = match range {
            Some(r) => (Some(r[0]), Some(r[1])),
            None => (num("valid_min"), num("valid_max")),
        };
        CfDecoding {
            scale_factor: num("scale_factor"),
            add_offset: num("add_offset"),
            missing,
            unsigned,
            valid,
            mask_valid: false,
        }
    }

    /// Whether raw values outside the valid range are missing (CF's rule
    /// for generic applications, netCDF4-python's default; not xarray's).
    pub fn mask_valid_range(mut self, on: bool) -> Self {
        self.mask_valid = on;
        self
    }

    /// Decodes one raw value, given as the number it stands for (already
    /// read as unsigned where `unsigned`): compared with the missing values
    /// and the valid range exactly, in f64, which holds every raw value of
    /// the types that are packed.
    pub fn decode(&self, raw: f64) -> f64 {
        self.decoder(None).decode(raw)
    }

    /// The decoding of raw values of a type of `bits` bits read as
    /// unsigned (`Some` where `_Unsigned` applies).
    fn decoder(&self, wrap_bits: Option<u32>) -> Decoder {
        let (lo, hi) = if self.mask_valid { self.valid } else { (None, None) };
        let mut d = Decoder {
            wrap: wrap_bits.map(|b| 2f64.powi(b as i32)),
            missing: vec![],
            lo: f64::NEG_INFINITY,
            hi: f64::INFINITY,
            scale: self.scale_factor.unwrap_or(1.0),
            offset: self.add_offset.unwrap_or(0.0),
        };
        // The attributes are stored as the raw values are: read them alike.
        d.missing = self.missing.iter().map(|&m| d.view(m)).collect();
        d.lo = lo.map_or(d.lo, |v| d.view(v));
        d.hi = hi.map_or(d.hi, |v| d.view(v));
        d
    }

    /// `raw` decoded to `T`, as an elementwise step that fuses with what
    /// consumes it (computed in f64, then rounded to `T`).
    pub fn apply<S: Element, T: Float>(&self, raw: &DArray<S>) -> DArray<T> {
        let wrap_bits = (self.unsigned && is_signed_int(S::DTYPE)).then(|| 8 * S::DTYPE.size() as u32);
        let d = self.decoder(wrap_bits);
        let mut h = TokenHasher::new("cf-decode");
        h.u64(S::DTYPE as u64).u64(T::DTYPE as u64);
        for v in [d.wrap, Some(d.lo), Some(d.hi), Some(d.scale), Some(d.offset)] {
            h.u64(v.map_or(u64::MAX, f64::to_bits)).u64(u64::from(v.is_some()));
        }
        h.u64(d.missing.len() as u64);
        for v in &d.missing {
            h.u64(v.to_bits());
        }
        if d.is_identity() {
            return raw.map_named("astype", h.finish(), |v: S| T::el_from_f64(v.el_to_f64()));
        }
        raw.map_named("cf-decode", h.finish(), move |v: S| T::el_from_f64(d.decode(d.view(v.el_to_f64()))))
    }
}

/// Whether `t` is a signed integer type (what `_Unsigned` applies to).
pub(crate) fn is_signed_int(t: DType) -> bool {
    matches!(t, DType::I8 | DType::I16 | DType::I32 | DType::I64)
}

/// CF decoding of one type's raw values, with everything resolved.
#[derive(Clone, Debug)]
struct Decoder {
    /// `2^bits` where signed raw values are read as unsigned.
    wrap: Option<f64>,
    missing: Vec<f64>,
    lo: f64,
    hi: f64,
    scale: f64,
    offset: f64,
}

impl Decoder {
    fn is_identity(&self) -> bool {
        self.wrap.is_none()
            && self.missing.is_empty()
            && self.lo == f64::NEG_INFINITY
            && self.hi == f64::INFINITY
            && self.scale == 1.0
            && self.offset == 0.0
    }

    /// A raw value as the number it stands for.
    fn view(&self, raw: f64) -> f64 {
        match self.wrap {
            Some(w) if raw < 0.0 => raw + w,
            _ => raw,
        }
    }

    fn decode(&self, v: f64) -> f64 {
        if self.missing.contains(&v) || v < self.lo || v > self.hi {
            return f64::NAN;
        }
        v * self.scale + self.offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_packed_and_missing_values() {
        let mut a = BTreeMap::new();
        a.insert("scale_factor".to_string(), AttrValue::F64(vec![0.01]));
        a.insert("add_offset".to_string(), AttrValue::F64(vec![100.0]));
        a.insert("missing_value".to_string(), AttrValue::I16(vec![-100]));
        a.insert("_FillValue".to_string(), AttrValue::I16(vec![-32767]));
        let cf = CfDecoding::from_attrs(&a);
        assert_eq!(cf.decode(31740.0), 31740.0 * 0.01 + 100.0);
        assert!(cf.decode(-100.0).is_nan() && cf.decode(-32767.0).is_nan());
        assert_eq!(CfDecoding::from_attrs(&BTreeMap::new()).decode(3.5), 3.5);
        // An identity decoding is a cast, with or without the range.
        let plain = CfDecoding::from_attrs(&BTreeMap::new());
        assert!(plain.decoder(None).is_identity() && plain.mask_valid_range(true).decoder(None).is_identity());
        assert!(!CfDecoding::default().decoder(Some(8)).is_identity());
    }
}
