//! What a file says about its variables: element types, attributes,
//! dimension names, filters.

use super::common::h5err;
use crate::dtype::DType;
use crate::error::Result;
use crate::io::AttrValue;
use ::hdf5::types::{TypeDescriptor, VarLenArray, VarLenAscii, VarLenUnicode};
use ::hdf5::{Attribute, Dataset, Location, ObjectReference, ObjectReference1, ReferencedObject};
use std::collections::BTreeMap;

/// Attributes the netCDF and HDF5 libraries keep for themselves.
pub(crate) const BOOKKEEPING: &[&str] =
    &["CLASS", "NAME", "DIMENSION_LIST", "REFERENCE_LIST", "_Netcdf4Coordinates", "_Netcdf4Dimid", "_NCProperties"];

/// Our element type for an HDF5 type, if there is one.
pub(crate) fn dtype_of(d: &TypeDescriptor) -> Option<DType> {
    macro_rules! find {
        ($($t:ty => $v:ident),*) => {{
            $(if *d == <$t as ::hdf5::H5Type>::type_descriptor() {
                return Some(DType::$v);
            })*
            None
        }};
    }
    crate::for_each_element!(find)
}

/// A readable name for an HDF5 type.
pub(crate) fn type_name(d: &TypeDescriptor) -> String {
    match dtype_of(d) {
        Some(t) => t.name().to_string(),
        None => match d {
            TypeDescriptor::FixedAscii(_)
            | TypeDescriptor::FixedUnicode(_)
            | TypeDescriptor::VarLenAscii
            | TypeDescriptor::VarLenUnicode => "string".to_string(),
            other => format!("{other}"),
        },
    }
}

/// The names of the attributes of `obj`, in name order.
///
/// Not `Location::attr_names`: that iterates with `H5Aiterate2`, whose
/// `H5A_info_t` carries the name's character set as a Rust enum, and a
/// corrupt attribute message holds any byte there (an invalid enum value:
/// undefined behaviour, seen to abort the process). The names are asked for
/// one by one instead.
fn attr_names(obj: &Location) -> ::hdf5::Result<Vec<String>> {
    use hdf5_sys::{h5, h5a, h5o, h5p};
    let dot = c".";
    ::hdf5::sync::sync(|| {
        let mut info = std::mem::MaybeUninit::<h5o::H5O_info2_t>::zeroed();
        // SAFETY: a zeroed info is a valid one; the library fills it in.
        if unsafe { h5o::H5Oget_info3(obj.id(), info.as_mut_ptr(), h5o::H5O_INFO_NUM_ATTRS) } < 0 {
            return Err(::hdf5::Error::from("cannot count the attributes"));
        }
        let n = unsafe { info.assume_init() }.num_attrs;
        let mut names = Vec::new();
        for k in 0..n {
            let name_at = |buf: *mut std::ffi::c_char, len: usize| unsafe {
                h5a::H5Aget_name_by_idx(
                    obj.id(),
                    dot.as_ptr(),
                    h5::H5_index_t::H5_INDEX_NAME,
                    h5::H5_iter_order_t::H5_ITER_INC,
                    k,
                    buf,
                    len,
                    h5p::H5P_DEFAULT,
                )
            };
            let len = name_at(std::ptr::null_mut(), 0);
            let len = usize::try_from(len).map_err(|_| ::hdf5::Error::from("cannot read an attribute name"))?;
            let mut buf = vec![0u8; len + 1];
            if name_at(buf.as_mut_ptr().cast(), len + 1) < 0 {
                return Err(::hdf5::Error::from("cannot read an attribute name"));
            }
            buf.truncate(len);
            names.push(String::from_utf8_lossy(&buf).into_owned());
        }
        Ok(names)
    })
}

/// Reads every attribute of `obj` but the libraries' own.
pub(crate) fn attributes(obj: &Location, path: &str) -> Result<BTreeMap<String, AttrValue>> {
    let mut out = BTreeMap::new();
    for name in attr_names(obj).map_err(h5err(path))? {
        if BOOKKEEPING.contains(&name.as_str()) {
            continue;
        }
        let a = obj.attr(&name).map_err(h5err(path))?;
        out.insert(name, attr_value(&a).map_err(h5err(path))?);
    }
    Ok(out)
}

fn attr_value(a: &Attribute) -> ::hdf5::Result<AttrValue> {
    let desc = a.dtype()?.to_descriptor()?;
    Ok(match desc {
        TypeDescriptor::Integer(_) | TypeDescriptor::Boolean => AttrValue::Int(a.read_raw::<i64>()?),
        TypeDescriptor::Unsigned(_) => AttrValue::UInt(a.read_raw::<u64>()?),
        TypeDescriptor::Float(_) => AttrValue::Float(a.read_raw::<f64>()?),
        TypeDescriptor::FixedAscii(n) | TypeDescriptor::FixedUnicode(n) => {
            AttrValue::Str(fixed_strings(a, n)?.join("\n"))
        }
        TypeDescriptor::VarLenAscii => {
            AttrValue::Str(a.read_raw::<VarLenAscii>()?.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n"))
        }
        TypeDescriptor::VarLenUnicode => {
            AttrValue::Str(a.read_raw::<VarLenUnicode>()?.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n"))
        }
        other => AttrValue::Other(format!("{other}")),
    })
}

/// Fixed-length strings, read as the bytes they are stored as (their
/// length is only known at run time), without their nul or space padding.
fn fixed_strings(a: &Attribute, n: usize) -> ::hdf5::Result<Vec<String>> {
    let count = a.size().max(1);
    let bytes = n.checked_mul(count).ok_or_else(|| ::hdf5::Error::from("a string attribute of impossible size"))?;
    let mut buf = vec![0u8; bytes];
    let dtype = a.dtype()?;
    let status = ::hdf5::sync::sync(|| unsafe {
        hdf5_sys::h5a::H5Aread(a.id(), dtype.id(), buf.as_mut_ptr().cast::<std::ffi::c_void>())
    });
    if status < 0 {
        return Err(::hdf5::Error::from("cannot read a string attribute"));
    }
    Ok(buf.chunks(n.max(1)).map(|s| String::from_utf8_lossy(s).trim_end_matches(['\0', ' ']).to_string()).collect())
}

/// Dimension names, from the dimension scales attached to the variable
/// (`DIMENSION_LIST`); `dim_k` for an axis without one.
pub(crate) fn dimension_names(ds: &Dataset, file: &Location) -> Vec<String> {
    let fallback = || (0..ds.ndim()).map(|k| format!("dim_{k}")).collect::<Vec<_>>();
    let Ok(attr) = ds.attr("DIMENSION_LIST") else {
        // A coordinate variable is a dimension scale: its own dimension.
        let is_scale = ds.attr("CLASS").ok().and_then(|a| attr_value(&a).ok())
            == Some(AttrValue::Str("DIMENSION_SCALE".to_string()));
        return match (is_scale, ds.ndim()) {
            (true, 1) => vec![ds.name().trim_start_matches('/').to_string()],
            _ => fallback(),
        };
    };
    let Ok(lists) = attr.read_raw::<VarLenArray<ObjectReference1>>() else { return fallback() };
    if lists.len() != ds.ndim() {
        return fallback();
    }
    lists
        .iter()
        .enumerate()
        .map(|(k, refs)| {
            refs.iter()
                .find_map(|r| match r.dereference(file) {
                    Ok(ReferencedObject::Dataset(d)) => Some(d.name().trim_start_matches('/').to_string()),
                    _ => None,
                })
                .unwrap_or_else(|| format!("dim_{k}"))
        })
        .collect()
}

/// A filter as users know it.
pub(crate) fn filter_name(f: &::hdf5::filters::Filter) -> String {
    use ::hdf5::filters::Filter;
    match f {
        Filter::Deflate(l) => format!("deflate({l})"),
        Filter::Shuffle => "shuffle".to_string(),
        Filter::Fletcher32 => "fletcher32".to_string(),
        Filter::SZip(..) => "szip".to_string(),
        Filter::NBit => "nbit".to_string(),
        Filter::ScaleOffset(_) => "scaleoffset".to_string(),
        Filter::User(id, _) => format!("filter {id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::hdf5::types::{FloatSize, IntSize};

    #[test]
    fn element_types_of_hdf5_types() {
        use TypeDescriptor as T;
        let table = [
            (T::Boolean, Some(DType::Bool)),
            (T::Integer(IntSize::U1), Some(DType::I8)),
            (T::Integer(IntSize::U2), Some(DType::I16)),
            (T::Integer(IntSize::U4), Some(DType::I32)),
            (T::Integer(IntSize::U8), Some(DType::I64)),
            (T::Unsigned(IntSize::U1), Some(DType::U8)),
            (T::Unsigned(IntSize::U2), Some(DType::U16)),
            (T::Unsigned(IntSize::U4), Some(DType::U32)),
            (T::Unsigned(IntSize::U8), Some(DType::U64)),
            (T::Float(FloatSize::U4), Some(DType::F32)),
            (T::Float(FloatSize::U8), Some(DType::F64)),
            (T::VarLenUnicode, None),
            (T::FixedAscii(3), None),
        ];
        for (d, want) in table {
            assert_eq!(dtype_of(&d), want, "{d}");
        }
        assert_eq!(type_name(&T::FixedAscii(3)), "string");
        assert_eq!(type_name(&T::Integer(IntSize::U2)), "int16");
    }
}
