//! Reading a block of a NetCDF classic variable: its bytes lie at fixed
//! offsets (a fixed-size variable in one piece, a record variable as one
//! slab per record, records a fixed stride apart), so a block is a set of
//! positional reads of whole runs of its rows, merged where they touch.

use crate::dtype::{AnyArray, DType};
use crate::error::{IoError, Result};
use crate::io::codec::decode_elements;
use crate::ops::BlockReader;
use std::os::unix::fs::FileExt;

/// Reads blocks of one variable.
pub(crate) struct Reader {
    pub path: String,
    pub name: String,
    pub dtype: DType,
    pub file: std::fs::File,
    pub file_len: u64,
    /// The variable's shape (a record variable's first axis: the records).
    pub shape: Vec<usize>,
    /// Where its data (its first record's) starts.
    pub begin: u64,
    /// Bytes from one record to the next, for a record variable.
    pub record_stride: Option<u64>,
}

impl Reader {
    fn corrupt(&self, detail: String) -> crate::Error {
        IoError::Corrupt { path: self.path.clone(), detail: format!("variable {:?}: {detail}", self.name) }.into()
    }

    /// The file ranges (offset, bytes) holding the block, in the block's
    /// row-major order, touching ones merged.
    fn ranges(&self, offset: &[usize], shape: &[usize]) -> Vec<(u64, u64)> {
        let size = self.dtype.size() as u64;
        let nd = shape.len();
        let first = usize::from(self.record_stride.is_some());
        // The run: the last axes the block covers whole, and the one before
        // them in part, are contiguous in the file.
        let mut k = nd;
        while k > first && (k == nd || (offset[k] == 0 && shape[k] == self.shape[k])) {
            k -= 1;
        }
        let k = k.max(first);
        let inner = |a: usize| self.shape[a + 1..].iter().product::<usize>() as u64;
        let run = if k < nd { shape[k] as u64 * inner(k) } else { 1 } * size;
        // Every index of the axes before the run, row-major.
        let outer: Vec<(usize, usize)> = (0..k).map(|a| (offset[a], shape[a])).collect();
        let mut at: Vec<usize> = outer.iter().map(|&(o, _)| o).collect();
        let mut out: Vec<(u64, u64)> = vec![];
        loop {
            let (rec, within) = match self.record_stride {
                Some(stride) => (at[0] as u64 * stride, first),
                None => (0, 0),
            };
            let mut elem = 0u64;
            for a in within..nd {
                let i = if a < k { at[a] } else { offset[a] };
                elem += i as u64 * inner(a);
            }
            let start = self.begin + rec + elem * size;
            match out.last_mut() {
                Some((s, n)) if *s + *n == start => *n += run,
                _ => out.push((start, run)),
            }
            // Next outer index.
            let mut a = k;
            loop {
                if a == 0 {
                    return out;
                }
                a -= 1;
                at[a] += 1;
                if at[a] < outer[a].0 + outer[a].1 {
                    break;
                }
                at[a] = outer[a].0;
            }
        }
    }
}

impl BlockReader for Reader {
    fn read(&self, offset: &[usize], shape: &[usize]) -> Result<AnyArray> {
        if shape.contains(&0) {
            return Ok(AnyArray::default_of(self.dtype, shape));
        }
        let ranges = self.ranges(offset, shape);
        let total: u64 = ranges.iter().map(|r| r.1).sum();
        let mut bytes = vec![0u8; total as usize];
        let mut at = 0usize;
        for (start, n) in ranges {
            let end = start.checked_add(n).filter(|&e| e <= self.file_len);
            if end.is_none() {
                return Err(self.corrupt(format!(
                    "{n} bytes at {start} lie past the end of the file ({} bytes): it is truncated",
                    self.file_len
                )));
            }
            let dst = &mut bytes[at..at + n as usize];
            self.file
                .read_exact_at(dst, start)
                .map_err(|e| self.corrupt(format!("{n} bytes at {start} cannot be read: {e}")))?;
            at += n as usize;
        }
        Ok(decode_elements(self.dtype, &bytes, shape, true, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(shape: &[usize], record_stride: Option<u64>) -> Reader {
        Reader {
            path: String::new(),
            name: String::new(),
            dtype: DType::I16,
            file: std::fs::File::open("/dev/null").unwrap(),
            file_len: 0,
            shape: shape.to_vec(),
            begin: 100,
            record_stride,
        }
    }

    #[test]
    fn ranges_follow_the_layout_and_merge() {
        // A fixed 4 x 5 variable: whole rows merge into one read.
        let r = reader(&[4, 5], None);
        assert_eq!(r.ranges(&[1, 0], &[2, 5]), [(110, 20)]);
        // Part rows: one read per row.
        assert_eq!(r.ranges(&[1, 1], &[2, 3]), [(112, 6), (122, 6)]);
        // Records 64 bytes apart, 3 x 5 shorts each (30 bytes).
        let r = reader(&[10, 3, 5], Some(64));
        assert_eq!(r.ranges(&[2, 0, 0], &[2, 3, 5]), [(228, 30), (292, 30)]);
        assert_eq!(r.ranges(&[0, 1, 2], &[1, 2, 2]), [(114, 4), (124, 4)]);
        // Records that follow each other (one record variable) merge.
        let r = reader(&[10, 2], Some(4));
        assert_eq!(r.ranges(&[3, 0], &[4, 2]), [(112, 16)]);
        // A 1-d record variable: one element per record.
        let r = reader(&[10], Some(8));
        assert_eq!(r.ranges(&[1], &[2]), [(108, 2), (116, 2)]);
        // A scalar.
        assert_eq!(reader(&[], None).ranges(&[], &[]), [(100, 2)]);
    }
}
