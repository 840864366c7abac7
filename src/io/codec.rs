//! Codecs: the byte transforms between a chunk's values and its stored
//! bytes, whatever the format (HDF5 calls them filters, Zarr codecs): zlib
//! deflate with a bounded inflate, byte shuffle, and the conversion between
//! stored bytes of either byte order and arrays. They run on worker
//! threads, outside any format library's lock.

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
}

/// Inflates a zlib stream that should give exactly `len` bytes into `out`
/// (cleared first; its capacity is reused). A stream that gives more is
/// an error as soon as it passes `len` (a corrupt stream cannot make it
/// grow without bound), as is one that ends early or is cut short.
pub(crate) fn inflate_into(src: &[u8], len: usize, out: &mut Vec<u8>) -> Result<(), String> {
    out.clear();
    // One byte of room past `len`, to see a stream that is too long.
    out.reserve(len + 1);
    let mut d = Decompress::new(true);
    loop {
        let (before_in, before_out) = (d.total_in(), d.total_out());
        let rest = usize::try_from(before_in).ok().and_then(|i| src.get(i..)).unwrap_or(&[]);
        // No more output than the room left: `out` never grows here.
        let room = out.capacity() - out.len();
        let status = d
            .decompress_vec(rest, out, FlushDecompress::Finish)
            .map_err(|e| format!("deflate stream does not inflate: {e}"))?;
        if out.len() > len {
            return Err(format!("chunk inflates to more than {len} bytes"));
        }
        match status {
            Status::StreamEnd => break,
            _ if d.total_in() == before_in && d.total_out() == before_out => {
                return Err("deflate stream is truncated".to_string())
            }
            _ if out.len() == out.capacity() || room == 0 => {
                return Err(format!("chunk inflates to more than {len} bytes"))
            }
            _ => {}
        }
    }
    if out.len() != len {
        return Err(format!("chunk inflates to {} bytes, not {len}", out.len()));
    }
    Ok(())
}

#[cfg(test)]
fn inflate(src: &[u8], len: usize) -> Result<Vec<u8>, String> {
    let mut out = vec![];
    inflate_into(src, len, &mut out).map(|()| out)
}

/// Deflates `src` into a zlib stream (what HDF5's deflate filter stores).
pub(crate) fn deflate(src: &[u8], level: u8) -> Vec<u8> {
    let mut c = Compress::new(Compression::new(u32::from(level.min(9))), true);
    let mut out = Vec::with_capacity(src.len() / 2 + 64);
    loop {
        let status = c
            .compress_vec(&src[c.total_in() as usize..], &mut out, FlushCompress::Finish)
            .expect("deflate cannot fail");
        if status == Status::StreamEnd {
            return out;
        }
        out.reserve(out.capacity().max(1024));
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
/// into `dst`, as long as `src`.
pub(crate) fn unshuffle_into(src: &[u8], size: usize, dst: &mut [u8]) {
    assert_eq!(src.len(), dst.len());
    let n = src.len() / size.max(1);
    if size <= 1 || n <= 1 {
        dst.copy_from_slice(src);
        return;
    }
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of x86_64; the kernels stay within `n` elements
    // of each plane and of `dst`, whose lengths were checked above.
    let done = unsafe { sse2::unshuffle(src, size, n, dst) };
    #[cfg(not(target_arch = "x86_64"))]
    let done = 0;
    for i in done..n {
        for j in 0..size {
            dst[i * size + j] = src[j * n + i];
        }
    }
    // Bytes past the last whole element are stored unshuffled.
    dst[n * size..].copy_from_slice(&src[n * size..]);
}

/// Byte interleaves of 16 elements at a time (what the scalar loop cannot
/// be vectorised into): `unpack` of the planes, widening 8 -> 16 -> 32 bits.
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::*;

    /// Elements done (a multiple of 16; the caller finishes the rest).
    pub(super) unsafe fn unshuffle(src: &[u8], size: usize, n: usize, dst: &mut [u8]) -> usize {
        let p = |j: usize, i: usize| _mm_loadu_si128(src.as_ptr().add(j * n + i).cast());
        let o = dst.as_mut_ptr();
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
pub(crate) fn shuffle(src: &[u8], size: usize) -> Vec<u8> {
    let n = src.len() / size;
    if size <= 1 || n <= 1 {
        return src.to_vec();
    }
    let mut out = vec![0u8; src.len()];
    for (i, el) in src[..n * size].chunks_exact(size).enumerate() {
        for (j, &b) in el.iter().enumerate() {
            out[j * n + i] = b;
        }
    }
    out[n * size..].copy_from_slice(&src[n * size..]);
    out
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
        let mut v: Vec<T> = vec![T::default(); n];
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
        T::wrap(ndarray::ArrayD::from_shape_vec(IxDyn(shape), v).expect("chunk-sized"))
    }, bool => bool::wrap(
        ndarray::ArrayD::from_shape_vec(IxDyn(shape), bytes[..n].iter().map(|&b| b != 0).collect())
            .expect("chunk-sized"),
    ))
}

/// Native-endian bytes of values in C order.
pub(crate) fn native_bytes<T: Element>(v: ndarray::ArrayViewD<'_, T>) -> Vec<u8> {
    let n = v.len() * std::mem::size_of::<T>();
    let mut out = Vec::with_capacity(n);
    let std = v.as_standard_layout();
    let s = std.as_slice().expect("standard layout");
    // SAFETY: `T` is a plain numeric type (or bool) without padding; its
    // bytes are read, never reinterpreted as another type.
    out.extend_from_slice(unsafe { std::slice::from_raw_parts(s.as_ptr().cast::<u8>(), n) });
    out
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

    #[test]
    fn deflate_round_trips_and_detects_damage() {
        let src: Vec<u8> = (0..10_000).map(|i| (i % 251) as u8).collect();
        let z = deflate(&src, 4);
        assert_eq!(inflate(&z, src.len()).unwrap(), src);
        assert!(inflate(&z, src.len() + 1).is_err());
        assert!(inflate(&z, src.len() - 1).is_err());
        assert!(inflate(&z[..z.len() / 2], src.len()).is_err());
        let mut bad = z.clone();
        bad[10] ^= 0xff;
        assert!(inflate(&bad, src.len()).is_err());
        // Far too long (a stream of zeros that inflates 1000-fold): an
        // error without inflating it all.
        let big = deflate(&vec![0u8; 16 << 20], 9);
        let e = inflate(&big, 100).unwrap_err();
        assert!(e.contains("more than 100"), "{e}");
        let mut out = vec![];
        assert!(inflate_into(&big, 1000, &mut out).is_err());
        assert!(out.capacity() < 1 << 20, "{}", out.capacity());
        // Empty and garbage input, an empty chunk.
        assert!(inflate(&[], 10).is_err());
        assert!(inflate(&[0x78, 0x9c, 0xff, 0xff, 0xff], 10).is_err());
        assert_eq!(inflate(&deflate(&[], 4), 0).unwrap(), Vec::<u8>::new());
        assert!(inflate(&deflate(&[], 4), 1).is_err());
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
