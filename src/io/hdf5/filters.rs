//! The filters our own chunk path runs on worker threads, outside the HDF5
//! lock: deflate (zlib streams, as HDF5 writes them) and byte shuffle.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// One step of a chunk's filter pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    Deflate(u8),
    Shuffle,
}

/// Inflates a zlib stream that should give exactly `len` bytes.
pub(crate) fn inflate(src: &[u8], len: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(len);
    let mut d = Decompress::new(true);
    loop {
        let before = d.total_out();
        let status = d
            .decompress_vec(&src[d.total_in() as usize..], &mut out, FlushDecompress::Finish)
            .map_err(|e| format!("deflate stream does not inflate: {e}"))?;
        match status {
            Status::StreamEnd => break,
            // A stream longer than the chunk: make room once to detect it.
            _ if out.len() == out.capacity() => out.reserve(len.max(64)),
            _ if d.total_out() == before => return Err("deflate stream is truncated".to_string()),
            _ => {}
        }
    }
    if out.len() != len {
        return Err(format!("chunk inflates to {} bytes, not {len}", out.len()));
    }
    Ok(out)
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

/// Undoes HDF5's shuffle: byte `j` of element `i` is stored at `j * n + i`.
pub(crate) fn unshuffle(src: &[u8], size: usize) -> Vec<u8> {
    let n = src.len() / size;
    let mut out = vec![0u8; src.len()];
    if size <= 1 || n <= 1 {
        return src.to_vec();
    }
    for (j, plane) in src[..n * size].chunks_exact(n).enumerate() {
        for (i, &b) in plane.iter().enumerate() {
            out[i * size + j] = b;
        }
    }
    // Bytes past the last whole element are stored unshuffled.
    out[n * size..].copy_from_slice(&src[n * size..]);
    out
}

/// HDF5's shuffle: groups byte `j` of every element together.
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
    }
}
