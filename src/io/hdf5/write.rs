//! Writing arrays to a new HDF5 / NetCDF4 file, as the format side of the
//! atomic [`io::Writer`](crate::io::Writer). Each block is shuffled and
//! deflated on the worker thread that computed it; only the raw chunk write
//! takes the HDF5 lock. Chunks reach the file in grid order (so reading it
//! back is sequential), through a small reorder buffer: a chunk that comes
//! early waits for its turn, at most `MAX_PENDING` of them
//! (`MAX_PENDING_BYTES`); past that the lowest is written out of turn (by
//! the worker that passed the bound), so memory stays bounded and no
//! worker ever waits for another's chunk.

use super::common::{close_on_exec, h5err, FORMAT};
use crate::dtype::{DType, Element};
use crate::error::{Error, IoError, Result};
use crate::io::codec::{bytes_of, deflate_into, native_bytes, shuffle_into, DeflateImpl};
use crate::io::AttrValue;
use crate::io::{DatasetWriter, VarOptions, VarSpec, VarWriter};
use ::hdf5::types::TypeDescriptor;
use ::hdf5::{Dataset, Location};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// Most compressed chunks waiting for their turn, and their most bytes.
const MAX_PENDING: usize = 16;
const MAX_PENDING_BYTES: usize = 64 << 20;

thread_local! {
    /// A worker's shuffle buffer, reused from chunk to chunk.
    static SHUFFLED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The HDF5 side of a [`Writer`](super::Writer): an HDF5 file being
/// written at its temporary name.
pub struct H5Writer {
    /// The final path, for messages.
    path: String,
    file: ::hdf5::File,
    /// Dimensions made without values (names then taken), for messages.
    dims_made: BTreeSet<String>,
}

/// Stores the blocks of one variable of an [`H5Writer`] as raw chunks.
pub struct H5Var {
    path: String,
    name: String,
    ds: Dataset,
    chunk: Vec<usize>,
    /// Chunks along each axis.
    grid: Vec<usize>,
    deflate: Option<u8>,
    shuffle: bool,
    deflate_impl: DeflateImpl,
    order: Mutex<Commit>,
}

/// The reorder buffer between the workers and the file.
#[derive(Default)]
struct Commit {
    /// The first chunk (row-major in the grid) not yet written.
    next: usize,
    /// Chunks written, by grid position (some out of turn).
    written: Vec<bool>,
    /// Stored bytes waiting for their turn, with their offsets.
    pending: BTreeMap<usize, (Vec<u64>, Vec<u8>)>,
    pending_bytes: usize,
    /// A worker is writing pending chunks (the others only queue theirs).
    writing: bool,
    /// Buffers of chunks written, for the next chunks' stored bytes.
    spare: Vec<Vec<u8>>,
}

/// A chunk taken from the buffer to be written: grid position, offset,
/// stored bytes.
type Due = (usize, Vec<u64>, Vec<u8>);

impl Commit {
    fn push(&mut self, flat: usize, off: Vec<u64>, stored: Vec<u8>) {
        // What a buffer holds is its capacity (libdeflate's output buffer
        // is sized for the worst case).
        self.pending_bytes += stored.capacity();
        self.pending.insert(flat, (off, stored));
    }

    fn over(&self) -> bool {
        self.pending.len() > MAX_PENDING || self.pending_bytes > MAX_PENDING_BYTES
    }

    fn take(&mut self, k: usize) -> Due {
        let (off, stored) = self.pending.remove(&k).expect("taken chunks are waiting");
        self.pending_bytes -= stored.capacity();
        self.written[k] = true;
        (k, off, stored)
    }

    /// The chunk whose turn it is, if waiting; else, past the bounds or
    /// with `all`, the lowest waiting.
    fn take_due(&mut self, all: bool) -> Option<Due> {
        while self.written.get(self.next) == Some(&true) {
            self.next += 1;
        }
        let k = if self.pending.contains_key(&self.next) {
            self.next
        } else if self.over() || all {
            *self.pending.keys().next()?
        } else {
            return None;
        };
        Some(self.take(k))
    }

    /// The lowest waiting chunk while past the bounds.
    fn take_over(&mut self) -> Option<Due> {
        let k = *self.pending.keys().next().filter(|_| self.over())?;
        Some(self.take(k))
    }

    /// A written chunk's buffer, kept for the next chunk.
    fn give_back(&mut self, stored: Vec<u8>) {
        if self.spare.len() < MAX_PENDING {
            self.spare.push(stored);
        }
    }
}

fn descriptor(t: DType) -> TypeDescriptor {
    crate::with_dtype!(t, T => <T as ::hdf5::H5Type>::type_descriptor())
}

impl DatasetWriter for H5Writer {
    type Var = H5Var;
    const FORMAT: &'static str = FORMAT;

    fn create(tmp: &Path, path: &Path) -> Result<H5Writer> {
        let path = path.display().to_string();
        let file = ::hdf5::File::create_excl(tmp).map_err(h5err(&path))?;
        close_on_exec(&file);
        Ok(H5Writer { path, file, dims_made: BTreeSet::new() })
    }

    fn file_attr(&mut self, name: &str, value: &AttrValue) -> Result<()> {
        write_attr(&self.file, name, value, None).map_err(h5err(&self.path))
    }

    fn define(&mut self, var: &VarSpec<'_>, opts: &VarOptions) -> Result<H5Var> {
        let name = self.check_name(var.name)?;
        if let Some(c) = &opts.codec {
            // HDF5 readers need a filter plugin for these; this writer
            // deflates.
            return Err(IoError::Unsupported {
                path: self.path.clone(),
                name,
                what: format!("writing with {c:?} (the HDF5 writer compresses with deflate)"),
            }
            .into());
        }
        self.check_dims(&name, &opts.dims, var.shape)?;
        let p = &self.path;
        // Parent groups of a path like "group/var" are made as needed.
        let mut parent = String::new();
        for g in name.split('/').rev().skip(1).collect::<Vec<_>>().into_iter().rev() {
            parent = if parent.is_empty() { g.to_string() } else { format!("{parent}/{g}") };
            if self.file.group(&parent).is_err() {
                self.file.create_group(&parent).map_err(h5err(p))?;
            }
        }
        let mut b = self.file.new_dataset_builder().empty_as(descriptor(var.dtype));
        if !var.shape.is_empty() && !var.shape.contains(&0) {
            b = b.chunk(var.chunks.to_vec());
            if opts.shuffle {
                b = b.shuffle();
            }
            if let Some(l) = opts.deflate {
                b = b.deflate(l);
            }
        }
        let ds = b.shape(var.shape).create(stored_name(&name, &opts.dims).as_str()).map_err(h5err(p))?;
        let grid: Vec<usize> = var.shape.iter().zip(var.chunks).map(|(&n, &c)| n.div_ceil(c.max(1))).collect();
        let order = Commit { written: vec![false; grid.iter().product()], ..Commit::default() };
        Ok(H5Var {
            path: p.clone(),
            name,
            ds,
            chunk: var.chunks.to_vec(),
            grid,
            deflate: opts.deflate,
            shuffle: opts.shuffle,
            deflate_impl: opts.deflate_impl,
            order: Mutex::new(order),
        })
    }

    fn end_var(&mut self, var: H5Var, spec: &VarSpec<'_>, opts: &VarOptions) -> Result<()> {
        var.flush()?;
        let p = self.path.clone();
        for (k, v) in &opts.attrs {
            let own = matches!(k.as_str(), "_FillValue" | "missing_value").then_some(spec.dtype);
            write_attr(&var.ds, k, v, own).map_err(h5err(&p))?;
        }
        if !opts.dims.is_empty() {
            self.attach_dims(&var.ds, &opts.dims, spec.shape).map_err(h5err(&p))?;
        }
        Ok(())
    }

    fn close(self) -> Result<()> {
        let H5Writer { path, file, .. } = self;
        file.flush().and_then(|()| file.close()).map_err(h5err(&path))
    }

    fn abort(self) {
        let _ = self.file.close();
    }
}

impl VarWriter for H5Var {
    fn write_block<T: Element>(&self, offset: &[usize], block: ndarray::ArrayViewD<'_, T>) -> Result<()> {
        if offset.is_empty() {
            // A 0-d variable: not chunked, one value.
            let t = self.ds.dtype().map_err(h5err(&self.path))?;
            let bytes = native_bytes(block);
            let status = ::hdf5::sync::sync(|| unsafe {
                hdf5_sys::h5d::H5Dwrite(
                    self.ds.id(),
                    t.id(),
                    hdf5_sys::h5s::H5S_ALL,
                    hdf5_sys::h5s::H5S_ALL,
                    hdf5_sys::h5p::H5P_DEFAULT,
                    bytes.as_ptr().cast(),
                )
            });
            return if status < 0 { Err(self.failed(format!("writing {:?} failed", self.name))) } else { Ok(()) };
        }
        let chunk = &self.chunk;
        let size = std::mem::size_of::<T>();
        // Edge blocks are stored as whole chunks, padded; a whole block in
        // standard layout is read in place.
        let padded;
        let raw: &[u8] = match block.as_slice() {
            Some(v) if block.shape() == &chunk[..] => bytes_of(v),
            _ => {
                let mut full = ndarray::ArrayD::<T>::default(chunk.clone());
                let win: Vec<ndarray::SliceInfoElem> =
                    block.shape().iter().map(|&n| ndarray::Slice::from(0..n).into()).collect();
                full.slice_mut(win.as_slice()).assign(&block);
                padded = full;
                bytes_of(padded.as_slice().expect("a new array is in standard layout"))
            }
        };
        let mut stored = self.lock().spare.pop().unwrap_or_default();
        SHUFFLED.with(|buf| {
            let mut buf = buf.borrow_mut();
            let raw = if self.shuffle && size > 1 {
                buf.resize(raw.len(), 0);
                shuffle_into(raw, size, &mut buf);
                &buf[..]
            } else {
                raw
            };
            match self.deflate {
                Some(l) => deflate_into(raw, l, &mut stored, self.deflate_impl),
                None => {
                    stored.clear();
                    stored.extend_from_slice(raw);
                }
            }
        });
        let at: Vec<usize> = offset.iter().zip(chunk).map(|(&o, &c)| o / c).collect();
        let flat = at.iter().zip(&self.grid).fold(0, |acc, (&i, &g)| acc * g + i);
        self.commit(flat, offset.iter().map(|&o| o as u64).collect(), stored)
    }
}

impl H5Var {
    fn lock(&self) -> MutexGuard<'_, Commit> {
        self.order.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues a chunk's stored bytes, and writes what is due unless another
    /// worker already is: the chunks in turn, and the lowest waiting ones
    /// while the buffer is over its bounds.
    fn commit(&self, flat: usize, off: Vec<u64>, stored: Vec<u8>) -> Result<()> {
        let mut c = self.lock();
        c.push(flat, off, stored);
        if !c.writing {
            c.writing = true;
            return self.drain(c, false);
        }
        // Another worker is writing; past the bounds, this one writes the
        // lowest waiting chunks out of turn itself (never waiting for the
        // other), so the buffer stays bounded however slow the file is.
        while let Some((_, off, stored)) = c.take_over() {
            drop(c);
            let res = self.write_chunk(&off, &stored);
            c = self.lock();
            c.give_back(stored);
            res?;
        }
        Ok(())
    }

    /// Writes every chunk still waiting (after the last block).
    fn flush(&self) -> Result<()> {
        let mut c = self.lock();
        if c.writing {
            // Only a panic inside a chunk write leaves this set.
            return Err(self.failed(format!("a write of {:?} was interrupted", self.name)));
        }
        c.writing = true;
        self.drain(c, true)
    }

    /// Writes due chunks until none is; `all`: every waiting one.
    fn drain<'a>(&'a self, mut c: MutexGuard<'a, Commit>, all: bool) -> Result<()> {
        loop {
            let Some((_, off, stored)) = c.take_due(all) else {
                c.writing = false;
                return Ok(());
            };
            drop(c);
            let res = self.write_chunk(&off, &stored);
            c = self.lock();
            c.give_back(stored);
            if res.is_err() {
                c.writing = false;
                return res;
            }
        }
    }

    /// Stores one chunk's bytes as they are (the HDF5 lock is held only
    /// here).
    fn write_chunk(&self, off: &[u64], stored: &[u8]) -> Result<()> {
        let status = ::hdf5::sync::sync(|| unsafe {
            hdf5_sys::h5d::H5Dwrite_chunk(
                self.ds.id(),
                hdf5_sys::h5p::H5P_DEFAULT,
                0,
                off.as_ptr(),
                stored.len(),
                stored.as_ptr().cast(),
            )
        });
        if status < 0 {
            return Err(self.failed(format!("writing a chunk of {:?} failed", self.name)));
        }
        Ok(())
    }

    /// The error for a write of this variable that failed.
    fn failed(&self, message: String) -> Error {
        IoError::Format { format: FORMAT, path: self.path.clone(), message }.into()
    }
}

impl H5Writer {
    fn p(&self) -> String {
        self.path.clone()
    }

    fn file(&self) -> &::hdf5::File {
        &self.file
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
            if d.trim_matches('/') == name && dims.len() == 1 {
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
}

/// The HDF5 name of variable `name`: its own, but for a variable named
/// like one of its dimensions that it is not the coordinate variable of (a
/// 2-d `station(station, strlen)`), which netCDF-C stores under a prefix
/// so that the name stays the dimension's.
fn stored_name(name: &str, dims: &[String]) -> String {
    let (group, base) = name.rsplit_once('/').map_or(("", name), |(g, b)| (g, b));
    let coordinate = dims.len() == 1 && dims[0].trim_matches('/') == name;
    if coordinate || !dims.iter().any(|d| d.trim_matches('/') == name) {
        return name.to_string();
    }
    let prefixed = format!("{}{base}", super::meta::NON_COORD);
    if group.is_empty() {
        prefixed
    } else {
        format!("{group}/{prefixed}")
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
            // In the variable's own type where CF asks for it, else in the
            // attribute's (a float32 scale factor stays float32).
            let t = own.or(num.dtype()).ok_or_else(|| format!("cannot write attribute {name:?}"))?;
            macro_rules! put {
                ($t:ty) => {{
                    let v: Vec<$t> = num.values_as::<$t>().unwrap_or_default();
                    obj.new_attr::<$t>().shape([v.len()]).create(name)?.write_raw(&v)
                }};
            }
            // A bool variable's `_FillValue` is stored as int8 (HDF5 has
            // no boolean attribute type of its own).
            crate::with_numeric!(t, T => put!(T), bool => put!(i8))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Commit, MAX_PENDING};

    fn commit(n: usize) -> Commit {
        Commit { written: vec![false; n], ..Commit::default() }
    }

    /// Chunks arriving in any order leave in grid order while few wait.
    #[test]
    fn chunks_leave_in_grid_order() {
        let n = 12;
        let mut c = commit(n);
        let mut out = vec![];
        // Arrivals: 3, 1, 0, 2, then the rest backwards.
        for k in [3, 1, 0, 2].into_iter().chain((4..n).rev()) {
            c.push(k, vec![k as u64], vec![k as u8]);
            while let Some((k, ..)) = c.take_due(false) {
                out.push(k);
            }
        }
        assert_eq!(out, (0..n).collect::<Vec<_>>());
        assert!(c.pending.is_empty() && c.pending_bytes == 0);
    }

    /// Past the bound, the lowest waiting chunk goes out of turn: never
    /// more than `MAX_PENDING` wait, and each chunk leaves once.
    #[test]
    fn the_buffer_stays_bounded() {
        let n = 3 * MAX_PENDING;
        let mut c = commit(n);
        let mut out = vec![];
        // Chunk 0 comes last: everything else is early.
        for k in (1..n).chain([0]) {
            c.push(k, vec![], Vec::with_capacity(10));
            while let Some((k, ..)) = c.take_over() {
                out.push(k);
            }
            assert!(c.pending.len() <= MAX_PENDING);
        }
        while let Some((k, ..)) = c.take_due(true) {
            out.push(k);
        }
        let mut sorted = out.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..n).collect::<Vec<_>>());
        // The out-of-turn ones left lowest first.
        assert_eq!(out[0], 1);
        assert!(c.written.iter().all(|&w| w) && c.pending_bytes == 0);
    }
}
