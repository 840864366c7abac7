//! The header of a NetCDF classic file, as the NetCDF file format
//! specification defines it: magic, record count, dimensions, global
//! attributes, variables (dimensions, attributes, type, size, offset), all
//! big-endian, names and values padded to 4 bytes. Versions 1 (classic), 2
//! (64-bit offset: 8-byte variable offsets) and 5 (64-bit data, CDF-5:
//! 8-byte counts and sizes, and the unsigned and 64-bit integer types).

use crate::dtype::DType;
use crate::io::AttrValue;
use std::collections::BTreeMap;

/// What the header says; offsets are absolute in the file.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    /// 1, 2 or 5.
    pub version: u8,
    /// Records written (`None`: "streaming", counted from the file's size).
    pub numrecs: Option<u64>,
    /// Dimensions: name and length (0: the record dimension).
    pub dims: Vec<(String, u64)>,
    pub attrs: BTreeMap<String, AttrValue>,
    pub vars: Vec<Var>,
}

/// One variable.
#[derive(Debug, Clone)]
pub(crate) struct Var {
    pub name: String,
    pub dimids: Vec<usize>,
    pub attrs: BTreeMap<String, AttrValue>,
    pub nc_type: u32,
    /// Bytes of the variable (of one record, for a record variable), as
    /// the header states it (padded to 4).
    pub vsize: u64,
    /// Where its data (its first record's) starts.
    pub begin: u64,
}

/// Why a header cannot be read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bad {
    /// The bytes given end before the header does (a longer read may
    /// parse; the whole file: it is truncated).
    Short(String),
    /// The header is not a NetCDF classic one.
    Corrupt(String),
}

impl Bad {
    pub(crate) fn message(self) -> String {
        match self {
            Bad::Short(m) | Bad::Corrupt(m) => m,
        }
    }
}

/// `Err(Bad::Corrupt(..))`.
fn corrupt<T>(m: String) -> Result<T, Bad> {
    Err(Bad::Corrupt(m))
}

/// The element type of a NetCDF type, its name, and its size in bytes.
pub(crate) fn nc_type(t: u32) -> Option<(Option<DType>, &'static str, usize)> {
    Some(match t {
        1 => (Some(DType::I8), "byte", 1),
        2 => (None, "char", 1),
        3 => (Some(DType::I16), "short", 2),
        4 => (Some(DType::I32), "int", 4),
        5 => (Some(DType::F32), "float", 4),
        6 => (Some(DType::F64), "double", 8),
        7 => (Some(DType::U8), "ubyte", 1),
        8 => (Some(DType::U16), "ushort", 2),
        9 => (Some(DType::U32), "uint", 4),
        10 => (Some(DType::I64), "int64", 8),
        11 => (Some(DType::U64), "uint64", 8),
        _ => return None,
    })
}

const NC_DIMENSION: u32 = 0x0A;
const NC_VARIABLE: u32 = 0x0B;
const NC_ATTRIBUTE: u32 = 0x0C;

/// A cursor over the header's bytes.
struct Cursor<'a> {
    buf: &'a [u8],
    at: usize,
    version: u8,
}

impl Cursor<'_> {
    fn take(&mut self, n: usize, what: &str) -> Result<&[u8], Bad> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.buf.len());
        let Some(end) = end else {
            return Err(Bad::Short(format!("the file ends inside the header, in {what} (at byte {})", self.at)));
        };
        let s = &self.buf[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u32(&mut self, what: &str) -> Result<u32, Bad> {
        Ok(u32::from_be_bytes(self.take(4, what)?.try_into().expect("4 bytes")))
    }
    fn u64(&mut self, what: &str) -> Result<u64, Bad> {
        Ok(u64::from_be_bytes(self.take(8, what)?.try_into().expect("8 bytes")))
    }
    /// A count or size: 4 bytes, 8 in CDF-5.
    fn non_neg(&mut self, what: &str) -> Result<u64, Bad> {
        if self.version == 5 {
            self.u64(what)
        } else {
            let v = self.u32(what)?;
            // Signed in the specification: a negative one is corrupt.
            if v > i32::MAX as u32 {
                return corrupt(format!("{what} is negative ({})", v as i32));
            }
            Ok(v as u64)
        }
    }
    /// A count that sizes something to read: at most what the header has
    /// left, so a corrupt one cannot make us allocate without bound.
    fn count(&mut self, what: &str, each: usize) -> Result<usize, Bad> {
        let n = self.non_neg(what)?;
        let left = (self.buf.len() - self.at) as u64;
        if n.saturating_mul(each.max(1) as u64) > left {
            return Err(Bad::Short(format!("{what} is {n}, more than the file holds")));
        }
        Ok(n as usize)
    }
    fn pad(&mut self, n: usize, what: &str) -> Result<(), Bad> {
        self.take((4 - n % 4) % 4, what).map(|_| ())
    }
    fn name(&mut self, what: &str) -> Result<String, Bad> {
        let n = self.count(what, 1)?;
        let s = self.take(n, what)?;
        let name = std::str::from_utf8(s).map_err(|_| Bad::Corrupt(format!("{what} is not UTF-8")))?.to_string();
        self.pad(n, what)?;
        Ok(name)
    }
    /// A list's tag and length; `ABSENT` (two zeros) is an empty list.
    fn list(&mut self, tag: u32, what: &str) -> Result<usize, Bad> {
        let t = self.u32(what)?;
        let n = self.non_neg(what)?;
        match (t, n) {
            (0, 0) => Ok(0),
            (t, _) if t == tag => {
                let left = (self.buf.len() - self.at) as u64;
                // Every entry takes at least 4 bytes.
                if n.saturating_mul(4) > left {
                    return Err(Bad::Short(format!("{what} has {n} entries, more than the file holds")));
                }
                Ok(n as usize)
            }
            _ => corrupt(format!("{what} is not where the header should have it (tag {t:#x})")),
        }
    }
    fn attrs(&mut self, whose: &str) -> Result<BTreeMap<String, AttrValue>, Bad> {
        let n = self.list(NC_ATTRIBUTE, &format!("the attributes of {whose}"))?;
        let mut out = BTreeMap::new();
        for _ in 0..n {
            let name = self.name(&format!("an attribute name of {whose}"))?;
            let what = format!("attribute {name:?} of {whose}");
            let t = self.u32(&what)?;
            let (_, _, size) = nc_type(t).ok_or_else(|| Bad::Corrupt(format!("{what} has an unknown type ({t})")))?;
            let count = self.count(&what, size)?;
            let bytes = self.take(count * size, &what)?;
            out.insert(name, attr_value(t, bytes));
            self.pad(count * size, &what)?;
        }
        Ok(out)
    }
}

/// An attribute's values (big-endian) in its own type; text without the
/// trailing nuls some writers pad it with.
fn attr_value(t: u32, b: &[u8]) -> AttrValue {
    macro_rules! nums {
        ($v:ident, $t:ty) => {
            AttrValue::$v(b.chunks_exact(size_of::<$t>()).map(|c| <$t>::from_be_bytes(c.try_into().unwrap())).collect())
        };
    }
    match t {
        1 => nums!(I8, i8),
        2 => AttrValue::Str(String::from_utf8_lossy(b).trim_end_matches('\0').to_string()),
        3 => nums!(I16, i16),
        4 => nums!(I32, i32),
        5 => nums!(F32, f32),
        6 => nums!(F64, f64),
        7 => nums!(U8, u8),
        8 => nums!(U16, u16),
        9 => nums!(U32, u32),
        10 => nums!(I64, i64),
        _ => nums!(U64, u64),
    }
}

/// The NetCDF classic version of a file's first bytes (`CDF` then 1, 2 or
/// 5), if it is one.
pub(crate) fn version(head: &[u8]) -> Option<u8> {
    match head {
        [b'C', b'D', b'F', v @ (1 | 2 | 5), ..] => Some(*v),
        _ => None,
    }
}

impl Header {
    /// Parses a header from the file's first bytes (`Bad::Short`: the
    /// header goes on past `buf`).
    pub(crate) fn parse(buf: &[u8]) -> Result<Header, Bad> {
        let Some(version) = version(buf) else {
            return corrupt("not a NetCDF classic file (no CDF signature)".to_string());
        };
        let mut c = Cursor { buf, at: 4, version };
        let numrecs = match c.non_neg("the record count") {
            Ok(n) => Some(n).filter(|&n| n != u64::MAX),
            // 0xFFFFFFFF: records are being written ("streaming").
            Err(Bad::Corrupt(_)) => None,
            Err(e) => return Err(e),
        };
        let ndims = c.list(NC_DIMENSION, "the dimension list")?;
        let mut dims = Vec::with_capacity(ndims);
        for _ in 0..ndims {
            let name = c.name("a dimension name")?;
            let len = c.non_neg(&format!("the length of dimension {name:?}"))?;
            dims.push((name, len));
        }
        if dims.iter().filter(|d| d.1 == 0).count() > 1 {
            return corrupt("more than one record (unlimited) dimension".to_string());
        }
        let attrs = c.attrs("the file")?;
        let nvars = c.list(NC_VARIABLE, "the variable list")?;
        let mut vars = Vec::with_capacity(nvars);
        for _ in 0..nvars {
            let name = c.name("a variable name")?;
            let what = format!("variable {name:?}");
            let nd = c.count(&what, 4)?;
            let mut dimids = Vec::with_capacity(nd);
            for k in 0..nd {
                let id = c.non_neg(&what)? as usize;
                if id >= dims.len() {
                    return corrupt(format!("{what} names dimension {id}, of {}", dims.len()));
                }
                // Only the first axis may be the record dimension.
                if k > 0 && dims[id].1 == 0 {
                    return corrupt(format!("{what} has the record dimension on axis {k}, not the first"));
                }
                dimids.push(id);
            }
            let attrs = c.attrs(&what)?;
            let t = c.u32(&what)?;
            if nc_type(t).is_none() {
                return corrupt(format!("{what} has an unknown type ({t})"));
            }
            let vsize = c.non_neg(&what)?;
            let begin = if version == 1 { c.u32(&what)? as u64 } else { c.u64(&what)? };
            vars.push(Var { name, dimids, attrs, nc_type: t, vsize, begin });
        }
        Ok(Header { version, numrecs, dims, attrs, vars })
    }

    /// The length of a dimension (the record count for the record one).
    pub(crate) fn dim_len(&self, id: usize, numrecs: u64) -> u64 {
        match self.dims[id].1 {
            0 => numrecs,
            n => n,
        }
    }

    /// Whether `v` is a record variable (its first axis is the record
    /// dimension).
    pub(crate) fn is_record(&self, v: &Var) -> bool {
        v.dimids.first().is_some_and(|&d| self.dims[d].1 == 0)
    }

    /// The bytes from one record to the next: the record variables' sizes,
    /// not padded when there is only one (the specification's exception).
    pub(crate) fn record_size(&self) -> u64 {
        let rec: Vec<&Var> = self.vars.iter().filter(|v| self.is_record(v)).collect();
        match rec.as_slice() {
            [one] => {
                let size = nc_type(one.nc_type).map_or(1, |t| t.2) as u64;
                one.dimids[1..].iter().fold(size, |acc, &d| acc.saturating_mul(self.dims[d].1))
            }
            many => many.iter().fold(0u64, |acc, v| acc.saturating_add(v.vsize)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A classic header built by hand from the specification's grammar.
    fn header(version: u8) -> Vec<u8> {
        let wide = version == 5;
        let mut b = b"CDF".to_vec();
        b.push(version);
        let n = |b: &mut Vec<u8>, v: u64| {
            if wide {
                b.extend(v.to_be_bytes())
            } else {
                b.extend((v as u32).to_be_bytes())
            }
        };
        let name = |b: &mut Vec<u8>, s: &str| {
            if wide {
                b.extend((s.len() as u64).to_be_bytes())
            } else {
                b.extend((s.len() as u32).to_be_bytes())
            }
            b.extend(s.as_bytes());
            b.resize(b.len().div_ceil(4) * 4, 0);
        };
        n(&mut b, 3); // records
        b.extend(NC_DIMENSION.to_be_bytes());
        n(&mut b, 2);
        name(&mut b, "time");
        n(&mut b, 0);
        name(&mut b, "x");
        n(&mut b, 5);
        b.extend(NC_ATTRIBUTE.to_be_bytes());
        n(&mut b, 1);
        name(&mut b, "title");
        b.extend(2u32.to_be_bytes());
        n(&mut b, 3);
        b.extend(b"abc\0");
        b.extend(NC_VARIABLE.to_be_bytes());
        n(&mut b, 1);
        name(&mut b, "v");
        n(&mut b, 2);
        n(&mut b, 0);
        n(&mut b, 1);
        b.extend([0u8; 4]); // no attributes: ABSENT
        n(&mut b, 0);
        b.extend(3u32.to_be_bytes());
        n(&mut b, 12);
        if version == 1 {
            b.extend(200u32.to_be_bytes());
        } else {
            b.extend(200u64.to_be_bytes());
        }
        b
    }

    #[test]
    fn parses_every_version_and_errs_on_every_cut() {
        for version in [1, 2, 5] {
            let b = header(version);
            let h = Header::parse(&b).unwrap();
            assert_eq!((h.version, h.numrecs), (version, Some(3)));
            assert_eq!(h.dims, [("time".to_string(), 0), ("x".to_string(), 5)]);
            assert_eq!(h.attrs["title"], AttrValue::Str("abc".into()));
            let v = &h.vars[0];
            assert_eq!((v.name.as_str(), &v.dimids[..], v.nc_type, v.vsize, v.begin), ("v", &[0, 1][..], 3, 12, 200));
            assert!(h.is_record(v));
            // One record variable: records are not padded (5 shorts).
            assert_eq!(h.record_size(), 10);
            // Every shorter prefix asks for more bytes, never panics.
            for cut in 4..b.len() {
                assert!(matches!(Header::parse(&b[..cut]), Err(Bad::Short(_))), "v{version} cut at {cut}");
            }
        }
        assert!(matches!(Header::parse(b"CDF\x03...."), Err(Bad::Corrupt(_))));
        // A bad tag is an error that names what it is.
        let mut b = header(1);
        b[8] = 0x0E;
        assert!(matches!(Header::parse(&b), Err(Bad::Corrupt(e)) if e.contains("dimension list")));
    }
}
