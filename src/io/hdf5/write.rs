//! Writing arrays to a new HDF5 / NetCDF4 file. Each block is computed,
//! shuffled and deflated on the worker thread that made it; only the raw
//! chunk write takes the HDF5 lock. The file is written under a temporary
//! name and appears under its own only when `finish` succeeds.

use super::filters::{deflate, shuffle};
use super::{h5err, AttrValue};
use crate::array::DArray;
use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::exec::ExecStats;
use crate::run::Config;
use ::hdf5::types::{FloatSize, IntSize, TypeDescriptor};
use ::hdf5::{Dataset, Location};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// How to store one variable.
#[derive(Debug, Clone)]
pub struct VarOptions {
    chunks: Option<Vec<usize>>,
    deflate: Option<u8>,
    shuffle: bool,
    dims: Vec<String>,
    attrs: BTreeMap<String, AttrValue>,
}

impl Default for VarOptions {
    /// The array's own chunk shape, deflate level 4 with shuffle (what
    /// NetCDF4 archives commonly use), no dimension names, no attributes.
    fn default() -> Self {
        VarOptions { chunks: None, deflate: Some(4), shuffle: true, dims: vec![], attrs: BTreeMap::new() }
    }
}

impl VarOptions {
    /// The storage chunk shape (the array is rechunked to it if needed).
    pub fn chunks(mut self, chunks: impl Into<Vec<usize>>) -> Self {
        self.chunks = Some(chunks.into());
        self
    }
    /// Deflate level 0-9, or `None` for no compression.
    pub fn deflate(mut self, level: Option<u8>) -> Self {
        self.deflate = level;
        self
    }
    /// Byte shuffle before deflating (helps numeric data compress).
    pub fn shuffle(mut self, on: bool) -> Self {
        self.shuffle = on;
        self
    }
    /// Dimension names, one per axis. A variable of that name already in
    /// the file becomes the dimension scale, so write coordinate variables
    /// before the variables that use them; otherwise a NetCDF4-style
    /// dimension without values is made (and that name is then taken).
    pub fn dims<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.dims = names.into_iter().map(Into::into).collect();
        self
    }
    /// An attribute. `_FillValue` and `missing_value` are stored in the
    /// variable's own element type, as CF requires.
    pub fn attr(mut self, name: &str, value: impl Into<AttrValue>) -> Self {
        self.attrs.insert(name.to_string(), value.into());
        self
    }
    /// Several attributes (say, those of a variable being transformed).
    pub fn attrs(mut self, attrs: &BTreeMap<String, AttrValue>) -> Self {
        self.attrs.extend(attrs.iter().map(|(k, v)| (k.clone(), v.clone())));
        self
    }
}

/// A new file being written.
///
/// The file is written under a temporary name beside the final one
/// (`.NAME.partial-PID-N-TIME`, unique within and across processes) and
/// renamed to its final name by [`finish`](Writer::finish). So:
///
/// - Dropped without `finish` (an error, a panic), a writer removes its
///   temporary file: nothing appears under the final name.
/// - A writer whose [`write`](Writer::write) or
///   [`file_attr`](Writer::file_attr) returned an error (a task that
///   failed or panicked part way, a name already taken, bad options) is
///   poisoned: later writes are refused, and `finish` returns an
///   [`Error::Io`] naming the first failure, removes the temporary file and
///   publishes nothing. A published file holds everything the program
///   asked to write.
/// - Several writers of one path (in one process or several) never share a
///   temporary file; each `finish` atomically replaces whatever is under the
///   final name, so the writer that finishes last wins, whole (readers see
///   one complete file or the other, never a mix).
pub struct Writer {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<::hdf5::File>,
    cfg: Config,
    /// The first error a write returned, if any: the writer cannot finish.
    failed: Option<String>,
    /// Dimensions made without values (names then taken), for messages.
    dims_made: BTreeSet<String>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Writer({})", self.path.display())
    }
}

fn descriptor(t: DType) -> TypeDescriptor {
    match t {
        DType::Bool => TypeDescriptor::Boolean,
        DType::I8 => TypeDescriptor::Integer(IntSize::U1),
        DType::I16 => TypeDescriptor::Integer(IntSize::U2),
        DType::I32 => TypeDescriptor::Integer(IntSize::U4),
        DType::I64 => TypeDescriptor::Integer(IntSize::U8),
        DType::U8 => TypeDescriptor::Unsigned(IntSize::U1),
        DType::U16 => TypeDescriptor::Unsigned(IntSize::U2),
        DType::U32 => TypeDescriptor::Unsigned(IntSize::U4),
        DType::U64 => TypeDescriptor::Unsigned(IntSize::U8),
        DType::F32 => TypeDescriptor::Float(FloatSize::U4),
        DType::F64 => TypeDescriptor::Float(FloatSize::U8),
    }
}

/// Native-endian bytes of values in C order (the file types are native).
fn bytes_of<T: Element>(v: ndarray::ArrayViewD<'_, T>) -> Vec<u8> {
    let n = v.len() * std::mem::size_of::<T>();
    let mut out = Vec::with_capacity(n);
    let std = v.as_standard_layout();
    let s = std.as_slice().expect("standard layout");
    // SAFETY: `T` is a plain numeric type (or bool) without padding; its
    // bytes are read, never reinterpreted as another type.
    out.extend_from_slice(unsafe { std::slice::from_raw_parts(s.as_ptr().cast::<u8>(), n) });
    out
}

impl Writer {
    /// Starts a new file at `path` (written under a temporary name beside
    /// it, created exclusively: an existing file is never reused).
    pub fn create(path: impl AsRef<Path>) -> Result<Writer> {
        let path = path.as_ref().to_path_buf();
        let tmp = crate::io::temp_name(&path);
        let file = ::hdf5::File::create_excl(&tmp).map_err(h5err(&path.display().to_string()))?;
        super::close_on_exec(&file);
        Ok(Writer { path, tmp, file: Some(file), cfg: Config::default(), failed: None, dims_made: BTreeSet::new() })
    }

    /// The configuration computations run with (threads, progress bar).
    pub fn config(mut self, cfg: Config) -> Self {
        self.cfg = cfg;
        self
    }

    fn p(&self) -> String {
        self.path.display().to_string()
    }

    fn file(&self) -> &::hdf5::File {
        self.file.as_ref().expect("open until finished")
    }

    /// The error for a call on a writer that already failed.
    fn refuse(&self, what: &str) -> Option<Error> {
        self.failed.as_ref().map(|first| Error::Io {
            path: self.p(),
            message: format!("{what}: an earlier write to this file failed ({first}); the file is not written"),
        })
    }

    /// Runs one write step; any error poisons the writer, and so does a
    /// panic that unwinds through it (the step is marked failed until it
    /// returns `Ok`).
    fn guarded<R>(&mut self, what: &str, step: impl FnOnce(&mut Writer) -> Result<R>) -> Result<R> {
        if let Some(e) = self.refuse(what) {
            return Err(e);
        }
        self.failed = Some(format!("{what}: interrupted by a panic"));
        let res = step(self);
        self.failed = res.as_ref().err().map(|e| format!("{what}: {e}"));
        res
    }

    /// An attribute of the file itself (the root group). An error poisons
    /// the writer, as for [`write`](Writer::write).
    pub fn file_attr(&mut self, name: &str, value: impl Into<AttrValue>) -> Result<()> {
        let value = value.into();
        self.guarded(&format!("file attribute {name:?}"), |w| {
            write_attr(w.file(), name, &value, None).map_err(h5err(&w.p()))
        })
    }

    /// Computes `x` and stores it as variable `name`, chunk by chunk: memory
    /// stays bounded by the blocks in flight, and blocks are compressed in
    /// parallel on the workers.
    ///
    /// Each name is written once: a name already in the file (a variable, a
    /// group, or a dimension made without values for an earlier variable)
    /// is an [`Error::Invalid`] naming it, found before anything is written.
    /// Any error poisons the writer: [`finish`](Writer::finish) will refuse.
    pub fn write<T: Element>(&mut self, name: &str, x: &DArray<T>, opts: &VarOptions) -> Result<ExecStats> {
        self.guarded(&format!("writing {name:?}"), |w| w.write_var(name, x, opts))
    }

    /// Checks that `name` can be made, before anything is written; returns
    /// it without empty parts (`/a//b` is `a/b`).
    fn check_name(&self, name: &str) -> Result<String> {
        let parts: Vec<&str> = name.split('/').filter(|g| !g.is_empty()).collect();
        if parts.is_empty() {
            return Err(Error::Invalid(format!("{name:?} is not a variable name")));
        }
        let full = parts.join("/");
        let f = self.file();
        for k in 1..parts.len() {
            let g = parts[..k].join("/");
            if f.link_exists(&g) && f.group(&g).is_err() {
                return Err(Error::Invalid(format!(
                    "cannot write variable {full:?} to {}: {g:?} is a variable, not a group",
                    self.p()
                )));
            }
        }
        if f.link_exists(&full) {
            let what = if self.dims_made.contains(&full) {
                "a dimension without values, made for an earlier variable (write coordinate variables \
                 before the variables that use them)"
            } else if f.group(&full).is_ok() {
                "a group"
            } else {
                "a variable"
            };
            return Err(Error::Invalid(format!(
                "variable {full:?} is already in {} (as {what}): each name is written once",
                self.p()
            )));
        }
        Ok(full)
    }

    /// Checks the dimension names against what the file has, before
    /// anything is written.
    fn check_dims(&self, name: &str, dims: &[String], shape: &[usize]) -> Result<()> {
        let f = self.file();
        for (d, &n) in dims.iter().zip(shape) {
            let bad = |why: String| Error::Invalid(format!("dimension {d:?} of variable {name:?}: {why}"));
            if d.contains('\0') || d.split('/').all(str::is_empty) {
                return Err(bad("not a dimension name".to_string()));
            }
            if d.trim_matches('/') == name {
                continue; // a coordinate variable: its own dimension
            }
            if f.link_exists(d) {
                match f.dataset(d) {
                    Ok(s) if s.shape() == [n] => {}
                    Ok(s) => return Err(bad(format!("it exists with shape {:?}, not [{n}]", s.shape()))),
                    Err(_) => return Err(bad("the name is a group, not a variable".to_string())),
                }
            }
        }
        Ok(())
    }

    fn write_var<T: Element>(&mut self, name: &str, x: &DArray<T>, opts: &VarOptions) -> Result<ExecStats> {
        let x = x.clone().validate()?;
        let p = self.p();
        let nd = x.ndim();
        if !opts.dims.is_empty() && opts.dims.len() != nd {
            return Err(Error::Invalid(format!("{} dimension names for a {nd}-d array", opts.dims.len())));
        }
        let name = self.check_name(name)?;
        let name = name.as_str();
        self.check_dims(name, &opts.dims, x.shape())?;
        let chunk: Vec<usize> = match &opts.chunks {
            Some(c) if c.len() != nd || c.contains(&0) => {
                return Err(Error::Chunks(format!("storage chunks {c:?} for an array of shape {:?}", x.shape())))
            }
            Some(c) => c.clone(),
            None => x.chunks().iter().map(|l| l.first().copied().unwrap_or(1)).collect(),
        };
        // HDF5 wants chunks within the (fixed) shape.
        let chunk: Vec<usize> = chunk.iter().zip(x.shape()).map(|(&c, &n)| c.min(n).max(1)).collect();
        let empty = x.shape().contains(&0);
        // Blocks must be whole storage chunks (edge chunks may be short).
        let regular = x
            .chunks()
            .iter()
            .zip(&chunk)
            .all(|(l, &c)| l.iter().rev().skip(1).all(|&b| b == c) && l.last().is_none_or(|&b| b <= c));
        let x = if regular { x } else { x.rechunk(chunk.clone()) };
        // Parent groups of a path like "group/var" are made as needed.
        let mut parent = String::new();
        for g in name.split('/').filter(|g| !g.is_empty()).rev().skip(1).collect::<Vec<_>>().into_iter().rev() {
            parent = if parent.is_empty() { g.to_string() } else { format!("{parent}/{g}") };
            if self.file().group(&parent).is_err() {
                self.file().create_group(&parent).map_err(h5err(&p))?;
            }
        }
        let mut b = self.file().new_dataset_builder().empty_as(descriptor(T::DTYPE));
        if nd > 0 && !empty {
            b = b.chunk(chunk.clone());
            if opts.shuffle {
                b = b.shuffle();
            }
            if let Some(l) = opts.deflate {
                b = b.deflate(l);
            }
        }
        let ds = b.shape(x.shape()).create(name).map_err(h5err(&p))?;
        let stats = if empty {
            ExecStats::default()
        } else if nd == 0 {
            let v = x.compute()?;
            let t = ds.dtype().map_err(h5err(&p))?;
            let bytes = bytes_of(v.view());
            let status = ::hdf5::sync::sync(|| unsafe {
                hdf5_sys::h5d::H5Dwrite(
                    ds.id(),
                    t.id(),
                    hdf5_sys::h5s::H5S_ALL,
                    hdf5_sys::h5s::H5S_ALL,
                    hdf5_sys::h5p::H5P_DEFAULT,
                    bytes.as_ptr().cast(),
                )
            });
            if status < 0 {
                return Err(Error::Hdf5 { path: p, message: format!("writing {name:?} failed") });
            }
            ExecStats::default()
        } else {
            let (deflate_level, shuf) = (opts.deflate, opts.shuffle);
            x.for_each_block_with(&self.cfg, |_, offset, block| {
                // Edge blocks are stored as whole chunks, padded.
                let data = if block.shape() == &chunk[..] {
                    bytes_of(block)
                } else {
                    let mut full = ndarray::ArrayD::<T>::default(chunk.clone());
                    let win: Vec<ndarray::SliceInfoElem> =
                        block.shape().iter().map(|&n| ndarray::Slice::from(0..n).into()).collect();
                    full.slice_mut(win.as_slice()).assign(&block);
                    bytes_of(full.view())
                };
                let data = if shuf { shuffle(&data, std::mem::size_of::<T>()) } else { data };
                let data = match deflate_level {
                    Some(l) => deflate(&data, l),
                    None => data,
                };
                let off: Vec<u64> = offset.iter().map(|&o| o as u64).collect();
                let status = ::hdf5::sync::sync(|| unsafe {
                    hdf5_sys::h5d::H5Dwrite_chunk(
                        ds.id(),
                        hdf5_sys::h5p::H5P_DEFAULT,
                        0,
                        off.as_ptr(),
                        data.len(),
                        data.as_ptr().cast(),
                    )
                });
                if status < 0 {
                    return Err(Error::Hdf5 {
                        path: p.clone(),
                        message: format!("writing a chunk of {name:?} failed"),
                    });
                }
                Ok(())
            })?
        };
        for (k, v) in &opts.attrs {
            let own = matches!(k.as_str(), "_FillValue" | "missing_value").then_some(T::DTYPE);
            write_attr(&ds, k, v, own).map_err(h5err(&p))?;
        }
        if !opts.dims.is_empty() {
            self.attach_dims(&ds, &opts.dims, x.shape()).map_err(h5err(&p))?;
        }
        Ok(stats)
    }

    /// Makes (or reuses) a dimension scale per axis and attaches it with the
    /// HDF5 dimension-scale API, which is what netCDF-C reads dimensions
    /// from. A dimension without a coordinate variable is a scale named as
    /// netCDF names such dimensions.
    fn attach_dims(&mut self, ds: &Dataset, dims: &[String], shape: &[usize]) -> ::hdf5::Result<()> {
        for (k, (d, &n)) in dims.iter().zip(shape).enumerate() {
            let f = self.file();
            let (scale, name) = match f.dataset(d) {
                Ok(s) if s.shape() == [n] => (s, d.clone()),
                Ok(_) => return Err(format!("dimension {d:?} exists with another length than {n}").into()),
                Err(_) => {
                    let s = f.new_dataset::<f32>().shape([n]).create(d.as_str())?;
                    self.dims_made.insert(d.trim_matches('/').to_string());
                    (s, format!("This is a netCDF dimension but not a netCDF variable. {n:>10}"))
                }
            };
            let name = std::ffi::CString::new(name).map_err(|_| "a dimension name with a nul byte")?;
            let status = ::hdf5::sync::sync(|| unsafe {
                let is_scale = ds_api::H5DSis_scale(scale.id());
                let set = if is_scale > 0 { 0 } else { ds_api::H5DSset_scale(scale.id(), name.as_ptr()) };
                // A coordinate variable is its own dimension: a scale, not
                // attached to itself.
                if set < 0 || scale.name() == ds.name() {
                    set
                } else {
                    ds_api::H5DSattach_scale(ds.id(), scale.id(), k as std::ffi::c_uint)
                }
            });
            if status < 0 {
                return Err(format!("cannot attach dimension {d:?}").into());
            }
        }
        Ok(())
    }

    /// Closes the file and moves it to its final name (replacing any file
    /// there: of several writers of one path, the last to finish wins).
    ///
    /// A writer that saw an error refuses: an [`Error::Io`] naming the
    /// first failure, the temporary file removed, nothing published.
    pub fn finish(mut self) -> Result<()> {
        let f = self.file.take().expect("open until finished");
        if let Some(e) = self.refuse("not finished") {
            let _ = f.close();
            let _ = std::fs::remove_file(&self.tmp);
            return Err(e);
        }
        let closed = f.flush().and_then(|()| f.close()).map_err(h5err(&self.p()));
        // On disk before it takes the final name (as `write_atomic` does).
        let done = closed.and_then(|()| {
            std::fs::File::open(&self.tmp)
                .and_then(|t| t.sync_all())
                .and_then(|()| std::fs::rename(&self.tmp, &self.path))
                .map_err(|e| Error::io(&self.path, e))
        });
        if done.is_err() {
            let _ = std::fs::remove_file(&self.tmp);
        }
        done
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if let Some(f) = self.file.take() {
            let _ = f.close();
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// The HDF5 dimension-scale API (the `hl` library, built with HDF5).
mod ds_api {
    use hdf5_sys::h5::herr_t;
    use hdf5_sys::h5i::hid_t;
    extern "C" {
        pub fn H5DSset_scale(dsid: hid_t, dimname: *const std::ffi::c_char) -> herr_t;
        pub fn H5DSattach_scale(did: hid_t, dsid: hid_t, idx: std::ffi::c_uint) -> herr_t;
        pub fn H5DSis_scale(did: hid_t) -> hdf5_sys::h5::htri_t;
    }
}

/// Writes one attribute: strings as fixed-length ASCII (what NetCDF4
/// writes), numbers as 1-d arrays, in `own` type when given.
fn write_attr(obj: &Location, name: &str, v: &AttrValue, own: Option<DType>) -> ::hdf5::Result<()> {
    if obj.attr(name).is_ok() {
        obj.delete_attr(name)?;
    }
    match v {
        AttrValue::Str(s) => {
            let bytes = s.as_bytes();
            let a = obj.new_attr_builder().empty_as(TypeDescriptor::FixedAscii(bytes.len().max(1))).create(name)?;
            let t = a.dtype()?;
            let mut buf = bytes.to_vec();
            buf.resize(bytes.len().max(1), 0);
            let status = ::hdf5::sync::sync(|| unsafe { hdf5_sys::h5a::H5Awrite(a.id(), t.id(), buf.as_ptr().cast()) });
            if status < 0 {
                return Err(format!("cannot write attribute {name:?}").into());
            }
            Ok(())
        }
        AttrValue::Other(d) => Err(format!("cannot write attribute {name:?} of type {d}").into()),
        num => {
            let vals = num.as_f64s().unwrap_or_default();
            macro_rules! put {
                ($t:ty) => {{
                    let v: Vec<$t> = match num {
                        AttrValue::Int(x) => x.iter().map(|&x| x as $t).collect(),
                        AttrValue::UInt(x) => x.iter().map(|&x| x as $t).collect(),
                        _ => vals.iter().map(|&x| x as $t).collect(),
                    };
                    obj.new_attr::<$t>().shape([v.len()]).create(name)?.write_raw(&v)
                }};
            }
            let t = own.unwrap_or(match num {
                AttrValue::Int(_) => DType::I64,
                AttrValue::UInt(_) => DType::U64,
                _ => DType::F64,
            });
            match t {
                DType::Bool | DType::I8 => put!(i8),
                DType::I16 => put!(i16),
                DType::I32 => put!(i32),
                DType::I64 => put!(i64),
                DType::U8 => put!(u8),
                DType::U16 => put!(u16),
                DType::U32 => put!(u32),
                DType::U64 => put!(u64),
                DType::F32 => put!(f32),
                DType::F64 => put!(f64),
            }
        }
    }
}
