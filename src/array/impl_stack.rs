//! Stacking: `vstack`, `hstack`, `dstack` and `block` (NumPy's nesting
//! rules), by concatenation.

use super::impl_structure::{concatenate, Sel};
use super::DArray;
use crate::dtype::Element;
use crate::error::Error;
use crate::expr::Node;

// ------------------------------------------------------------ stacking

/// Stacks arrays along their first axis after making them at least 2-d
/// (`np.vstack`; `[n]` counts as a row `[1, n]`).
///
/// ```
/// use darray::{vstack, DArray};
/// let a = DArray::arange(1i32, 4, 1, 2)?;
/// let b = DArray::arange(4i32, 7, 1, 2)?;
/// assert_eq!(vstack(&[a, b]).compute()?, ndarray::arr2(&[[1, 2, 3], [4, 5, 6]]).into_dyn());
/// # Ok::<(), darray::Error>(())
/// ```
pub fn vstack<T: Element>(arrays: &[DArray<T>]) -> DArray<T> {
    concatenate(&arrays.iter().map(|a| a.atleast_2d()).collect::<Vec<_>>(), 0)
}

/// Stacks arrays column-wise (`np.hstack`): along the first axis for 1-d
/// arrays, the second otherwise (0-d arrays count as `[1]`).
///
/// ```
/// use darray::{hstack, DArray};
/// let a = DArray::arange(1i32, 4, 1, 2)?;
/// let b = DArray::arange(4i32, 7, 1, 2)?;
/// assert_eq!(hstack(&[a, b]).compute()?.into_raw_vec_and_offset().0, vec![1, 2, 3, 4, 5, 6]);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn hstack<T: Element>(arrays: &[DArray<T>]) -> DArray<T> {
    let parts: Vec<DArray<T>> = arrays.iter().map(|a| a.atleast_1d()).collect();
    let axis = if parts.first().is_some_and(|a| a.ndim() == 1) { 0 } else { 1 };
    concatenate(&parts, axis)
}

/// Stacks arrays along the third axis after making them at least 3-d
/// (`np.dstack`; `[n]` becomes `[1, n, 1]`, `[m, n]` becomes `[m, n, 1]`).
///
/// ```
/// use darray::{dstack, DArray};
/// let a = DArray::arange(1i32, 4, 1, 2)?;
/// let b = DArray::arange(2i32, 5, 1, 2)?;
/// // NumPy: np.dstack(([1, 2, 3], [2, 3, 4])) -> [[[1, 2], [2, 3], [3, 4]]]
/// let d = dstack(&[a, b]);
/// assert_eq!(d.shape(), &[1, 3, 2]);
/// assert_eq!(d.compute()?.into_raw_vec_and_offset().0, vec![1, 2, 2, 3, 3, 4]);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn dstack<T: Element>(arrays: &[DArray<T>]) -> DArray<T> {
    concatenate(&arrays.iter().map(|a| a.atleast_3d()).collect::<Vec<_>>(), 2)
}

/// A nested list of arrays for [`block`]: `Blocks::from(vec![vec![a, b],
/// vec![c, d]])` is NumPy's `[[a, b], [c, d]]`.
#[derive(Clone)]
pub enum Blocks<T> {
    /// One array.
    Array(DArray<T>),
    /// A list: its entries are joined along one axis.
    List(Vec<Blocks<T>>),
}

impl<T: Element> std::fmt::Debug for Blocks<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Blocks::Array(a) => write!(f, "{a:?}"),
            Blocks::List(v) => f.debug_list().entries(v).finish(),
        }
    }
}

impl<T> From<DArray<T>> for Blocks<T> {
    fn from(a: DArray<T>) -> Self {
        Blocks::Array(a)
    }
}

impl<T> From<&DArray<T>> for Blocks<T> {
    fn from(a: &DArray<T>) -> Self {
        Blocks::Array(a.clone())
    }
}

impl<T, X: Into<Blocks<T>>> From<Vec<X>> for Blocks<T> {
    fn from(v: Vec<X>) -> Self {
        Blocks::List(v.into_iter().map(Into::into).collect())
    }
}

impl<T: Element> Blocks<T> {
    /// The list depth, checked to be the same everywhere and without
    /// empty lists (NumPy's rules); `at` names the position for errors.
    fn depth(&self, at: &str) -> Result<usize, Error> {
        match self {
            Blocks::Array(_) => Ok(0),
            Blocks::List(v) if v.is_empty() => Err(Error::Invalid(format!("block: list at arrays{at} is empty"))),
            Blocks::List(v) => {
                let mut depth = None;
                for (i, b) in v.iter().enumerate() {
                    let d = b.depth(&format!("{at}[{i}]"))?;
                    if depth.is_some_and(|e| e != d) {
                        return Err(Error::Invalid(format!("block: list depths are mismatched at arrays{at}[{i}]")));
                    }
                    depth = Some(d);
                }
                Ok(1 + depth.unwrap_or(0))
            }
        }
    }

    /// The arrays, depth first.
    fn leaves(&self) -> Vec<&DArray<T>> {
        match self {
            Blocks::Array(a) => vec![a],
            Blocks::List(v) => v.iter().flat_map(|b| b.leaves()).collect(),
        }
    }

    /// Joins level `level` of a nesting `depth` deep into `ndim` axes.
    fn join(&self, level: usize, depth: usize, ndim: usize) -> DArray<T> {
        match self {
            Blocks::Array(a) => match ndim - a.ndim() {
                0 => a.clone(),
                lead => a.slice(&vec![Sel::NewAxis; lead]),
            },
            Blocks::List(v) => {
                let parts: Vec<DArray<T>> = v.iter().map(|b| b.join(level + 1, depth, ndim)).collect();
                concatenate(&parts, ndim - depth + level)
            }
        }
    }
}

/// Assembles an array from nested lists of blocks (`np.block`): the
/// innermost lists are joined along the last axis, the lists around them
/// along the axis before, and so on; arrays with fewer axes than the
/// nesting depth (or than the others) get leading axes of length 1. All
/// lists must be nested equally deep and none may be empty.
///
/// ```
/// use darray::{block, DArray};
/// let a = DArray::<i32>::full([2, 2], 1, 1)?;
/// let b = DArray::<i32>::zeros([2, 1], 1)?;
/// let c = DArray::<i32>::full([1, 3], 2, 2)?;
/// let m = block(vec![vec![a, b], vec![c]]).compute()?;
/// assert_eq!(m, ndarray::arr2(&[[1, 1, 0], [1, 1, 0], [2, 2, 2]]).into_dyn());
/// // NumPy: np.block([1, 2, 3]) is hstack.
/// let v: Vec<DArray<i32>> = (1..4).map(|i| DArray::full([], i, Vec::<usize>::new())).collect::<Result<_, _>>()?;
/// assert_eq!(block(v).compute()?.into_raw_vec_and_offset().0, vec![1, 2, 3]);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn block<T: Element>(blocks: impl Into<Blocks<T>>) -> DArray<T> {
    let blocks = blocks.into();
    let leaves = blocks.leaves();
    if let Some(bad) = leaves.iter().find(|a| !a.is_valid()) {
        return (*bad).clone();
    }
    let depth = match blocks.depth("") {
        Ok(d) => d,
        Err(e) => {
            return match leaves.first() {
                Some(a) => a.failed_with(e),
                None => DArray::from_node(Node::invalid_without_input(e, T::DTYPE)),
            }
        }
    };
    let ndim = leaves.iter().map(|a| a.ndim()).max().unwrap_or(0).max(depth);
    blocks.join(0, depth, ndim)
}
