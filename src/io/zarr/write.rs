//! Writing a Zarr store: each worker encodes and writes the chunk files of
//! the blocks it computes (through zarrs); the metadata is written last,
//! each array's once its chunks are, the groups' and the consolidated
//! metadata at close, all inside the temporary directory
//! [`Writer`](crate::io::Writer) renames into place.

use super::meta::{self, Fill, ARRAY_DIMENSIONS};
use super::store::FORMAT;
use crate::dtype::{DType, Element};
use crate::error::{Error, IoError, Result};
use crate::io::{AttrValue, BloscShuffle, Codec, DatasetWriter, VarOptions, VarSpec, VarWriter};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zarrs::array::{Array, ArrayBytes, ArrayMetadata, CodecOptions};
use zarrs::filesystem::FilesystemStore;

/// A Zarr store being written, format version `V` (2 or 3): what
/// [`zarr::Writer`](super::Writer) and [`zarr::WriterV2`](super::WriterV2)
/// drive.
pub struct StoreWriter<const V: u8> {
    root: PathBuf,
    path: PathBuf,
    storage: Arc<FilesystemStore>,
    arrays: BTreeSet<String>,
    attrs: Map<String, Value>,
}

impl<const V: u8> std::fmt::Debug for StoreWriter<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "zarr::StoreWriter(v{V}, {})", self.path.display())
    }
}

/// Writes the chunks of one array.
pub struct ArrayWriter {
    array: Array<FilesystemStore>,
    /// Its metadata, written once its chunks are.
    meta: Value,
    name: String,
    path: String,
    chunk: Vec<usize>,
    fill: f64,
    options: CodecOptions,
}

impl<const V: u8> StoreWriter<V> {
    fn p(&self) -> String {
        self.path.display().to_string()
    }

    fn format_error(&self, message: String) -> Error {
        IoError::Format { format: FORMAT, path: self.p(), message }.into()
    }

    /// Checks a new array's name: Zarr node names (no empty, `.` or `..`
    /// parts, none starting `__`), not taken, not inside an array and not
    /// the parent of one.
    fn check_name(&self, name: &str) -> Result<()> {
        let bad = |why: &str| Err(Error::Invalid(format!("Zarr array name {name:?}: {why}")));
        if name.is_empty() || name.starts_with('/') || name.ends_with('/') {
            return bad("give a path below the root, `name` or `group/name`");
        }
        if name
            .split('/')
            .any(|p| p.is_empty() || p.starts_with('.') || p.starts_with("__") || p == "zarr.json" || p.contains('\\'))
        {
            return bad("its parts must be non-empty, not start with `.` or `__` (Zarr's metadata files), not be `zarr.json`, and have no `\\`");
        }
        if self.arrays.contains(name) {
            return bad("already written to this store");
        }
        if let Some(a) = self.arrays.iter().find(|a| name.starts_with(&format!("{a}/"))) {
            return bad(&format!("it would be inside the array {a:?}"));
        }
        if let Some(a) = self.arrays.iter().find(|a| a.starts_with(&format!("{name}/"))) {
            return bad(&format!("it is the group of the array {a:?}"));
        }
        Ok(())
    }

    /// The groups the arrays are in (the root `""` first).
    fn groups(&self) -> BTreeSet<String> {
        let mut g = BTreeSet::from([String::new()]);
        for a in &self.arrays {
            let mut at = a.as_str();
            while let Some((parent, _)) = at.rsplit_once('/') {
                g.insert(parent.to_string());
                at = parent;
            }
        }
        g
    }

    fn write_json(&self, key: &str, v: &Value) -> Result<()> {
        let file = self.root.join(key);
        let text = serde_json::to_vec_pretty(v).map_err(|e| self.format_error(e.to_string()))?;
        std::fs::write(&file, text).map_err(|e| Error::io(&file, e))
    }

    fn read_json(&self, key: &str) -> Result<Option<Value>> {
        let file = self.root.join(key);
        match std::fs::read(&file) {
            Ok(b) => serde_json::from_slice(&b).map(Some).map_err(|e| self.format_error(format!("{key}: {e}"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(&file, e)),
        }
    }

    /// The groups' metadata, then the consolidated metadata of the whole
    /// store (what zarr-python and xarray read at open, so nothing is
    /// listed).
    fn write_groups_and_consolidate(&self) -> Result<()> {
        let key = |dir: &str, file: &str| if dir.is_empty() { file.to_string() } else { format!("{dir}/{file}") };
        let groups = self.groups();
        for g in &groups {
            std::fs::create_dir_all(self.root.join(g)).map_err(|e| Error::io(&self.root.join(g), e))?;
            let attrs = if g.is_empty() { self.attrs.clone() } else { Map::new() };
            if V == 2 {
                self.write_json(&key(g, ".zgroup"), &json!({"zarr_format": 2}))?;
                if !attrs.is_empty() {
                    self.write_json(&key(g, ".zattrs"), &Value::Object(attrs))?;
                }
            } else if !g.is_empty() {
                self.write_json(
                    &key(g, "zarr.json"),
                    &json!({"zarr_format": 3, "node_type": "group", "attributes": attrs}),
                )?;
            }
        }
        let mut all = Map::new();
        let nodes = groups.iter().chain(&self.arrays);
        if V == 2 {
            for n in nodes {
                for f in [".zgroup", ".zarray", ".zattrs"] {
                    if let Some(v) = self.read_json(&key(n, f))? {
                        all.insert(key(n, f), v);
                    }
                }
            }
            self.write_json(".zmetadata", &json!({"metadata": all, "zarr_consolidated_format": 1}))
        } else {
            for n in nodes.filter(|n| !n.is_empty()) {
                if let Some(v) = self.read_json(&key(n, "zarr.json"))? {
                    all.insert(n.clone(), v);
                }
            }
            let root = json!({
                "zarr_format": 3,
                "node_type": "group",
                "attributes": self.attrs,
                "consolidated_metadata": {"kind": "inline", "must_understand": false, "metadata": all},
            });
            self.write_json("zarr.json", &root)
        }
    }

    /// The array's metadata, as JSON of version `V`.
    fn metadata(&self, spec: &VarSpec<'_>, opts: &VarOptions, fill: Option<Fill>) -> Value {
        let size = spec.dtype.size();
        let mut attrs: Map<String, Value> = opts
            .attrs
            .iter()
            .filter(|(k, _)| k.as_str() != "_FillValue" && k.as_str() != ARRAY_DIMENSIONS)
            .map(|(k, v)| (k.clone(), meta::attr_to_json(v)))
            .collect();
        let float = matches!(spec.dtype, DType::F32 | DType::F64);
        let level = opts.deflate.map(|l| l.min(9));
        // Without names, the ones the reader gives (`dim_k`): xarray opens
        // no array without them.
        let dims: Vec<String> = if opts.dims.is_empty() {
            (0..spec.shape.len()).map(|k| format!("dim_{k}")).collect()
        } else {
            opts.dims.clone()
        };
        if V == 2 {
            attrs.insert(ARRAY_DIMENSIONS.into(), json!(dims));
            let compressor = match (opts.codec, level, opts.shuffle) {
                (Some(Codec::Zstd { level }), ..) => json!({"id": "zstd", "level": level}),
                (Some(Codec::Blosc { cname, clevel, shuffle }), ..) => {
                    let s = match shuffle {
                        BloscShuffle::No => 0,
                        BloscShuffle::Byte => 1,
                        BloscShuffle::Bit => 2,
                    };
                    json!({"id": "blosc", "cname": cname.name(), "clevel": clevel.min(9), "shuffle": s, "blocksize": 0})
                }
                (None, None, _) => Value::Null,
                (None, Some(l), false) => json!({"id": "zlib", "level": l}),
                (None, Some(l), true) => {
                    json!({"id": "blosc", "cname": "zlib", "clevel": l, "shuffle": 1, "blocksize": 0})
                }
            };
            // v2's fill value is CF's _FillValue (xarray): none unless asked
            // for, NaN for floats (already missing).
            let fill_value = match fill {
                Some(f) => f.json(spec.dtype),
                None if float => json!("NaN"),
                None => Value::Null,
            };
            json!({
                "zarr_format": 2,
                "node_type": "array",
                "shape": spec.shape,
                "chunks": spec.chunks,
                "dtype": meta::v2_name(spec.dtype),
                "compressor": compressor,
                "fill_value": fill_value,
                "order": "C",
                "filters": null,
                "dimension_separator": ".",
                "attributes": attrs,
            })
        } else {
            if let Some(f) = &fill {
                attrs.insert("_FillValue".into(), meta::encode_fill_attr(f, spec.dtype));
            }
            let mut codecs = vec![if size > 1 {
                json!({"name": "bytes", "configuration": {"endian": "little"}})
            } else {
                json!({"name": "bytes"})
            }];
            match (opts.codec, level, opts.shuffle) {
                (Some(Codec::Zstd { level }), ..) => {
                    codecs.push(json!({"name": "zstd", "configuration": {"level": level, "checksum": false}}))
                }
                (Some(Codec::Blosc { cname, clevel, shuffle }), ..) => {
                    let s = match shuffle {
                        BloscShuffle::No => "noshuffle",
                        BloscShuffle::Byte => "shuffle",
                        BloscShuffle::Bit => "bitshuffle",
                    };
                    codecs.push(json!({"name": "blosc", "configuration":
                        {"cname": cname.name(), "clevel": clevel.min(9), "shuffle": s, "typesize": size, "blocksize": 0}}))
                }
                (None, None, _) => {}
                (None, Some(l), false) => codecs.push(json!({"name": "gzip", "configuration": {"level": l}})),
                (None, Some(l), true) => codecs.push(json!({"name": "blosc", "configuration":
                    {"cname": "zlib", "clevel": l, "shuffle": "shuffle", "typesize": size, "blocksize": 0}})),
            }
            let default = if float {
                Fill::Float(f64::NAN)
            } else if spec.dtype == DType::Bool {
                Fill::Float(0.0)
            } else {
                Fill::Int(0)
            };
            let fill_value = fill.unwrap_or(default).json(spec.dtype);
            let mut m = json!({
                "zarr_format": 3,
                "node_type": "array",
                "shape": spec.shape,
                "data_type": spec.dtype.name(),
                "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": spec.chunks}},
                "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
                "fill_value": fill_value,
                "codecs": codecs,
                "attributes": attrs,
            });
            m["dimension_names"] = json!(dims);
            m
        }
    }
}

impl<const V: u8> DatasetWriter for StoreWriter<V> {
    type Var = ArrayWriter;
    const FORMAT: &'static str = FORMAT;

    fn create(tmp: &Path, path: &Path) -> Result<Self> {
        std::fs::create_dir(tmp).map_err(|e| Error::io(path, e))?;
        let storage = FilesystemStore::new(tmp).map_err(|e| IoError::Format {
            format: FORMAT,
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        Ok(StoreWriter {
            root: tmp.to_path_buf(),
            path: path.to_path_buf(),
            storage: Arc::new(storage),
            arrays: BTreeSet::new(),
            attrs: Map::new(),
        })
    }

    fn file_attr(&mut self, name: &str, value: &AttrValue) -> Result<()> {
        self.attrs.insert(name.to_string(), meta::attr_to_json(value));
        Ok(())
    }

    fn define(&mut self, spec: &VarSpec<'_>, opts: &VarOptions) -> Result<ArrayWriter> {
        self.check_name(spec.name)?;
        let fill = match opts.attrs.get("_FillValue") {
            None => None,
            // The fill value must be a value of the element type.
            Some(a) => Some(Fill::of(a, spec.dtype).ok_or_else(|| {
                Error::Invalid(format!("variable {:?}: _FillValue {a} is not a {} value", spec.name, spec.dtype.name()))
            })?),
        };
        let m = self.metadata(spec, opts, fill);
        let meta = m.clone();
        let m: ArrayMetadata =
            serde_json::from_value(m).map_err(|e| self.format_error(format!("array {:?}: {e}", spec.name)))?;
        let array = Array::new_with_metadata(self.storage.clone(), &format!("/{}", spec.name), m)
            .map_err(|e| self.format_error(format!("array {:?}: {e}", spec.name)))?;
        self.arrays.insert(spec.name.to_string());
        let float = matches!(spec.dtype, DType::F32 | DType::F64);
        // A v2 integer array without a fill value has none: every chunk is
        // written, as readers may not take a missing one for zeros.
        let store_empty = V == 2 && fill.is_none() && !float;
        Ok(ArrayWriter {
            array,
            meta,
            name: spec.name.to_string(),
            path: self.p(),
            chunk: spec.chunks.to_vec(),
            fill: fill.map_or(if float { f64::NAN } else { 0.0 }, |f| f.as_f64()),
            // Blocks are encoded one per worker: no nested parallelism.
            options: CodecOptions::default().with_concurrent_target(1).with_store_empty_chunks(store_empty),
        })
    }

    /// Writes the array's metadata as built (not through zarrs, which
    /// abbreviates codecs zarr-python does not read and adds its own
    /// attribute).
    fn end_var(&mut self, var: ArrayWriter, _spec: &VarSpec<'_>, _opts: &VarOptions) -> Result<()> {
        let dir = self.root.join(&var.name);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let mut m = var.meta;
        if V == 2 {
            let attrs = m.as_object_mut().and_then(|o| {
                o.remove("node_type");
                o.remove("attributes")
            });
            self.write_json(&format!("{}/.zarray", var.name), &m)?;
            match attrs {
                Some(Value::Object(a)) if !a.is_empty() => {
                    self.write_json(&format!("{}/.zattrs", var.name), &Value::Object(a))
                }
                _ => Ok(()),
            }
        } else {
            self.write_json(&format!("{}/zarr.json", var.name), &m)
        }
    }

    fn close(self) -> Result<()> {
        self.write_groups_and_consolidate()?;
        sync_tree(&self.root)
    }
}

/// Syncs every file and directory under `dir` (the directory itself is
/// synced by the publish).
fn sync_tree(dir: &Path) -> Result<()> {
    for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let p = e.map_err(|e| Error::io(dir, e))?.path();
        if p.is_dir() {
            sync_tree(&p)?;
        }
        std::fs::File::open(&p).and_then(|f| f.sync_all()).map_err(|e| Error::io(&p, e))?;
    }
    Ok(())
}

impl VarWriter for ArrayWriter {
    fn write_block<T: Element>(&self, offset: &[usize], block: ndarray::ArrayViewD<'_, T>) -> Result<()> {
        let idx: Vec<u64> = offset.iter().zip(&self.chunk).map(|(&o, &c)| (o / c) as u64).collect();
        // Zarr chunks are whole at the array's edges too: pad with the
        // fill value.
        let owned;
        let data: &[T] = match block.as_slice() {
            Some(s) if block.shape() == self.chunk.as_slice() => s,
            _ => {
                let mut full = ndarray::ArrayD::from_elem(self.chunk.clone(), T::el_from_f64(self.fill));
                let region: Vec<ndarray::SliceInfoElem> =
                    block.shape().iter().map(|&n| ndarray::SliceInfoElem::from(0..n)).collect();
                full.slice_mut(region.as_slice()).assign(&block);
                owned = full;
                owned.as_slice().expect("a new array is contiguous")
            }
        };
        // SAFETY: numeric and bool elements are plain bytes with no
        // padding; the slice is borrowed for the call only.
        let bytes = unsafe { std::slice::from_raw_parts(data.as_ptr().cast::<u8>(), std::mem::size_of_val(data)) };
        self.array.store_chunk_opt(&idx, ArrayBytes::new_flen(bytes), &self.options).map_err(|e| {
            IoError::File { path: self.path.clone(), message: format!("variable {:?}, chunk {idx:?}: {e}", self.name) }
                .into()
        })
    }
}
