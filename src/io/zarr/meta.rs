//! Zarr metadata as darray describes variables: element types by their
//! Zarr v3 names, attributes between JSON and [`AttrValue`], dimension
//! names (`dimension_names` in v3, xarray's `_ARRAY_DIMENSIONS` in v2),
//! codecs as text, and the fill value as CF's `_FillValue` the way xarray
//! reads and writes it.

use crate::dtype::DType;
use crate::io::AttrValue;
use base64::Engine as _;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// xarray's attribute naming a v2 array's dimensions.
pub(crate) const ARRAY_DIMENSIONS: &str = "_ARRAY_DIMENSIONS";

/// The element type of a Zarr data type (its v3 name, which is NumPy's
/// and [`DType::name`]; v2 types have one too), when a `DArray` can hold
/// it.
pub(crate) fn dtype_of(v3_name: &str) -> Option<DType> {
    DType::ALL.iter().copied().find(|d| d.name() == v3_name)
}

/// The NumPy type string of an element type, little-endian (Zarr v2's
/// `dtype`).
pub(crate) fn v2_name(dtype: DType) -> &'static str {
    match dtype {
        DType::Bool => "|b1",
        DType::I8 => "|i1",
        DType::I16 => "<i2",
        DType::I32 => "<i4",
        DType::I64 => "<i8",
        DType::U8 => "|u1",
        DType::U16 => "<u2",
        DType::U32 => "<u4",
        DType::U64 => "<u8",
        DType::F32 => "<f4",
        DType::F64 => "<f8",
    }
}

/// An attribute from JSON: text, numbers (integers as `int64`, or
/// `uint64` past its range; any fraction makes them `float64`), booleans
/// as `int8`; lists of one kind as lists; anything else (objects, mixed
/// lists, null) described as JSON text.
pub(crate) fn attr_from_json(v: &Value) -> AttrValue {
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        one => vec![one],
    };
    let other = || AttrValue::Other(v.to_string());
    if items.is_empty() {
        return other();
    }
    if items.iter().all(|x| x.is_string()) {
        return AttrValue::Str(items.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join("\n"));
    }
    if items.iter().all(|x| x.is_boolean()) {
        return AttrValue::I8(items.iter().map(|x| i8::from(x.as_bool() == Some(true))).collect());
    }
    if !items.iter().all(|x| x.is_number() || is_special_float(x)) {
        return other();
    }
    if let Some(ints) = items.iter().map(|x| x.as_i64()).collect::<Option<Vec<i64>>>() {
        return AttrValue::I64(ints);
    }
    if let Some(ints) = items.iter().map(|x| x.as_u64()).collect::<Option<Vec<u64>>>() {
        return AttrValue::U64(ints);
    }
    match items.iter().map(|x| json_f64(x)).collect::<Option<Vec<f64>>>() {
        Some(f) => AttrValue::F64(f),
        None => other(),
    }
}

/// `"NaN"`, `"Infinity"`, `"-Infinity"`: how Zarr writes non-finite floats.
fn is_special_float(v: &Value) -> bool {
    matches!(v.as_str(), Some("NaN" | "Infinity" | "-Infinity"))
}

/// A JSON number, or one of Zarr's non-finite float strings.
pub(crate) fn json_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

/// A float as JSON, non-finite ones as Zarr writes them.
pub(crate) fn f64_json(x: f64) -> Value {
    if x.is_nan() {
        Value::from("NaN")
    } else if x.is_infinite() {
        Value::from(if x > 0.0 { "Infinity" } else { "-Infinity" })
    } else {
        Value::from(x)
    }
}

/// An attribute as JSON: one number as a scalar, several as a list (floats
/// at their own width's value: a `float32` 0.01 is written as the double it
/// is, as zarr-python writes NumPy scalars).
pub(crate) fn attr_to_json(a: &AttrValue) -> Value {
    macro_rules! list {
        ($v:expr, $f:expr) => {{
            let items: Vec<Value> = $v.iter().map($f).collect();
            if items.len() == 1 {
                items.into_iter().next().unwrap_or(Value::Null)
            } else {
                Value::Array(items)
            }
        }};
    }
    match a {
        AttrValue::Str(s) | AttrValue::Other(s) => Value::from(s.as_str()),
        AttrValue::I8(v) => list!(v, |&x| Value::from(x)),
        AttrValue::I16(v) => list!(v, |&x| Value::from(x)),
        AttrValue::I32(v) => list!(v, |&x| Value::from(x)),
        AttrValue::I64(v) => list!(v, |&x| Value::from(x)),
        AttrValue::U8(v) => list!(v, |&x| Value::from(x)),
        AttrValue::U16(v) => list!(v, |&x| Value::from(x)),
        AttrValue::U32(v) => list!(v, |&x| Value::from(x)),
        AttrValue::U64(v) => list!(v, |&x| Value::from(x)),
        AttrValue::F32(v) => list!(v, |&x| f64_json(f64::from(x))),
        AttrValue::F64(v) => list!(v, |&x| f64_json(x)),
    }
}

/// A `_FillValue` attribute as xarray writes it in Zarr v3 (floats as the
/// base64 of their little-endian `float64` bytes, integers as integers),
/// decoded to a number.
pub(crate) fn decode_fill_attr(v: &Value, dtype: Option<DType>) -> Option<AttrValue> {
    let float = matches!(dtype, Some(DType::F32 | DType::F64));
    if let (true, Some(s)) = (float, v.as_str()) {
        if let Ok(b) = base64::engine::general_purpose::STANDARD.decode(s) {
            if let Ok(b8) = <[u8; 8]>::try_from(b.as_slice()) {
                return Some(typed(f64::from_le_bytes(b8), dtype));
            }
        }
    }
    typed_json(v, dtype)
}

/// `x` as an attribute of the variable's element type (CF: `_FillValue`
/// is of the variable's type).
pub(crate) fn typed(x: f64, dtype: Option<DType>) -> AttrValue {
    match dtype {
        Some(DType::F32) => AttrValue::from(x as f32),
        Some(DType::I8) => AttrValue::from(x as i8),
        Some(DType::I16) => AttrValue::from(x as i16),
        Some(DType::I32) => AttrValue::from(x as i32),
        Some(DType::I64) => AttrValue::from(x as i64),
        Some(DType::U8) => AttrValue::from(x as u8),
        Some(DType::U16) => AttrValue::from(x as u16),
        Some(DType::U32) => AttrValue::from(x as u32),
        Some(DType::U64) => AttrValue::from(x as u64),
        _ => AttrValue::from(x),
    }
}

/// The integer a one-number attribute holds, exactly (64-bit values
/// included); a float one only when it is integral.
pub(crate) fn exact_int(a: &AttrValue) -> Option<i128> {
    let v = *a.values_as::<i128>()?.first()?;
    match a.dtype()? {
        DType::F32 | DType::F64 => {
            let f = a.as_f64()?;
            (f.fract() == 0.0 && v as f64 == f).then_some(v)
        }
        _ => Some(v),
    }
}

/// `v` as an attribute of integer type `dtype`, if it is one of its values.
pub(crate) fn int_attr(v: i128, dtype: DType) -> Option<AttrValue> {
    Some(match dtype {
        DType::I8 => AttrValue::from(i8::try_from(v).ok()?),
        DType::I16 => AttrValue::from(i16::try_from(v).ok()?),
        DType::I32 => AttrValue::from(i32::try_from(v).ok()?),
        DType::I64 => AttrValue::from(i64::try_from(v).ok()?),
        DType::U8 => AttrValue::from(u8::try_from(v).ok()?),
        DType::U16 => AttrValue::from(u16::try_from(v).ok()?),
        DType::U32 => AttrValue::from(u32::try_from(v).ok()?),
        DType::U64 => AttrValue::from(u64::try_from(v).ok()?),
        _ => return None,
    })
}

/// An integer as JSON (signed or unsigned, so 64-bit values stay exact).
pub(crate) fn int_json(v: i128) -> Value {
    match (i64::try_from(v), u64::try_from(v)) {
        (Ok(i), _) => Value::from(i),
        (_, Ok(u)) => Value::from(u),
        _ => Value::Null,
    }
}

/// A fill value from JSON as an attribute of the variable's type:
/// integers exactly, floats (and Zarr's `"NaN"`, ...) as numbers.
pub(crate) fn typed_json(v: &Value, dtype: Option<DType>) -> Option<AttrValue> {
    match dtype? {
        DType::Bool => None,
        DType::F32 | DType::F64 => json_f64(v).map(|x| typed(x, dtype)),
        d => int_attr(exact_int(&attr_from_json(v))?, d),
    }
}

/// The `_FillValue` attribute xarray writes in Zarr v3 for `fill`.
pub(crate) fn encode_fill_attr(fill: &Fill, dtype: DType) -> Value {
    match (fill, dtype) {
        (Fill::Float(f), DType::F32 | DType::F64) => {
            Value::from(base64::engine::general_purpose::STANDARD.encode(f.to_le_bytes()))
        }
        (Fill::Int(i), _) => int_json(*i),
        (Fill::Float(f), DType::Bool) => Value::from(*f != 0.0),
        (Fill::Float(f), _) => f64_json(*f),
    }
}

/// A fill value as written: integers exactly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Fill {
    Int(i128),
    Float(f64),
}

impl Fill {
    /// The fill value `a` for elements of `dtype`, if it is one of their
    /// values.
    pub(crate) fn of(a: &AttrValue, dtype: DType) -> Option<Fill> {
        match dtype {
            DType::F32 | DType::F64 | DType::Bool => a.as_f64().map(Fill::Float),
            d => exact_int(a).filter(|&v| int_attr(v, d).is_some()).map(Fill::Int),
        }
    }
    /// As JSON, the array's `fill_value` (bools as booleans, floats with
    /// Zarr's names for non-finite ones).
    pub(crate) fn json(&self, dtype: DType) -> Value {
        match (self, dtype) {
            (Fill::Float(f), DType::Bool) => Value::from(*f != 0.0),
            (Fill::Float(f), _) => f64_json(*f),
            (Fill::Int(i), _) => int_json(*i),
        }
    }
    /// As a float, for padding edge chunks (whose padding is never read).
    pub(crate) fn as_f64(&self) -> f64 {
        match self {
            Fill::Float(f) => *f,
            Fill::Int(i) => *i as f64,
        }
    }
}

/// Attributes from JSON, without the bookkeeping ones (`_ARRAY_DIMENSIONS`).
pub(crate) fn attrs_from_json(m: &Map<String, Value>) -> BTreeMap<String, AttrValue> {
    m.iter().filter(|(k, _)| k.as_str() != ARRAY_DIMENSIONS).map(|(k, v)| (k.clone(), attr_from_json(v))).collect()
}

/// A codec's metadata (`{"id": "blosc", "cname": "lz4", ...}` in v2,
/// `{"name": "zstd", "configuration": {...}}` in v3) as text:
/// `blosc(cname=lz4, clevel=5, shuffle=1)` (in the metadata's order).
pub(crate) fn codec_text(c: &Value) -> String {
    let name = c.get("name").or_else(|| c.get("id")).and_then(Value::as_str).unwrap_or("?");
    let conf = match c.get("configuration") {
        Some(Value::Object(m)) => m.clone(),
        _ => c
            .as_object()
            .map(|m| {
                m.iter().filter(|(k, _)| *k != "id" && *k != "name").map(|(k, v)| (k.clone(), v.clone())).collect()
            })
            .unwrap_or_default(),
    };
    if conf.is_empty() {
        return name.to_string();
    }
    let parts: Vec<String> = conf
        .iter()
        .filter(|(_, v)| !v.is_array() && !v.is_object())
        .map(|(k, v)| format!("{k}={}", v.as_str().map_or_else(|| v.to_string(), str::to_string)))
        .collect();
    format!("{name}({})", parts.join(", "))
}

/// The codecs of an array's metadata (JSON), in pipeline order: v2's
/// filters then compressor, v3's codecs (a sharding codec with its inner
/// codecs).
pub(crate) fn codecs(meta: &Value) -> Vec<String> {
    let mut out = vec![];
    if let Some(Value::Array(cs)) = meta.get("codecs") {
        for c in cs {
            out.push(codec_text(c));
            if let Some(Value::Array(inner)) = c.pointer("/configuration/codecs") {
                out.extend(inner.iter().map(|i| format!("  {}", codec_text(i))));
            }
        }
    }
    if let Some(Value::Array(fs)) = meta.get("filters") {
        out.extend(fs.iter().map(codec_text));
    }
    if let Some(c @ Value::Object(_)) = meta.get("compressor") {
        out.push(codec_text(c));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn attributes_keep_their_kind() {
        assert_eq!(attr_from_json(&json!("K")), AttrValue::from("K"));
        assert_eq!(attr_from_json(&json!(3)), AttrValue::I64(vec![3]));
        assert_eq!(attr_from_json(&json!([1, 2.5])), AttrValue::F64(vec![1.0, 2.5]));
        assert_eq!(attr_from_json(&json!(u64::MAX)), AttrValue::U64(vec![u64::MAX]));
        assert!(matches!(attr_from_json(&json!("NaN")), AttrValue::Str(_)));
        assert!(matches!(attr_from_json(&json!([1, "NaN"])), AttrValue::F64(v) if v[1].is_nan()));
        assert!(matches!(attr_from_json(&json!({"a": 1})), AttrValue::Other(_)));
        assert_eq!(attr_to_json(&AttrValue::from(0.5f32)), json!(0.5));
        assert_eq!(attr_to_json(&AttrValue::from(vec![1i16, 2])), json!([1, 2]));
        assert_eq!(attr_to_json(&AttrValue::F64(vec![f64::NAN])), json!("NaN"));
    }

    #[test]
    fn fill_values_as_xarray_writes_them() {
        // xarray: base64.standard_b64encode(struct.pack("<d", -999.0)).
        let enc = encode_fill_attr(&Fill::Float(-999.0), DType::F32);
        assert_eq!(enc, json!("AAAAAAA4j8A="));
        assert_eq!(decode_fill_attr(&enc, Some(DType::F32)), Some(AttrValue::from(-999.0f32)));
        assert_eq!(decode_fill_attr(&json!(-1), Some(DType::I16)), Some(AttrValue::from(-1i16)));
        assert_eq!(decode_fill_attr(&json!("oops"), Some(DType::F64)), None);
        // 64-bit integers stay exact.
        assert_eq!(decode_fill_attr(&json!(u64::MAX), Some(DType::U64)), Some(AttrValue::from(u64::MAX)));
        assert_eq!(decode_fill_attr(&json!(-1), Some(DType::U8)), None);
        let big = AttrValue::from(-9223372036854775806i64);
        assert_eq!(Fill::of(&big, DType::I64), Some(Fill::Int(-9223372036854775806)));
        assert_eq!(Fill::of(&big, DType::I32), None);
        assert_eq!(Fill::of(&AttrValue::from(2.5), DType::I16), None);
        assert_eq!(Fill::Int(u64::MAX as i128).json(DType::U64), json!(u64::MAX));
    }

    #[test]
    fn codecs_read_as_text() {
        let v2 = json!({"filters": [{"id": "delta", "dtype": "<i4"}], "compressor": {"id": "blosc", "cname": "lz4", "clevel": 5}});
        assert_eq!(codecs(&v2), ["delta(dtype=<i4)", "blosc(cname=lz4, clevel=5)"]);
        let v3 = json!({"codecs": [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "zstd"}]});
        assert_eq!(codecs(&v3), ["bytes(endian=little)", "zstd"]);
    }
}
