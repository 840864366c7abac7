//! Steps on whole blocks as data: each task of a `Blocks` node runs one
//! `BlockOp` on a list of whole blocks (blocks of its inputs, or earlier
//! blocks of its own node) and gives one block. Quantiles gather a lane's
//! blocks, scans read the previous output block for their carry, moving
//! windows read the neighbours their windows reach. `crate::kernels::blocks`
//! runs them.

use serde::{Deserialize, Serialize};

/// How a quantile between two order statistics is chosen: NumPy's
/// `method` names (its default is `Linear`). The continuous ones are the
/// Hyndman-Fan definitions 4 to 9; the discontinuous ones 1 to 3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum QuantileMethod {
    /// H&F 1: the smallest value whose empirical CDF reaches `q`.
    InvertedCdf,
    /// H&F 2: as `InvertedCdf`, averaging at discontinuities.
    AveragedInvertedCdf,
    /// H&F 3: the nearest order statistic, the even one on ties.
    ClosestObservation,
    /// H&F 4: linear interpolation of the empirical CDF.
    InterpolatedInvertedCdf,
    /// H&F 5: piecewise linear with knots at the midpoints.
    Hazen,
    /// H&F 6: `p[k] = k / (n + 1)`.
    Weibull,
    /// H&F 7, NumPy's and R's default: `p[k] = (k - 1) / (n - 1)`.
    #[default]
    Linear,
    /// H&F 8: median-unbiased whatever the distribution.
    MedianUnbiased,
    /// H&F 9: unbiased for normally distributed data.
    NormalUnbiased,
    /// The order statistic below `Linear`'s position.
    Lower,
    /// The order statistic above `Linear`'s position.
    Higher,
    /// The mean of `Lower` and `Higher`.
    Midpoint,
    /// The order statistic nearest `Linear`'s position (the even one on ties).
    Nearest,
}

impl QuantileMethod {
    /// Every method, in NumPy's order.
    pub const ALL: [QuantileMethod; 13] = [
        QuantileMethod::InvertedCdf,
        QuantileMethod::AveragedInvertedCdf,
        QuantileMethod::ClosestObservation,
        QuantileMethod::InterpolatedInvertedCdf,
        QuantileMethod::Hazen,
        QuantileMethod::Weibull,
        QuantileMethod::Linear,
        QuantileMethod::MedianUnbiased,
        QuantileMethod::NormalUnbiased,
        QuantileMethod::Lower,
        QuantileMethod::Higher,
        QuantileMethod::Midpoint,
        QuantileMethod::Nearest,
    ];

    /// NumPy's name for it (`"linear"`, `"median_unbiased"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            QuantileMethod::InvertedCdf => "inverted_cdf",
            QuantileMethod::AveragedInvertedCdf => "averaged_inverted_cdf",
            QuantileMethod::ClosestObservation => "closest_observation",
            QuantileMethod::InterpolatedInvertedCdf => "interpolated_inverted_cdf",
            QuantileMethod::Hazen => "hazen",
            QuantileMethod::Weibull => "weibull",
            QuantileMethod::Linear => "linear",
            QuantileMethod::MedianUnbiased => "median_unbiased",
            QuantileMethod::NormalUnbiased => "normal_unbiased",
            QuantileMethod::Lower => "lower",
            QuantileMethod::Higher => "higher",
            QuantileMethod::Midpoint => "midpoint",
            QuantileMethod::Nearest => "nearest",
        }
    }
}

/// A prefix scan along an axis (NumPy's `cumsum`, ...; xarray's `ffill`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ScanOp {
    /// Running sum.
    Sum,
    /// Running product.
    Prod,
    /// Running sum, NaN taken as 0.
    NanSum,
    /// Running product, NaN taken as 1.
    NanProd,
    /// Running maximum (NaN once a NaN is seen).
    Max,
    /// Running minimum (NaN once a NaN is seen).
    Min,
    /// NaN replaced by the last value before it that is not NaN.
    Fill,
}

impl ScanOp {
    /// The name shown in graphs.
    pub fn name(self) -> &'static str {
        match self {
            ScanOp::Sum => "cumsum",
            ScanOp::Prod => "cumprod",
            ScanOp::NanSum => "nancumsum",
            ScanOp::NanProd => "nancumprod",
            ScanOp::Max => "cummax",
            ScanOp::Min => "cummin",
            ScanOp::Fill => "ffill",
        }
    }
}

/// A reduction over a moving window (pandas' and xarray's `rolling`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum RollOp {
    /// Sum of the values that are not NaN.
    Sum,
    /// Their mean.
    Mean,
    /// Their minimum.
    Min,
    /// Their maximum.
    Max,
    /// Their variance with `ddof` delta degrees of freedom.
    Var { ddof: f64 },
    /// Their standard deviation with `ddof` delta degrees of freedom.
    Std { ddof: f64 },
    /// How many there are.
    Count,
    /// The last of them (a forward fill with a limit `l`: a window of
    /// `l + 1` ending at the position).
    Last,
    /// The first of them (a backward fill with a limit `l`: a window of
    /// `l + 1` starting at the position).
    First,
}

impl RollOp {
    /// The name shown in graphs.
    pub fn name(self) -> &'static str {
        match self {
            RollOp::Sum => "rolling-sum",
            RollOp::Mean => "rolling-mean",
            RollOp::Min => "rolling-min",
            RollOp::Max => "rolling-max",
            RollOp::Var { .. } => "rolling-var",
            RollOp::Std { .. } => "rolling-std",
            RollOp::Count => "rolling-count",
            RollOp::Last => "ffill",
            RollOp::First => "bfill",
        }
    }
}

/// One step on whole blocks, giving one block. `axis` is the axis the
/// step works along; `reverse` runs it from the end (a backward fill, or
/// a window reaching forward).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum BlockOp {
    /// Quantiles `q` (in `[0, 1]`) over `axes`: the arguments are every
    /// block along those axes (row-major over `grid`, the block counts
    /// along them) for one block of the other axes. The output has the
    /// other axes (or all, of length 1 on `axes`, with `keepdims`), after
    /// a leading axis of `q` when `q_axis`. With `skipna` NaN are left out;
    /// without, a lane holding NaN gives NaN.
    Quantile {
        axes: Vec<usize>,
        grid: Vec<usize>,
        q: Vec<f64>,
        method: QuantileMethod,
        skipna: bool,
        keepdims: bool,
        q_axis: bool,
    },
    /// A scan of the first argument along `axis`, continuing from the
    /// second (the previous output block along `axis`, absent for the
    /// first block) if given.
    Scan { op: ScanOp, axis: usize, reverse: bool },
    /// A moving window along `axis` over the arguments joined along it:
    /// positions `lead .. lead + len` of the joined arguments are the
    /// output block's. Position `i`'s window is `i - before ..= i + after`,
    /// clipped to the joined arguments (which reach the array's edges, or
    /// as far as any window); NaN where it holds fewer than `min_periods`
    /// values that are not NaN.
    Rolling { op: RollOp, axis: usize, before: usize, after: usize, min_periods: usize, lead: usize, len: usize },
    /// Quantile `q` of each group of positions along `axis` (`groups[g]`:
    /// positions in the arguments joined along it, every block along it
    /// for one block of the others); the axis becomes the groups.
    GroupQuantile { axis: usize, groups: Vec<Vec<usize>>, q: f64, method: QuantileMethod, skipna: bool },
    /// Windows of `window[a]` positions along each axis `a` reduced by `op`
    /// (NaN left out; NaN for a window of NaN alone, 0 for its sum and
    /// count): the block's extents are multiples of the windows.
    Coarsen { window: Vec<usize>, op: RollOp },
    /// Counts of the block's values in the bins between `edges` (NumPy's
    /// `histogram`: each bin half-open but the last, closed; NaN and values
    /// outside left out), as a `1 x bins` block.
    Histogram { edges: Vec<f64> },
    /// Counts of the pairs of the two argument blocks in the bins between
    /// `x_edges` and `y_edges`, as a `1 x nx x ny` block.
    Histogram2d { x_edges: Vec<f64>, y_edges: Vec<f64> },
    /// Occurrences of each value `0 .. length` (NumPy's `bincount`), as a
    /// `1 x length` block; any other value is an error.
    Bincount { length: usize },
    /// Index of the bin between `bins` (increasing or decreasing) of each
    /// value (NumPy's `digitize`, `right` closing bins on the right).
    Digitize { bins: Vec<f64>, right: bool },
    /// The `k` largest values along `axis` (`k < 0`: the `-k` smallest),
    /// largest (smallest) first, or with `arg` their positions; NaN
    /// counts as the largest value, ties go to the first position.
    TopK { axis: usize, k: isize, arg: bool },
    /// Least-squares polynomial coefficients of degree `deg` of each lane
    /// along `axis` against the coordinates `x`, highest power first on a
    /// leading axis (the fitted axis dropped); with `skipna` a lane's NaN
    /// are left out, else they give NaN. Fewer values than coefficients
    /// give NaN.
    Polyfit { axis: usize, x: Vec<f64>, deg: usize, skipna: bool },
    /// Each lane along `axis` (at the increasing or decreasing coordinates
    /// `x`) linearly interpolated at `new`; NaN outside `x` unless
    /// `extrapolate` (then from the edge segments).
    Interp { axis: usize, x: Vec<f64>, new: Vec<f64>, extrapolate: bool },
    /// NaN between two values of a lane along `axis` filled by linear
    /// interpolation at coordinates `x` (at most the first `limit` of each
    /// run of NaN); NaN before the first or after the last value stay.
    InterpolateNa { axis: usize, x: Vec<f64>, limit: Option<usize> },
    /// A user function (its node holds the closure; not serialisable).
    #[serde(serialize_with = "super::refuse_custom", skip_deserializing)]
    Custom(super::CustomOp),
}

impl BlockOp {
    /// The name shown in graphs and task keys.
    pub fn name(&self) -> &'static str {
        match self {
            BlockOp::Quantile { .. } => "quantile",
            BlockOp::Scan { op, reverse: true, .. } if *op == ScanOp::Fill => "bfill",
            BlockOp::Scan { op, .. } => op.name(),
            BlockOp::Rolling { op, .. } => op.name(),
            BlockOp::GroupQuantile { .. } => "groupby-quantile",
            BlockOp::Coarsen { .. } => "coarsen",
            BlockOp::Histogram { .. } => "histogram",
            BlockOp::Histogram2d { .. } => "histogram2d",
            BlockOp::Bincount { .. } => "bincount",
            BlockOp::Digitize { .. } => "digitize",
            BlockOp::TopK { arg: false, .. } => "topk",
            BlockOp::TopK { arg: true, .. } => "argtopk",
            BlockOp::Polyfit { .. } => "polyfit",
            BlockOp::Interp { .. } => "interp",
            BlockOp::InterpolateNa { .. } => "interpolate_na",
            BlockOp::Custom(_) => "blockwise",
        }
    }
}
