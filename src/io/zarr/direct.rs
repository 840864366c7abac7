//! darray's own read of a whole Zarr chunk, for the common layout (a
//! regular grid, little-endian values in C order, blosc or no
//! compression, no filters): the chunk file is read and blosc decompresses
//! straight into the block's buffer. zarrs' path decodes into a zeroed
//! buffer and copies it into the block; on a blosc-zstd store that fill
//! and copy were about a seventh of the read (BENCHMARKS.md, Z1). Any
//! other layout, a block that is not one whole chunk, or a chunk the store
//! lacks (the fill value) goes through zarrs.

use crate::dtype::{DType, Element};
use crate::error::{IoError, Result};
use crate::io::codec::blosc_decompress_uninit;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// How to find and decode a chunk of one array.
#[derive(Debug, Clone)]
pub(crate) struct Direct {
    /// The array's directory.
    dir: PathBuf,
    /// The regular chunk shape.
    chunk: Vec<usize>,
    /// Blosc-compressed (else stored raw).
    blosc: bool,
    /// The chunk key: `c/0/1` (v3's default) or `0.1` (v2's).
    prefix: &'static str,
    separator: String,
}

impl Direct {
    /// The plan for an array of `dtype` from its metadata (as JSON), if its
    /// layout is one this path reads; `None` leaves it to zarrs.
    pub(crate) fn plan(meta: &Value, dtype: DType, dir: &Path) -> Option<Direct> {
        // Any bit pattern must be a value of the type (not bool), and
        // Zarr's little-endian values this machine's.
        if dtype == DType::Bool || cfg!(target_endian = "big") {
            return None;
        }
        let little = |ty: &str| ty.starts_with('<') || (ty.starts_with('|') && dtype.size() == 1);
        let chunks = |v: &Value| -> Option<Vec<usize>> {
            v.as_array()?.iter().map(|n| n.as_u64().and_then(|n| usize::try_from(n).ok())).collect()
        };
        let (chunk, blosc, prefix, separator) = match meta.get("zarr_format")?.as_u64()? {
            2 => {
                let plain = meta.get("filters").is_none_or(Value::is_null)
                    && meta.get("order").and_then(Value::as_str) == Some("C")
                    && little(meta.get("dtype")?.as_str()?);
                if !plain {
                    return None;
                }
                let blosc = match meta.get("compressor") {
                    None | Some(Value::Null) => false,
                    Some(c) if c.get("id").and_then(Value::as_str) == Some("blosc") => true,
                    _ => return None,
                };
                let sep = meta.get("dimension_separator").and_then(Value::as_str).unwrap_or(".");
                (chunks(meta.get("chunks")?)?, blosc, "", sep.to_string())
            }
            3 => {
                let grid = meta.get("chunk_grid")?;
                if grid.get("name")?.as_str()? != "regular"
                    || meta.get("storage_transformers").is_some_and(|t| t.as_array().is_none_or(|a| !a.is_empty()))
                {
                    return None;
                }
                let chunk = chunks(grid.get("configuration")?.get("chunk_shape")?)?;
                let enc = meta.get("chunk_key_encoding")?;
                let sep = enc.get("configuration").and_then(|c| c.get("separator")).and_then(Value::as_str);
                let (prefix, sep) = match enc.get("name")?.as_str()? {
                    "default" => ("c", sep.unwrap_or("/")),
                    "v2" => ("", sep.unwrap_or(".")),
                    _ => return None,
                };
                let name = |c: &Value| c.as_str().or_else(|| c.get("name")?.as_str()).map(str::to_string);
                let codecs = meta.get("codecs")?.as_array()?;
                let blosc = match codecs.as_slice() {
                    [b] if name(b)?.as_str() == "bytes" => (b, false),
                    [b, z] if name(b)?.as_str() == "bytes" && name(z)?.as_str() == "blosc" => (b, true),
                    _ => return None,
                };
                let (bytes, blosc) = blosc;
                let endian = bytes.get("configuration").and_then(|k| k.get("endian")).and_then(Value::as_str);
                let ok = match endian {
                    Some(e) => e == "little",
                    None => dtype.size() == 1,
                };
                if !ok {
                    return None;
                }
                (chunk, blosc, prefix, sep.to_string())
            }
            _ => return None,
        };
        Some(Direct { dir: dir.to_path_buf(), chunk, blosc, prefix, separator })
    }

    /// The chunk `offset`/`shape` is exactly, if it is one whole chunk.
    pub(crate) fn whole_chunk(&self, offset: &[usize], shape: &[usize]) -> Option<Vec<usize>> {
        let whole =
            shape == self.chunk.as_slice() && offset.iter().zip(&self.chunk).all(|(&o, &c)| c > 0 && o % c == 0);
        whole.then(|| offset.iter().zip(&self.chunk).map(|(&o, &c)| o / c).collect())
    }

    /// The chunk's file.
    pub(crate) fn file(&self, idx: &[usize]) -> PathBuf {
        let parts: Vec<String> = idx.iter().map(usize::to_string).collect();
        let key = match (self.prefix, parts.is_empty()) {
            ("", true) => "0".to_string(),
            ("", false) => parts.join(&self.separator),
            (p, true) => p.to_string(),
            (p, false) => format!("{p}{}{}", self.separator, parts.join(&self.separator)),
        };
        self.dir.join(key)
    }

    /// The chunk at `idx` decoded, or `None` when the store lacks it
    /// (then it is the fill value, which zarrs' path gives).
    pub(crate) fn read<T: Element>(&self, idx: &[usize], path: &str, name: &str) -> Result<Option<Vec<T>>> {
        let file = self.file(idx);
        let bytes = match std::fs::read(&file) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(IoError::File { path: path.to_string(), message: format!("{}: {e}", file.display()) }.into())
            }
        };
        let n: usize = self.chunk.iter().product();
        let len = n * T::DTYPE.size();
        let corrupt = |why: String| IoError::Corrupt {
            path: path.to_string(),
            detail: format!("variable {name:?}, chunk {idx:?} (file {}): {why}", file.display()),
        };
        let mut out: Vec<T> = Vec::with_capacity(n);
        if self.blosc {
            // SAFETY: the spare capacity is `n` elements, `len` bytes.
            let room = unsafe { std::slice::from_raw_parts_mut(out.as_mut_ptr().cast(), len) };
            blosc_decompress_uninit(&bytes, room).map_err(|e| corrupt(e.to_string()))?;
        } else {
            if bytes.len() != len {
                return Err(corrupt(format!("{} bytes where the chunk holds {len}", bytes.len())).into());
            }
            // SAFETY: `out` has room for `n` elements of `len` bytes.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), out.as_mut_ptr().cast::<u8>(), len) };
        }
        // SAFETY: all `len` bytes were written, and every bit pattern is a
        // value of T (numbers only: `plan` leaves bool to zarrs), in this
        // machine's byte order (`plan` checks).
        unsafe { out.set_len(n) };
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::Direct;
    use crate::dtype::DType;
    use serde_json::json;
    use std::path::Path;

    #[test]
    fn layouts_read_directly_and_their_chunk_files() {
        let dir = Path::new("s/x");
        let v2 = json!({"zarr_format": 2, "shape": [10, 6], "chunks": [4, 3], "dtype": "<f4", "order": "C",
            "filters": null, "compressor": {"id": "blosc", "cname": "lz4"}, "dimension_separator": "."});
        let d = Direct::plan(&v2, DType::F32, dir).unwrap();
        assert_eq!(d.file(&[2, 1]), dir.join("2.1"));
        assert_eq!(d.whole_chunk(&[4, 3], &[4, 3]), Some(vec![1, 1]));
        assert_eq!(d.whole_chunk(&[8, 3], &[2, 3]), None, "an edge block is not a whole chunk");
        assert_eq!(d.whole_chunk(&[2, 0], &[4, 3]), None, "nor one across chunks");
        // Other layouts are left to zarrs.
        for (k, v) in [
            ("dtype", json!(">f4")),
            ("order", json!("F")),
            ("filters", json!([{"id": "delta"}])),
            ("compressor", json!({"id": "zstd"})),
        ] {
            let mut m = v2.clone();
            m[k] = v;
            assert!(Direct::plan(&m, DType::F32, dir).is_none(), "{k}");
        }
        assert!(Direct::plan(&v2, DType::Bool, dir).is_none());
        let v3 = json!({"zarr_format": 3, "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [5]}},
            "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
            "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}]});
        let d = Direct::plan(&v3, DType::F64, dir).unwrap();
        assert_eq!(d.file(&[3]), dir.join("c/3"));
        let mut sharded = v3.clone();
        sharded["codecs"] = json!([{"name": "sharding_indexed"}]);
        assert!(Direct::plan(&sharded, DType::F64, dir).is_none());
        let mut big = v3.clone();
        big["codecs"][0]["configuration"]["endian"] = json!("big");
        assert!(Direct::plan(&big, DType::F64, dir).is_none());
        let scalar = json!({"zarr_format": 2, "chunks": [], "dtype": "<i8", "order": "C", "compressor": null});
        assert_eq!(Direct::plan(&scalar, DType::I64, dir).unwrap().file(&[]), dir.join("0"));
    }
}
