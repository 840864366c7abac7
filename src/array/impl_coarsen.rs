//! `coarsen`: blocks of neighbouring positions over several axes at once
//! reduced to one value (xarray's `coarsen`), NaN-aware. The array is
//! rechunked so that every block holds whole windows; each block's task
//! then reduces its own windows.

use super::{DArray, PadMode};
use crate::chunks::Chunks;
use crate::dtype::{CastFrom, Element, Numeric};
use crate::error::Error;
use crate::expr::{build::blockwise, rechunk};
use crate::ops::{BlockOp, RollOp};

/// What `coarsen` does with positions past the last whole window (xarray's
/// `boundary`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CoarsenBoundary {
    /// Every coarsened axis must be a multiple of its window (an error otherwise).
    #[default]
    Exact,
    /// The positions past the last whole window are left out.
    Trim,
    /// The last window is completed with NaN (which the reductions skip).
    Pad,
}

/// Windows over several axes, from [`DArray::coarsen`]: each reduction
/// gives one value per window, NaN left out (`sum` and `count` of a
/// window of NaN alone are 0, the others NaN); integers give `f64`.
///
/// ```
/// use darray::{CoarsenBoundary, DArray};
/// let x = DArray::from_array(ndarray::Array2::from_shape_fn((4, 6), |(i, j)| (i * 6 + j) as f64), [3, 4])?;
/// let m = x.coarsen(&[(0, 2), (1, 3)]).mean().compute()?;
/// assert_eq!(m.into_raw_vec_and_offset().0, vec![4.0, 7.0, 16.0, 19.0]);
/// let t = x.coarsen(&[(1, 4)]).boundary(CoarsenBoundary::Trim).max().compute()?;
/// assert_eq!(t.shape(), &[4, 1]);
/// assert!(x.coarsen(&[(1, 4)]).sum().validate().is_err());
/// # Ok::<(), darray::Error>(())
/// ```
#[derive(Clone)]
pub struct Coarsen<T> {
    x: DArray<T>,
    windows: Vec<(usize, usize)>,
    boundary: CoarsenBoundary,
}

super::impl_rolling::window_reductions!(Coarsen);

impl<T: Element> DArray<T> {
    /// Windows of `w` positions along each `(axis, w)`; see [`Coarsen`].
    pub fn coarsen(&self, windows: &[(usize, usize)]) -> Coarsen<T> {
        Coarsen { x: self.clone(), windows: windows.to_vec(), boundary: CoarsenBoundary::Exact }
    }
}

impl<T: Numeric> Coarsen<T>
where
    T::Mean: CastFrom<T>,
{
    /// What to do past the last whole window.
    pub fn boundary(mut self, b: CoarsenBoundary) -> Self {
        self.boundary = b;
        self
    }
    fn reduce(&self, op: RollOp) -> DArray<T::Mean> {
        let x = &self.x;
        if let Some(e) = x.error() {
            return x.failed_as(e.clone());
        }
        let nd = x.ndim();
        let mut window = vec![1usize; nd];
        for &(a, w) in &self.windows {
            if a >= nd {
                return x.failed_as(Error::Axis { axis: a, ndim: nd });
            }
            if w == 0 || window[a] != 1 {
                return x
                    .failed_as(Error::Invalid(format!("coarsen: window {w} for axis {a} (zero, or the axis twice)")));
            }
            window[a] = w;
        }
        let mut y = x.cast::<T::Mean>();
        let excess: Vec<usize> = (0..nd).map(|a| y.shape()[a] % window[a]).collect();
        if excess.iter().any(|&e| e > 0) {
            y = match self.boundary {
                CoarsenBoundary::Exact => {
                    let a = (0..nd).find(|&a| excess[a] > 0).expect("an axis with excess");
                    return x.failed_as(Error::Invalid(format!(
                        "coarsen: axis {a} of length {} is not a multiple of the window {} (choose a boundary)",
                        y.shape()[a],
                        window[a]
                    )));
                }
                CoarsenBoundary::Trim => {
                    let sel: Vec<super::Sel> =
                        (0..nd).map(|a| super::Sel::span(0, (y.shape()[a] - excess[a]) as isize)).collect();
                    y.slice(&sel)
                }
                CoarsenBoundary::Pad => {
                    let width: Vec<(usize, usize)> =
                        (0..nd).map(|a| (0, if excess[a] > 0 { window[a] - excess[a] } else { 0 })).collect();
                    y.pad(&width, PadMode::Constant(<T::Mean as num_traits::Float>::nan()))
                }
            };
        }
        // Chunk boundaries moved to multiples of the windows (the nearest,
        // at least one window a block).
        let sizes: Vec<Vec<usize>> = (0..nd)
            .map(|a| {
                let (w, n) = (window[a], y.shape()[a]);
                if w == 1 || n == 0 {
                    return y.chunks()[a].clone();
                }
                let mut cuts: Vec<usize> = y.chunks()[a]
                    .iter()
                    .scan(0, |s, &c| {
                        *s += c;
                        Some(((*s + w / 2) / w * w).clamp(w, n))
                    })
                    .collect();
                cuts.dedup();
                let mut prev = 0;
                cuts.iter().map(|&c| std::mem::replace(&mut prev, c)).zip(cuts.iter()).map(|(p, &c)| c - p).collect()
            })
            .collect();
        let y = if sizes.as_slice() != y.chunks() {
            DArray::<T::Mean>::from_node(rechunk(y.node.clone(), Chunks::from_sizes(sizes)))
        } else {
            y
        };
        let shape: Vec<usize> = (0..nd).map(|a| y.shape()[a] / window[a]).collect();
        let out = Chunks::from_sizes((0..nd).map(|a| y.chunks()[a].iter().map(|c| c / window[a]).collect()).collect());
        let dtype = <T::Mean as Element>::DTYPE;
        DArray::from_node(blockwise::per_block(
            vec![y.node.clone()],
            BlockOp::Coarsen { window, op },
            shape,
            out,
            dtype,
        ))
    }
}
