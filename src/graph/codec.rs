//! Payloads as bytes: what a task's result looks like on a wire or on disk.
//!
//! Version 1 of the format, every integer little-endian:
//!
//! | bytes | what |
//! | --- | --- |
//! | 4 | magic `DAPL` |
//! | 1 | format version, 1 |
//! | 1 | kind: 1 an array, 2 a partial |
//! | 8 | (partial only) number of arrays, `u64` |
//! | | then each array: |
//! | 1 | dtype code: bool 0, i8 1, i16 2, i32 3, i64 4, u8 5, u16 6, u32 7, u64 8, f32 9, f64 10 |
//! | 4 | number of axes, `u32` |
//! | 8 per axis | the shape, `u64` each |
//! | size × count | the elements in logical C order, little-endian (`bool`: one byte, 0 or 1) |
//!
//! Decoding checks every length against the bytes left before it
//! allocates, so corrupt or truncated input is an `Error::Decode`, never a
//! panic or an allocation larger than the input; bytes left over after the
//! payload are an error too.

use super::Payload;
use crate::dtype::{AnyArray, DType, Element};
use crate::error::{Error, Result};
use crate::{dispatch, with_dtype};
use ndarray::{ArrayD, IxDyn};

/// The version of the payload format [`Payload::encode`] writes (and the
/// only one [`Payload::decode`] reads).
pub const PAYLOAD_FORMAT_VERSION: u8 = 1;

const MAGIC: &[u8; 4] = b"DAPL";
const KIND_ARRAY: u8 = 1;
const KIND_PARTIAL: u8 = 2;
const KIND_PARTS: u8 = 3;
/// Bytes of an array's fixed header (dtype code, number of axes): the
/// least an array can take, which bounds a partial's count.
const ARRAY_HEADER: usize = 1 + 4;

/// The format's code of each element type: fixed numbers, independent of
/// the order of `DType`'s variants.
fn dtype_code(d: DType) -> u8 {
    match d {
        DType::Bool => 0,
        DType::I8 => 1,
        DType::I16 => 2,
        DType::I32 => 3,
        DType::I64 => 4,
        DType::U8 => 5,
        DType::U16 => 6,
        DType::U32 => 7,
        DType::U64 => 8,
        DType::F32 => 9,
        DType::F64 => 10,
    }
}

fn dtype_of(code: u8) -> Option<DType> {
    Some(match code {
        0 => DType::Bool,
        1 => DType::I8,
        2 => DType::I16,
        3 => DType::I32,
        4 => DType::I64,
        5 => DType::U8,
        6 => DType::U16,
        7 => DType::U32,
        8 => DType::U64,
        9 => DType::F32,
        10 => DType::F64,
        _ => return None,
    })
}

/// Element types as little-endian bytes, in bulk where the layout allows.
trait Wire: Element {
    /// Appends the elements of a contiguous slice.
    fn put_slice(s: &[Self], out: &mut Vec<u8>);
    /// Appends one element.
    fn put_one(self, out: &mut Vec<u8>);
    /// The elements of `b` (a whole number of elements).
    fn get(b: &[u8]) -> Result<Vec<Self>>;
}

macro_rules! numeric_wire {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            fn put_slice(s: &[Self], out: &mut Vec<u8>) {
                #[cfg(target_endian = "little")]
                {
                    // SAFETY: a primitive number has no padding and every
                    // byte initialised; the slice covers exactly `s`.
                    let bytes = unsafe { std::slice::from_raw_parts(s.as_ptr().cast::<u8>(), std::mem::size_of_val(s)) };
                    out.extend_from_slice(bytes);
                }
                #[cfg(not(target_endian = "little"))]
                for &x in s {
                    out.extend_from_slice(&x.to_le_bytes());
                }
            }
            fn put_one(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn get(b: &[u8]) -> Result<Vec<Self>> {
                const SIZE: usize = std::mem::size_of::<$t>();
                let n = b.len() / SIZE;
                #[cfg(target_endian = "little")]
                {
                    let mut v = Vec::<$t>::with_capacity(n);
                    // SAFETY: `v` has room for `n` elements, `n * SIZE` =
                    // `b.len()` bytes, copied bytewise (no alignment needed
                    // of `b`); every bit pattern is a valid number, so the
                    // first `n` elements are initialised.
                    unsafe {
                        std::ptr::copy_nonoverlapping(b.as_ptr(), v.as_mut_ptr().cast::<u8>(), b.len());
                        v.set_len(n);
                    }
                    Ok(v)
                }
                #[cfg(not(target_endian = "little"))]
                {
                    let mut v = Vec::with_capacity(n);
                    for c in b.chunks_exact(SIZE) {
                        v.push(<$t>::from_le_bytes(c.try_into().expect("chunks of the element size")));
                    }
                    Ok(v)
                }
            }
        }
    )*};
}

numeric_wire!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

impl Wire for bool {
    fn put_slice(s: &[Self], out: &mut Vec<u8>) {
        // SAFETY: a bool is one initialised byte, 0 or 1.
        let bytes = unsafe { std::slice::from_raw_parts(s.as_ptr().cast::<u8>(), s.len()) };
        out.extend_from_slice(bytes);
    }
    fn put_one(self, out: &mut Vec<u8>) {
        out.push(u8::from(self));
    }
    fn get(b: &[u8]) -> Result<Vec<Self>> {
        // Every byte is checked: a byte other than 0 or 1 is no bool.
        b.iter()
            .enumerate()
            .map(|(i, &x)| match x {
                0 => Ok(false),
                1 => Ok(true),
                _ => Err(Error::Decode(format!("bool element {i} is the byte {x}, not 0 or 1"))),
            })
            .collect()
    }
}

/// Bytes an array takes in the format.
fn array_len(a: &AnyArray) -> usize {
    ARRAY_HEADER + 8 * dispatch!(AnyArray, a, x => x.ndim()) + a.nbytes()
}

fn put_array(a: &AnyArray, out: &mut Vec<u8>) {
    out.push(dtype_code(a.dtype()));
    dispatch!(AnyArray, a, x => put_typed(x, out));
}

fn put_typed<T: Wire>(a: &ArrayD<T>, out: &mut Vec<u8>) {
    let ndim = u32::try_from(a.ndim()).expect("an array has fewer than 2^32 axes");
    out.extend_from_slice(&ndim.to_le_bytes());
    for &n in a.shape() {
        out.extend_from_slice(&(n as u64).to_le_bytes());
    }
    match a.as_slice() {
        // Standard layout: the memory order is the logical order.
        Some(s) => T::put_slice(s, out),
        None => {
            for &x in a.iter() {
                x.put_one(out);
            }
        }
    }
}

/// A cursor over bytes being decoded; every read is checked against what
/// is left.
struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn left(&self) -> usize {
        self.b.len() - self.pos
    }
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        if n > self.left() {
            return Err(Error::Decode(format!(
                "truncated: {what} needs {n} bytes at offset {}, {} left",
                self.pos,
                self.left()
            )));
        }
        let s = &self.b[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.take(1, what)?[0])
    }
    fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4, what)?.try_into().expect("4 bytes")))
    }
    fn u64(&mut self, what: &str) -> Result<u64> {
        Ok(u64::from_le_bytes(self.take(8, what)?.try_into().expect("8 bytes")))
    }

    fn header(&mut self) -> Result<u8> {
        let magic = self.take(MAGIC.len(), "the magic number")?;
        if magic != MAGIC {
            return Err(Error::Decode(format!("not a darray payload (magic {magic:?})")));
        }
        let version = self.u8("the format version")?;
        if version != PAYLOAD_FORMAT_VERSION {
            return Err(Error::Decode(format!(
                "format version {version}; this build reads version {PAYLOAD_FORMAT_VERSION}"
            )));
        }
        self.u8("the payload kind")
    }

    fn array(&mut self) -> Result<AnyArray> {
        let at = self.pos;
        let code = self.u8("a dtype code")?;
        let dtype = dtype_of(code).ok_or_else(|| Error::Decode(format!("unknown dtype code {code} at offset {at}")))?;
        let ndim = self.u32("the number of axes")? as usize;
        // Checked before the shape is allocated: 8 bytes per axis.
        let shape_bytes = self.take(ndim.saturating_mul(8), "the shape")?;
        let mut shape = Vec::with_capacity(ndim);
        let mut count: usize = 1;
        for c in shape_bytes.chunks_exact(8) {
            let n = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            let n = usize::try_from(n).map_err(|_| Error::Decode(format!("axis length {n} at offset {at}")))?;
            count = count.saturating_mul(n);
            shape.push(n);
        }
        // Checked before the elements are allocated: they must be there.
        let nbytes = count.saturating_mul(dtype.size());
        let data = self.take(nbytes, "the elements")?;
        with_dtype!(dtype, T => {
            let v = <T as Wire>::get(data)?;
            let a = ArrayD::from_shape_vec(IxDyn(&shape), v)
                .map_err(|e| Error::Decode(format!("shape {shape:?} at offset {at}: {e}")))?;
            Ok(T::wrap(a))
        })
    }

    fn end(&self) -> Result<()> {
        match self.left() {
            0 => Ok(()),
            n => Err(Error::Decode(format!("{n} bytes left over after the payload at offset {}", self.pos))),
        }
    }
}

impl Payload {
    /// The payload as bytes: a versioned header (magic `DAPL`, format
    /// version, kind), then per array its dtype code, number of axes and
    /// shape (`u64` little-endian), then its elements in logical C order,
    /// little-endian, whatever the array's memory layout. A delayed call's
    /// value has no encoding: `Error::NotEncodable`.
    ///
    /// ```
    /// use darray::dtype::AnyArray;
    /// use darray::graph::Payload;
    /// let p = Payload::Partial(vec![
    ///     AnyArray::F64(ndarray::arr2(&[[1.0, 2.0], [3.0, 4.0]]).reversed_axes().into_dyn()),
    ///     AnyArray::I64(ndarray::arr0(7).into_dyn()),
    /// ]);
    /// let bytes = p.encode()?;
    /// let Payload::Partial(back) = Payload::decode(&bytes)? else { panic!("a partial") };
    /// assert_eq!(back[0], AnyArray::F64(ndarray::arr2(&[[1.0, 3.0], [2.0, 4.0]]).into_dyn()));
    /// assert_eq!(back[1], AnyArray::I64(ndarray::arr0(7).into_dyn()));
    /// assert!(Payload::decode(&bytes[..bytes.len() - 1]).is_err());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn encode(&self) -> Result<Vec<u8>> {
        let mut out = vec![];
        self.encode_into(&mut out)?;
        Ok(out)
    }

    /// [`encode`](Payload::encode), appended to `out` (a transport's
    /// message around it, without a copy).
    pub(crate) fn encode_into(&self, out: &mut Vec<u8>) -> Result<()> {
        let (kind, arrays): (u8, &[AnyArray]) = match self {
            Payload::Array(a) => (KIND_ARRAY, std::slice::from_ref(a)),
            Payload::Partial(p) => (KIND_PARTIAL, p),
            Payload::Parts(p) => (KIND_PARTS, p),
            Payload::Value(_) => {
                return Err(Error::NotEncodable("a delayed call's value (an arbitrary Rust value)".into()));
            }
        };
        let header = MAGIC.len() + 2 + if kind == KIND_ARRAY { 0 } else { 8 };
        let len = header + arrays.iter().map(array_len).sum::<usize>();
        let start = out.len();
        out.reserve(len);
        out.extend_from_slice(MAGIC);
        out.push(PAYLOAD_FORMAT_VERSION);
        out.push(kind);
        if kind != KIND_ARRAY {
            out.extend_from_slice(&(arrays.len() as u64).to_le_bytes());
        }
        for a in arrays {
            put_array(a, out);
        }
        debug_assert_eq!(out.len() - start, len);
        Ok(())
    }

    /// A payload from the bytes [`encode`](Payload::encode) wrote.
    /// Anything else (truncated, corrupt, another format version, bytes
    /// left over) is `Error::Decode`.
    pub fn decode(bytes: &[u8]) -> Result<Payload> {
        let mut r = Reader { b: bytes, pos: 0 };
        let p = match r.header()? {
            KIND_ARRAY => Payload::Array(r.array()?),
            kind @ (KIND_PARTIAL | KIND_PARTS) => {
                let count = r.u64("the number of arrays")?;
                // Each array takes at least its fixed header: a count past
                // that is corrupt, and never sizes an allocation.
                if count > (r.left() / ARRAY_HEADER) as u64 {
                    return Err(Error::Decode(format!("{count} arrays in {} bytes", r.left())));
                }
                let mut arrays = Vec::with_capacity(count as usize);
                for _ in 0..count {
                    arrays.push(r.array()?);
                }
                if kind == KIND_PARTS {
                    Payload::Parts(arrays)
                } else {
                    Payload::Partial(arrays)
                }
            }
            k => return Err(Error::Decode(format!("unknown payload kind {k}"))),
        };
        r.end()?;
        Ok(p)
    }
}

impl AnyArray {
    /// The array as bytes: the same as encoding `Payload::Array` of it.
    ///
    /// ```
    /// use darray::dtype::AnyArray;
    /// let a = AnyArray::U16(ndarray::Array::from_shape_vec((2, 0), vec![]).unwrap().into_dyn());
    /// assert_eq!(AnyArray::decode(&a.encode())?, a);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(MAGIC.len() + 2 + array_len(self));
        out.extend_from_slice(MAGIC);
        out.push(PAYLOAD_FORMAT_VERSION);
        out.push(KIND_ARRAY);
        put_array(self, &mut out);
        out
    }

    /// An array from the bytes [`encode`](AnyArray::encode) (or
    /// `Payload::Array`'s encoding) wrote; a partial or anything corrupt is
    /// `Error::Decode`.
    pub fn decode(bytes: &[u8]) -> Result<AnyArray> {
        let mut r = Reader { b: bytes, pos: 0 };
        match r.header()? {
            KIND_ARRAY => {
                let a = r.array()?;
                r.end()?;
                Ok(a)
            }
            KIND_PARTIAL => Err(Error::Decode("a partial payload, not a single array".into())),
            k => Err(Error::Decode(format!("unknown payload kind {k}"))),
        }
    }
}
