//! Builds a program with darray and computes it under each configuration.

use super::program::*;
use darray::exec::InOrder;
use darray::io::hdf5::{File, ReadOptions, VarOptions, Writer};
use darray::{compute_all, concatenate, stack, where_, Config, DArray, Element, Operand, ReduceOpts};
use ndarray::{ArrayD, IxDyn, Slice, SliceInfoElem};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A temporary HDF5 file, removed when dropped.
pub struct TempFile(pub PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn temp_path() -> PathBuf {
    std::env::temp_dir().join(format!(
        "darray-differential-{}-{}.h5",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

/// The engine's answer under one configuration.
#[derive(Debug, Clone)]
pub enum Outcome {
    Value(ArrayD<f64>),
    Error(String),
    Panic(String),
    /// Lazy metadata disagreeing with the computed values.
    Wrong(String),
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic".into()
    }
}

pub fn build_input(inp: &Input, files: &mut Vec<TempFile>) -> darray::Result<DArray<f64>> {
    let a = Arc::new(ArrayD::from_shape_vec(IxDyn(&inp.shape), inp.vals.clone()).unwrap());
    let c = inp.chunks.clone();
    let shape = inp.shape.clone();
    Ok(match &inp.src {
        Src::FromArray => DArray::from_array((*a).clone(), c)?,
        Src::Persist => DArray::from_array((*a).clone(), c)?.persist()?,
        Src::MapBlocks => DArray::from_array((*a).clone(), c)?.map_blocks(|b, _| b),
        Src::BlockFn => DArray::from_block_fn("diff-block-fn", &shape, c, move |off, shp| {
            let win: Vec<SliceInfoElem> = off.iter().zip(shp).map(|(&o, &n)| Slice::from(o..o + n).into()).collect();
            Ok(a.slice(win.as_slice()).to_owned())
        })?,
        Src::FromFn => DArray::from_fn(&shape, c, move |i| a[IxDyn(i)])?,
        Src::Arange { start, step, chunk, rechunk } => {
            let n: usize = shape.iter().product();
            let x = DArray::arange(*start, start + n as f64 * step, *step, *chunk)?.reshape(&shape);
            if *rechunk {
                x.rechunk(c)
            } else {
                x
            }
        }
        Src::Ones => DArray::ones(&shape, c)?,
        Src::Full(v) => DArray::full(&shape, *v, c)?,
        Src::Hdf5 { storage, deflate, read_chunks } => {
            let path = temp_path();
            files.push(TempFile(path.clone()));
            let x = DArray::from_array((*a).clone(), storage.clone())?;
            let mut w = Writer::create(&path)?;
            let opts = VarOptions::default().chunks(storage.clone()).deflate(deflate.then_some(1));
            w.write("v", &x, &opts)?;
            w.finish()?;
            let f = File::open(&path)?;
            let ro = if *read_chunks { ReadOptions::default().chunks(c) } else { ReadOptions::default() };
            f.array_with::<f64>("v", &ro)?
        }
    })
}

/// The array a program computes (f64, or i64 for argmin/argmax).
pub enum Built {
    F(DArray<f64>),
    I(DArray<i64>),
    B(DArray<bool>),
}

/// `x` and the other operand of a concatenate or stack (`x` itself when
/// there is none), in the program's order.
fn pair(
    x: &DArray<f64>,
    other: &Option<Input>,
    other_left: bool,
    files: &mut Vec<TempFile>,
) -> darray::Result<[DArray<f64>; 2]> {
    let o = match other {
        Some(i) => build_input(i, files)?,
        None => x.clone(),
    };
    Ok(if other_left { [o, x.clone()] } else { [x.clone(), o] })
}

pub fn apply(x: &DArray<f64>, op: &Op, files: &mut Vec<TempFile>) -> darray::Result<DArray<f64>> {
    Ok(match op {
        Op::Scalar(o, s) => match o {
            ScalarOp::Add => x + *s,
            ScalarOp::Sub => x - *s,
            ScalarOp::Mul => x * *s,
            ScalarOp::Div => x / *s,
            ScalarOp::RSub => *s - x,
            ScalarOp::RMul => *s * x,
            ScalarOp::Rem => x % *s,
            ScalarOp::RRem => *s % x,
        },
        Op::Unary(u) => match u {
            UnOp::Abs => x.abs(),
            UnOp::Neg => -x,
            UnOp::SqrtAbs => x.abs().sqrt(),
            UnOp::Clip(lo, hi) => x.clip(*lo, *hi),
            UnOp::Floor => x.floor(),
            UnOp::Signum => x.signum(),
            UnOp::Mapv => x.mapv(|v| v * 2.0 - 1.0),
            UnOp::Round => x.round(),
            UnOp::Trunc => x.trunc(),
            UnOp::Square => x.square(),
            UnOp::Arctan => x.arctan(),
        },
        Op::Binary { op, other, other_left } => {
            let o = build_input(other, files)?;
            let (a, b) = if *other_left { (&o, x) } else { (x, &o) };
            match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Maximum => a.maximum(b),
                BinOp::Minimum => a.minimum(b),
                BinOp::Div => a / b,
                BinOp::Rem => a % b,
                BinOp::Fmax => a.fmax(b),
                BinOp::Fmin => a.fmin(b),
                BinOp::Hypot => a.hypot(b),
                BinOp::Copysign => a.copysign(b),
            }
        }
        Op::Where { cmp, thr, cond_on_other, then_, else_, other } => {
            let o = match other {
                Some(i) => Some(build_input(i, files)?),
                None => None,
            };
            let c = if *cond_on_other { o.as_ref().unwrap() } else { x };
            let t = *thr;
            let cond = match cmp {
                Cmp::Lt => c.less(t),
                Cmp::Le => c.less_equal(t),
                Cmp::Gt => c.greater(t),
                Cmp::Ge => c.greater_equal(t),
                Cmp::Eq => c.equal(t),
                Cmp::Ne => c.not_equal(t),
            };
            let side = |s: &Side| -> Operand<f64> {
                match s {
                    Side::X => Operand::Array(x.clone()),
                    Side::Other => Operand::Array(o.clone().unwrap()),
                    Side::Scalar(v) => Operand::Scalar(*v),
                }
            };
            where_(&cond, side(then_), side(else_))
        }
        Op::T => x.t(),
        Op::Permute(p) => x.permuted_axes(p),
        Op::SwapAxes(a, b) => x.swap_axes(*a, *b),
        Op::Slice(s) => x.slice(s),
        Op::Rechunk(c) => x.rechunk(c.clone()),
        Op::Reshape(s) => x.reshape(s),
        Op::Concat { other, axis, other_left } => concatenate(&pair(x, other, *other_left, files)?, *axis),
        Op::Take { indices, axis } => x.take(indices, *axis),
        Op::Stack { other, axis, other_left } => stack(&pair(x, other, *other_left, files)?, *axis),
        Op::Persist => x.persist()?,
        Op::MapBlocks => x.map_blocks(|b, _| b),
        Op::SubMean { axes } => {
            let o = ReduceOpts { axes: axes.clone(), keepdims: true, split_every: None };
            x - &x.mean_with(&o)
        }
    })
}

pub fn reduce(x: &DArray<f64>, r: &Reduce) -> Built {
    let mut o = ReduceOpts { axes: r.axes.clone(), keepdims: r.keepdims, split_every: None };
    if let Some(s) = r.split_every {
        o = o.split_every(s);
    }
    match r.kind {
        RedKind::Sum => Built::F(x.sum_with(&o)),
        RedKind::Mean => Built::F(x.mean_with(&o)),
        RedKind::Min => Built::F(x.min_with(&o)),
        RedKind::Max => Built::F(x.max_with(&o)),
        RedKind::Var(d) => Built::F(x.var_with(&o, d)),
        RedKind::Std(d) => Built::F(x.std_with(&o, d)),
        RedKind::ArgMin => Built::I(x.argmin_with(&o)),
        RedKind::ArgMax => Built::I(x.argmax_with(&o)),
        RedKind::NanSum => Built::F(x.nansum_with(&o)),
        RedKind::NanMean => Built::F(x.nanmean_with(&o)),
        RedKind::NanMin => Built::F(x.nanmin_with(&o)),
        RedKind::NanMax => Built::F(x.nanmax_with(&o)),
        RedKind::Prod => Built::F(x.prod_with(&o)),
        RedKind::NanVar(d) => Built::F(x.nanvar_with(&o, d)),
        RedKind::NanStd(d) => Built::F(x.nanstd_with(&o, d)),
        RedKind::AnyGt(t) => Built::B(x.greater(t).any_with(&o)),
        RedKind::AllGt(t) => Built::B(x.greater(t).all_with(&o)),
    }
}

/// The program's result, and the array before its reduction.
pub fn build(p: &Program, files: &mut Vec<TempFile>) -> darray::Result<(Built, DArray<f64>)> {
    let mut x = build_input(&p.input, files)?;
    for op in &p.ops {
        x = apply(&x, op, files)?;
    }
    Ok(match &p.reduce {
        Some(r) => (reduce(&x, r), x),
        None => (Built::F(x.clone()), x),
    })
}

pub fn configs() -> Vec<(&'static str, Config)> {
    vec![
        ("optimize, 1 thread", Config::default().optimize(true).threads(1)),
        ("optimize, 2 threads", Config::default().optimize(true).threads(2)),
        ("no optimize, 1 thread", Config::default().optimize(false).threads(1)),
        ("no optimize, 2 threads", Config::default().optimize(false).threads(2)),
        // Re-read file blocks rather than hold them (x - x.mean(0) over HDF5).
        ("optimize, 2 threads, hold_bytes(0)", Config::default().threads(2).hold_bytes(0)),
        // The plainest executor, the oracle of the scheduler's order.
        ("in-order executor", Config::default().executor(Arc::new(InOrder))),
        ("in-order executor, no optimize", Config::default().optimize(false).executor(Arc::new(InOrder))),
        ("in-order executor, hold_bytes(0)", Config::default().hold_bytes(0).executor(Arc::new(InOrder))),
        // Without the optional rules.
        (
            "optimize, 2 threads, no rechunk-plan/reread/cull",
            Config::default().threads(2).without_rule("rechunk-plan").without_rule("reread").without_rule("cull"),
        ),
    ]
}

/// Which expected value an outcome is compared with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// The program's result.
    Result,
    /// The array before the final reduction.
    BeforeReduction,
}

fn to_f64<T: Element>(v: T) -> f64 {
    let s = format!("{v:?}");
    match s.as_str() {
        "true" => 1.0,
        "false" => 0.0,
        _ => s.parse().expect("a number"),
    }
}

fn outcome(r: std::thread::Result<darray::Result<ArrayD<f64>>>) -> Outcome {
    match r {
        Err(e) => Outcome::Panic(panic_message(e)),
        Ok(Err(e)) => {
            let m = e.to_string();
            if matches!(e, darray::Error::TaskPanicked { .. }) || m.contains("panicked") {
                Outcome::Panic(m)
            } else {
                Outcome::Error(m)
            }
        }
        Ok(Ok(a)) => Outcome::Value(a),
    }
}

fn compute<T: Element>(x: &DArray<T>, cfg: &Config) -> darray::Result<ArrayD<f64>> {
    x.compute_with(cfg).map(|(a, _)| a.mapv(to_f64))
}

/// The array assembled from `for_each_block_with`, checking each block's
/// index, offset and shape against the chunk grid, and that every block
/// comes exactly once.
fn via_blocks<T: Element>(x: &DArray<T>, cfg: &Config) -> darray::Result<ArrayD<f64>> {
    use std::sync::Mutex;
    let chunks = x.chunks().to_vec();
    let nb: Vec<usize> = chunks.iter().map(Vec::len).collect();
    let total: usize = nb.iter().product();
    let out = Mutex::new((ArrayD::<f64>::from_elem(IxDyn(x.shape()), f64::NAN), vec![0usize; total], vec![]));
    x.for_each_block_with(cfg, |idx, off, block| {
        let mut g = out.lock().unwrap();
        let mut flat = 0;
        for (a, &i) in idx.iter().enumerate() {
            flat = flat * nb[a] + i;
        }
        g.1[flat] += 1;
        let want_off: Vec<usize> = idx.iter().enumerate().map(|(a, &i)| chunks[a][..i].iter().sum()).collect();
        let want_shape: Vec<usize> = idx.iter().enumerate().map(|(a, &i)| chunks[a][i]).collect();
        if off != &want_off[..] || block.shape() != &want_shape[..] {
            let m = format!(
                "block {idx:?}: offset {off:?}, shape {:?}; the grid says {want_off:?}, {want_shape:?}",
                block.shape()
            );
            g.2.push(m);
            return Ok(());
        }
        for (i, v) in block.indexed_iter() {
            let gi: Vec<usize> = ndarray::Dimension::slice(&i).iter().zip(off).map(|(a, b)| a + b).collect();
            g.0[IxDyn(&gi)] = to_f64(*v);
        }
        Ok(())
    })?;
    let (a, counts, errs) = out.into_inner().unwrap();
    if let Some(e) = errs.first() {
        return Err(darray::Error::Invalid(format!("for_each_block: {e}")));
    }
    if let Some(b) = counts.iter().position(|&c| c != 1) {
        return Err(darray::Error::Invalid(format!("for_each_block: block {b} (row-major) came {} times", counts[b])));
    }
    Ok(a)
}

/// The lazy shape and chunks, against the computed result.
fn metadata<T: Element>(x: &DArray<T>, want: &[usize]) -> Option<String> {
    if x.error().is_some() {
        return None;
    }
    let sums: Vec<usize> = x.chunks().iter().map(|l| l.iter().sum()).collect();
    if x.shape() != want || sums != want || x.chunks().iter().any(|l| l.is_empty()) {
        return Some(format!("shape() {:?}, chunks() {:?}; the result's shape is {want:?}", x.shape(), x.chunks()));
    }
    None
}

macro_rules! with_built {
    ($b:expr, $x:ident => $e:expr) => {
        match $b {
            Built::F($x) => $e,
            Built::I($x) => $e,
            Built::B($x) => $e,
        }
    };
}

/// Builds and computes `p` under every configuration, and through the
/// other ways of getting values out (`for_each_block_with`,
/// `compute_all` with the array before the reduction, `persist`). Panics
/// (in building or computing) are caught and reported as outcomes.
pub fn run_all(p: &Program, want_shape: Option<&[usize]>) -> Vec<(String, Target, Outcome)> {
    let mut files = vec![];
    let built = catch_unwind(AssertUnwindSafe(|| build(p, &mut files)));
    let one = |o: Outcome| vec![("build".to_string(), Target::Result, o)];
    let (built, pre) = match built {
        Err(e) => return one(Outcome::Panic(format!("while building: {}", panic_message(e)))),
        Ok(Err(e)) => return one(Outcome::Error(format!("while building: {e}"))),
        Ok(Ok(b)) => b,
    };
    let mut out = vec![];
    for (name, cfg) in configs() {
        let r = catch_unwind(AssertUnwindSafe(|| with_built!(&built, x => compute(x, &cfg))));
        out.push((name.to_string(), Target::Result, outcome(r)));
    }
    let cfg = Config::default().threads(2);
    let r = catch_unwind(AssertUnwindSafe(|| with_built!(&built, x => via_blocks(x, &cfg))));
    out.push(("for_each_block_with".into(), Target::Result, outcome(r)));
    let r = catch_unwind(AssertUnwindSafe(|| with_built!(&built, x => x.persist().and_then(|y| compute(&y, &cfg)))));
    out.push(("persist then compute".into(), Target::Result, outcome(r)));
    let both = catch_unwind(AssertUnwindSafe(
        || with_built!(&built, x => compute_all((x, &pre)).map(|(a, b)| (a.mapv(to_f64), b))),
    ));
    let (a, b) = match both {
        Ok(Ok((a, b))) => (Outcome::Value(a), Outcome::Value(b)),
        Ok(Err(e)) => (outcome(Ok(Err(e.clone()))), outcome(Ok(Err(e)))),
        Err(e) => {
            let m = panic_message(e);
            (Outcome::Panic(m.clone()), Outcome::Panic(m))
        }
    };
    out.push(("compute_all: result".into(), Target::Result, a));
    if p.reduce.is_some() {
        out.push(("compute_all: before the reduction".into(), Target::BeforeReduction, b));
    }
    if let Some(w) = want_shape {
        if let Some(m) = with_built!(&built, x => metadata(x, w)) {
            out.push(("lazy metadata".into(), Target::Result, Outcome::Wrong(m)));
        }
    }
    out
}
