//! The chunk grid: how an array's shape is cut into blocks along each axis.

use crate::error::{Error, Result};

/// Default chunk size for automatic chunking, as in dask (`array.chunk-size`).
pub const DEFAULT_CHUNK_BYTES: usize = 128 << 20;

/// How a user asks for chunks. Converts from a chunk shape (`[usize; N]`,
/// `Vec<usize>`, `&[usize]`), from one size for every axis (`usize`), or from
/// explicit per-axis lists (`Vec<Vec<usize>>`).
///
/// ```
/// use darray::{ChunkSpec, DArray};
/// let a = DArray::<f64>::zeros([10, 7], [4, 7]).unwrap();
/// assert_eq!(a.chunks(), &[vec![4, 4, 2], vec![7]]);
/// let b = DArray::<f64>::zeros([10], vec![vec![3, 7]]).unwrap();
/// assert_eq!(b.chunks(), &[vec![3, 7]]);
/// let c = DArray::<f64>::zeros([1000, 1000], ChunkSpec::Auto(80_000)).unwrap();
/// assert_eq!(c.chunks()[0][0] * c.chunks()[1][0] * 8, 80_000);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum ChunkSpec {
    /// The same chunk length along each axis (the last block may be shorter).
    Shape(Vec<usize>),
    /// One chunk length for every axis.
    Uniform(usize),
    /// Explicit block lengths per axis.
    Explicit(Vec<Vec<usize>>),
    /// Near-square chunks of about this many bytes.
    Auto(usize),
}

impl ChunkSpec {
    /// Automatic chunks of about `DEFAULT_CHUNK_BYTES`.
    pub fn auto() -> Self {
        ChunkSpec::Auto(DEFAULT_CHUNK_BYTES)
    }
}

impl<const N: usize> From<[usize; N]> for ChunkSpec {
    fn from(c: [usize; N]) -> Self {
        ChunkSpec::Shape(c.to_vec())
    }
}
impl From<&[usize]> for ChunkSpec {
    fn from(c: &[usize]) -> Self {
        ChunkSpec::Shape(c.to_vec())
    }
}
impl From<Vec<usize>> for ChunkSpec {
    fn from(c: Vec<usize>) -> Self {
        ChunkSpec::Shape(c)
    }
}
impl From<usize> for ChunkSpec {
    fn from(c: usize) -> Self {
        ChunkSpec::Uniform(c)
    }
}
impl From<Vec<Vec<usize>>> for ChunkSpec {
    fn from(c: Vec<Vec<usize>>) -> Self {
        ChunkSpec::Explicit(c)
    }
}

/// Most blocks along one axis: the grid keeps a list of block lengths per
/// axis, so a spec like `ones([10^15], [1])` is refused before it is built.
pub const MAX_AXIS_BLOCKS: usize = 1 << 24;

/// The number of elements of `shape`, checking that it and its size in
/// bytes (`itemsize` each) fit the address space (`isize::MAX` bytes, the
/// most one allocation can hold).
pub(crate) fn checked_len(shape: &[usize], itemsize: usize) -> Result<usize> {
    let n = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    match n.and_then(|n| n.checked_mul(itemsize.max(1)).map(|b| (n, b))) {
        Some((n, b)) if b <= isize::MAX as usize => Ok(n),
        _ => Err(Error::TooLarge(format!(
            "an array of shape {shape:?} ({} bytes of {itemsize}-byte elements) is larger than the address space \
             (at most {} bytes)",
            shape.iter().map(|&d| d as f64).product::<f64>() * itemsize as f64,
            isize::MAX
        ))),
    }
}

/// A normalised chunk grid: block lengths per axis and their start offsets.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Chunks {
    sizes: Vec<Vec<usize>>,
    offsets: Vec<Vec<usize>>,
}

impl Chunks {
    /// Normalises a spec against a shape, checking it describes the shape.
    pub fn new(shape: &[usize], spec: &ChunkSpec, itemsize: usize) -> Result<Chunks> {
        checked_len(shape, itemsize)?;
        let sizes = match spec {
            ChunkSpec::Shape(c) => {
                if c.len() != shape.len() {
                    return Err(Error::Chunks(format!(
                        "chunk shape {c:?} has {} axes, the array {}",
                        c.len(),
                        shape.len()
                    )));
                }
                shape.iter().zip(c).map(|(&n, &c)| regular(n, c)).collect::<Result<_>>()?
            }
            ChunkSpec::Uniform(c) => shape.iter().map(|&n| regular(n, *c)).collect::<Result<_>>()?,
            ChunkSpec::Explicit(lists) => {
                if lists.len() != shape.len() {
                    return Err(Error::Chunks(format!(
                        "{} chunk lists for an array of {} axes",
                        lists.len(),
                        shape.len()
                    )));
                }
                for (axis, (l, &n)) in lists.iter().zip(shape).enumerate() {
                    let total = l.iter().try_fold(0usize, |a, &c| a.checked_add(c)).unwrap_or(usize::MAX);
                    if total != n {
                        return Err(Error::Chunks(format!(
                            "chunks {l:?} along axis {axis} sum to {total}, not the axis length {n}"
                        )));
                    }
                    if n > 0 && l.contains(&0) {
                        return Err(Error::Chunks(format!("zero-length chunk in {l:?} along axis {axis}")));
                    }
                }
                lists.iter().zip(shape).map(|(l, &n)| if n == 0 { vec![0] } else { l.clone() }).collect()
            }
            ChunkSpec::Auto(bytes) => auto(shape, *bytes, itemsize)?,
        };
        Ok(Self::from_sizes(sizes))
    }

    /// Builds a grid from block lengths already known to be valid.
    pub(crate) fn from_sizes(sizes: Vec<Vec<usize>>) -> Chunks {
        let offsets = sizes
            .iter()
            .map(|l| {
                let mut acc = 0;
                l.iter()
                    .map(|&s| {
                        let o = acc;
                        acc += s;
                        o
                    })
                    .collect()
            })
            .collect();
        Chunks { sizes, offsets }
    }

    /// Block lengths per axis.
    pub fn sizes(&self) -> &[Vec<usize>] {
        &self.sizes
    }
    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.sizes.len()
    }
    /// Number of blocks along each axis.
    pub fn numblocks(&self) -> Vec<usize> {
        self.sizes.iter().map(Vec::len).collect()
    }
    /// Total number of blocks.
    pub fn nblocks(&self) -> usize {
        // Saturating: a grid of 2^24 blocks on each of several axes has more
        // blocks than a usize counts (refused when lowered).
        self.sizes.iter().fold(1usize, |acc, l| acc.saturating_mul(l.len()))
    }
    /// Start of block `i` along `axis`.
    pub fn offset(&self, axis: usize, i: usize) -> usize {
        self.offsets[axis][i]
    }
    /// Shape of the block at a grid index.
    pub fn block_shape(&self, idx: &[usize]) -> Vec<usize> {
        idx.iter().enumerate().map(|(a, &i)| self.sizes[a][i]).collect()
    }
    /// Global start of the block at a grid index.
    pub fn block_offset(&self, idx: &[usize]) -> Vec<usize> {
        idx.iter().enumerate().map(|(a, &i)| self.offsets[a][i]).collect()
    }
    /// The block along `axis` that holds position `pos`.
    pub fn locate(&self, axis: usize, pos: usize) -> usize {
        match self.offsets[axis].binary_search(&pos) {
            Ok(mut i) => {
                // Skip zero-length blocks starting at the same offset.
                while i + 1 < self.sizes[axis].len() && self.sizes[axis][i] == 0 {
                    i += 1;
                }
                i
            }
            Err(i) => i - 1,
        }
    }
    /// Largest block, in elements.
    pub fn max_block_len(&self) -> usize {
        self.sizes.iter().map(|l| l.iter().copied().max().unwrap_or(0)).product()
    }
    /// All grid indices in row-major order.
    pub fn block_indices(&self) -> impl Iterator<Item = Vec<usize>> + '_ {
        GridIter::new(self.numblocks())
    }
}

/// Row-major iteration over a grid of the given extents.
pub(crate) struct GridIter {
    dims: Vec<usize>,
    next: Option<Vec<usize>>,
}

impl GridIter {
    pub(crate) fn new(dims: Vec<usize>) -> Self {
        let next = if dims.contains(&0) { None } else { Some(vec![0; dims.len()]) };
        GridIter { dims, next }
    }
}

impl Iterator for GridIter {
    type Item = Vec<usize>;
    fn next(&mut self) -> Option<Vec<usize>> {
        let cur = self.next.take()?;
        let mut n = cur.clone();
        let mut axis = n.len();
        loop {
            if axis == 0 {
                break;
            }
            axis -= 1;
            n[axis] += 1;
            if n[axis] < self.dims[axis] {
                self.next = Some(n);
                break;
            }
            n[axis] = 0;
        }
        Some(cur)
    }
}

fn regular(n: usize, c: usize) -> Result<Vec<usize>> {
    if n == 0 {
        return Ok(vec![0]);
    }
    if c == 0 {
        return Err(Error::Chunks(format!("chunk length 0 for an axis of length {n}")));
    }
    if n.div_ceil(c) > MAX_AXIS_BLOCKS {
        return Err(Error::TooLarge(format!(
            "chunks of {c} along an axis of {n} make {} blocks; at most {MAX_AXIS_BLOCKS} blocks an axis are \
             supported: use larger chunks",
            n.div_ceil(c)
        )));
    }
    let mut v = vec![c; n / c];
    if !n.is_multiple_of(c) {
        v.push(n % c);
    }
    Ok(v)
}

/// Near-square chunks of at most `bytes`: axes shorter than the ideal edge
/// are kept whole and their unused budget goes to the others.
fn auto(shape: &[usize], bytes: usize, itemsize: usize) -> Result<Vec<Vec<usize>>> {
    if bytes < itemsize {
        return Err(Error::Chunks(format!("automatic chunk budget of {bytes} bytes is below one element")));
    }
    let mut budget = (bytes / itemsize) as f64;
    let mut edge = vec![0usize; shape.len()];
    let mut open: Vec<usize> = (0..shape.len()).collect();
    // Fix axes that fit whole, smallest first, then split the rest evenly.
    open.sort_by_key(|&a| shape[a]);
    let mut left = open.len();
    for &a in &open {
        let ideal = budget.powf(1.0 / left as f64);
        let e = if (shape[a] as f64) <= ideal { shape[a] } else { ideal.floor().max(1.0) as usize };
        edge[a] = e;
        budget /= e.max(1) as f64;
        left -= 1;
    }
    // Even out: same number of blocks, as equal as possible (like dask).
    shape
        .iter()
        .zip(&edge)
        .map(|(&n, &e)| {
            if n == 0 {
                return Ok(vec![0]);
            }
            let nblocks = n.div_ceil(e.max(1));
            regular(n, n.div_ceil(nblocks))
        })
        .collect()
}

/// The common refinement of several block-length lists over one axis.
pub(crate) fn refine(lists: &[&[usize]]) -> Vec<usize> {
    let mut cuts: Vec<usize> = Vec::new();
    let mut total = 0;
    for l in lists {
        let mut acc = 0;
        for &s in l.iter() {
            acc += s;
            cuts.push(acc);
        }
        total = acc;
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = Vec::with_capacity(cuts.len());
    let mut prev = 0;
    for c in cuts {
        if c > prev {
            out.push(c - prev);
            prev = c;
        }
    }
    if out.is_empty() {
        out.push(total);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_chunks_end_short() {
        let c = Chunks::new(&[10, 3], &ChunkSpec::Shape(vec![4, 3]), 8).unwrap();
        assert_eq!(c.sizes(), &[vec![4, 4, 2], vec![3]]);
        assert_eq!(c.offset(0, 2), 8);
        assert_eq!(c.locate(0, 7), 1);
        assert_eq!(c.locate(0, 8), 2);
    }

    #[test]
    fn zero_length_axis_has_one_empty_block() {
        let c = Chunks::new(&[0, 5], &ChunkSpec::Uniform(2), 8).unwrap();
        assert_eq!(c.sizes(), &[vec![0], vec![2, 2, 1]]);
        assert_eq!(c.nblocks(), 3);
    }

    #[test]
    fn bad_specs_are_errors() {
        assert!(Chunks::new(&[10], &ChunkSpec::Shape(vec![0]), 8).is_err());
        assert!(Chunks::new(&[10], &ChunkSpec::Shape(vec![2, 2]), 8).is_err());
        assert!(Chunks::new(&[10], &ChunkSpec::Explicit(vec![vec![3, 3]]), 8).is_err());
        assert!(Chunks::new(&[10], &ChunkSpec::Explicit(vec![vec![10, 0]]), 8).is_err());
        assert!(Chunks::new(&[10], &ChunkSpec::Auto(4), 8).is_err());
    }

    #[test]
    fn auto_respects_budget_and_is_near_square() {
        let c = Chunks::new(&[100_000, 100_000], &ChunkSpec::Auto(DEFAULT_CHUNK_BYTES), 8).unwrap();
        let b = c.sizes()[0][0] * c.sizes()[1][0] * 8;
        assert!(b <= DEFAULT_CHUNK_BYTES && b > DEFAULT_CHUNK_BYTES / 2, "{b}");
        let d = Chunks::new(&[3, 1_000_000], &ChunkSpec::Auto(8 * 3000), 8).unwrap();
        assert_eq!(d.sizes()[0], vec![3]);
        assert!(d.sizes()[1][0] <= 1000);
    }

    #[test]
    fn refinement_unions_boundaries() {
        assert_eq!(refine(&[&[5, 5], &[3, 7]]), vec![3, 2, 5]);
        assert_eq!(refine(&[&[0]]), vec![0]);
    }
}
