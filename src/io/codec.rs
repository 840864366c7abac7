//! Codecs: the byte transforms between a chunk's values and its stored
//! bytes, whatever the format (HDF5 calls them filters, Zarr codecs): zlib
//! deflate with a bounded inflate (by libdeflate or zlib-rs, see
//! [`DeflateImpl`]), zstd, bzip2 and c-blosc decompression, byte shuffle, and the conversion between stored bytes
//! of either byte order and arrays. They run on worker threads, outside
//! any format library's lock; the byte transforms are public for formats
//! and [`BlockReader`](crate::BlockReader)s written outside the crate (the
//! conversion to arrays stays internal).

use crate::dtype::{AnyArray, DType, Element};
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use ndarray::IxDyn;

/// One step of a chunk's codec pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Codec {
    /// A zlib stream (HDF5's deflate filter, Zarr's `zlib`), at a level.
    Deflate(u8),
    /// Byte shuffle of whole elements (HDF5's and numcodecs' `shuffle`).
    Shuffle,
    /// A zstd frame (HDF5 filter 32015, netCDF-C's `zstd`; Zarr's `zstd`).
    Zstd,
    /// A bzip2 stream (HDF5 filter 307, netCDF-C's `bzip2`).
    Bzip2,
    /// A c-blosc buffer, which says its own compressor and shuffle (HDF5
    /// filter 32001, netCDF-C's `blosc_*`; Zarr's `blosc`).
    Blosc,
}

impl Codec {
    /// Whether the step changes the size of the bytes (a compressor).
    pub(crate) fn compresses(self) -> bool {
        !matches!(self, Codec::Shuffle)
    }

    /// Undoes a compressor: `src` decoded into `out`, which must come to
    /// exactly `len` bytes. (`Shuffle` is undone while converting to
    /// elements, not here.)
    pub(crate) fn decompress_into(
        self,
        src: &[u8],
        len: usize,
        out: &mut Vec<u8>,
        inflate: DeflateImpl,
    ) -> Result<(), CodecError> {
        match self {
            Codec::Deflate(_) => inflate_into(src, len, out, inflate),
            Codec::Zstd => zstd_decompress_into(src, len, out),
            Codec::Bzip2 => bzip2_decompress_into(src, len, out),
            Codec::Blosc => blosc_decompress_into(src, len, out),
            Codec::Shuffle => {
                out.clear();
                out.extend_from_slice(src);
                Ok(())
            }
        }
    }
}

/// Decompresses a zstd frame that should give exactly `len` bytes into
/// `out` (its length is set to `len`). More (it never writes past `len`),
/// less, or a damaged frame is an error.
///
/// ```
/// use darray::io::codec::zstd_decompress_into;
/// let data: Vec<u8> = (0..5000u32).map(|i| (i % 7) as u8).collect();
/// let z = zstd::bulk::compress(&data, 3).unwrap();
/// let mut out = vec![];
/// zstd_decompress_into(&z, data.len(), &mut out)?;
/// assert_eq!(out, data);
/// assert!(zstd_decompress_into(&z, data.len() - 1, &mut out).is_err());
/// assert!(zstd_decompress_into(&z[..z.len() / 2], data.len(), &mut out).is_err());
/// # Ok::<(), darray::io::codec::CodecError>(())
/// ```
pub fn zstd_decompress_into(src: &[u8], len: usize, out: &mut Vec<u8>) -> Result<(), CodecError> {
    out.clear();
    out.resize(len, 0);
    let n = zstd::bulk::decompress_to_buffer(src, &mut out[..])
        .map_err(|e| CodecError(format!("the zstd frame does not decode to {len} bytes: {e}")))?;
    if n != len {
        return Err(CodecError(format!("the zstd frame decodes to {n} bytes, not {len}")));
    }
    Ok(())
}

/// Decompresses a bzip2 stream that should give exactly `len` bytes into
/// `out` (its length is set to `len`), as [`zstd_decompress_into`] does.
///
/// ```
/// use darray::io::codec::bzip2_decompress_into;
/// use std::io::Write;
/// let data: Vec<u8> = (0..5000u32).map(|i| (i % 7) as u8).collect();
/// let mut e = bzip2::write::BzEncoder::new(vec![], bzip2::Compression::default());
/// e.write_all(&data).unwrap();
/// let z = e.finish().unwrap();
/// let mut out = vec![];
/// bzip2_decompress_into(&z, data.len(), &mut out)?;
/// assert_eq!(out, data);
/// assert!(bzip2_decompress_into(&z, data.len() + 1, &mut out).is_err());
/// # Ok::<(), darray::io::codec::CodecError>(())
/// ```
pub fn bzip2_decompress_into(src: &[u8], len: usize, out: &mut Vec<u8>) -> Result<(), CodecError> {
    out.clear();
    out.resize(len, 0);
    let mut d = bzip2::Decompress::new(false);
    let bad = |why: String| CodecError(format!("the bzip2 stream does not decode to {len} bytes: {why}"));
    // One call fills `out` or stops at the stream's end; a stream longer
    // than `len` stops with `out` full and not at its end.
    let status = d.decompress(src, &mut out[..]).map_err(|e| bad(e.to_string()))?;
    let n = d.total_out() as usize;
    match status {
        bzip2::Status::StreamEnd if n == len => Ok(()),
        bzip2::Status::StreamEnd => Err(bad(format!("it ends after {n}"))),
        _ if n == len => Err(bad("it goes on".to_string())),
        _ => Err(bad(format!("it is cut short after {n}"))),
    }
}

/// Decompresses a c-blosc buffer that should give exactly `len` bytes into
/// `out` (its length is set to `len`). The buffer's header is checked
/// against its length before anything is decoded.
///
/// ```
/// use darray::io::codec::blosc_decompress_into;
/// // A blosc buffer of 4 bytes stored uncompressed (a 16-byte header:
/// // version 2, format 1, flags "memcpyed", type size 1, 4 bytes, a block
/// // of 4, 20 bytes in all).
/// let mut b = vec![2u8, 1, 0x02, 1];
/// for n in [4u32, 4, 20] { b.extend(n.to_le_bytes()); }
/// b.extend([1, 2, 3, 4]);
/// let mut out = vec![];
/// blosc_decompress_into(&b, 4, &mut out)?;
/// assert_eq!(out, [1, 2, 3, 4]);
/// assert!(blosc_decompress_into(&b, 5, &mut out).is_err());
/// assert!(blosc_decompress_into(&b[..10], 4, &mut out).is_err());
/// # Ok::<(), darray::io::codec::CodecError>(())
/// ```
pub fn blosc_decompress_into(src: &[u8], len: usize, out: &mut Vec<u8>) -> Result<(), CodecError> {
    out.clear();
    out.reserve(len);
    let room = &mut out.spare_capacity_mut()[..len];
    blosc_decompress_uninit(src, room)?;
    // SAFETY: all `len` bytes were written.
    unsafe { out.set_len(len) };
    Ok(())
}

/// Decompresses a c-blosc buffer that should give exactly `out.len()`
/// bytes into `out`, which need not be initialised (every byte is written
/// on success).
pub(crate) fn blosc_decompress_uninit(src: &[u8], out: &mut [std::mem::MaybeUninit<u8>]) -> Result<(), CodecError> {
    let len = out.len();
    let bad = |why: &str| CodecError(format!("the blosc buffer does not decode to {len} bytes: {why}"));
    let mut nbytes = 0usize;
    // SAFETY: the library reads at most `src.len()` bytes to validate.
    if unsafe { blosc_src::blosc_cbuffer_validate(src.as_ptr().cast(), src.len(), &mut nbytes) } != 0 {
        return Err(bad("its header is damaged or it is cut short"));
    }
    if nbytes != len {
        return Err(bad(&format!("it holds {nbytes}")));
    }
    // SAFETY: validated above, and `out` has room for `len` bytes; one
    // thread, as the chunk's worker is already one of the pool's.
    let n = unsafe { blosc_src::blosc_decompress_ctx(src.as_ptr().cast(), out.as_mut_ptr().cast(), len, 1) };
    if usize::try_from(n).ok() != Some(len) {
        return Err(bad("it is damaged"));
    }
    Ok(())
}

/// Which implementation of deflate (zlib streams) a reader inflates and a
/// writer deflates with. Both read and write standard zlib streams, so
/// either reads what the other wrote; they differ in speed and, when
/// writing, in the exact bytes (the compression level means the same
/// effort, not the same output).
///
/// ```
/// use darray::io::codec::{deflate, inflate_into, DeflateImpl};
/// let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
/// let z = deflate(&data, 4, DeflateImpl::Libdeflate);
/// let mut out = vec![];
/// inflate_into(&z, data.len(), &mut out, DeflateImpl::ZlibRs)?;
/// assert_eq!(out, data);
/// # Ok::<(), darray::io::codec::CodecError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum DeflateImpl {
    /// libdeflate (C, through the `libdeflater` crate): whole-buffer
    /// inflate and deflate; on the E4 file's chunks it inflates about a
    /// quarter faster than zlib-rs and deflates a quarter faster at level
    /// 4. The default.
    #[default]
    Libdeflate,
    /// zlib-rs (pure Rust, through `flate2`): a streaming inflate that
    /// never writes past the expected size.
    ZlibRs,
}

impl std::str::FromStr for DeflateImpl {
    type Err = CodecError;
    /// `"libdeflate"` or `"zlib-rs"` (also `"zlib"`).
    fn from_str(s: &str) -> Result<Self, CodecError> {
        match s {
            "libdeflate" => Ok(DeflateImpl::Libdeflate),
            "zlib-rs" | "zlib" => Ok(DeflateImpl::ZlibRs),
            _ => Err(CodecError(format!("{s:?} is not a deflate implementation (libdeflate, zlib-rs)"))),
        }
    }
}

/// A stream that does not decode to what it should: corrupt, cut short,
/// or of another size than the chunk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CodecError(pub String);

thread_local! {
    /// One libdeflate (de)compressor per worker: making one allocates its
    /// tables (tens of kB for inflate, up to megabytes for deflate).
    static INFLATER: std::cell::RefCell<Option<libdeflater::Decompressor>> = const { std::cell::RefCell::new(None) };
    static DEFLATERS: std::cell::RefCell<Vec<(u8, libdeflater::Compressor)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Inflates a zlib stream that should give exactly `len` bytes into `out`
/// (its length is set to `len`; its capacity is reused). A stream that
/// gives more is an error as soon as it passes `len` (a corrupt stream
/// cannot make it grow without bound), as is one that ends early or is cut
/// short, or whose checksum is wrong.
pub fn inflate_into(src: &[u8], len: usize, out: &mut Vec<u8>, with: DeflateImpl) -> Result<(), CodecError> {
    match with {
        DeflateImpl::Libdeflate => inflate_libdeflate(src, len, out),
        DeflateImpl::ZlibRs => inflate_zlib_rs(src, len, out),
    }
}

fn inflate_libdeflate(src: &[u8], len: usize, out: &mut Vec<u8>) -> Result<(), CodecError> {
    // A reused buffer of the same size is not written twice: only growth
    // is zeroed.
    out.resize(len, 0);
    let got = INFLATER.with(|d| {
        let mut d = d.borrow_mut();
        d.get_or_insert_with(libdeflater::Decompressor::new).zlib_decompress(src, out)
    });
    match got {
        Ok(n) if n == len => Ok(()),
        Ok(n) => Err(CodecError(format!("chunk inflates to {n} bytes, not {len}"))),
        Err(libdeflater::DecompressionError::InsufficientSpace) => {
            Err(CodecError(format!("chunk inflates to more than {len} bytes")))
        }
        // libdeflate does not tell a cut stream from a damaged one.
        Err(libdeflater::DecompressionError::BadData) => {
            Err(CodecError("deflate stream does not inflate (damaged or truncated)".to_string()))
        }
    }
}

fn inflate_zlib_rs(src: &[u8], len: usize, out: &mut Vec<u8>) -> Result<(), CodecError> {
    let err = |m: String| Err(CodecError(m));
    // Exactly one byte of room past `len` (whatever the buffer's capacity),
    // to see a stream that is too long; only growth is zeroed.
    out.resize(len + 1, 0);
    let mut d = Decompress::new(true);
    let done = loop {
        let (before_in, before_out) = (d.total_in(), d.total_out());
        let (i, o) = (before_in as usize, before_out as usize);
        if o > len {
            break Err(format!("chunk inflates to more than {len} bytes"));
        }
        let status = match d.decompress(src.get(i..).unwrap_or(&[]), &mut out[o..], FlushDecompress::Finish) {
            Ok(s) => s,
            Err(e) => break Err(format!("deflate stream does not inflate: {e}")),
        };
        let o = d.total_out() as usize;
        match status {
            _ if o > len => break Err(format!("chunk inflates to more than {len} bytes")),
            Status::StreamEnd => break Ok(o),
            _ if d.total_in() == before_in && d.total_out() == before_out => {
                break Err("deflate stream is truncated".to_string())
            }
            _ => {}
        }
    };
    match done {
        Ok(n) if n == len => {
            out.truncate(len);
            Ok(())
        }
        Ok(n) => {
            out.truncate(n);
            err(format!("chunk inflates to {n} bytes, not {len}"))
        }
        Err(m) => {
            out.clear();
            err(m)
        }
    }
}

#[cfg(test)]
fn inflate(src: &[u8], len: usize, with: DeflateImpl) -> Result<Vec<u8>, CodecError> {
    let mut out = vec![];
    inflate_into(src, len, &mut out, with).map(|()| out)
}

/// Deflates `src` into a zlib stream (what HDF5's deflate filter stores)
/// at `level` (0-9, higher is clamped to 9).
pub fn deflate(src: &[u8], level: u8, with: DeflateImpl) -> Vec<u8> {
    let mut out = vec![];
    deflate_into(src, level, &mut out, with);
    out
}

/// `deflate` into `out` (cleared first; its capacity is reused).
pub fn deflate_into(src: &[u8], level: u8, out: &mut Vec<u8>, with: DeflateImpl) {
    let level = level.min(9);
    out.clear();
    match with {
        DeflateImpl::Libdeflate => DEFLATERS.with(|c| {
            let mut c = c.borrow_mut();
            let k = match c.iter().position(|(l, _)| *l == level) {
                Some(k) => k,
                None => {
                    let lvl = libdeflater::CompressionLvl::new(i32::from(level)).expect("levels 0-9 are valid");
                    c.push((level, libdeflater::Compressor::new(lvl)));
                    c.len() - 1
                }
            };
            let comp = &mut c[k].1;
            out.resize(comp.zlib_compress_bound(src.len()), 0);
            let n = comp.zlib_compress(src, out).expect("the bound always fits");
            out.truncate(n);
        }),
        DeflateImpl::ZlibRs => {
            let mut c = Compress::new(Compression::new(u32::from(level)), true);
            out.reserve(src.len() / 2 + 64);
            loop {
                let status = c
                    .compress_vec(&src[c.total_in() as usize..], out, FlushCompress::Finish)
                    .expect("deflate cannot fail");
                if status == Status::StreamEnd {
                    return;
                }
                out.reserve(out.capacity().max(1024));
            }
        }
    }
}

/// Undoes the shuffle: byte `j` of element `i` is stored at `j * n + i`.
#[cfg(test)]
fn unshuffle(src: &[u8], size: usize) -> Vec<u8> {
    let mut out = vec![0u8; src.len()];
    unshuffle_into(src, size, &mut out);
    out
}

/// Undoes the shuffle (byte `j` of element `i` is stored at `j * n + i`)
/// into `dst`, as long as `src`; `size` is the element's size in bytes.
///
/// ```
/// use darray::io::codec::{shuffle_into, unshuffle_into};
/// let src = [1u8, 2, 3, 4, 5, 6]; // three 2-byte elements
/// let mut s = [0u8; 6];
/// shuffle_into(&src, 2, &mut s);
/// assert_eq!(s, [1, 3, 5, 2, 4, 6]);
/// let mut back = [0u8; 6];
/// unshuffle_into(&s, 2, &mut back);
/// assert_eq!(back, src);
/// ```
pub fn unshuffle_into(src: &[u8], size: usize, dst: &mut [u8]) {
    assert_eq!(src.len(), dst.len());
    // SAFETY: `dst` is `src.len()` writable bytes.
    unsafe { unshuffle_raw(src, size, dst.as_mut_ptr()) }
}

/// `unshuffle_into` writing `src.len()` bytes at `dst`, which may be
/// uninitialised (a block's new buffer need not be zeroed first).
///
/// # Safety
/// `dst` must be valid for writes of `src.len()` bytes and not overlap
/// `src`.
unsafe fn unshuffle_raw(src: &[u8], size: usize, dst: *mut u8) {
    let n = src.len() / size.max(1);
    if size <= 1 || n <= 1 {
        std::ptr::copy_nonoverlapping(src.as_ptr(), dst, src.len());
        return;
    }
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of x86_64; the kernels stay within `n` elements
    // of each plane and of `dst` (`src.len()` bytes, as the caller says).
    let done = sse2::unshuffle(src, size, n, dst);
    #[cfg(not(target_arch = "x86_64"))]
    let done = 0;
    for i in done..n {
        for j in 0..size {
            dst.add(i * size + j).write(src[j * n + i]);
        }
    }
    // Bytes past the last whole element are stored unshuffled.
    std::ptr::copy_nonoverlapping(src.as_ptr().add(n * size), dst.add(n * size), src.len() - n * size);
}

/// Byte interleaves of 16 elements at a time (what the scalar loop cannot
/// be vectorised into): `unpack` of the planes, widening 8 -> 16 -> 32 bits.
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::*;

    /// Elements done (a multiple of 16; the caller finishes the rest).
    pub(super) unsafe fn unshuffle(src: &[u8], size: usize, n: usize, o: *mut u8) -> usize {
        let p = |j: usize, i: usize| _mm_loadu_si128(src.as_ptr().add(j * n + i).cast());
        let mut i = 0;
        while i + 16 <= n {
            let out = o.add(size * i).cast::<__m128i>();
            match size {
                2 => {
                    let (a, b) = (p(0, i), p(1, i));
                    _mm_storeu_si128(out, _mm_unpacklo_epi8(a, b));
                    _mm_storeu_si128(out.add(1), _mm_unpackhi_epi8(a, b));
                }
                4 => {
                    let [l01, h01, l23, h23] = pairs([p(0, i), p(1, i), p(2, i), p(3, i)]);
                    let q = [
                        _mm_unpacklo_epi16(l01, l23),
                        _mm_unpackhi_epi16(l01, l23),
                        _mm_unpacklo_epi16(h01, h23),
                        _mm_unpackhi_epi16(h01, h23),
                    ];
                    for (k, v) in q.into_iter().enumerate() {
                        _mm_storeu_si128(out.add(k), v);
                    }
                }
                8 => {
                    let [l01, h01, l23, h23] = pairs([p(0, i), p(1, i), p(2, i), p(3, i)]);
                    let [l45, h45, l67, h67] = pairs([p(4, i), p(5, i), p(6, i), p(7, i)]);
                    // Bytes 0-3 and 4-7 of elements 0-3, 4-7, 8-11, 12-15.
                    let lo = [
                        _mm_unpacklo_epi16(l01, l23),
                        _mm_unpackhi_epi16(l01, l23),
                        _mm_unpacklo_epi16(h01, h23),
                        _mm_unpackhi_epi16(h01, h23),
                    ];
                    let hi = [
                        _mm_unpacklo_epi16(l45, l67),
                        _mm_unpackhi_epi16(l45, l67),
                        _mm_unpacklo_epi16(h45, h67),
                        _mm_unpackhi_epi16(h45, h67),
                    ];
                    for k in 0..4 {
                        _mm_storeu_si128(out.add(2 * k), _mm_unpacklo_epi32(lo[k], hi[k]));
                        _mm_storeu_si128(out.add(2 * k + 1), _mm_unpackhi_epi32(lo[k], hi[k]));
                    }
                }
                _ => return i,
            }
            i += 16;
        }
        i
    }

    /// Byte interleaves of two plane pairs: (lo, hi) of (0, 1) and of (2, 3).
    #[inline(always)]
    unsafe fn pairs(v: [__m128i; 4]) -> [__m128i; 4] {
        [
            _mm_unpacklo_epi8(v[0], v[1]),
            _mm_unpackhi_epi8(v[0], v[1]),
            _mm_unpacklo_epi8(v[2], v[3]),
            _mm_unpackhi_epi8(v[2], v[3]),
        ]
    }
}

/// The shuffle: groups byte `j` of every element together.
#[cfg(test)]
fn shuffle(src: &[u8], size: usize) -> Vec<u8> {
    let mut out = vec![0u8; src.len()];
    shuffle_into(src, size, &mut out);
    out
}

/// The shuffle (byte `j` of element `i` stored at `j * n + i`, what HDF5's
/// and numcodecs' `shuffle` store) into `dst`, as long as `src`; bytes
/// past the last whole element are copied as they are.
pub fn shuffle_into(src: &[u8], size: usize, dst: &mut [u8]) {
    assert_eq!(src.len(), dst.len());
    let n = src.len() / size.max(1);
    if size <= 1 || n <= 1 {
        dst.copy_from_slice(src);
        return;
    }
    // Plane by plane: sequential writes, one strided read stream.
    for (j, plane) in dst[..n * size].chunks_exact_mut(n).enumerate() {
        for (d, el) in plane.iter_mut().zip(src[j..].iter().step_by(size)) {
            *d = *el;
        }
    }
    dst[n * size..].copy_from_slice(&src[n * size..]);
}

/// Stored bytes (in the byte order `big_endian` says) as an array of
/// `dtype`; `shuffled`: the bytes are still in shuffle order (byte `j` of
/// element `i` at `j * n + i`), and the shuffle is undone in the same pass
/// as the conversion (reading the byte planes side by side, which the
/// compiler turns into vector interleaves). `bytes` holds the elements of
/// `shape`, or more (the rest is ignored).
pub(crate) fn decode_elements(
    dtype: DType,
    bytes: &[u8],
    shape: &[usize],
    big_endian: bool,
    shuffled: bool,
) -> AnyArray {
    let n: usize = shape.iter().product();
    crate::with_numeric!(dtype, T => {
        const N: usize = std::mem::size_of::<T>();
        // Not zeroed first: every byte is written below.
        let mut v: Vec<T> = Vec::with_capacity(n);
        let src = &bytes[..n * N];
        // SAFETY: `v` has room for `n` elements, `n * N` bytes, not
        // overlapping `bytes`; all of them are written before `set_len`,
        // and a numeric type has no padding and any bytes are a value.
        let dst = unsafe {
            let p = v.as_mut_ptr().cast::<u8>();
            if shuffled {
                unshuffle_raw(src, N, p);
            } else {
                std::ptr::copy_nonoverlapping(src.as_ptr(), p, n * N);
            }
            v.set_len(n);
            std::slice::from_raw_parts_mut(p, n * N)
        };
        if big_endian != cfg!(target_endian = "big") {
            dst.chunks_exact_mut(N).for_each(<[u8]>::reverse);
        }
        T::wrap(ndarray::ArrayD::from_shape_vec(IxDyn(shape), v).expect("chunk-sized"))
    }, bool => bool::wrap(
        ndarray::ArrayD::from_shape_vec(IxDyn(shape), bytes[..n].iter().map(|&b| b != 0).collect())
            .expect("chunk-sized"),
    ))
}

/// Native-endian bytes of values in C order.
pub(crate) fn native_bytes<T: Element>(v: ndarray::ArrayViewD<'_, T>) -> Vec<u8> {
    bytes_of(v.as_standard_layout().as_slice().expect("standard layout")).to_vec()
}

/// The native-endian bytes of values, in place.
pub(crate) fn bytes_of<T: Element>(s: &[T]) -> &[u8] {
    // SAFETY: `T` is a plain numeric type (or bool) without padding; its
    // bytes are read, never reinterpreted as another type.
    unsafe { std::slice::from_raw_parts(s.as_ptr().cast::<u8>(), std::mem::size_of_val(s)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffle_round_trips_and_matches_the_layout() {
        let src: Vec<u8> = (0..4 * 5 + 3).map(|i| i as u8).collect();
        let s = shuffle(&src, 4);
        // Byte 1 of element 2 is at plane 1, position 2.
        assert_eq!(s[5 + 2], src[2 * 4 + 1]);
        assert_eq!(unshuffle(&s, 4), src);
    }

    #[test]
    fn unshuffle_kernels_match_the_definition() {
        for size in [1, 2, 3, 4, 8] {
            for n in [0, 1, 5, 15, 16, 17, 33, 100] {
                for extra in [0, size / 2] {
                    let src: Vec<u8> = (0..n * size + extra).map(|i| (i * 7 + 3) as u8).collect();
                    let mut want = src.clone();
                    for i in 0..n {
                        for j in 0..size {
                            want[i * size + j] = src[j * n + i];
                        }
                    }
                    assert_eq!(unshuffle(&src, size), want, "size {size}, n {n}");
                    assert_eq!(unshuffle(&shuffle(&src, size), size), src);
                }
            }
        }
    }

    const BOTH: [DeflateImpl; 2] = [DeflateImpl::Libdeflate, DeflateImpl::ZlibRs];

    #[test]
    fn deflate_round_trips_and_detects_damage() {
        let src: Vec<u8> = (0..10_000).map(|i| (i % 251) as u8).collect();
        for enc in BOTH {
            for level in [0, 1, 4, 9] {
                let z = deflate(&src, level, enc);
                // Either implementation reads what the other wrote.
                for dec in BOTH {
                    assert_eq!(inflate(&z, src.len(), dec).unwrap(), src, "{enc:?} {level} -> {dec:?}");
                }
            }
        }
        for with in BOTH {
            let z = deflate(&src, 4, with);
            assert!(inflate(&z, src.len() + 1, with).is_err());
            assert!(inflate(&z, src.len() - 1, with).is_err());
            assert!(inflate(&z[..z.len() / 2], src.len(), with).is_err());
            let mut bad = z.clone();
            bad[10] ^= 0xff;
            assert!(inflate(&bad, src.len(), with).is_err(), "{with:?}");
            // A damaged checksum (the last four bytes).
            let mut sum = z.clone();
            *sum.last_mut().unwrap() ^= 1;
            assert!(inflate(&sum, src.len(), with).is_err(), "{with:?}");
            // Far too long (a stream of zeros that inflates 1000-fold): an
            // error without inflating it all.
            let big = deflate(&vec![0u8; 16 << 20], 9, with);
            let e = inflate(&big, 100, with).unwrap_err();
            assert!(e.0.contains("more than 100"), "{e}");
            let mut out = vec![];
            assert!(inflate_into(&big, 1000, &mut out, with).is_err());
            assert!(out.capacity() < 1 << 20, "{}", out.capacity());
            // Empty and garbage input, an empty chunk.
            assert!(inflate(&[], 10, with).is_err());
            assert!(inflate(&[0x78, 0x9c, 0xff, 0xff, 0xff], 10, with).is_err());
            assert_eq!(inflate(&deflate(&[], 4, with), 0, with).unwrap(), Vec::<u8>::new());
            assert!(inflate(&deflate(&[], 4, with), 1, with).is_err());
            // A reused buffer, longer or shorter than the chunk; a large
            // reused buffer does not let a long stream write past `len + 1`.
            let mut out = vec![7u8; 3 * src.len()];
            inflate_into(&z, src.len(), &mut out, with).unwrap();
            assert_eq!(out, src);
            let mut out = vec![7u8; 10];
            inflate_into(&z, src.len(), &mut out, with).unwrap();
            assert_eq!(out, src);
            let mut out = Vec::with_capacity(64 << 20);
            assert!(inflate_into(&big, 1000, &mut out, with).is_err());
            assert!(out.len() <= 1001, "{}", out.len());
        }
        assert_eq!("zlib".parse::<DeflateImpl>(), Ok(DeflateImpl::ZlibRs));
        assert!("lz4".parse::<DeflateImpl>().is_err());
    }

    #[test]
    fn elements_round_trip_through_bytes_in_either_order_and_shuffled() {
        let a = ndarray::ArrayD::from_shape_fn(IxDyn(&[3, 5]), |i| (i[0] * 5 + i[1]) as i32 * -70_001);
        let native = native_bytes(a.view());
        assert_eq!(native.len(), 15 * 4);
        let back =
            |bytes: &[u8], big, shuffled| i32::unwrap(decode_elements(DType::I32, bytes, &[3, 5], big, shuffled));
        let big = cfg!(target_endian = "big");
        assert_eq!(back(&native, big, false), Some(a.clone()));
        assert_eq!(back(&shuffle(&native, 4), big, true), Some(a.clone()));
        // The other byte order: each element's bytes reversed.
        let swapped: Vec<u8> = native.chunks(4).flat_map(|c| c.iter().rev().copied()).collect();
        assert_eq!(back(&swapped, !big, false), Some(a.clone()));
        assert_eq!(back(&shuffle(&swapped, 4), !big, true), Some(a));
        let b = decode_elements(DType::Bool, &[0, 1, 2, 0], &[2, 2], false, false);
        assert_eq!(bool::unwrap(b).unwrap().into_raw_vec_and_offset().0, vec![false, true, true, false]);
    }
}
