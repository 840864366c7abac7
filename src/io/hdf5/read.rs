//! Reading blocks of a variable. Chunked variables with filters we run
//! ourselves are read on the worker thread: the block's storage chunks are
//! found in the chunk index (listed once, at open), their bytes read with
//! positional reads, then inflated and un-shuffled outside the HDF5 lock.
//! Anything else (contiguous storage, other filters) goes through the
//! library's hyperslab read, under its lock. Both give the same values.

use super::common::h5err;
use crate::dtype::{AnyArray, DType, Element};
use crate::error::{Error, IoError, Result};
use crate::io::codec::{decode_elements, unshuffle_into, Codec, DeflateImpl};
use crate::ops::BlockReader;
use ::hdf5::{Dataset, Hyperslab, Selection, SliceOrIndex};
use ndarray::IxDyn;
use std::collections::HashMap;
use std::os::unix::fs::FileExt;

thread_local! {
    static SCRATCH: std::cell::RefCell<(Vec<u8>, Vec<u8>)> = const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// Most scratch bytes a worker keeps between chunks.
const MAX_SCRATCH: usize = 256 << 20;

/// Where one stored chunk is.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ChunkLoc {
    addr: u64,
    size: u64,
    /// Bit `k` set: pipeline step `k` was skipped for this chunk.
    mask: u32,
}

/// Most bytes of one chunk: HDF5 stores a chunk's size in 32 bits.
const MAX_CHUNK_BYTES: u64 = u32::MAX as u64;

/// The chunk layout and index of a chunked variable.
pub(crate) struct ChunkIndex {
    pub chunk: Vec<usize>,
    grid: Vec<usize>,
    /// By row-major position in the chunk grid; absent where nothing was
    /// written. (A map, not a vector over the grid: a grid may be huge and
    /// nearly empty.)
    locs: HashMap<usize, ChunkLoc>,
}

impl ChunkIndex {
    /// Lists every stored chunk with one chunk-visit call (one call per
    /// chunk would be quadratic in the number of chunks). A layout or an
    /// entry that cannot be right (a zero chunk extent, a chunk above
    /// HDF5's 4 GiB, a chunk outside the variable or not on the chunk grid,
    /// two entries for one chunk) is `IoError::Corrupt`.
    pub(crate) fn read(
        ds: &Dataset,
        shape: &[usize],
        chunk: Vec<usize>,
        itemsize: usize,
        path: &str,
    ) -> Result<ChunkIndex> {
        let corrupt = |detail: String| -> Error { IoError::Corrupt { path: path.to_string(), detail }.into() };
        let bytes = chunk.iter().try_fold(itemsize as u64, |acc, &c| acc.checked_mul(c as u64));
        if chunk.len() != shape.len() || chunk.contains(&0) || bytes.is_none_or(|b| b > MAX_CHUNK_BYTES) {
            return Err(corrupt(format!(
                "storage chunks {chunk:?} of {itemsize}-byte values for shape {shape:?} are not a chunk layout"
            )));
        }
        let grid: Vec<usize> = shape.iter().zip(&chunk).map(|(&s, &c)| s.div_ceil(c)).collect();
        if grid.iter().try_fold(1usize, |acc, &g| acc.checked_mul(g)).is_none() {
            return Err(corrupt(format!("shape {shape:?} in chunks {chunk:?} has too many chunks to index")));
        }
        let mut locs = HashMap::new();
        let mut bad = None;
        ds.chunks_visit(|info| {
            let mut flat = 0usize;
            let mut problem = (info.offset.len() != chunk.len()).then_some("has another number of dimensions");
            for ((&o, &c), &g) in info.offset.iter().zip(&chunk).zip(&grid) {
                let i = usize::try_from(o / c as u64).unwrap_or(usize::MAX);
                if i >= g {
                    problem = Some("lies outside the variable");
                } else if o % c as u64 != 0 {
                    problem = Some("is not on the chunk grid");
                }
                flat = flat.wrapping_mul(g).wrapping_add(i);
            }
            let loc = ChunkLoc { addr: info.addr, size: info.size, mask: info.filter_mask };
            if problem.is_none() && locs.insert(flat, loc).is_some() {
                problem = Some("is listed twice");
            }
            match problem {
                Some(p) => {
                    bad = Some(format!("the stored chunk at {:?} {p}", info.offset));
                    -1
                }
                None => 0,
            }
        })
        .map_err(|e| match bad.take() {
            Some(d) => corrupt(d),
            None => h5err(path)(e),
        })?;
        Ok(ChunkIndex { chunk, grid, locs })
    }
}

/// Our own read path: positional reads, then the filters (codecs) in
/// reverse.
pub(crate) struct ChunkPath {
    pub index: ChunkIndex,
    pub codecs: Vec<Codec>,
    /// The file, read at the chunk index's addresses (absolute: the chunk
    /// iterator of HDF5 >= 1.14.4 includes any user block).
    pub file: std::fs::File,
    /// Its length when opened: no chunk lies past it.
    pub file_len: u64,
    /// The fill value (0-d), for chunks never written.
    pub fill: AnyArray,
    /// What inflates the chunks.
    pub inflate: DeflateImpl,
}

/// How a variable's blocks are read.
pub(crate) enum Path {
    Chunks(Box<ChunkPath>),
    /// The library's hyperslab read.
    Library,
}

/// Reads blocks of one variable.
pub(crate) struct Reader {
    pub path: String,
    pub name: String,
    pub dtype: DType,
    pub big_endian: bool,
    pub ds: Dataset,
    pub how: Path,
}

impl BlockReader for Reader {
    fn read(&self, offset: &[usize], shape: &[usize]) -> Result<AnyArray> {
        match &self.how {
            Path::Chunks(c) => self.read_chunks(c, offset, shape),
            Path::Library => self.read_library(offset, shape),
        }
    }
}

impl Reader {
    fn corrupt(&self, detail: String) -> Error {
        IoError::Corrupt { path: self.path.clone(), detail: format!("variable {:?}: {detail}", self.name) }.into()
    }

    /// Assembles the block from the stored chunks it overlaps.
    fn read_chunks(&self, cp: &ChunkPath, offset: &[usize], shape: &[usize]) -> Result<AnyArray> {
        let index = &cp.index;
        let nd = shape.len();
        let c = &index.chunk;
        if shape.contains(&0) {
            return Ok(AnyArray::default_of(self.dtype, shape));
        }
        let lo: Vec<usize> = (0..nd).map(|a| offset[a] / c[a]).collect();
        let hi: Vec<usize> = (0..nd).map(|a| (offset[a] + shape[a] - 1) / c[a]).collect();
        let mut out: Option<AnyArray> = None;
        let mut ci = lo.clone();
        loop {
            let flat = ci.iter().zip(&index.grid).fold(0, |acc, (&i, &g)| acc * g + i);
            let start: Vec<usize> = (0..nd).map(|a| ci[a] * c[a]).collect();
            // The window of this chunk inside the block.
            let w_lo: Vec<usize> = (0..nd).map(|a| offset[a].max(start[a])).collect();
            let w_hi: Vec<usize> = (0..nd).map(|a| (offset[a] + shape[a]).min(start[a] + c[a])).collect();
            let w_shape: Vec<usize> = (0..nd).map(|a| w_hi[a] - w_lo[a]).collect();
            // The chunk's values and where the window starts in them; a
            // chunk never written is the fill value, as much as the window
            // needs.
            let (piece, src) = match index.locs.get(&flat) {
                Some(&loc) => (self.decode(cp, loc, c, &ci)?, (0..nd).map(|a| w_lo[a] - start[a]).collect()),
                None => (AnyArray::filled(&cp.fill, &w_shape), vec![0; nd]),
            };
            if w_shape == shape && piece.shape() == shape {
                return Ok(piece); // the block is exactly this piece
            }
            let dst: Vec<usize> = (0..nd).map(|a| w_lo[a] - offset[a]).collect();
            out.get_or_insert_with(|| AnyArray::default_of(self.dtype, shape))
                .assign_window(&dst, &piece, &src, &w_shape);
            if !next_chunk(&mut ci, &lo, &hi) {
                return Ok(out.expect("at least one chunk"));
            }
        }
    }

    /// Reads, decompresses and un-shuffles one stored chunk. What the index
    /// says is checked before it is used: the stored bytes must lie in the
    /// file, and unfiltered bytes must be the chunk's size.
    fn decode(&self, cp: &ChunkPath, loc: ChunkLoc, chunk: &[usize], at: &[usize]) -> Result<AnyArray> {
        let size = self.dtype.size();
        // Below 4 GiB: checked when the index was read.
        let len = chunk.iter().product::<usize>() * size;
        // Steps run last to first; a shuffle that comes last is undone
        // while converting.
        let active: Vec<(usize, Codec)> =
            cp.codecs.iter().copied().enumerate().filter(|&(k, _)| k >= 32 || loc.mask & (1 << k) == 0).collect();
        let shuffled = matches!(active.first(), Some((_, Codec::Shuffle)));
        let compressed = active.iter().any(|(_, s)| s.compresses());
        let end = loc.addr.checked_add(loc.size);
        if end.is_none_or(|e| e > cp.file_len) {
            return Err(self.corrupt(format!(
                "chunk {at:?} ({} bytes at {}) lies past the end of the file ({} bytes)",
                loc.size, loc.addr, cp.file_len
            )));
        }
        if !compressed && loc.size != len as u64 {
            return Err(self.corrupt(format!("chunk {at:?} is stored in {} bytes, not {len}", loc.size)));
        }
        // Two buffers per worker, reused from chunk to chunk: the stored
        // bytes and each filter step's output alternate between them.
        let (mut cur, mut spare) = SCRATCH.with(|s| std::mem::take(&mut *s.borrow_mut()));
        cur.resize(loc.size as usize, 0);
        cp.file.read_exact_at(&mut cur, loc.addr).map_err(|e| {
            self.corrupt(format!("chunk {at:?} ({} bytes at {}) cannot be read: {e}", loc.size, loc.addr))
        })?;
        for (_, step) in active.iter().skip(usize::from(shuffled)).rev() {
            match step {
                Codec::Shuffle => {
                    spare.resize(cur.len(), 0);
                    unshuffle_into(&cur, size, &mut spare);
                }
                c => c
                    .decompress_into(&cur, len, &mut spare, cp.inflate)
                    .map_err(|e| self.corrupt(format!("chunk {at:?}: {e}")))?,
            }
            std::mem::swap(&mut cur, &mut spare);
        }
        if cur.len() != len {
            return Err(self.corrupt(format!("chunk {at:?} holds {} bytes, not {len}", cur.len())));
        }
        let out = decode_elements(self.dtype, &cur, chunk, self.big_endian, shuffled);
        if cur.capacity() + spare.capacity() <= MAX_SCRATCH {
            SCRATCH.with(|s| *s.borrow_mut() = (cur, spare));
        }
        Ok(out)
    }

    /// The block through the library (under its lock).
    fn read_library(&self, offset: &[usize], shape: &[usize]) -> Result<AnyArray> {
        if shape.contains(&0) {
            return Ok(AnyArray::default_of(self.dtype, shape));
        }
        let sel: Vec<SliceOrIndex> = offset.iter().zip(shape).map(|(&o, &n)| SliceOrIndex::from(o..o + n)).collect();
        let sel = Selection::from(Hyperslab::from(sel));
        let ds = &self.ds;
        let err = |e: ::hdf5::Error| -> Error {
            let m = e.to_string();
            if m.contains("filter") {
                IoError::Unsupported {
                    path: self.path.clone(),
                    name: self.name.clone(),
                    what: format!("reading it ({m})"),
                }
                .into()
            } else {
                h5err(&self.path)(e)
            }
        };
        Ok(crate::with_dtype!(self.dtype, T => {
            let a: ndarray::ArrayD<T> =
                if shape.is_empty() { ds.read_dyn::<T>() } else { ds.read_slice::<T, _, IxDyn>(sel) }.map_err(err)?;
            T::wrap(a)
        }))
    }
}

/// Steps `ci` to the next chunk position in row-major order within
/// `lo..=hi`; false after the last.
fn next_chunk(ci: &mut [usize], lo: &[usize], hi: &[usize]) -> bool {
    for a in (0..ci.len()).rev() {
        if ci[a] < hi[a] {
            ci[a] += 1;
            return true;
        }
        ci[a] = lo[a];
    }
    false
}
