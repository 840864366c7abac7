//! Selection: by position (`isel`) and by coordinate value (`sel`,
//! `sel_nearest`, `sel_range`), one dimension at a time.

use super::{DataArray, Label};
use crate::array::{normalise, Sel};
use crate::dtype::Element;
use crate::error::{Error, Result};

impl<T: Element> DataArray<T> {
    /// Positions along `dim`, by NumPy's basic indexing: a position
    /// (`Sel::index(-1)`, which drops the dimension and leaves a scalar
    /// coordinate) or a range with a step (`Sel::span(0, 10)`,
    /// `Sel::range(None, None, -1)`). Only the chunks the result needs are
    /// read.
    ///
    /// ```
    /// use darray::dataset::{Coord, DataArray};
    /// use darray::{DArray, Sel};
    /// let da = DataArray::new("x", DArray::<f64>::arange(0.0, 6.0, 1.0, 2)?, ["t"])?
    ///     .with_coord(Coord::new("t", vec![10.0, 11.0, 12.0, 13.0, 14.0, 15.0]))?;
    /// let r = da.isel("t", Sel::range(Some(1), None, 2))?;
    /// assert_eq!(r.coord("t")?.values(), [11.0, 13.0, 15.0]);
    /// let one = da.isel("t", -1)?;
    /// assert_eq!((one.ndim(), one.coord("t")?.values()), (0, &[15.0][..]));
    /// assert!(matches!(da.isel("t", 6), Err(darray::Error::Sel { .. })));
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn isel(&self, dim: &str, sel: impl Into<Sel>) -> Result<DataArray<T>> {
        let axis = self.axis(dim)?;
        let sel = sel.into();
        let at = Positions::of(dim, sel, self.shape()[axis])?;
        let mut dims = self.dims.clone();
        if let Positions::One(_) = at {
            dims.remove(axis);
        }
        let mut coords = self.coords.clone();
        if let Some(c) = coords.get_mut(dim) {
            *c = at.apply(c);
        }
        let mut all = vec![Sel::all(); self.ndim()];
        all[axis] = sel;
        let data = self.data.slice(&all).validate()?;
        Ok(self.rewrap(data, dims, coords))
    }

    /// The position whose coordinate value is `label` along `dim` (the
    /// dimension is dropped): a number, or a date for a time coordinate
    /// (`"2000-01-15T06:00"`, a [`DateTime`](crate::time::DateTime)). A
    /// value the coordinate does not hold is [`Error::Sel`].
    pub fn sel(&self, dim: &str, label: impl Into<Label>) -> Result<DataArray<T>> {
        let i = self.coord_of(dim)?.exact(&label.into())?;
        self.isel(dim, Sel::Index(i as isize))
    }

    /// The position whose coordinate value is closest to `label` (of two
    /// as close, the larger value, as xarray's `method="nearest"`). The
    /// coordinate must be monotonic; a label more than half a step beyond
    /// either end is [`Error::Sel`].
    ///
    /// ```
    /// use darray::dataset::{Coord, DataArray};
    /// use darray::DArray;
    /// let da = DataArray::new("x", DArray::<f64>::arange(0.0, 4.0, 1.0, 2)?, ["lat"])?
    ///     .with_coord(Coord::new("lat", vec![90.0, 30.0, -30.0, -90.0]))?;
    /// assert_eq!(da.sel_nearest("lat", 50.0)?.compute()?[[]], 1.0);
    /// assert_eq!(da.sel_nearest("lat", 0.0)?.compute()?[[]], 1.0); // a tie: the larger
    /// assert!(da.sel_nearest("lat", 150.0).is_err());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn sel_nearest(&self, dim: &str, label: impl Into<Label>) -> Result<DataArray<T>> {
        let i = self.coord_of(dim)?.nearest(&label.into())?;
        self.isel(dim, Sel::Index(i as isize))
    }

    /// The positions whose coordinate values lie between two labels,
    /// inclusive, given in either order, in the coordinate's order (so
    /// `sel_range("lat", 60.0, 30.0)` and `(30.0, 60.0)` are the same on a
    /// coordinate from 90 to -90). For a time coordinate the labels are
    /// dates, or a year (`"2000"`) or month (`"2000-03"`) standing for all
    /// of it. The coordinate must be monotonic; a range with no values in
    /// it is [`Error::Sel`].
    pub fn sel_range(&self, dim: &str, from: impl Into<Label>, to: impl Into<Label>) -> Result<DataArray<T>> {
        let r = self.coord_of(dim)?.range(&from.into(), &to.into())?;
        self.isel(dim, Sel::span(r.start as isize, r.end as isize))
    }

    /// The coordinate of dimension `dim`.
    fn coord_of(&self, dim: &str) -> Result<&super::Coord> {
        self.axis(dim)?;
        self.coords.get(dim).ok_or_else(|| Error::Sel {
            dim: dim.to_string(),
            message: format!("{dim} has no coordinate to select by value in; isel selects by position"),
        })
    }
}

/// What a position or range selects along an axis of length `n`.
#[derive(Debug, Clone, Copy)]
pub(super) enum Positions {
    /// One position: the axis is dropped.
    One(usize),
    /// `count` positions from `start` by `step`.
    Run { start: usize, step: isize, count: usize },
}

impl Positions {
    pub(super) fn of(dim: &str, sel: Sel, n: usize) -> Result<Positions> {
        match sel {
            Sel::Index(i) => {
                let j = if i < 0 { i + n as isize } else { i };
                if j < 0 || j >= n as isize {
                    return Err(Error::Sel {
                        dim: dim.to_string(),
                        message: format!("position {i} is out of range for length {n}"),
                    });
                }
                Ok(Positions::One(j as usize))
            }
            Sel::Range { step: 0, .. } => Err(Error::Invalid(format!("a step of 0 along {dim}"))),
            Sel::Range { start, stop, step } => {
                let (start, step, count) = normalise(start, stop, step, n);
                Ok(Positions::Run { start, step, count })
            }
            Sel::NewAxis | Sel::Ellipsis => {
                Err(Error::Invalid(format!("isel takes a position or a range, not {sel:?}")))
            }
        }
    }

    /// The coordinate of the selected positions.
    pub(super) fn apply(self, c: &super::Coord) -> super::Coord {
        match self {
            Positions::One(i) => c.at(i),
            Positions::Run { start, step, count } => c.stepped(start, step, count),
        }
    }
}
