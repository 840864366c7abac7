//! The programs the harness runs: inputs (how an array is made), a chain of
//! operations and an optional final reduction, as plain data with a
//! readable `Debug`. Proptest generates raw numbers (`Raw*`); `resolve`
//! turns them into a concrete program against the shapes met along the
//! chain, so every generated program is well-formed for NumPy (apart from
//! a few deliberate errors), and shrinking the raw numbers toward zero
//! simplifies the program.

use darray::{ChunkSpec, Sel};
use proptest::prelude::*;
use std::fmt;

/// How an input array is built.
#[derive(Clone, Debug, PartialEq)]
pub enum Src {
    /// `DArray::from_array(a, chunks)`.
    FromArray,
    /// `DArray::from_array(a, chunks).persist()`.
    Persist,
    /// `DArray::from_array(a, chunks).map_blocks(|b, _| b)`.
    MapBlocks,
    /// `DArray::from_block_fn(..)` slicing the values.
    BlockFn,
    /// `DArray::from_fn(shape, chunks, |i| a[i])`.
    FromFn,
    /// `DArray::arange(start, start + n * step, step, chunk).reshape(shape)`,
    /// then `.rechunk(chunks)` when `rechunk`.
    Arange { start: f64, step: f64, chunk: usize, rechunk: bool },
    /// `DArray::ones(shape, chunks)`.
    Ones,
    /// `DArray::full(shape, v, chunks)`.
    Full(f64),
    /// Written with `Writer` (storage chunks, deflate or not), read back
    /// with `ReadOptions::default().chunks(chunks)` (or default chunks).
    Hdf5 { storage: Vec<usize>, deflate: bool, read_chunks: bool },
}

/// The kinds of `Src`, as chosen by the generators.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SrcKind {
    FromArray,
    Persist,
    MapBlocks,
    BlockFn,
    FromFn,
    Arange,
    Ones,
    Full,
    Hdf5,
}

pub const IN_MEMORY: &[SrcKind] = &[SrcKind::FromArray, SrcKind::Persist, SrcKind::MapBlocks, SrcKind::BlockFn];
pub const SOURCES: &[SrcKind] = &[SrcKind::FromFn, SrcKind::Arange, SrcKind::Ones, SrcKind::Full];
pub const HDF5: &[SrcKind] = &[SrcKind::Hdf5];
/// Every kind, for the other operands of binary operations.
pub const ALL: &[SrcKind] = &[
    SrcKind::FromArray,
    SrcKind::Persist,
    SrcKind::MapBlocks,
    SrcKind::BlockFn,
    SrcKind::FromFn,
    SrcKind::Arange,
    SrcKind::Ones,
    SrcKind::Full,
    SrcKind::FromArray,
    SrcKind::MapBlocks,
    SrcKind::FromFn,
    SrcKind::Hdf5,
];
/// Every kind but HDF5 (cheap other operands).
pub const ALL_BUT_HDF5: &[SrcKind] = &[
    SrcKind::FromArray,
    SrcKind::Persist,
    SrcKind::MapBlocks,
    SrcKind::BlockFn,
    SrcKind::FromFn,
    SrcKind::Arange,
    SrcKind::Ones,
    SrcKind::Full,
];

/// An input array: its shape, chunks, how it is made and its values (row-major).
#[derive(Clone, PartialEq)]
pub struct Input {
    pub shape: Vec<usize>,
    pub chunks: ChunkSpec,
    pub src: Src,
    pub vals: Vec<f64>,
}

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Input {{ shape: {:?}, chunks: {:?}, src: {:?}, vals: {:?} }}",
            self.shape, self.chunks, self.src, self.vals
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ScalarOp {
    /// `x + s`
    Add,
    /// `x - s`
    Sub,
    /// `x * s`
    Mul,
    /// `x / s`
    Div,
    /// `s - x`
    RSub,
    /// `s * x`
    RMul,
    /// `x % s` (NumPy's `remainder`: the sign of the divisor)
    Rem,
    /// `s % x`
    RRem,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum UnOp {
    Abs,
    Neg,
    /// `x.abs().sqrt()`
    SqrtAbs,
    /// `x.clip(lo, hi)`
    Clip(f64, f64),
    Floor,
    Signum,
    /// `x.mapv(|v| v * 2.0 - 1.0)`
    Mapv,
    /// NumPy's `round`: halves to even
    Round,
    Trunc,
    Square,
    Arctan,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    /// NumPy's `maximum` (NaN propagates)
    Maximum,
    /// NumPy's `minimum`
    Minimum,
    Div,
    /// NumPy's `remainder`
    Rem,
    /// NumPy's `fmax` (NaN skipped unless both are)
    Fmax,
    /// NumPy's `fmin`
    Fmin,
    Hypot,
    /// `|a|` with `b`'s sign
    Copysign,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

/// One branch of `where_`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Side {
    /// The chain's array.
    X,
    /// The other array of the step.
    Other,
    Scalar(f64),
}

/// One step of the chain; `x` is the array so far.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Scalar(ScalarOp, f64),
    Unary(UnOp),
    /// `x op other` (or `other op x` when `other_left`), broadcasting.
    Binary {
        op: BinOp,
        other: Input,
        other_left: bool,
    },
    /// `where_(&c.cmp(thr), then_, else_)` with `c` = `other` when
    /// `cond_on_other`, else `x`.
    Where {
        cmp: Cmp,
        thr: f64,
        cond_on_other: bool,
        then_: Side,
        else_: Side,
        other: Option<Input>,
    },
    /// `x.t()`
    T,
    /// `x.permuted_axes(&perm)`
    Permute(Vec<usize>),
    /// `x.swap_axes(a, b)`
    SwapAxes(usize, usize),
    /// `x.slice(&sel)`
    Slice(Vec<Sel>),
    /// `x.rechunk(chunks)`
    Rechunk(ChunkSpec),
    /// `x.reshape(shape)`
    Reshape(Vec<usize>),
    /// `concatenate(&[x, other], axis)` (`[other, x]` when `other_left`;
    /// `other: None` is `x` itself).
    Concat {
        other: Option<Input>,
        axis: usize,
        other_left: bool,
    },
    /// `x.take(&indices, axis)`
    Take {
        indices: Vec<isize>,
        axis: usize,
    },
    /// `stack(&[x, other], axis)` (`[other, x]` when `other_left`; `other:
    /// None` is `x` itself).
    Stack {
        other: Option<Input>,
        axis: usize,
        other_left: bool,
    },
    /// `x.persist()`
    Persist,
    /// `x.map_blocks(|b, _| b)`
    MapBlocks,
    /// `&x - &x.mean_with(&ReduceOpts { axes, keepdims: true, .. })`
    SubMean {
        axes: Option<Vec<usize>>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RedKind {
    Sum,
    Mean,
    Min,
    Max,
    Var(f64),
    Std(f64),
    ArgMin,
    ArgMax,
    NanSum,
    NanMean,
    NanMin,
    NanMax,
    Prod,
    NanVar(f64),
    NanStd(f64),
    /// `x.greater(thr).any_with(..)`
    AnyGt(f64),
    /// `x.greater(thr).all_with(..)`
    AllGt(f64),
}

impl RedKind {
    /// No identity: NumPy raises on an empty reduced axis.
    pub fn needs_nonempty(self) -> bool {
        matches!(
            self,
            RedKind::Min | RedKind::Max | RedKind::ArgMin | RedKind::ArgMax | RedKind::NanMin | RedKind::NanMax
        )
    }
    pub fn is_arg(self) -> bool {
        matches!(self, RedKind::ArgMin | RedKind::ArgMax)
    }
}

/// The final reduction: `x.<kind>_with(&ReduceOpts { axes, keepdims, split_every })`.
#[derive(Clone, Debug, PartialEq)]
pub struct Reduce {
    pub kind: RedKind,
    pub axes: Option<Vec<usize>>,
    pub keepdims: bool,
    pub split_every: Option<usize>,
}

/// A whole case.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    pub input: Input,
    pub ops: Vec<Op>,
    pub reduce: Option<Reduce>,
}

// ---------------------------------------------------------------------------
// Raw generated numbers.

#[derive(Clone, Debug)]
pub struct RawInput {
    pub src: u8,
    pub r: Vec<u16>,
    pub vals: Vec<f64>,
}

#[derive(Clone, Debug)]
pub struct RawStep {
    pub kind: u8,
    pub r: Vec<u16>,
    pub other: RawInput,
}

#[derive(Clone, Debug)]
pub struct RawCase {
    pub shape: Vec<usize>,
    pub base: RawInput,
    pub steps: Vec<RawStep>,
    pub reduce: Option<(u8, Vec<u16>)>,
}

/// Element values: mostly small integers (exact sums, ties for argmin),
/// some arbitrary floats, in some cases occasional NaN.
pub fn vals() -> BoxedStrategy<Vec<f64>> {
    let clean = || prop_oneof![6 => (-5i32..=5).prop_map(f64::from), 3 => -100.0..100.0f64];
    let nanny = prop_oneof![12 => clean(), 1 => Just(f64::NAN)];
    prop_oneof![7 => prop::collection::vec(clean(), 1..40), 3 => prop::collection::vec(nanny, 1..40)].boxed()
}

fn raw_r() -> impl Strategy<Value = Vec<u16>> {
    prop::collection::vec(any::<u16>(), 16)
}

pub fn raw_input() -> impl Strategy<Value = RawInput> {
    (any::<u8>(), raw_r(), vals()).prop_map(|(src, r, vals)| RawInput { src, r, vals })
}

pub fn raw_shape() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(prop_oneof![1 => Just(0usize), 2 => Just(1usize), 8 => 2..=7usize], 1..=3)
}

/// Shapes whose blocks can span several of a fused task's tiles (512
/// elements or more).
pub fn raw_large_shape() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(prop_oneof![1 => Just(1usize), 2 => 2..=7usize, 4 => 20..=70usize], 1..=3).prop_map(
        |mut s| {
            while s.iter().product::<usize>() > 5000 {
                let k = s.iter().enumerate().max_by_key(|p| p.1).unwrap().0;
                s[k] /= 2;
            }
            s
        },
    )
}

/// A raw case: `max_steps` steps at most; a final reduction with
/// probability `reduce_w` / 10.
pub fn raw_case(min_steps: usize, max_steps: usize, reduce_w: u32) -> impl Strategy<Value = RawCase> {
    raw_case_of(raw_shape().boxed(), min_steps, max_steps, reduce_w)
}

pub fn raw_case_of(
    shape: BoxedStrategy<Vec<usize>>,
    min_steps: usize,
    max_steps: usize,
    reduce_w: u32,
) -> impl Strategy<Value = RawCase> {
    let step = (any::<u8>(), raw_r(), raw_input()).prop_map(|(kind, r, other)| RawStep { kind, r, other });
    let reduce = prop_oneof![
        (10 - reduce_w) => Just(None),
        reduce_w => (any::<u8>(), raw_r()).prop_map(Some),
    ];
    (shape, raw_input(), prop::collection::vec(step, min_steps..=max_steps), reduce)
        .prop_map(|(shape, base, steps, reduce)| RawCase { shape, base, steps, reduce })
}

/// Reads raw numbers in turn (cycling).
pub struct R<'a> {
    v: &'a [u16],
    i: usize,
}

impl<'a> R<'a> {
    pub fn new(v: &'a [u16]) -> Self {
        R { v, i: 0 }
    }
    /// A number in `0..m` (0 when `m` is 0).
    pub fn n(&mut self, m: usize) -> usize {
        if m == 0 || self.v.is_empty() {
            return 0;
        }
        let x = self.v[self.i % self.v.len()] as usize;
        self.i += 1;
        x % m
    }
    /// True with probability 1 / `m`.
    pub fn one_in(&mut self, m: usize) -> bool {
        self.n(m) == m - 1
    }
    pub fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.n(xs.len())].clone()
    }
}

/// A chunking of `shape`: a regular chunk shape, a uniform length,
/// irregular per-axis lists, or one block.
pub fn chunk_spec(r: &mut R, shape: &[usize]) -> ChunkSpec {
    match r.n(5) {
        0 | 1 => ChunkSpec::Shape(shape.iter().map(|&n| 1 + r.n(n.max(1))).collect()),
        2 => ChunkSpec::Explicit(
            shape
                .iter()
                .map(|&n| {
                    if n == 0 {
                        return vec![0];
                    }
                    let mut out = vec![];
                    let mut left = n;
                    while left > 0 {
                        let c = 1 + r.n(left);
                        out.push(c);
                        left -= c;
                    }
                    out
                })
                .collect(),
        ),
        3 => ChunkSpec::Uniform(1 + r.n(4)),
        _ => ChunkSpec::Shape(shape.iter().map(|&n| n.max(1)).collect()),
    }
}

fn cycle(vals: &[f64], n: usize) -> Vec<f64> {
    (0..n).map(|i| vals[i % vals.len()]).collect()
}

pub fn resolve_input(raw: &RawInput, shape: &[usize], kinds: &[SrcKind]) -> Input {
    let mut r = R::new(&raw.r);
    let n: usize = shape.iter().product();
    let chunks = chunk_spec(&mut r, shape);
    let kind = kinds[raw.src as usize % kinds.len()];
    let mut vals = cycle(&raw.vals, n);
    let src = match kind {
        SrcKind::FromArray => Src::FromArray,
        SrcKind::Persist => Src::Persist,
        SrcKind::MapBlocks => Src::MapBlocks,
        SrcKind::BlockFn => Src::BlockFn,
        SrcKind::FromFn => Src::FromFn,
        SrcKind::Arange => {
            let start = r.pick(&[0.0, -3.0, 2.0, 0.5]);
            let step = r.pick(&[1.0, 0.5, -1.0, 2.0]);
            vals = (0..n).map(|i| start + i as f64 * step).collect();
            Src::Arange { start, step, chunk: 1 + r.n(n.max(1)), rechunk: r.n(2) == 1 }
        }
        SrcKind::Ones => {
            vals = vec![1.0; n];
            Src::Ones
        }
        SrcKind::Full => {
            let v = raw.vals[0];
            vals = vec![v; n];
            Src::Full(v)
        }
        SrcKind::Hdf5 => Src::Hdf5 {
            storage: shape.iter().map(|&n| 1 + r.n(n.max(1))).collect(),
            deflate: r.n(2) == 1,
            read_chunks: r.n(4) != 0,
        },
    };
    Input { shape: shape.to_vec(), chunks, src, vals }
}

/// NumPy's broadcast of shapes, or `None`.
pub fn broadcast_shapes(shapes: &[&[usize]]) -> Option<Vec<usize>> {
    let nd = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = vec![1usize; nd];
    for s in shapes {
        for (k, &d) in s.iter().enumerate() {
            let o = &mut out[nd - s.len() + k];
            if *o == 1 {
                *o = d;
            } else if d != 1 && d != *o {
                return None;
            }
        }
    }
    Some(out)
}

const MAX_ELEMS: usize = 6000;
const MAX_NDIM: usize = 4;

/// A shape that broadcasts with `s` (rarely one that does not).
fn other_shape(r: &mut R, s: &[usize]) -> Vec<usize> {
    let d = s.len();
    let per_axis = |r: &mut R, n: usize| -> usize {
        if n == 1 {
            // Grow a length-1 axis sometimes.
            [1, 1, 2, 3, 0][r.n(5)]
        } else if r.n(3) == 0 {
            1
        } else {
            n
        }
    };
    let mut out: Vec<usize> = match r.n(10) {
        0..=5 => s.iter().map(|&n| per_axis(r, n)).collect(),
        6 | 7 => {
            let keep = r.n(d + 1);
            s[d - keep..].iter().map(|&n| per_axis(r, n)).collect()
        }
        8 => {
            let mut v = vec![1 + r.n(3)];
            v.extend(s.iter().map(|&n| per_axis(r, n)));
            v
        }
        _ => {
            // Rarely incompatible.
            let mut v = s.to_vec();
            if d > 0 && r.one_in(3) {
                let a = r.n(d);
                v[a] = if s[a] == 2 { 3 } else { 2 };
            }
            v
        }
    };
    if out.len() > MAX_NDIM {
        out.remove(0);
    }
    if let Some(b) = broadcast_shapes(&[s, &out]) {
        if b.iter().product::<usize>() > MAX_ELEMS {
            return s.to_vec();
        }
    }
    out
}

fn perm(r: &mut R, d: usize) -> Vec<usize> {
    let mut p: Vec<usize> = (0..d).collect();
    for i in (1..d).rev() {
        p.swap(i, r.n(i + 1));
    }
    p
}

fn pos_or_extreme(r: &mut R, n: usize) -> Option<isize> {
    let n = n as isize;
    match r.n(7) {
        0 | 1 => None,
        2..=5 => Some(r.n((2 * n + 5) as usize) as isize - n - 2),
        _ => Some(r.pick(&[isize::MIN, isize::MAX, -isize::MAX, isize::MIN + 1])),
    }
}

fn sel(r: &mut R, s: &[usize]) -> Vec<Sel> {
    let d = s.len();
    let mut k = r.n(d + 1);
    if d > 0 && k == 0 && r.n(2) == 0 {
        k = d;
    }
    let mut out = vec![];
    let mut out_nd = d;
    for &n in &s[..k] {
        if out_nd < MAX_NDIM && r.one_in(6) {
            out.push(Sel::NewAxis);
            out_nd += 1;
        }
        match r.n(10) {
            0..=5 => {
                let step = if r.one_in(40) {
                    0
                } else {
                    r.pick(&[1, 1, 2, 3, -1, -1, -2, -3, 5, -7, isize::MAX, isize::MIN, isize::MIN + 1, 1])
                };
                out.push(Sel::range(pos_or_extreme(r, n), pos_or_extreme(r, n), step));
            }
            6 | 7 if n > 0 => {
                let n = n as isize;
                let i = if r.one_in(30) { n } else { r.n(2 * n as usize) as isize - n };
                out.push(Sel::index(i));
                out_nd -= 1;
            }
            _ => out.push(Sel::all()),
        }
    }
    if out_nd < MAX_NDIM && r.one_in(5) {
        out.push(Sel::NewAxis);
    }
    if r.one_in(60) {
        // One index too many: an error in NumPy.
        out.push(Sel::all());
        out.push(Sel::all());
        out.push(Sel::all());
        out.push(Sel::all());
        out.push(Sel::all());
    }
    out
}

fn divisors(n: usize) -> Vec<usize> {
    (1..=n).filter(|d| n.is_multiple_of(*d)).collect()
}

fn new_shape(r: &mut R, s: &[usize]) -> Vec<usize> {
    let total: usize = s.iter().product();
    if r.one_in(25) {
        // A wrong number of elements: an error.
        return vec![total + 1];
    }
    let nd = if total == 1 { r.n(4) } else { 1 + r.n(3) };
    if total == 0 {
        let mut v: Vec<usize> = (0..nd.max(1)).map(|_| r.n(4)).collect();
        let z = r.n(v.len());
        v[z] = 0;
        return v;
    }
    let mut left = total;
    let mut v = vec![];
    for _ in 1..nd {
        let d = r.pick(&divisors(left));
        v.push(d);
        left /= d;
    }
    if nd > 0 {
        v.push(left);
    }
    let _ = s;
    v
}

fn axes_subset(r: &mut R, d: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..d).filter(|_| r.n(2) == 1).collect();
    if r.n(3) == 0 && d > 1 {
        v.reverse();
    }
    v
}

/// What `resolve` needs to know about the values so far.
pub struct State {
    pub shape: Vec<usize>,
    /// Values came through a mean, so they may differ from the oracle's by
    /// rounding: comparisons use thresholds far from simple fractions, and
    /// argmin/argmax and square roots (which turn rounding into visible
    /// differences) are left out.
    pub inexact: bool,
}

/// Whether programs use `%` (NumPy's remainder, the divisor's sign):
/// on unless `DARRAY_DIFF_REMAINDER=0`.
pub fn remainder_ops() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var("DARRAY_DIFF_REMAINDER").map_or(true, |v| v != "0"))
}

const EXACT_THRESHOLDS: &[f64] = &[0.0, 1.0, -2.0, 2.5, 3.0, -0.5];
const FUZZY_THRESHOLDS: &[f64] = &[0.123456789, -1.23456789, 2.6457513, -0.3217401];

/// Resolves one raw step against the current shape. `None` when the
/// step's result would be too large (the step is skipped).
pub fn resolve_step(raw: &RawStep, st: &State, other_kinds: &[SrcKind]) -> Op {
    let mut r = R::new(&raw.r);
    let s = &st.shape;
    let d = s.len();
    let mut kind = raw.kind % 20;
    // Steps that need axes, on a 0-d array, become scalar steps.
    if d == 0 && matches!(kind, 5 | 6 | 9 | 10 | 16) {
        kind = 0;
    }
    match kind {
        0 | 1 => {
            let mut op = r.pick(&[
                ScalarOp::Add,
                ScalarOp::Sub,
                ScalarOp::Mul,
                ScalarOp::Div,
                ScalarOp::RSub,
                ScalarOp::RMul,
                ScalarOp::Rem,
                ScalarOp::RRem,
            ]);
            if (st.inexact || !remainder_ops()) && matches!(op, ScalarOp::Rem | ScalarOp::RRem) {
                op = ScalarOp::Mul;
            }
            let v = match op {
                ScalarOp::Div => r.pick(&[2.0, -0.5, 4.0, 3.0]),
                ScalarOp::Rem => r.pick(&[3.0, -2.0, 0.5, 1.5, -4.0]),
                ScalarOp::RRem => r.pick(&[3.0, -2.0, 7.5, 0.0]),
                _ => r.pick(&[1.0, -2.0, 0.5, 3.0, 0.0, -1.0, 1.5]),
            };
            Op::Scalar(op, v)
        }
        2 => {
            let op = r.pick(&[
                UnOp::Abs,
                UnOp::Neg,
                UnOp::SqrtAbs,
                UnOp::Clip(-1.5, 2.0),
                UnOp::Clip(0.0, 50.0),
                UnOp::Floor,
                UnOp::Signum,
                UnOp::Mapv,
                UnOp::Round,
                UnOp::Trunc,
                UnOp::Square,
                UnOp::Arctan,
            ]);
            // Steps that turn rounding differences into visible ones.
            let fragile = matches!(op, UnOp::SqrtAbs | UnOp::Floor | UnOp::Signum | UnOp::Round | UnOp::Trunc);
            Op::Unary(if st.inexact && fragile { UnOp::Abs } else { op })
        }
        3 | 4 => {
            let mut op = r.pick(&[
                BinOp::Add,
                BinOp::Sub,
                BinOp::Mul,
                BinOp::Maximum,
                BinOp::Minimum,
                BinOp::Div,
                BinOp::Rem,
                BinOp::Fmax,
                BinOp::Fmin,
                BinOp::Hypot,
                BinOp::Copysign,
            ]);
            if (st.inexact && matches!(op, BinOp::Div | BinOp::Copysign))
                || ((st.inexact || !remainder_ops()) && op == BinOp::Rem)
            {
                op = BinOp::Mul;
            }
            let os = other_shape(&mut r, s);
            Op::Binary { op, other: resolve_input(&raw.other, &os, other_kinds), other_left: r.n(2) == 1 }
        }
        5 => Op::T,
        6 => {
            if r.n(4) == 0 && d >= 2 {
                Op::SwapAxes(r.n(d), r.n(d))
            } else {
                Op::Permute(perm(&mut r, d))
            }
        }
        7 | 8 => Op::Slice(sel(&mut r, s)),
        9 => {
            let axis = r.n(d);
            let mut os = s.clone();
            os[axis] = r.n(4);
            let grown: usize = s.iter().product::<usize>() + os.iter().product::<usize>();
            if r.n(3) == 0 && grown <= MAX_ELEMS {
                Op::Concat { other: None, axis, other_left: false }
            } else if grown <= MAX_ELEMS {
                Op::Concat { other: Some(resolve_input(&raw.other, &os, other_kinds)), axis, other_left: r.n(2) == 1 }
            } else {
                Op::Rechunk(chunk_spec(&mut r, s))
            }
        }
        10 => {
            let axis = r.n(d);
            let n = s[axis];
            let count = if n == 0 { 0 } else { r.n(7) };
            let rest: usize = s.iter().enumerate().filter(|&(a, _)| a != axis).map(|(_, &l)| l).product();
            let count = if rest * count > MAX_ELEMS { 1 } else { count };
            let mut indices: Vec<isize> = (0..count).map(|_| r.n(2 * n) as isize - n as isize).collect();
            if r.one_in(40) {
                indices.push(n as isize);
            }
            Op::Take { indices, axis }
        }
        11 => Op::Reshape(new_shape(&mut r, s)),
        14 | 15 => Op::Rechunk(chunk_spec(&mut r, s)),
        16 => {
            let axis = r.n(d + 1);
            let n: usize = s.iter().product();
            if d >= MAX_NDIM || 2 * n > MAX_ELEMS {
                Op::Rechunk(chunk_spec(&mut r, s))
            } else if r.n(3) == 0 {
                Op::Stack { other: None, axis, other_left: false }
            } else {
                Op::Stack { other: Some(resolve_input(&raw.other, s, other_kinds)), axis, other_left: r.n(2) == 1 }
            }
        }
        17 => Op::Persist,
        18 => Op::MapBlocks,
        19 => Op::Slice(sel(&mut r, s)),
        12 => {
            let axes = if r.n(4) == 0 { None } else { Some(axes_subset(&mut r, d)) };
            Op::SubMean { axes }
        }
        13 => {
            let cmp = r.pick(&[Cmp::Lt, Cmp::Le, Cmp::Gt, Cmp::Ge, Cmp::Eq, Cmp::Ne]);
            let thr = if st.inexact { r.pick(FUZZY_THRESHOLDS) } else { r.pick(EXACT_THRESHOLDS) };
            let side = |r: &mut R| match r.n(4) {
                0 => Side::X,
                1 => Side::Other,
                _ => Side::Scalar(r.pick(&[0.0, -1.0, 7.0, f64::NAN, 2.5])),
            };
            let then_ = side(&mut r);
            let else_ = side(&mut r);
            let cond_on_other = r.n(4) == 0;
            let needs_other = cond_on_other || then_ == Side::Other || else_ == Side::Other;
            let other = needs_other.then(|| resolve_input(&raw.other, &other_shape(&mut r, s), other_kinds));
            Op::Where { cmp, thr, cond_on_other, then_, else_, other }
        }
        _ => unreachable!(),
    }
}

pub fn resolve_reduce(raw: &(u8, Vec<u16>), st: &State) -> Reduce {
    let mut r = R::new(&raw.1);
    let d = st.shape.len();
    let mut kind = [
        RedKind::Sum,
        RedKind::Mean,
        RedKind::Min,
        RedKind::Max,
        RedKind::Var(0.0),
        RedKind::Std(0.0),
        RedKind::Var(1.0),
        RedKind::Std(1.0),
        RedKind::ArgMin,
        RedKind::ArgMax,
        RedKind::NanSum,
        RedKind::NanMean,
        RedKind::NanMin,
        RedKind::NanMax,
        RedKind::Prod,
        RedKind::NanVar(0.0),
        RedKind::NanStd(1.0),
        RedKind::AnyGt(if st.inexact { FUZZY_THRESHOLDS[0] } else { 0.0 }),
        RedKind::AllGt(if st.inexact { FUZZY_THRESHOLDS[1] } else { -3.0 }),
        RedKind::Sum,
    ][raw.0 as usize % 20];
    if st.inexact && kind.is_arg() {
        kind = if kind == RedKind::ArgMin { RedKind::Min } else { RedKind::Max };
    }
    let axes = if r.n(4) == 0 {
        None
    } else if kind.is_arg() {
        if d == 0 {
            None
        } else {
            Some(vec![r.n(d)])
        }
    } else {
        let mut a = axes_subset(&mut r, d);
        if r.one_in(40) {
            // A bad axis: an error.
            a.push(if d > 0 && r.n(2) == 0 { 0 } else { d });
            if a.len() == 1 && a[0] == 0 && d > 0 {
                a.push(0);
            }
        }
        Some(a)
    };
    let keepdims = r.n(2) == 1;
    let split_every = if r.n(3) == 0 { Some(2 + r.n(3)) } else { None };
    Reduce { kind, axes, keepdims, split_every }
}
