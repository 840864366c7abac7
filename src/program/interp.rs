//! The interpreter of fused programs: runs a `Program` over one block,
//! tile by tile, reading its leaves in place through their axis maps.

use super::load::{CopyLoader, Load, SourceLoader, ViewLoader};
use super::{AxisMap, Finish, GroupRows, LeafDef, Program, Terminal};
use crate::dispatch;
use crate::dtype::{AnyArray, AnySlice, AnySliceMut, AnyVec, Element};
use crate::error::{Error, Result};
use crate::kernels::reduce::Dest;
use crate::kernels::{for_each_segment, tile_len, Reducer};
use ndarray::{ArrayD, IxDyn};
use std::sync::Arc;

/// One block to run a program on: where it is, and the chunks bound to the
/// program's chunk leaves (with the window start in each).
pub(crate) struct BlockCall<'a> {
    pub offset: &'a [usize],
    pub shape: &'a [usize],
    pub block: &'a [usize],
    pub bound: Vec<Option<(&'a AnyArray, &'a [usize])>>,
    pub group: Option<&'a GroupRows>,
}

/// What a program produced: a block, or a reduction partial.
pub(crate) enum Produced {
    Array(AnyArray),
    Partial(Vec<AnyArray>),
}

pub(crate) fn finalize(reducer: &dyn Reducer, acc: Vec<AnyArray>, reduced: &[bool], f: Finish) -> Result<AnyArray> {
    let out = reducer.finalize(acc)?;
    if f.keepdims {
        return Ok(out);
    }
    let shape: Vec<usize> = out.shape().iter().zip(reduced).filter(|(_, &r)| !r).map(|(&s, _)| s).collect();
    Ok(dispatch!(AnyArray, out, a => {
        let a = a.into_shape_with_order(IxDyn(&shape)).expect("dropping length-1 axes");
        Element::wrap(a)
    }))
}

/// A loader reading `arr` through a leaf map: `first` holds the leaf
/// coordinates (within `arr`) of the block's first element; each mapped
/// axis adds `step * stride` to its domain axis's stride.
///
/// Checks that every element of the block maps inside `arr` (a wrong plan
/// must fail here, not read out of bounds): the loaders' unchecked reads
/// rely on it.
fn view_loader<'a>(arr: &'a AnyArray, first: &[isize], map: &[AxisMap], shape: &[usize]) -> Result<Box<dyn Load + 'a>> {
    window_inside(arr.shape(), first, map, shape)?;
    Ok(dispatch!(AnyArray, arr, a => {
        let mut strides = vec![0isize; shape.len()];
        let mut origin = 0isize;
        for (ax, m) in map.iter().enumerate() {
            let s = a.strides()[ax];
            origin += first[ax] * s;
            if let Some(d) = m.dom {
                strides[d] += m.step * s;
            }
        }
        let nd = shape.len();
        let transposed = nd >= 2 && strides[nd - 1].abs() > 1 && shape[nd - 1] > 1;
        match (0..nd.saturating_sub(1)).find(|&d| transposed && strides[d].abs() == 1 && shape[d] > 1) {
            Some(u) => Box::new(CopyLoader::transposed(a, origin, &strides, shape, u)) as Box<dyn Load + 'a>,
            None => Box::new(ViewLoader::new(a, origin, strides, shape)) as Box<dyn Load + 'a>,
        }
    }))
}

/// Whether the block (`shape`, read through `map` from leaf coordinates
/// `first`) lies inside an array of shape `dims`: along each leaf axis the
/// first and last indices the block reads are in range (an empty block reads
/// nothing).
fn window_inside(dims: &[usize], first: &[isize], map: &[AxisMap], shape: &[usize]) -> Result<()> {
    if shape.contains(&0) {
        return Ok(());
    }
    for (ax, m) in map.iter().enumerate() {
        let lo = first[ax];
        let hi = match m.dom {
            Some(d) => lo + m.step * (shape[d] as isize - 1),
            None => lo,
        };
        let (lo, hi) = (lo.min(hi), lo.max(hi));
        if lo < 0 || hi >= dims[ax] as isize {
            return Err(Error::Internal(format!(
                "a block of shape {shape:?} reads indices {lo}..={hi} of axis {ax} of a chunk of shape {dims:?}"
            )));
        }
    }
    Ok(())
}

/// Generates a source over a window of its own coordinates (`lo`, `shape`).
fn generate(
    src: &Arc<dyn crate::kernels::Source>,
    dtype: crate::dtype::DType,
    lo: Vec<usize>,
    shape: &[usize],
) -> AnyArray {
    let n: usize = shape.iter().product();
    let gen = SourceLoader::new(src.clone(), AxisMap::identity(shape.len()), lo);
    let mut buf = AnyVec::with_capacity(dtype, n);
    dispatch!(AnyVec, &mut buf, b => b.resize(n, Default::default()));
    gen.load(shape, 0, n, &mut Vec::new(), buf.window_mut(0, n));
    into_array(buf, shape)
}

/// Runs `p` over the block `t`.
pub(crate) fn run(p: &Program, t: &BlockCall<'_>) -> Result<Produced> {
    let nd = t.shape.len();
    let n: usize = t.shape.iter().product();

    let bound = &t.bound;
    // Sources are evaluated in place, through their map, unless they are
    // broadcast over much of the block (a profile along one axis): then
    // their own window is generated once and read through the map, rather
    // than evaluated again for every repeat.
    let pregen: Vec<Option<(AnyArray, Vec<isize>)>> = p
        .leaves
        .iter()
        .enumerate()
        .map(|(i, def)| {
            let LeafDef::Source { src, map, .. } = def else { return None };
            if src.is_constant() {
                return None;
            }
            let spans: Vec<(isize, isize)> = map.iter().map(|m| m.span(t.offset, t.shape)).collect();
            let window: Vec<usize> = spans.iter().map(|(lo, hi)| (hi - lo + 1) as usize).collect();
            let wn: usize = window.iter().product();
            if wn * 2 > n {
                return None;
            }
            let lo: Vec<usize> = spans.iter().map(|s| s.0 as usize).collect();
            let first: Vec<isize> = map.iter().zip(&spans).map(|(m, s)| m.first(t.offset) - s.0).collect();
            Some((generate(src, p.leaf_dtypes[i], lo, &window), first))
        })
        .collect();
    let loaders: Vec<Box<dyn Load + '_>> = p
        .leaves
        .iter()
        .enumerate()
        .map(|(i, def)| {
            let map = def.map();
            match (def, &pregen[i]) {
                (LeafDef::Source { .. }, Some((arr, first))) => view_loader(arr, first, map, t.shape),
                (LeafDef::Source { src, .. }, None) => {
                    Ok(Box::new(SourceLoader::new(src.clone(), map.to_vec(), t.offset.to_vec())) as Box<dyn Load>)
                }
                (LeafDef::Array { arr, .. }, _) => {
                    let first: Vec<isize> = map.iter().map(|m| m.first(t.offset)).collect();
                    view_loader(arr, &first, map, t.shape)
                }
                (LeafDef::Chunk { .. }, _) => {
                    let (arr, start) = bound[i].expect("every chunk leaf is bound");
                    let first: Vec<isize> = start.iter().map(|&s| s as isize).collect();
                    view_loader(arr, &first, map, t.shape)
                }
            }
        })
        .collect::<Result<_>>()?;

    let tile = n.clamp(1, tile_len(p.reg_dtypes.iter().map(|d| d.size()).sum()));
    let mut regs = Regs::new(&p.reg_dtypes, tile);
    // What the block's values go into.
    enum Sink {
        Store(AnyVec),
        Fold { acc: Vec<AnyArray>, acc_strides: Vec<usize>, gstrides: Vec<usize>, carry: Option<Carry> },
    }
    let mut sink = match &p.terminal {
        Terminal::Store | Terminal::MapBlocks(_) => Sink::Store(AnyVec::with_capacity(p.out_dtype, n)),
        Terminal::Partial { reducer, reduced, .. } => {
            let mut acc_shape: Vec<usize> = t.shape.iter().zip(reduced).map(|(&s, &r)| if r { 1 } else { s }).collect();
            if let Some(g) = &t.group {
                acc_shape[g.axis] = g.rows;
            }
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
            let whole = t.group.is_none() && reduced.iter().all(|&r| r);
            let carry = whole.then(|| Carry { shape: acc_shape.clone(), tiles: 0, stack: vec![] });
            Sink::Fold { acc: reducer.init(&acc_shape), acc_strides, gstrides, carry }
        }
    };

    let mut prefix = Vec::with_capacity(nd);
    // Loop-invariant values (constant leaves, steps over them only) are
    // computed once; every tile reads the same registers.
    let mut views: Vec<Option<AnySlice<'_>>> = vec![None; p.leaves.len()];
    if n > 0 {
        for (i, l) in loaders.iter().enumerate() {
            if p.invariant[i] {
                l.load(t.shape, 0, tile, &mut prefix, regs.window_mut(p.reg_of[i], tile));
            }
        }
        run_steps(p, &mut regs, &views, tile, true);
    }
    let mut start = 0;
    while start < n {
        let end = (start + tile).min(n);
        let len = end - start;
        // Contiguous leaves are read in place; the others load a register.
        for (i, l) in loaders.iter().enumerate() {
            if !p.invariant[i] {
                views[i] = l.view(start, end);
                if views[i].is_none() {
                    l.load(t.shape, start, end, &mut prefix, regs.window_mut(p.reg_of[i], len));
                }
            }
        }
        run_steps(p, &mut regs, &views, len, false);
        let res = value(p, &regs, &views, p.out, len);
        match &mut sink {
            Sink::Store(buf) => buf.extend_from(res),
            Sink::Fold { acc, acc_strides, gstrides, carry } => {
                let Terminal::Partial { reducer, reduced, .. } = &p.terminal else { unreachable!() };
                match t.group {
                    Some(g) => {
                        fold_groups(reducer.as_ref(), acc, res, t.shape, start, end, &mut prefix, acc_strides, g)
                    }
                    None => fold_tile(
                        reducer.as_ref(),
                        acc,
                        res,
                        t.shape,
                        start,
                        end,
                        &mut prefix,
                        reduced,
                        acc_strides,
                        gstrides,
                        t.offset,
                    ),
                }
                if let Some(c) = carry {
                    c.tile_done(reducer.as_ref(), acc);
                }
            }
        }
        start = end;
    }

    match (sink, &p.terminal) {
        (Sink::Store(buf), Terminal::Store) => Ok(Produced::Array(into_array(buf, t.shape))),
        (Sink::Store(buf), Terminal::MapBlocks(f)) => {
            let out = f.call(into_array(buf, t.shape), t.block)?;
            if out.shape() != t.shape {
                return Err(Error::Shape(format!(
                    "map_blocks function returned a block of shape {:?} for block {:?} of shape {:?}",
                    out.shape(),
                    t.block,
                    t.shape
                )));
            }
            Ok(Produced::Array(out))
        }
        (Sink::Fold { mut acc, carry, .. }, Terminal::Partial { reducer, reduced, finish }) => Ok({
            if let Some(c) = carry {
                c.finish(reducer.as_ref(), &mut acc);
            }
            match finish {
                Some(f) => Produced::Array(finalize(reducer.as_ref(), acc, reduced, *f)?),
                None => Produced::Partial(acc),
            }
        }),
        _ => unreachable!("sink matches terminal"),
    }
}

/// Pairwise combination of a whole-block reduction's partials: tiles fold
/// into the accumulator, which every `GROUP` tiles joins a binary carry
/// stack (a finished pair of equal size merges into one), so rounding
/// grows with the logarithm of the tile count, not the count itself.
struct Carry {
    shape: Vec<usize>,
    tiles: usize,
    stack: Vec<(u32, Vec<AnyArray>)>,
}

impl Carry {
    const GROUP: usize = 64;

    fn tile_done(&mut self, reducer: &dyn Reducer, acc: &mut Vec<AnyArray>) {
        self.tiles += 1;
        if !self.tiles.is_multiple_of(Self::GROUP) {
            return;
        }
        let mut part = std::mem::replace(acc, reducer.init(&self.shape));
        let mut level = 0;
        while let Some((l, _)) = self.stack.last() {
            if *l != level {
                break;
            }
            let (_, mut older) = self.stack.pop().expect("just seen");
            reducer.merge(&mut older, &part);
            part = older;
            level += 1;
        }
        self.stack.push((level, part));
    }

    fn finish(self, reducer: &dyn Reducer, acc: &mut Vec<AnyArray>) {
        // Smallest partials first, as the tree would have met them.
        for (_, mut p) in self.stack.into_iter().rev() {
            reducer.merge(&mut p, acc);
            *acc = p;
        }
    }
}

/// Tile registers, each window aligned to 64 bytes (a cache line): a
/// misaligned window splits every other 256-bit load across two lines.
struct Regs {
    bufs: Vec<AnyVec>,
    off: Vec<usize>,
}

impl Regs {
    fn new(dtypes: &[crate::dtype::DType], tile: usize) -> Regs {
        let (mut bufs, mut off) = (vec![], vec![]);
        for &d in dtypes {
            let size = d.size().max(1);
            let pad = 64 / size;
            let mut v = AnyVec::with_capacity(d, tile + pad);
            dispatch!(AnyVec, &mut v, x => x.resize(tile + pad, Default::default()));
            let addr = dispatch!(AnyVec, &v, x => x.as_ptr() as usize);
            off.push(((64 - addr % 64) % 64) / size);
            bufs.push(v);
        }
        Regs { bufs, off }
    }
    #[inline]
    fn window(&self, r: usize, len: usize) -> AnySlice<'_> {
        self.bufs[r].window(self.off[r], self.off[r] + len)
    }
    #[inline]
    fn window_mut(&mut self, r: usize, len: usize) -> AnySliceMut<'_> {
        self.bufs[r].window_mut(self.off[r], self.off[r] + len)
    }
}

/// Value `v` of the current tile: a leaf read in place, or its register.
#[inline]
fn value<'a>(p: &Program, regs: &'a Regs, views: &[Option<AnySlice<'a>>], v: usize, len: usize) -> AnySlice<'a> {
    match views.get(v).copied().flatten() {
        Some(s) => s,
        None => regs.window(p.reg_of[v], len),
    }
}

/// Runs the program's steps that are (`invariant`) or are not loop
/// invariant on the first `len` elements of the registers.
fn run_steps(p: &Program, regs: &mut Regs, views: &[Option<AnySlice<'_>>], len: usize, invariant: bool) {
    let nl = p.leaves.len();
    for (k, ins) in p.instrs.iter().enumerate() {
        if p.invariant[nl + k] != invariant {
            continue;
        }
        let r = p.reg_of[nl + k];
        // The output register is taken out while the arguments are read.
        let mut out = std::mem::replace(&mut regs.bufs[r], AnyVec::Bool(Vec::new()));
        let o = out.window_mut(regs.off[r], regs.off[r] + len);
        let arg = |i: usize| value(p, regs, views, ins.args[i], len);
        // Arguments on the stack: this runs once per step per tile.
        match ins.args.len() {
            1 => ins.kernel.apply(&[arg(0)], o),
            2 => ins.kernel.apply(&[arg(0), arg(1)], o),
            3 => ins.kernel.apply(&[arg(0), arg(1), arg(2)], o),
            m => ins.kernel.apply(&(0..m).map(arg).collect::<Vec<_>>(), o),
        }
        regs.bufs[r] = out;
    }
}

fn into_array(buf: AnyVec, shape: &[usize]) -> AnyArray {
    dispatch!(AnyVec, buf, b => {
        let a: ArrayD<_> = ArrayD::from_shape_vec(IxDyn(shape), b).expect("buffer fills the block");
        Element::wrap(a)
    })
}

/// Folds a tile of a grouped partial: position `i` along the grouped axis
/// goes to accumulator row `row_of[i]` (no other axis is reduced).
#[allow(clippy::too_many_arguments)]
fn fold_groups(
    reducer: &dyn Reducer,
    acc: &mut [AnyArray],
    tile: AnySlice<'_>,
    shape: &[usize],
    start: usize,
    end: usize,
    prefix: &mut Vec<usize>,
    acc_strides: &[usize],
    g: &GroupRows,
) {
    let nd = shape.len();
    let skip = GroupRows::SKIP;
    for_each_segment(shape, start, end, prefix, |pre, c0, c1, off| {
        let base = |row: usize| -> usize {
            pre.iter()
                .enumerate()
                .map(|(a, &i)| if a == g.axis { row * acc_strides[a] } else { i * acc_strides[a] })
                .sum()
        };
        if g.axis + 1 < nd {
            let row = g.row_of[pre[g.axis]];
            if row != skip {
                reducer.fold(acc, tile.sub(off, off + c1 - c0), Dest::Range(base(row as usize) + c0), (0, 0));
            }
            return;
        }
        // The grouped axis is the innermost: runs of one row fold into a cell.
        let mut j = c0;
        while j < c1 {
            let row = g.row_of[j];
            let mut k = j + 1;
            while k < c1 && g.row_of[k] == row {
                k += 1;
            }
            if row != skip {
                let run = tile.sub(off + (j - c0), off + (k - c0));
                reducer.fold(acc, run, Dest::Cell(base(0) + row as usize), (0, 0));
            }
            j = k;
        }
    });
}

#[allow(clippy::too_many_arguments)]
fn fold_tile(
    reducer: &dyn Reducer,
    acc: &mut [AnyArray],
    tile: AnySlice<'_>,
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
    if !need_idx && reduced.iter().all(|&r| r) {
        // Everything folds into one cell: the tile is one run.
        reducer.fold(acc, tile, Dest::Cell(0), (0, 0));
        return;
    }
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
        reducer.fold(acc, tile.sub(off, off + c1 - c0), dest, idx);
    });
}
