//! The oracle: NumPy's documented semantics as plain loops over
//! `ndarray::ArrayD<f64>` (only construction and element indexing are
//! used from ndarray). `Err` means NumPy raises.

use super::program::*;
use darray::Sel;
use ndarray::{ArrayD, IxDyn};

pub type Res = Result<ArrayD<f64>, String>;

pub fn input_array(inp: &Input) -> ArrayD<f64> {
    ArrayD::from_shape_vec(IxDyn(&inp.shape), inp.vals.clone()).expect("values fill the shape")
}

/// Row-major multi-indices of `shape`.
pub fn indices(shape: &[usize]) -> Vec<Vec<usize>> {
    let total: usize = shape.iter().product();
    let mut out = Vec::with_capacity(total);
    if total == 0 {
        return out;
    }
    let mut idx = vec![0usize; shape.len()];
    for _ in 0..total {
        out.push(idx.clone());
        for k in (0..shape.len()).rev() {
            idx[k] += 1;
            if idx[k] < shape[k] {
                break;
            }
            idx[k] = 0;
        }
    }
    out
}

fn build(shape: &[usize], vals: Vec<f64>) -> ArrayD<f64> {
    ArrayD::from_shape_vec(IxDyn(shape), vals).unwrap()
}

/// Row-major values.
pub fn flat(a: &ArrayD<f64>) -> Vec<f64> {
    indices(a.shape()).iter().map(|i| a[IxDyn(i)]).collect()
}

/// The index into an input of shape `s` that broadcasting maps output index `o` to.
fn bidx(o: &[usize], s: &[usize]) -> Vec<usize> {
    let off = o.len() - s.len();
    s.iter().enumerate().map(|(k, &n)| if n == 1 { 0 } else { o[off + k] }).collect()
}

fn broadcast_err(shapes: &[&[usize]]) -> String {
    format!("operands could not be broadcast together with shapes {shapes:?}")
}

pub fn zip2(a: &ArrayD<f64>, b: &ArrayD<f64>, f: impl Fn(f64, f64) -> f64) -> Res {
    let out = broadcast_shapes(&[a.shape(), b.shape()]).ok_or_else(|| broadcast_err(&[a.shape(), b.shape()]))?;
    let vals = indices(&out).iter().map(|o| f(a[IxDyn(&bidx(o, a.shape()))], b[IxDyn(&bidx(o, b.shape()))])).collect();
    Ok(build(&out, vals))
}

fn where3(c: &ArrayD<bool>, a: &ArrayD<f64>, b: &ArrayD<f64>) -> Res {
    let shapes = [c.shape(), a.shape(), b.shape()];
    let out = broadcast_shapes(&shapes).ok_or_else(|| broadcast_err(&shapes))?;
    let vals =
        indices(&out)
            .iter()
            .map(|o| {
                if c[IxDyn(&bidx(o, c.shape()))] {
                    a[IxDyn(&bidx(o, a.shape()))]
                } else {
                    b[IxDyn(&bidx(o, b.shape()))]
                }
            })
            .collect();
    Ok(build(&out, vals))
}

fn map(a: &ArrayD<f64>, f: impl Fn(f64) -> f64) -> ArrayD<f64> {
    build(a.shape(), flat(a).into_iter().map(f).collect())
}

/// `np.transpose(a, perm)`: output axis j is input axis perm[j].
fn permute(a: &ArrayD<f64>, perm: &[usize]) -> Res {
    let d = a.ndim();
    let mut seen = vec![false; d];
    if perm.len() != d || perm.iter().any(|&p| p >= d || std::mem::replace(&mut seen[p], true)) {
        return Err(format!("axes {perm:?} don't match array of {d} dims"));
    }
    let out: Vec<usize> = perm.iter().map(|&p| a.shape()[p]).collect();
    let vals = indices(&out)
        .iter()
        .map(|o| {
            let mut i = vec![0; d];
            for (j, &p) in perm.iter().enumerate() {
                i[p] = o[j];
            }
            a[IxDyn(&i)]
        })
        .collect();
    Ok(build(&out, vals))
}

/// Python's `range(*slice(start, stop, step).indices(n))`, in i128 so that
/// extreme steps cannot overflow.
pub fn slice_positions(start: Option<isize>, stop: Option<isize>, step: isize, n: usize) -> Result<Vec<usize>, String> {
    if step == 0 {
        return Err("slice step cannot be zero".into());
    }
    let n = n as i128;
    let step = step as i128;
    let (lower, upper) = if step < 0 { (-1, n - 1) } else { (0, n) };
    let fix = |v: Option<isize>, default: i128| -> i128 {
        match v {
            None => default,
            Some(v) => {
                let mut v = v as i128;
                if v < 0 {
                    v += n;
                    if v < lower {
                        v = lower;
                    }
                } else if v > upper {
                    v = upper;
                }
                v
            }
        }
    };
    let start = fix(start, if step < 0 { upper } else { lower });
    let stop = fix(stop, if step < 0 { lower } else { upper });
    let mut out = vec![];
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        out.push(i as usize);
        i += step;
    }
    Ok(out)
}

/// NumPy basic indexing `a[sel]`.
fn slice(a: &ArrayD<f64>, sel: &[Sel]) -> Res {
    let d = a.ndim();
    let used = sel.iter().filter(|s| !matches!(s, Sel::NewAxis)).count();
    if used > d {
        return Err(format!("too many indices for array: array is {d}-dimensional, but {used} were indexed"));
    }
    let mut full = sel.to_vec();
    full.extend(std::iter::repeat_n(Sel::all(), d - used));
    // Per output axis: Some(input axis, positions) or None (a new axis).
    let mut outs: Vec<Option<(usize, Vec<usize>)>> = vec![];
    let mut fixed = vec![0usize; d];
    let mut axis = 0;
    for s in full {
        match s {
            Sel::NewAxis => outs.push(None),
            // The generated selections hold no ellipsis (tests/shape.rs checks it).
            Sel::Ellipsis => unreachable!("no ellipsis is generated here"),
            Sel::Index(i) => {
                let n = a.shape()[axis] as isize;
                let j = if i < 0 { i + n } else { i };
                if j < 0 || j >= n {
                    return Err(format!("index {i} is out of bounds for axis {axis} with size {n}"));
                }
                fixed[axis] = j as usize;
                axis += 1;
            }
            Sel::Range { start, stop, step } => {
                outs.push(Some((axis, slice_positions(start, stop, step, a.shape()[axis])?)));
                axis += 1;
            }
        }
    }
    let out_shape: Vec<usize> = outs.iter().map(|o| o.as_ref().map_or(1, |(_, p)| p.len())).collect();
    let vals = indices(&out_shape)
        .iter()
        .map(|o| {
            let mut i = fixed.clone();
            for (k, spec) in outs.iter().enumerate() {
                if let Some((ax, pos)) = spec {
                    i[*ax] = pos[o[k]];
                }
            }
            a[IxDyn(&i)]
        })
        .collect();
    Ok(build(&out_shape, vals))
}

fn reshape(a: &ArrayD<f64>, shape: &[usize]) -> Res {
    if a.len() != shape.iter().product::<usize>() {
        return Err(format!("cannot reshape array of size {} into shape {shape:?}", a.len()));
    }
    Ok(build(shape, flat(a)))
}

fn concat(parts: &[&ArrayD<f64>], axis: usize) -> Res {
    let first = parts[0];
    let d = first.ndim();
    if axis >= d {
        return Err(format!("axis {axis} is out of bounds for array of dimension {d}"));
    }
    for p in parts {
        if p.ndim() != d || (0..d).any(|k| k != axis && p.shape()[k] != first.shape()[k]) {
            return Err("all the input array dimensions except for the concatenation axis must match".into());
        }
    }
    let mut out = first.shape().to_vec();
    out[axis] = parts.iter().map(|p| p.shape()[axis]).sum();
    let vals = indices(&out)
        .iter()
        .map(|o| {
            let mut i = o.clone();
            for p in parts {
                if i[axis] < p.shape()[axis] {
                    return p[IxDyn(&i)];
                }
                i[axis] -= p.shape()[axis];
            }
            unreachable!()
        })
        .collect();
    Ok(build(&out, vals))
}

fn take(a: &ArrayD<f64>, idx: &[isize], axis: usize) -> Res {
    let d = a.ndim();
    if axis >= d {
        return Err(format!("axis {axis} is out of bounds for array of dimension {d}"));
    }
    let n = a.shape()[axis] as isize;
    let mut pos = vec![];
    for &i in idx {
        let j = if i < 0 { i + n } else { i };
        if j < 0 || j >= n {
            return Err(format!("index {i} is out of bounds for axis {axis} with size {n}"));
        }
        pos.push(j as usize);
    }
    let mut out = a.shape().to_vec();
    out[axis] = pos.len();
    let vals = indices(&out)
        .iter()
        .map(|o| {
            let mut i = o.clone();
            i[axis] = pos[o[axis]];
            a[IxDyn(&i)]
        })
        .collect();
    Ok(build(&out, vals))
}

/// NumPy's `remainder` for floats (Python's `%`): `fmod`, moved to the
/// sign of the divisor; NaN for a zero divisor.
pub fn remainder(a: f64, b: f64) -> f64 {
    let m = a % b;
    if m != 0.0 && ((b < 0.0) != (m < 0.0)) {
        m + b
    } else if m == 0.0 {
        0.0f64.copysign(b)
    } else {
        m
    }
}

fn cmp(c: Cmp, a: f64, t: f64) -> bool {
    match c {
        Cmp::Lt => a < t,
        Cmp::Le => a <= t,
        Cmp::Gt => a > t,
        Cmp::Ge => a >= t,
        Cmp::Eq => a == t,
        Cmp::Ne => a != t,
    }
}

fn maximum(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a >= b {
        a
    } else {
        b
    }
}

fn minimum(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a <= b {
        a
    } else {
        b
    }
}

pub fn apply(x: &ArrayD<f64>, op: &Op) -> Res {
    match op {
        Op::Scalar(o, s) => {
            let s = *s;
            Ok(match o {
                ScalarOp::Add => map(x, |v| v + s),
                ScalarOp::Sub => map(x, |v| v - s),
                ScalarOp::Mul => map(x, |v| v * s),
                ScalarOp::Div => map(x, |v| v / s),
                ScalarOp::RSub => map(x, |v| s - v),
                ScalarOp::RMul => map(x, |v| s * v),
                ScalarOp::Rem => map(x, |v| remainder(v, s)),
                ScalarOp::RRem => map(x, |v| remainder(s, v)),
            })
        }
        Op::Unary(u) => Ok(match u {
            UnOp::Abs => map(x, f64::abs),
            UnOp::Neg => map(x, |v| -v),
            UnOp::SqrtAbs => map(x, |v| v.abs().sqrt()),
            UnOp::Clip(lo, hi) => map(x, |v| if v.is_nan() { v } else { v.max(*lo).min(*hi) }),
            UnOp::Floor => map(x, f64::floor),
            UnOp::Signum => map(x, |v| {
                if v.is_nan() {
                    v
                } else if v > 0.0 {
                    1.0
                } else if v < 0.0 {
                    -1.0
                } else {
                    0.0
                }
            }),
            UnOp::Mapv => map(x, |v| v * 2.0 - 1.0),
            UnOp::Round => map(x, |v| {
                // The nearer integer; at a tie the even one.
                let f = v.floor();
                let r = if v - f > 0.5 || (v - f == 0.5 && f % 2.0 != 0.0) { f + 1.0 } else { f };
                if v.is_finite() {
                    r
                } else {
                    v
                }
            }),
            UnOp::Trunc => map(x, |v| if v < 0.0 { v.ceil() } else { v.floor() }),
            UnOp::Square => map(x, |v| v * v),
            UnOp::Arctan => map(x, f64::atan),
        }),
        Op::Binary { op, other, other_left } => {
            let o = input_array(other);
            let f = match op {
                BinOp::Add => |a: f64, b: f64| a + b,
                BinOp::Sub => |a: f64, b: f64| a - b,
                BinOp::Mul => |a: f64, b: f64| a * b,
                BinOp::Maximum => maximum,
                BinOp::Minimum => minimum,
                BinOp::Div => |a: f64, b: f64| a / b,
                BinOp::Rem => remainder,
                BinOp::Fmax => |a: f64, b: f64| if b.is_nan() || a >= b { a } else { b },
                BinOp::Fmin => |a: f64, b: f64| if b.is_nan() || a <= b { a } else { b },
                BinOp::Hypot => |a: f64, b: f64| {
                    if a.is_infinite() || b.is_infinite() {
                        f64::INFINITY
                    } else {
                        (a * a + b * b).sqrt()
                    }
                },
                BinOp::Copysign => |a: f64, b: f64| if b.is_sign_negative() { -a.abs() } else { a.abs() },
            };
            if *other_left {
                zip2(&o, x, f)
            } else {
                zip2(x, &o, f)
            }
        }
        Op::Where { cmp: c, thr, cond_on_other, then_, else_, other } => {
            let o = other.as_ref().map(input_array);
            let src = if *cond_on_other { o.as_ref().unwrap() } else { x };
            let fl = flat(src);
            let cond =
                ArrayD::from_shape_vec(IxDyn(src.shape()), fl.iter().map(|&v| cmp(*c, v, *thr)).collect()).unwrap();
            let side = |s: &Side| match s {
                Side::X => x.clone(),
                Side::Other => o.clone().unwrap(),
                Side::Scalar(v) => ArrayD::from_elem(IxDyn(&[]), *v),
            };
            where3(&cond, &side(then_), &side(else_))
        }
        Op::T => {
            let p: Vec<usize> = (0..x.ndim()).rev().collect();
            permute(x, &p)
        }
        Op::Permute(p) => permute(x, p),
        Op::SwapAxes(a, b) => {
            let d = x.ndim();
            if *a >= d || *b >= d {
                return Err(format!("axis {} is out of bounds", a.max(b)));
            }
            let mut p: Vec<usize> = (0..d).collect();
            p.swap(*a, *b);
            permute(x, &p)
        }
        Op::Slice(sel) => slice(x, sel),
        Op::Rechunk(_) => Ok(x.clone()),
        Op::Reshape(s) => reshape(x, s),
        Op::Concat { other, axis, other_left } => {
            let o = other.as_ref().map_or_else(|| x.clone(), input_array);
            if *other_left {
                concat(&[&o, x], *axis)
            } else {
                concat(&[x, &o], *axis)
            }
        }
        Op::Take { indices, axis } => take(x, indices, *axis),
        Op::Stack { other, axis, other_left } => {
            // np.stack: each array gets a new axis of length 1 at `axis`, then
            // they are concatenated along it.
            let o = other.as_ref().map_or_else(|| x.clone(), input_array);
            if o.shape() != x.shape() {
                return Err("all input arrays must have the same shape".into());
            }
            if *axis > x.ndim() {
                return Err(format!("axis {axis} is out of bounds for array of dimension {}", x.ndim() + 1));
            }
            let mut sel = vec![Sel::all(); *axis];
            sel.push(Sel::NewAxis);
            let (a, b) = (slice(x, &sel)?, slice(&o, &sel)?);
            if *other_left {
                concat(&[&b, &a], *axis)
            } else {
                concat(&[&a, &b], *axis)
            }
        }
        Op::Persist | Op::MapBlocks => Ok(x.clone()),
        Op::SubMean { axes } => {
            let m = reduce(x, &Reduce { kind: RedKind::Mean, axes: axes.clone(), keepdims: true, split_every: None })?;
            zip2(x, &m, |a, b| a - b)
        }
    }
}

/// The reduced axes (NumPy's axis normalisation), or NumPy's error.
pub fn reduced_axes(d: usize, axes: &Option<Vec<usize>>) -> Result<Vec<usize>, String> {
    match axes {
        None => Ok((0..d).collect()),
        Some(v) => {
            let mut seen = vec![false; d];
            for &a in v {
                if a >= d {
                    return Err(format!("axis {a} is out of bounds for array of dimension {d}"));
                }
                if std::mem::replace(&mut seen[a], true) {
                    return Err("duplicate value in 'axis'".into());
                }
            }
            Ok(v.clone())
        }
    }
}

/// Reduces `x`: each output cell's values gathered in row-major order
/// (so for argmin/argmax the position in the group is the index along the
/// axis, or the flat index when reducing everything).
pub fn reduce(x: &ArrayD<f64>, red: &Reduce) -> Res {
    let d = x.ndim();
    let axes = reduced_axes(d, &red.axes)?;
    if red.kind.is_arg() && axes.len() > 1 && red.axes.is_some() {
        return Err("argmin/argmax take one axis".into());
    }
    if red.kind.needs_nonempty() && axes.iter().any(|&a| x.shape()[a] == 0) {
        return Err("zero-size array to reduction operation which has no identity".into());
    }
    let kept: Vec<usize> = (0..d).map(|k| if axes.contains(&k) { 1 } else { x.shape()[k] }).collect();
    let cells: usize = kept.iter().product();
    let mut groups: Vec<Vec<f64>> = vec![vec![]; cells];
    for i in indices(x.shape()) {
        let mut f = 0;
        for k in 0..d {
            f = f * kept[k] + if axes.contains(&k) { 0 } else { i[k] };
        }
        groups[f].push(x[IxDyn(&i)]);
    }
    let vals: Vec<f64> = groups.iter().map(|g| reduce_group(red.kind, g)).collect();
    let out_shape: Vec<usize> =
        if red.keepdims { kept } else { (0..d).filter(|k| !axes.contains(k)).map(|k| x.shape()[k]).collect() };
    Ok(build(&out_shape, vals))
}

fn reduce_group(kind: RedKind, g: &[f64]) -> f64 {
    let sum = |g: &[f64]| g.iter().fold(0.0, |a, &b| a + b);
    let mean = |g: &[f64]| if g.is_empty() { f64::NAN } else { sum(g) / g.len() as f64 };
    let var = |g: &[f64], ddof: f64| {
        let m = mean(g);
        let ss = g.iter().fold(0.0, |a, &b| a + (b - m) * (b - m));
        ss / (g.len() as f64 - ddof).max(0.0)
    };
    let clean: Vec<f64> = g.iter().copied().filter(|v| !v.is_nan()).collect();
    let arg = |better: fn(f64, f64) -> bool| {
        let mut best = 0;
        for (i, &v) in g.iter().enumerate() {
            if v.is_nan() {
                return i as f64;
            }
            if better(v, g[best]) {
                best = i;
            }
        }
        best as f64
    };
    match kind {
        RedKind::Sum => sum(g),
        RedKind::Mean => mean(g),
        RedKind::Min => g.iter().copied().reduce(minimum).unwrap(),
        RedKind::Max => g.iter().copied().reduce(maximum).unwrap(),
        RedKind::Var(ddof) => var(g, ddof),
        RedKind::Std(ddof) => var(g, ddof).sqrt(),
        RedKind::ArgMin => arg(|a, b| a < b),
        RedKind::ArgMax => arg(|a, b| a > b),
        RedKind::NanSum => sum(&clean),
        RedKind::NanMean => mean(&clean),
        RedKind::NanMin => clean.iter().copied().reduce(f64::min).unwrap_or(f64::NAN),
        RedKind::NanMax => clean.iter().copied().reduce(f64::max).unwrap_or(f64::NAN),
        RedKind::Prod => g.iter().fold(1.0, |a, &b| a * b),
        RedKind::NanVar(ddof) => var(&clean, ddof),
        RedKind::NanStd(ddof) => var(&clean, ddof).sqrt(),
        RedKind::AnyGt(t) => f64::from(u8::from(g.iter().any(|&v| v > t))),
        RedKind::AllGt(t) => f64::from(u8::from(g.iter().all(|&v| v > t))),
    }
}
