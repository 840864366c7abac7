//! An open Zarr store (v2 or v3) on a local directory: its hierarchy is
//! read once at open (from consolidated metadata where the store has it),
//! arrays are read lazily, a block at a time on the workers.

use super::direct::Direct;
use super::meta::{self, ARRAY_DIMENSIONS};
use super::read::Reader;
use crate::dtype::DType;
use crate::error::{Error, IoError, Result};
use crate::io::{AttrValue, BlockSource, Dataset, ReadOptions, Variable};
use crate::key::TokenHasher;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zarrs::array::{Array, ArrayMetadata};
use zarrs::filesystem::FilesystemStore;
use zarrs::metadata::{GroupMetadata, NodeMetadata};
use zarrs::node::Node;

/// The format's name, in messages and keys.
pub(crate) const FORMAT: &str = "Zarr";

/// An open Zarr store (format v2 or v3) in a local directory, for reading:
/// every array of its hierarchy is a variable (`group/name` below the
/// root), read lazily. Its methods are those of every [`Dataset`] (with
/// [`DatasetExt`](crate::io::DatasetExt)): `array`, `array_decoded`,
/// `time_axis`, ...
///
/// Dimension names come from `dimension_names` (v3) or xarray's
/// `_ARRAY_DIMENSIONS` attribute (v2). The fill value is read as xarray
/// reads it: in v2 the array's `fill_value` is CF's `_FillValue` (values
/// equal to it are missing after `array_decoded`), in v3 only a
/// `_FillValue` attribute is (xarray's encoding of it included). A chunk
/// the store lacks holds the fill value, as Zarr defines.
///
/// ```
/// use darray::io::{zarr, DatasetExt, VarOptions};
/// use darray::DArray;
/// let dir = std::env::temp_dir().join(format!("darray-doc-zarr-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("t.zarr");
/// let mut w = zarr::Writer::create(&path)?;
/// let t = DArray::<f32>::from_fn([4, 3], [2, 3], |i| (i[0] * 3 + i[1]) as f32)?;
/// w.write("t", &t, &VarOptions::default().dims(["time", "x"]))?;
/// w.finish()?;
/// let store = zarr::Store::open(&path)?;
/// assert_eq!(store.variable("t")?.dims, ["time", "x"]);
/// assert_eq!(store.array::<f32>("t")?.sum().compute()?[[]], 66.0);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Store {
    path: PathBuf,
    storage: Arc<FilesystemStore>,
    /// 2 or 3.
    version: u8,
    /// Whether the hierarchy came from consolidated metadata.
    consolidated: bool,
    /// Every array, by its path below the root (no leading `/`).
    arrays: BTreeMap<String, ArrayMetadata>,
    /// Every group below the root.
    groups: Vec<String>,
    /// The root group's attributes.
    attrs: Map<String, Value>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "zarr::Store({}, v{}, {} arrays)", self.path.display(), self.version, self.arrays.len())
    }
}

impl Store {
    /// Opens the store in directory `path`, reading its hierarchy: from
    /// consolidated metadata if it has some (v2's `.zmetadata`, v3's
    /// `consolidated_metadata`), else by listing its directories.
    ///
    /// A missing path is an [`IoError::File`]; a file, or a directory with
    /// no Zarr metadata, an [`IoError::Format`] saying so; metadata that is
    /// not valid JSON or not valid Zarr an [`IoError::Format`] naming the
    /// file.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        let p = path.display().to_string();
        let format = |message: String| -> Error { IoError::Format { format: FORMAT, path: p.clone(), message }.into() };
        let m = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
        if !m.is_dir() {
            return Err(format("not a Zarr store: a file, where a store is a directory".to_string()));
        }
        let storage = Arc::new(FilesystemStore::new(&path).map_err(|e| format(e.to_string()))?);
        let mut store = Store {
            path: path.clone(),
            storage,
            version: 3,
            consolidated: false,
            arrays: BTreeMap::new(),
            groups: vec![],
            attrs: Map::new(),
        };
        if path.join(".zmetadata").is_file() {
            store.read_zmetadata().map_err(|m| format(format!(".zmetadata: {m}")))?;
            return Ok(store);
        }
        let root = Node::open(&store.storage, "/").map_err(|e| match e {
            zarrs::node::NodeCreateError::MissingMetadata(_) => {
                format("no Zarr metadata (zarr.json, .zgroup, .zarray or .zmetadata): not a Zarr store".to_string())
            }
            e => format(format!("reading the hierarchy: {e}")),
        })?;
        store.consolidated = matches!(root.metadata(), NodeMetadata::Group(GroupMetadata::V3(g))
            if g.additional_fields.contains_key("consolidated_metadata"));
        store.walk(&root);
        Ok(store)
    }

    /// Takes in a node and its descendants.
    fn walk(&mut self, node: &Node) {
        let name = node.path().as_str().trim_start_matches('/').to_string();
        match node.metadata() {
            NodeMetadata::Array(a) => {
                self.version = if matches!(a, ArrayMetadata::V2(_)) { 2 } else { 3 };
                self.arrays.insert(name, a.clone());
            }
            NodeMetadata::Group(g) => {
                let (v, attrs) = match g {
                    GroupMetadata::V2(g) => (2, &g.attributes),
                    GroupMetadata::V3(g) => (3, &g.attributes),
                };
                if name.is_empty() {
                    self.version = v;
                    self.attrs = attrs.clone();
                } else {
                    self.groups.push(name);
                }
            }
        }
        for c in node.children() {
            self.walk(c);
        }
    }

    /// Reads v2 consolidated metadata: every `.zarray`, `.zattrs` and
    /// `.zgroup` of the store in one JSON file.
    fn read_zmetadata(&mut self) -> std::result::Result<(), String> {
        let text = std::fs::read(self.path.join(".zmetadata")).map_err(|e| e.to_string())?;
        let doc: Value = serde_json::from_slice(&text).map_err(|e| format!("not JSON: {e}"))?;
        let entries = doc.get("metadata").and_then(Value::as_object).ok_or("no \"metadata\" object")?;
        self.version = 2;
        self.consolidated = true;
        let attrs_of = |prefix: &str| -> Map<String, Value> {
            entries.get(&format!("{prefix}.zattrs")).and_then(Value::as_object).cloned().unwrap_or_default()
        };
        for (key, value) in entries {
            let (prefix, kind) = match key.rsplit_once('/') {
                Some((p, k)) => (format!("{p}/"), k),
                None => (String::new(), key.as_str()),
            };
            let name = prefix.trim_end_matches('/').to_string();
            match kind {
                ".zarray" => {
                    let mut v = value.clone();
                    let obj = v.as_object_mut().ok_or_else(|| format!("{key} is not an object"))?;
                    obj.insert("node_type".into(), "array".into());
                    obj.insert("attributes".into(), Value::Object(attrs_of(&prefix)));
                    let m: zarrs::array::ArrayMetadataV2 =
                        serde_json::from_value(v).map_err(|e| format!("{key}: {e}"))?;
                    self.arrays.insert(name, ArrayMetadata::V2(m));
                }
                ".zgroup" if name.is_empty() => self.attrs = attrs_of(""),
                ".zgroup" => self.groups.push(name),
                _ => {}
            }
        }
        self.groups.sort();
        Ok(())
    }

    /// The store's directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The Zarr format version: 2 or 3.
    pub fn zarr_format(&self) -> u8 {
        self.version
    }

    /// Whether the hierarchy was read from consolidated metadata.
    pub fn is_consolidated(&self) -> bool {
        self.consolidated
    }

    /// The groups below the root, by path (`a`, `a/b`), in name order.
    pub fn groups(&self) -> Vec<String> {
        self.groups.clone()
    }

    fn p(&self) -> String {
        self.path.display().to_string()
    }

    fn meta(&self, name: &str) -> Result<&ArrayMetadata> {
        let name = name.trim_start_matches('/');
        if let Some(m) = self.arrays.get(name) {
            return Ok(m);
        }
        if self.groups.iter().any(|g| g == name) {
            return Err(IoError::NotAVariable { path: self.p(), name: name.into(), kind: "group".into() }.into());
        }
        let available = match self.arrays.len() {
            0 => "no variables".to_string(),
            _ => self.arrays.keys().cloned().collect::<Vec<_>>().join(", "),
        };
        Err(IoError::NotFound { path: self.p(), name: name.to_string(), available }.into())
    }

    fn describe(&self, name: &str, m: &ArrayMetadata) -> Result<Variable> {
        let json = serde_json::to_value(m).unwrap_or_default();
        let usizes = |v: Option<&Value>| -> Option<Vec<usize>> {
            v?.as_array()?.iter().map(|x| x.as_u64().and_then(|n| usize::try_from(n).ok())).collect()
        };
        let shape = usizes(json.get("shape")).ok_or_else(|| {
            Error::from(IoError::Format {
                format: FORMAT,
                path: self.p(),
                message: format!("array {name:?}: a shape past this machine's address space"),
            })
        })?;
        let (type_name, dtype, chunks) = match m {
            ArrayMetadata::V2(_) => {
                let t = json
                    .get("dtype")
                    .map_or_else(String::new, |t| t.as_str().map_or_else(|| t.to_string(), str::to_string));
                let dtype = v2_dtype(&t);
                (dtype.map_or(t, |d| d.name().to_string()), dtype, usizes(json.get("chunks")))
            }
            ArrayMetadata::V3(_) => {
                let t = json.get("data_type").map_or_else(String::new, |t| match t {
                    Value::String(s) => s.clone(),
                    other => other.get("name").and_then(Value::as_str).unwrap_or("?").to_string(),
                });
                let chunks = match json.pointer("/chunk_grid/name").and_then(Value::as_str) {
                    Some("regular") => usizes(json.pointer("/chunk_grid/configuration/chunk_shape")),
                    _ => None,
                };
                (t.clone(), meta::dtype_of(&t), chunks)
            }
        };
        let attrs_json = json.get("attributes").and_then(Value::as_object).cloned().unwrap_or_default();
        let mut attrs = meta::attrs_from_json(&attrs_json);
        match m {
            // xarray's default: v2's fill value is CF's _FillValue.
            ArrayMetadata::V2(_) => {
                if let Some(fill) = json.get("fill_value").and_then(|v| meta::typed_json(v, dtype)) {
                    attrs.insert("_FillValue".into(), fill);
                }
            }
            ArrayMetadata::V3(_) => {
                if let Some(v) = attrs_json.get("_FillValue") {
                    match meta::decode_fill_attr(v, dtype) {
                        Some(a) => attrs.insert("_FillValue".into(), a),
                        None => attrs.remove("_FillValue"),
                    };
                }
            }
        }
        let dims: Vec<Option<String>> = match m {
            ArrayMetadata::V3(_) => json
                .get("dimension_names")
                .and_then(Value::as_array)
                .map(|d| d.iter().map(|x| x.as_str().map(str::to_string)).collect())
                .unwrap_or_default(),
            ArrayMetadata::V2(_) => attrs_json
                .get(ARRAY_DIMENSIONS)
                .and_then(Value::as_array)
                .map(|d| d.iter().map(|x| x.as_str().map(str::to_string)).collect())
                .unwrap_or_default(),
        };
        let dims =
            (0..shape.len()).map(|k| dims.get(k).cloned().flatten().unwrap_or_else(|| format!("dim_{k}"))).collect();
        Ok(Variable {
            name: name.to_string(),
            shape,
            dtype,
            type_name,
            storage_chunks: chunks,
            filters: meta::codecs(&json),
            dims,
            attrs,
        })
    }

    /// Every variable (array), in name order.
    pub fn variables(&self) -> Result<Vec<Variable>> {
        self.arrays.iter().map(|(n, m)| self.describe(n, m)).collect()
    }

    /// What the store says about one array.
    pub fn variable(&self, name: &str) -> Result<Variable> {
        let name = name.trim_start_matches('/');
        self.describe(name, self.meta(name)?)
    }

    /// The root group's attributes.
    pub fn attrs(&self) -> Result<BTreeMap<String, AttrValue>> {
        Ok(meta::attrs_from_json(&self.attrs))
    }

    fn open_array(&self, var: &Variable) -> Result<Arc<Array<FilesystemStore>>> {
        let m = self.meta(&var.name)?.clone();
        let array = Array::new_with_metadata(self.storage.clone(), &format!("/{}", var.name), m).map_err(|e| {
            use zarrs::array::ArrayCreateError as E;
            match e {
                E::CodecsCreateError(e) | E::DataTypeCreateError(e) | E::ChunkGridCreateError(e) => {
                    Error::from(IoError::Unsupported { path: self.p(), name: var.name.clone(), what: e.to_string() })
                }
                E::UnsupportedZarrV2Array(what) => {
                    Error::from(IoError::Unsupported { path: self.p(), name: var.name.clone(), what })
                }
                e => IoError::Format { format: FORMAT, path: self.p(), message: format!("array {:?}: {e}", var.name) }
                    .into(),
            }
        })?;
        Ok(Arc::new(array))
    }
}

/// The element type of a NumPy type string (`<f4`, `>i2`, `|b1`): any
/// byte order, which zarrs converts; the inverse of [`meta::v2_name`].
fn v2_dtype(t: &str) -> Option<DType> {
    let body = t.strip_prefix(['<', '>', '|', '=']).unwrap_or(t);
    DType::ALL.iter().copied().find(|&d| &meta::v2_name(d)[1..] == body)
}

impl Dataset for Store {
    fn format(&self) -> &'static str {
        FORMAT
    }
    fn path(&self) -> &Path {
        &self.path
    }
    fn variables(&self) -> Result<Vec<Variable>> {
        Store::variables(self)
    }
    fn variable(&self, name: &str) -> Result<Variable> {
        Store::variable(self, name)
    }
    fn attrs(&self) -> Result<BTreeMap<String, AttrValue>> {
        Store::attrs(self)
    }
    fn open_variable(&self, var: &Variable, _opts: &ReadOptions) -> Result<BlockSource> {
        let dtype = var.dtype.ok_or_else(|| IoError::Unsupported {
            path: self.p(),
            name: var.name.clone(),
            what: format!("its element type ({})", var.type_name),
        })?;
        let array = self.open_array(var)?;
        let nd = var.shape.len();
        // The unit of storage: one chunk (a whole shard, when sharded).
        let unit = match array.chunk_shape_usize(&vec![0; nd]) {
            Ok(c) => c,
            Err(_) => var.shape.clone(),
        };
        // A chunk is decoded whole: one too large to hold (corrupt
        // metadata, or beyond what a reader should allocate) is refused
        // here, before zarrs' size arithmetic overflows.
        let bytes = unit.iter().try_fold(dtype.size() as u64, |acc, &c| acc.checked_mul(c as u64));
        if bytes.is_none_or(|b| b > MAX_CHUNK_BYTES) {
            return Err(IoError::Corrupt {
                path: self.p(),
                detail: format!(
                    "variable {:?}: chunks of shape {unit:?} are over {MAX_CHUNK_BYTES} bytes each",
                    var.name
                ),
            }
            .into());
        }
        // The token: the store, the array and its metadata (a rewritten
        // store reads as new data).
        let json = serde_json::to_value(self.meta(&var.name)?).unwrap_or_default();
        let dir = self.path.join(&var.name);
        let mut h = TokenHasher::new("zarr");
        h.str(&self.p()).str(&var.name).str(&json.to_string());
        if let Ok(m) = std::fs::metadata(&dir).and_then(|m| m.modified()) {
            h.str(&format!("{m:?}"));
        }
        let direct = Direct::plan(&json, dtype, &dir);
        let reader = Reader { path: self.p(), name: var.name.clone(), dtype, array, direct };
        Ok(BlockSource { reader: Arc::new(reader), unit, token: h.finish() })
    }
}

/// The most bytes of one storage chunk (a shard, when sharded) darray
/// decodes.
const MAX_CHUNK_BYTES: u64 = 1 << 32;

#[cfg(test)]
mod tests {
    use super::v2_dtype;
    use crate::dtype::DType;

    #[test]
    fn numpy_type_strings() {
        assert_eq!(v2_dtype("<f4"), Some(DType::F32));
        assert_eq!(v2_dtype(">i2"), Some(DType::I16));
        assert_eq!(v2_dtype("|b1"), Some(DType::Bool));
        assert_eq!(v2_dtype("<c8"), None);
        assert_eq!(v2_dtype("<U5"), None);
    }
}
