//! Arithmetic between data arrays, aligned by dimension name (xarray's
//! broadcasting): `&t2m - &t2m.mean("time")`.

use super::{Coord, DataArray};
use crate::array::DArray;
use crate::dtype::Numeric;
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::ops::{Add, Div, Mul, Sub};

/// Two arrays over the union of their dimensions (the left's, then the
/// right's others), each with axes of length 1 where it lacks one.
struct Aligned<T> {
    left: DArray<T>,
    right: DArray<T>,
    dims: Vec<String>,
    coords: BTreeMap<String, Coord>,
}

impl<T: Numeric> DataArray<T> {
    fn aligned(&self, other: &DataArray<T>) -> Result<Aligned<T>> {
        let mut dims = self.dims.clone();
        for (d, &n) in other.dims.iter().zip(other.shape()) {
            match self.dims.iter().position(|x| x == d) {
                Some(a) if self.shape()[a] != n => {
                    return Err(Error::Shape(format!(
                        "{d} has length {} in {} and {n} in {}",
                        self.shape()[a],
                        self.name,
                        other.name
                    )))
                }
                Some(_) => {}
                None => dims.push(d.clone()),
            }
        }
        let mut coords = self.coords.clone();
        for (k, c) in &other.coords {
            match coords.get(k) {
                Some(mine) if mine.values() != c.values() || mine.dims() != c.dims() => {
                    return Err(Error::Invalid(format!(
                        "coordinate {k} differs between {} and {} (arrays are not aligned by value)",
                        self.name, other.name
                    )))
                }
                Some(_) => {}
                None => {
                    coords.insert(k.clone(), c.clone());
                }
            }
        }
        let extra: Vec<usize> = (self.ndim()..dims.len()).collect();
        let left = if extra.is_empty() { self.data.clone() } else { self.data.expand_dims_axes(&extra) };
        // The right's axes in the order of `dims`, then the missing ones.
        let at = |d: &String| dims.iter().position(|x| x == d).expect("a dimension of the union");
        let mut perm: Vec<usize> = (0..other.ndim()).collect();
        perm.sort_by_key(|&a| at(&other.dims[a]));
        let right = other.data.permuted_axes(&perm);
        let missing: Vec<usize> = (0..dims.len()).filter(|&i| !other.dims.contains(&dims[i])).collect();
        let right = if missing.is_empty() { right } else { right.expand_dims_axes(&missing) };
        Ok(Aligned { left, right, dims, coords })
    }

    /// `f` of the two arrays aligned by name; an error (lengths or
    /// coordinates that differ) is carried by the result, as `DArray`'s
    /// operations carry theirs.
    fn zip_with(&self, other: &DataArray<T>, f: impl FnOnce(&DArray<T>, &DArray<T>) -> DArray<T>) -> DataArray<T> {
        match self.aligned(other) {
            Ok(a) => self.rewrap(f(&a.left, &a.right), a.dims, a.coords),
            Err(e) => self.rewrap(self.data.failed_with(e), self.dims.clone(), self.coords.clone()),
        }
    }
}

macro_rules! named_binop {
    ($($tr:ident $m:ident),*) => {$(
        impl<T: Numeric> $tr<&DataArray<T>> for &DataArray<T> {
            type Output = DataArray<T>;
            /// Elementwise, the arrays aligned by dimension name: the
            /// result has the left's dimensions, then the right's others.
            fn $m(self, other: &DataArray<T>) -> DataArray<T> {
                self.zip_with(other, |a, b| a.$m(b))
            }
        }
        impl<T: Numeric> $tr<DataArray<T>> for DataArray<T> {
            type Output = DataArray<T>;
            fn $m(self, other: DataArray<T>) -> DataArray<T> {
                (&self).$m(&other)
            }
        }
    )*};
}
named_binop!(Add add, Sub sub, Mul mul, Div div);
