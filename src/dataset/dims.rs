//! Which dimensions an operation works over, by name.

/// Dimension names for a reduction: one (`"time"`), several
/// (`["lat", "lon"]`), or all of them ([`Dims::all`]), as xarray's `dim=`.
///
/// ```
/// use darray::dataset::Dims;
/// assert_eq!(Dims::from("time"), Dims::Some(vec!["time".into()]));
/// assert_eq!(Dims::from(["lat", "lon"]), Dims::Some(vec!["lat".into(), "lon".into()]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dims {
    /// Every dimension.
    All,
    /// These, by name.
    Some(Vec<String>),
}

impl Dims {
    /// Every dimension.
    pub fn all() -> Dims {
        Dims::All
    }
}

impl From<&str> for Dims {
    fn from(d: &str) -> Dims {
        Dims::Some(vec![d.to_string()])
    }
}
impl From<&String> for Dims {
    fn from(d: &String) -> Dims {
        Dims::Some(vec![d.clone()])
    }
}
impl From<String> for Dims {
    fn from(d: String) -> Dims {
        Dims::Some(vec![d])
    }
}
impl<const N: usize> From<[&str; N]> for Dims {
    fn from(d: [&str; N]) -> Dims {
        Dims::Some(d.iter().map(|s| s.to_string()).collect())
    }
}
impl From<&[&str]> for Dims {
    fn from(d: &[&str]) -> Dims {
        Dims::Some(d.iter().map(|s| s.to_string()).collect())
    }
}
impl From<Vec<String>> for Dims {
    fn from(d: Vec<String>) -> Dims {
        Dims::Some(d)
    }
}
impl From<&[String]> for Dims {
    fn from(d: &[String]) -> Dims {
        Dims::Some(d.to_vec())
    }
}
