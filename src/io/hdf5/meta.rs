//! What a file says about its variables: element types, attributes,
//! dimension names, filters.

use super::common::h5err;
use crate::dtype::DType;
use crate::error::Result;
use crate::io::codec::Codec;
use crate::io::AttrValue;
use ::hdf5::types::{FloatSize, IntSize, TypeDescriptor, VarLenArray, VarLenAscii, VarLenUnicode};
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
        // Numbers in the type they are stored as (booleans as int8).
        TypeDescriptor::Boolean => AttrValue::I8(a.read_raw::<i8>()?),
        TypeDescriptor::Integer(IntSize::U1) => AttrValue::I8(a.read_raw()?),
        TypeDescriptor::Integer(IntSize::U2) => AttrValue::I16(a.read_raw()?),
        TypeDescriptor::Integer(IntSize::U4) => AttrValue::I32(a.read_raw()?),
        TypeDescriptor::Integer(IntSize::U8) => AttrValue::I64(a.read_raw()?),
        TypeDescriptor::Unsigned(IntSize::U1) => AttrValue::U8(a.read_raw()?),
        TypeDescriptor::Unsigned(IntSize::U2) => AttrValue::U16(a.read_raw()?),
        TypeDescriptor::Unsigned(IntSize::U4) => AttrValue::U32(a.read_raw()?),
        TypeDescriptor::Unsigned(IntSize::U8) => AttrValue::U64(a.read_raw()?),
        TypeDescriptor::Float(FloatSize::U4) => AttrValue::F32(a.read_raw()?),
        TypeDescriptor::Float(_) => AttrValue::F64(a.read_raw()?),
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

/// What netCDF-C writes in the `NAME` attribute of a dimension that has no
/// coordinate variable: the dataset only holds the dimension scale.
const DIMENSION_ONLY: &str = "This is a netCDF dimension but not a netCDF variable";

/// The prefix netCDF-C gives a variable named like a dimension it is not
/// the coordinate variable of (a 2-d `lat` beside a dimension `lat`).
pub(crate) const NON_COORD: &str = "_nc4_non_coord_";

/// Whether `ds` is netCDF-C's stand-in for a dimension without a
/// coordinate variable, not a variable.
pub(crate) fn is_dimension_only(ds: &Dataset) -> bool {
    let name = ds.attr("NAME").ok().and_then(|a| attr_value(&a).ok());
    matches!(name, Some(AttrValue::Str(s)) if s.starts_with(DIMENSION_ONLY))
}

/// Whether `ds` is a dimension scale (a coordinate variable or a
/// dimension-only dataset).
pub(crate) fn is_scale(ds: &Dataset) -> bool {
    ds.attr("CLASS").ok().and_then(|a| attr_value(&a).ok()) == Some(AttrValue::Str("DIMENSION_SCALE".to_string()))
}

/// The last part of an HDF5 path (`atmos/time` is `time`), without
/// netCDF-C's non-coordinate prefix: the name netCDF gives it.
pub(crate) fn base_name(path: &str) -> &str {
    let base = path.rsplit('/').next().unwrap_or(path);
    base.strip_prefix(NON_COORD).unwrap_or(base)
}

/// The paths (without a leading `/`) of the dimension scales attached to
/// each axis of `ds` (`DIMENSION_LIST`); `None` for an axis without one.
/// A coordinate variable is its own dimension.
pub(crate) fn dimension_paths(ds: &Dataset, file: &Location) -> Vec<Option<String>> {
    let none = || vec![None; ds.ndim()];
    let Ok(attr) = ds.attr("DIMENSION_LIST") else {
        // A scale has no list (HDF5 cannot attach scales to a scale):
        // netCDF-C names a multi-dimensional one's dimensions by id.
        let ids = ds.attr("_Netcdf4Coordinates").and_then(|a| a.read_raw::<i32>());
        return match (is_scale(ds), ds.ndim(), ids) {
            (true, 1, _) => vec![Some(ds.name().trim_start_matches('/').to_string())],
            (true, n, Ok(ids)) if ids.len() == n => ids.iter().map(|&id| scale_of_dimid(file, id)).collect(),
            _ => none(),
        };
    };
    let Ok(lists) = attr.read_raw::<VarLenArray<ObjectReference1>>() else { return none() };
    if lists.len() != ds.ndim() {
        return none();
    }
    lists
        .iter()
        .map(|refs| {
            refs.iter().find_map(|r| match r.dereference(file) {
                Ok(ReferencedObject::Dataset(d)) => Some(d.name().trim_start_matches('/').to_string()),
                _ => None,
            })
        })
        .collect()
}

/// The path of the dimension scale netCDF-C numbered `id`
/// (`_Netcdf4Dimid`; the numbers are unique in a file).
fn scale_of_dimid(file: &Location, id: i32) -> Option<String> {
    let mut todo = vec![file.as_group().ok()?];
    while let Some(g) = todo.pop() {
        for ds in g.datasets().ok()? {
            let own = ds.attr("_Netcdf4Dimid").and_then(|a| a.read_raw::<i32>());
            if own.is_ok_and(|v| v == [id]) && is_scale(&ds) {
                return Some(ds.name().trim_start_matches('/').to_string());
            }
        }
        todo.extend(g.groups().ok()?);
    }
    None
}

/// Dimension names as netCDF gives them (the scale's own name, without
/// its group); `dim_k` for an axis without a scale.
pub(crate) fn dimension_names(ds: &Dataset, file: &Location) -> Vec<String> {
    dimension_paths(ds, file)
        .into_iter()
        .enumerate()
        .map(|(k, p)| p.map_or_else(|| format!("dim_{k}"), |p| base_name(&p).to_string()))
        .collect()
}

/// HDF5's registered ids of the plugin filters netCDF-C and h5py write.
const ZSTD: std::ffi::c_int = 32015;
const BZIP2: std::ffi::c_int = 307;
const BLOSC: std::ffi::c_int = 32001;
const LZ4: std::ffi::c_int = 32004;
const LZF: std::ffi::c_int = 32000;
const BITSHUFFLE: std::ffi::c_int = 32008;

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
        Filter::User(id, _) => match *id {
            ZSTD => "zstd".to_string(),
            BZIP2 => "bzip2".to_string(),
            BLOSC => "blosc".to_string(),
            LZ4 => "lz4".to_string(),
            LZF => "lzf".to_string(),
            BITSHUFFLE => "bitshuffle".to_string(),
            id => format!("HDF5 filter {id}"),
        },
        #[allow(unreachable_patterns)]
        _ => "an HDF5 filter".to_string(),
    }
}

/// The codec darray's chunk path decodes a filter with, if it does.
pub(crate) fn codec_of(f: &::hdf5::filters::Filter) -> Option<Codec> {
    use ::hdf5::filters::Filter;
    match f {
        Filter::Deflate(l) => Some(Codec::Deflate(*l)),
        Filter::Shuffle => Some(Codec::Shuffle),
        Filter::User(ZSTD, _) => Some(Codec::Zstd),
        Filter::User(BZIP2, _) => Some(Codec::Bzip2),
        Filter::User(BLOSC, _) => Some(Codec::Blosc),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
