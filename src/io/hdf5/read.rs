//! Reading blocks of a variable. Chunked variables with filters we run
//! ourselves are read on the worker thread: the block's storage chunks are
//! found in the chunk index (listed once, at open), their bytes read with
//! positional reads, then inflated and un-shuffled outside the HDF5 lock.
//! Anything else (contiguous storage, other filters) goes through the
//! library's hyperslab read, under its lock. Both give the same values.

use super::filters::{inflate_into, unshuffle_into, Step};
use super::h5err;
use crate::dtype::{AnyArray, DType};
use crate::error::{Error, Result};
use crate::expr::BlockReader;
use ::hdf5::{Dataset, Hyperslab, Selection, SliceOrIndex};
use ndarray::IxDyn;
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

/// The chunk layout and index of a chunked variable.
pub(crate) struct ChunkIndex {
    pub chunk: Vec<usize>,
    grid: Vec<usize>,
    /// Row-major over the chunk grid; `None` where nothing was written.
    locs: Vec<Option<ChunkLoc>>,
}

impl ChunkIndex {
    /// Lists every stored chunk with one chunk-visit call (one call per
    /// chunk would be quadratic in the number of chunks).
    pub(crate) fn read(ds: &Dataset, shape: &[usize], chunk: Vec<usize>, path: &str) -> Result<ChunkIndex> {
        let grid: Vec<usize> = shape.iter().zip(&chunk).map(|(&s, &c)| s.div_ceil(c)).collect();
        let mut locs = vec![None; grid.iter().product()];
        let mut bad = None;
        ds.chunks_visit(|info| {
            let mut flat = 0usize;
            for ((&o, &c), &g) in info.offset.iter().zip(&chunk).zip(&grid) {
                let i = o as usize / c;
                if i >= g {
                    bad = Some(format!("a stored chunk at {:?} lies outside the variable", info.offset));
                    return -1;
                }
                flat = flat * g + i;
            }
            locs[flat] = Some(ChunkLoc { addr: info.addr, size: info.size, mask: info.filter_mask });
            0
        })
        .map_err(|e| match bad.take() {
            Some(d) => Error::Corrupt { path: path.to_string(), detail: d },
            None => h5err(path)(e),
        })?;
        Ok(ChunkIndex { chunk, grid, locs })
    }
}

/// Our own read path: positional reads, then the filter steps in reverse.
pub(crate) struct ChunkPath {
    pub index: ChunkIndex,
    pub steps: Vec<Step>,
    /// The file, read at the chunk index's addresses (absolute: the chunk
    /// iterator of HDF5 >= 1.14.4 includes any user block).
    pub file: std::fs::File,
    /// The fill value (0-d), for chunks never written.
    pub fill: AnyArray,
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
        Error::Corrupt { path: self.path.clone(), detail: format!("variable {:?}: {detail}", self.name) }
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
            let chunk = match index.locs[flat] {
                Some(loc) => self.decode(cp, loc, c, &ci)?,
                None => AnyArray::filled(&cp.fill, c),
            };
            // The window of this chunk inside the block.
            let w_lo: Vec<usize> = (0..nd).map(|a| offset[a].max(start[a])).collect();
            let w_hi: Vec<usize> = (0..nd).map(|a| (offset[a] + shape[a]).min(start[a] + c[a])).collect();
            let w_shape: Vec<usize> = (0..nd).map(|a| w_hi[a] - w_lo[a]).collect();
            if w_shape == shape && c[..] == shape[..] {
                return Ok(chunk); // the block is exactly this chunk
            }
            let src: Vec<usize> = (0..nd).map(|a| w_lo[a] - start[a]).collect();
            let dst: Vec<usize> = (0..nd).map(|a| w_lo[a] - offset[a]).collect();
            out.get_or_insert_with(|| AnyArray::default_of(self.dtype, shape))
                .assign_window(&dst, &chunk, &src, &w_shape);
            // Next chunk index in row-major order within [lo, hi].
            let mut a = nd;
            loop {
                if a == 0 {
                    return Ok(out.expect("at least one chunk"));
                }
                a -= 1;
                if ci[a] < hi[a] {
                    ci[a] += 1;
                    break;
                }
                ci[a] = lo[a];
            }
        }
    }

    /// Reads, inflates and un-shuffles one stored chunk.
    fn decode(&self, cp: &ChunkPath, loc: ChunkLoc, chunk: &[usize], at: &[usize]) -> Result<AnyArray> {
        // Two buffers per worker, reused from chunk to chunk: the stored
        // bytes and each filter step's output alternate between them.
        let (mut cur, mut spare) = SCRATCH.with(|s| std::mem::take(&mut *s.borrow_mut()));
        cur.resize(loc.size as usize, 0);
        cp.file.read_exact_at(&mut cur, loc.addr).map_err(|e| {
            self.corrupt(format!("chunk {at:?} ({} bytes at {}) cannot be read: {e}", loc.size, loc.addr))
        })?;
        let size = self.dtype.size();
        let len = chunk.iter().product::<usize>() * size;
        // Steps run last to first; a shuffle that comes last is undone
        // while converting.
        let active: Vec<(usize, Step)> =
            cp.steps.iter().copied().enumerate().filter(|(k, _)| loc.mask & (1 << k) == 0).collect();
        let shuffled = matches!(active.first(), Some((_, Step::Shuffle)));
        for (_, step) in active.iter().skip(usize::from(shuffled)).rev() {
            match step {
                Step::Deflate(_) => {
                    inflate_into(&cur, len, &mut spare).map_err(|e| self.corrupt(format!("chunk {at:?}: {e}")))?
                }
                Step::Shuffle => {
                    spare.resize(cur.len(), 0);
                    unshuffle_into(&cur, size, &mut spare);
                }
            }
            std::mem::swap(&mut cur, &mut spare);
        }
        if cur.len() != len {
            return Err(self.corrupt(format!("chunk {at:?} holds {} bytes, not {len}", cur.len())));
        }
        let out = convert(self.dtype, &cur, chunk, self.big_endian, shuffled);
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
        let err = |e: ::hdf5::Error| {
            let m = e.to_string();
            if m.contains("filter") {
                Error::Unsupported {
                    path: self.path.clone(),
                    name: self.name.clone(),
                    what: format!("reading it ({m})"),
                }
            } else {
                h5err(&self.path)(e)
            }
        };
        macro_rules! typed {
            ($t:ty) => {{
                let a: ndarray::ArrayD<$t> =
                    if shape.is_empty() { ds.read_dyn::<$t>() } else { ds.read_slice::<$t, _, IxDyn>(sel) }
                        .map_err(err)?;
                crate::dtype::Element::wrap(a)
            }};
        }
        Ok(match self.dtype {
            DType::Bool => typed!(bool),
            DType::I8 => typed!(i8),
            DType::I16 => typed!(i16),
            DType::I32 => typed!(i32),
            DType::I64 => typed!(i64),
            DType::U8 => typed!(u8),
            DType::U16 => typed!(u16),
            DType::U32 => typed!(u32),
            DType::U64 => typed!(u64),
            DType::F32 => typed!(f32),
            DType::F64 => typed!(f64),
        })
    }
}

/// Stored bytes (in the file's byte order) as an array; `shuffled`: the bytes are still in HDF5's
/// shuffle order (byte `j` of element `i` at `j * n + i`), and the shuffle
/// is undone in the same pass as the conversion (reading the byte planes
/// side by side, which the compiler turns into vector interleaves).
pub(crate) fn convert(dtype: DType, bytes: &[u8], shape: &[usize], big_endian: bool, shuffled: bool) -> AnyArray {
    macro_rules! conv {
        ($t:ty) => {{
            const N: usize = std::mem::size_of::<$t>();
            let n = bytes.len() / N;
            let mut v: Vec<$t> = vec![0 as $t; n];
            // SAFETY: a numeric type has no padding and any bytes are a value.
            let dst = unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr().cast::<u8>(), n * N) };
            if shuffled {
                unshuffle_into(&bytes[..n * N], N, dst);
            } else {
                dst.copy_from_slice(&bytes[..n * N]);
            }
            if big_endian != cfg!(target_endian = "big") {
                dst.chunks_exact_mut(N).for_each(<[u8]>::reverse);
            }
            crate::dtype::Element::wrap(ndarray::ArrayD::from_shape_vec(IxDyn(shape), v).expect("chunk-sized"))
        }};
    }
    match dtype {
        DType::Bool => crate::dtype::Element::wrap(
            ndarray::ArrayD::from_shape_vec(IxDyn(shape), bytes.iter().map(|&b| b != 0).collect())
                .expect("chunk-sized"),
        ),
        DType::I8 => conv!(i8),
        DType::I16 => conv!(i16),
        DType::I32 => conv!(i32),
        DType::I64 => conv!(i64),
        DType::U8 => conv!(u8),
        DType::U16 => conv!(u16),
        DType::U32 => conv!(u32),
        DType::U64 => conv!(u64),
        DType::F32 => conv!(f32),
        DType::F64 => conv!(f64),
    }
}
