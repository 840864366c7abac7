//! Running one task: a fused program over a block, or a partial merge.

use crate::dispatch;
use crate::dtype::{AnyArray, AnyVec, Element};
use crate::error::{Error, Result};
use crate::graph::program::{Finish, LeafDef, Program, Terminal};
use crate::graph::{ChunkRef, FusedTask, Payload, Task, TaskOp};
use crate::kernels::load::{Load, SourceLoader, ViewLoader};
use crate::kernels::reduce::Dest;
use crate::kernels::{for_each_segment, Reducer, TILE};
use ndarray::{ArrayD, IxDyn};
use std::sync::Arc;

/// Runs a task on its inputs (its deps' payloads, in order).
pub(crate) fn run_task(task: &Task, inputs: &[&Payload]) -> Result<Payload> {
    match &task.op {
        TaskOp::Fused(f) => run_fused(f, inputs),
        TaskOp::Delayed(d) => d.run(inputs),
        TaskOp::FromValue { convert, shape } => match inputs[0] {
            Payload::Value(v) => convert(v, shape).map(Payload::Array),
            _ => unreachable!("from_delayed reads a delayed value"),
        },
        TaskOp::Combine { reducer, reduced, finish } => {
            let mut parts = inputs.iter().map(|p| match p {
                Payload::Partial(v) => v,
                _ => unreachable!("combine inputs are partials"),
            });
            let mut acc = parts.next().expect("a combine has inputs").clone();
            for p in parts {
                reducer.merge(&mut acc, p);
            }
            Ok(match finish {
                Some(f) => Payload::Array(finalize(reducer.as_ref(), acc, reduced, *f)),
                None => Payload::Partial(acc),
            })
        }
    }
}

fn finalize(reducer: &dyn Reducer, acc: Vec<AnyArray>, reduced: &[bool], f: Finish) -> AnyArray {
    let out = reducer.finalize(acc);
    if f.keepdims {
        return out;
    }
    let shape: Vec<usize> = out.shape().iter().zip(reduced).filter(|(_, &r)| !r).map(|(&s, _)| s).collect();
    dispatch!(AnyArray, out, a => {
        let a = a.into_shape_with_order(IxDyn(&shape)).expect("dropping length-1 axes");
        Element::wrap(a)
    })
}

/// A loader for a window of `arr` starting at `start`, broadcast to the
/// block: axes the leaf broadcasts, and leading axes it lacks, get stride 0.
fn view_loader<'a>(
    arr: &'a AnyArray,
    start: &[usize],
    leaf_shape: &[usize],
    p: &Program,
    shape: &[usize],
) -> Box<dyn Load + 'a> {
    let nd = shape.len();
    let m = leaf_shape.len();
    dispatch!(AnyArray, arr, a => {
        let mut strides = vec![0isize; nd];
        let mut origin = 0isize;
        for ax in 0..m {
            let da = nd - m + ax;
            let s = a.strides()[ax];
            origin += start[ax] as isize * s;
            if !(leaf_shape[ax] == 1 && p.shape[da] != 1) {
                strides[da] = s;
            }
        }
        Box::new(ViewLoader::new(a, origin, strides, shape)) as Box<dyn Load + 'a>
    })
}

fn run_fused(t: &FusedTask, inputs: &[&Payload]) -> Result<Payload> {
    let p = &*t.program;
    let nd = t.shape.len();
    let n: usize = t.shape.iter().product();

    // Loaders for every leaf, bound to this block.
    let mut bound: Vec<Option<(&AnyArray, &[usize])>> = vec![None; p.leaves.len()];
    let mut held: Vec<Arc<AnyArray>> = vec![];
    for li in &t.inputs {
        if let ChunkRef::Held(c) = &li.chunk {
            held.push(c.clone());
        }
    }
    let mut hi = 0;
    for li in &t.inputs {
        let arr: &AnyArray = match &li.chunk {
            ChunkRef::Dep(d) => match inputs[*d] {
                Payload::Array(a) => a,
                _ => unreachable!("fused leaves read arrays"),
            },
            ChunkRef::Held(_) => {
                hi += 1;
                &held[hi - 1]
            }
        };
        bound[li.leaf] = Some((arr, &li.start));
    }
    // A source broadcast over part of the block (a profile along one axis,
    // say) is generated once for its own window and then read with zero
    // strides, instead of being re-evaluated for every row that repeats it.
    let pregen: Vec<Option<AnyArray>> = p
        .leaves
        .iter()
        .enumerate()
        .map(|(i, def)| {
            let LeafDef::Source { src, shape } = def else { return None };
            let m = shape.len();
            let bcast: Vec<bool> = (0..m).map(|a| shape[a] == 1 && p.shape[nd - m + a] != 1).collect();
            let window: Vec<usize> = (0..m).map(|a| if bcast[a] { 1 } else { t.shape[nd - m + a] }).collect();
            let wn: usize = window.iter().product();
            if wn * 2 > n {
                return None;
            }
            let origin: Vec<usize> = (0..m).map(|a| if bcast[a] { 0 } else { t.offset[nd - m + a] }).collect();
            let gen = SourceLoader::new(src.clone(), origin, bcast);
            let mut buf = AnyVec::with_capacity(p.leaf_dtypes[i], wn);
            dispatch!(AnyVec, &mut buf, b => b.resize(wn, Default::default()));
            gen.load(&window, 0, wn, &mut Vec::new(), &mut buf);
            Some(into_array(buf, &window))
        })
        .collect();
    let loaders: Vec<Box<dyn Load + '_>> = p
        .leaves
        .iter()
        .enumerate()
        .map(|(i, def)| {
            let m = def.shape().len();
            let bcast: Vec<bool> = (0..m).map(|a| def.shape()[a] == 1 && p.shape[nd - m + a] != 1).collect();
            let start: Vec<usize> = (0..m).map(|a| if bcast[a] { 0 } else { t.offset[nd - m + a] }).collect();
            match (def, &pregen[i]) {
                (LeafDef::Source { .. }, Some(arr)) => view_loader(arr, &vec![0; m], def.shape(), p, &t.shape),
                (LeafDef::Source { src, .. }, None) => {
                    Box::new(SourceLoader::new(src.clone(), start, bcast)) as Box<dyn Load>
                }
                (LeafDef::Array { arr }, _) => view_loader(arr, &start, def.shape(), p, &t.shape),
                (LeafDef::Chunk { shape }, _) => {
                    let (arr, start) = bound[i].expect("every chunk leaf is bound");
                    view_loader(arr, start, shape, p, &t.shape)
                }
            }
        })
        .collect();

    let tile = n.clamp(1, TILE);
    let mut regs: Vec<AnyVec> = p
        .reg_dtypes
        .iter()
        .map(|&d| {
            let mut v = AnyVec::with_capacity(d, tile);
            dispatch!(AnyVec, &mut v, x => x.resize(tile, Default::default()));
            v
        })
        .collect();

    // What the block's values go into.
    enum Sink {
        Store(AnyVec),
        Fold { acc: Vec<AnyArray>, acc_strides: Vec<usize>, gstrides: Vec<usize> },
    }
    let mut sink = match &p.terminal {
        Terminal::Store | Terminal::MapBlocks(_) => Sink::Store(AnyVec::with_capacity(p.out_dtype, n)),
        Terminal::Partial { reducer, reduced, .. } => {
            let acc_shape: Vec<usize> = t.shape.iter().zip(reduced).map(|(&s, &r)| if r { 1 } else { s }).collect();
            let mut acc_strides = vec![0; nd];
            let mut s = 1;
            for a in (0..nd).rev() {
                acc_strides[a] = if reduced[a] { 0 } else { s };
                s *= acc_shape[a];
            }
            let mut gstrides = vec![0; nd];
            let mut g = 1;
            for a in (0..nd).rev() {
                gstrides[a] = g;
                g *= p.shape[a];
            }
            Sink::Fold { acc: reducer.init(&acc_shape), acc_strides, gstrides }
        }
    };

    let mut prefix = Vec::with_capacity(nd);
    let nl = p.leaves.len();
    let mut start = 0;
    while start < n {
        let end = (start + TILE).min(n);
        let len = end - start;
        for (i, l) in loaders.iter().enumerate() {
            l.load(&t.shape, start, end, &mut prefix, &mut regs[p.reg_of[i]]);
        }
        for (k, ins) in p.instrs.iter().enumerate() {
            let r = p.reg_of[nl + k];
            let mut out = std::mem::replace(&mut regs[r], AnyVec::Bool(Vec::new()));
            let reg = |i: usize| &regs[p.reg_of[ins.args[i]]];
            // Arguments on the stack: this runs once per step per tile.
            match ins.args.len() {
                1 => ins.kernel.apply(&[reg(0)], &mut out, len),
                2 => ins.kernel.apply(&[reg(0), reg(1)], &mut out, len),
                3 => ins.kernel.apply(&[reg(0), reg(1), reg(2)], &mut out, len),
                _ => ins.kernel.apply(&ins.args.iter().map(|&a| &regs[p.reg_of[a]]).collect::<Vec<_>>(), &mut out, len),
            }
            regs[r] = out;
        }
        let res = &regs[p.reg_of[p.out]];
        match &mut sink {
            Sink::Store(buf) => dispatch!(AnyVec, buf, b => b.extend_from_slice(&<_ as Element>::vec(res)[..len])),
            Sink::Fold { acc, acc_strides, gstrides } => {
                let Terminal::Partial { reducer, reduced, .. } = &p.terminal else { unreachable!() };
                fold_tile(
                    reducer.as_ref(),
                    acc,
                    res,
                    &t.shape,
                    start,
                    end,
                    &mut prefix,
                    reduced,
                    acc_strides,
                    gstrides,
                    &t.offset,
                );
            }
        }
        start = end;
    }

    match (sink, &p.terminal) {
        (Sink::Store(buf), Terminal::Store) => Ok(Payload::Array(into_array(buf, &t.shape))),
        (Sink::Store(buf), Terminal::MapBlocks(f)) => {
            let out = f.call(into_array(buf, &t.shape), &t.block)?;
            if out.shape() != t.shape.as_slice() {
                return Err(Error::Shape(format!(
                    "map_blocks function returned a block of shape {:?} for block {:?} of shape {:?}",
                    out.shape(),
                    t.block,
                    t.shape
                )));
            }
            Ok(Payload::Array(out))
        }
        (Sink::Fold { acc, .. }, Terminal::Partial { reducer, reduced, finish }) => Ok(match finish {
            Some(f) => Payload::Array(finalize(reducer.as_ref(), acc, reduced, *f)),
            None => Payload::Partial(acc),
        }),
        _ => unreachable!("sink matches terminal"),
    }
}

fn into_array(buf: AnyVec, shape: &[usize]) -> AnyArray {
    dispatch!(AnyVec, buf, b => {
        let a: ArrayD<_> = ArrayD::from_shape_vec(IxDyn(shape), b).expect("buffer fills the block");
        Element::wrap(a)
    })
}

#[allow(clippy::too_many_arguments)]
fn fold_tile(
    reducer: &dyn Reducer,
    acc: &mut [AnyArray],
    tile: &AnyVec,
    shape: &[usize],
    start: usize,
    end: usize,
    prefix: &mut Vec<usize>,
    reduced: &[bool],
    acc_strides: &[usize],
    gstrides: &[usize],
    offset: &[usize],
) {
    let nd = shape.len();
    let last_reduced = nd > 0 && reduced[nd - 1];
    let need_idx = reducer.needs_index();
    // Position for arg reductions: along the single reduced axis, or flat.
    let single =
        if reduced.iter().filter(|&&r| r).count() == 1 && nd > 1 { reduced.iter().position(|&r| r) } else { None };
    for_each_segment(shape, start, end, prefix, |pre, c0, c1, off| {
        let base: usize = pre.iter().zip(acc_strides).map(|(&i, &s)| i * s).sum();
        let dest = if last_reduced { Dest::Cell(base) } else { Dest::Range(base + c0) };
        let idx = if !need_idx {
            (0, 0)
        } else if let Some(ax) = single {
            if ax == nd - 1 {
                ((offset[ax] + c0) as i64, 1)
            } else {
                ((offset[ax] + pre[ax]) as i64, 0)
            }
        } else {
            let mut flat = 0;
            for a in 0..nd {
                let local = if a + 1 < nd { pre[a] } else { c0 };
                flat += (offset[a] + local) * gstrides[a];
            }
            (flat as i64, 1)
        };
        reducer.fold(acc, tile, off, c1 - c0, dest, idx);
    });
}
