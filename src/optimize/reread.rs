//! Re-reading instead of holding (`reread`): the rule that keeps
//! `x - x.mean(0)` over a file in bounded memory.
//!
//! A fused task that reads a block of a file *and* another task computed
//! from the same file (a mean over time, a climatology) cannot run until
//! that other task is done, which may need every block of the file.
//! Sharing one read of each block would hold the whole file meanwhile.
//! Such a task gets its own read of the block instead, which waits for the
//! same tasks (its barrier): one more read and decompression per block
//! (cheap next to holding gigabytes), and each block is freed as soon as
//! it is used. Tasks that only read the file (several reductions computed
//! together) share one read and hold each block only briefly.
//!
//! The cost model: sharing a block with a task behind a barrier holds it
//! until the barrier is done; reading it again holds nothing. A task shares
//! the blocks its barrier depends on while they total at most
//! `hold_bytes` (`Config::hold_bytes`, by default a quarter of the memory
//! limit, so a file that fits is decompressed once; a cohort: a
//! day-of-year climatology needs the same day of each year, a few blocks);
//! past it, the block is read again (a mean over the whole time axis needs
//! the whole file).

use super::rule::{PhysicalPlan, Rule};
use crate::error::Result;
use crate::graph::{dep_position, ChunkRef, Task, TaskGraph, TaskId, TaskOp};
use crate::key::{Key, TokenHasher};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

pub(super) struct Reread;

impl Rule for Reread {
    fn name(&self) -> &str {
        "reread"
    }
    fn graph(&self, g: &mut TaskGraph, p: &PhysicalPlan) -> Result<()> {
        reread(g, p.hold_bytes);
        Ok(())
    }
}

/// How many blocks of a file whose largest block is `block` bytes a
/// barrier may hold (at least 1).
pub(crate) fn max_held_blocks(block: u64, hold_bytes: usize) -> usize {
    (hold_bytes as u64 / block.max(1)).max(1) as usize
}

/// Rebuilds the graph in order: fused tasks get their own reads of file
/// blocks they would otherwise hold behind a barrier, inserted right
/// before their first reader (so the order stays topological).
fn reread(g: &mut TaskGraph, hold_bytes: usize) {
    let mut sizes: HashMap<u64, (usize, u64)> = HashMap::new();
    for t in &g.tasks {
        if let TaskOp::Read { .. } = t.op {
            let f = sizes.entry(t.key.token).or_default();
            f.0 += 1;
            f.1 = f.1.max(t.est_bytes);
        }
    }
    // A file within the budget is held whatever waits on it.
    let limits: HashMap<u64, usize> = sizes
        .into_iter()
        .map(|(tok, (n, block))| (tok, n, max_held_blocks(block, hold_bytes)))
        .filter(|&(_, n, limit)| n > limit)
        .map(|(tok, _, limit)| (tok, limit))
        .collect();
    if limits.is_empty() {
        return;
    }
    let old = std::mem::take(&mut g.tasks);
    let mut p = Pass {
        tasks: Vec::with_capacity(old.len()),
        limits,
        reads: HashMap::new(),
        copies: HashMap::new(),
        reach_memo: HashMap::new(),
        barrier_memo: HashMap::new(),
    };
    let mut remap: Vec<TaskId> = Vec::with_capacity(old.len());
    for mut t in old {
        t.deps.iter_mut().for_each(|d| *d = remap[*d as usize]);
        if matches!(t.op, TaskOp::Fused(_)) {
            p.rebind(&mut t);
        }
        let id = p.tasks.len() as TaskId;
        if matches!(t.op, TaskOp::Read { .. }) && p.limits.contains_key(&t.key.token) {
            p.reads.entry(t.key.token).or_default().insert(id);
        }
        remap.push(id);
        p.tasks.push(t);
    }
    g.tasks = p.tasks;
    g.remap_outputs(&remap);
}

struct Pass {
    /// The graph so far (every dependency of the task being rebound).
    tasks: Vec<Task>,
    /// Blocks a barrier may hold, for the files past the budget.
    limits: HashMap<u64, usize>,
    /// The read tasks of each such file so far.
    reads: HashMap<u64, HashSet<TaskId>>,
    /// Re-read tasks made, by (copy token, block).
    copies: HashMap<(u64, Box<[u32]>), TaskId>,
    /// The read tasks of a file each task depends on, if few.
    reach_memo: HashMap<(u64, TaskId), Option<Arc<Vec<TaskId>>>>,
    /// Whether a barrier depends on few blocks of a file, by file and
    /// (sorted) barrier: the blocks of one consumer usually wait on the
    /// same few aggregate tasks.
    barrier_memo: HashMap<(u64, Vec<TaskId>), bool>,
}

impl Pass {
    /// The file a dependency reads, if it is a read of a file past the
    /// budget.
    fn file_of(&self, d: TaskId) -> Option<u64> {
        let t = &self.tasks[d as usize];
        (matches!(t.op, TaskOp::Read { .. }) && self.limits.contains_key(&t.key.token)).then_some(t.key.token)
    }

    /// Rebinds the file leaves of fused task `t` whose file another of its
    /// inputs is computed from: shared while the barrier needs few blocks
    /// of the file, read again past that.
    fn rebind(&mut self, t: &mut Task) {
        let TaskOp::Fused(f) = &t.op else { return };
        // Files read by this task that another of its inputs reaches.
        let read_files: HashSet<u64> = t.deps.iter().filter_map(|&d| self.file_of(d)).collect();
        if read_files.is_empty() {
            return;
        }
        let candidates: Vec<u64> = read_files
            .into_iter()
            .filter(|&file| {
                t.deps
                    .iter()
                    .any(|&d| self.file_of(d) != Some(file) && self.reach(file, d).is_none_or(|r| !r.is_empty()))
            })
            .collect();
        if candidates.is_empty() {
            return;
        }
        let is_candidate = |d: TaskId, p: &Pass| p.file_of(d).is_some_and(|f| candidates.contains(&f));
        // The barrier: every other input, in order.
        let barrier: Vec<TaskId> = t.deps.iter().copied().filter(|&d| !is_candidate(d, self)).collect();
        let mut deps = barrier.clone();
        let mut rebound: Vec<(usize, ChunkRef)> = vec![];
        for (i, li) in f.inputs.iter().enumerate() {
            let ChunkRef::Dep(pos) = li.chunk else { continue };
            let r = t.deps[pos];
            if !is_candidate(r, self) {
                rebound.push((i, ChunkRef::Dep(dep_position(&mut deps, r))));
                continue;
            }
            let file = self.tasks[r as usize].key.token;
            let chosen = if self.local_barrier(file, &barrier) {
                // A cohort: share the block; the ordering finishes the
                // cohort together.
                r
            } else {
                self.copy(r, t.key.token, &barrier)
            };
            rebound.push((i, ChunkRef::Dep(dep_position(&mut deps, chosen))));
        }
        let TaskOp::Fused(f) = &mut t.op else { unreachable!("checked above") };
        for (i, c) in rebound {
            f.inputs[i].chunk = c;
        }
        t.deps = deps;
    }

    /// The task's own read of the block `r` reads (one per task group and
    /// block), waiting on `barrier`: read any earlier and it would only be
    /// held.
    fn copy(&mut self, r: TaskId, group: u64, barrier: &[TaskId]) -> TaskId {
        let read = &self.tasks[r as usize];
        let token = TokenHasher::new("reread").u64(read.key.token).u64(group).finish();
        let at = (token, read.key.block.clone());
        if let Some(&c) = self.copies.get(&at) {
            return c;
        }
        let TaskOp::Read { dtype, reader, label, offset, shape } = &read.op else { unreachable!("copies are reads") };
        let op = TaskOp::Read {
            dtype: *dtype,
            reader: reader.clone(),
            label: label.clone(),
            offset: offset.clone(),
            shape: shape.clone(),
        };
        let key = Key { token, label: read.key.label.clone(), block: read.key.block.clone() };
        let copy = Task { key, deps: barrier.to_vec(), op, est_bytes: read.est_bytes, owner: read.owner };
        let id = self.tasks.len() as TaskId;
        self.tasks.push(copy);
        self.copies.insert(at, id);
        id
    }

    /// Whether the tasks `barrier` depend on few enough blocks of `file`
    /// to hold them.
    fn local_barrier(&mut self, file: u64, barrier: &[TaskId]) -> bool {
        let mut sorted = barrier.to_vec();
        sorted.sort_unstable();
        let key = (file, sorted);
        if let Some(&b) = self.barrier_memo.get(&key) {
            return b;
        }
        let limit = self.limits[&file];
        let mut reach: HashSet<TaskId> = HashSet::new();
        let mut local = true;
        for &t in barrier {
            match self.reach(file, t) {
                Some(r) => reach.extend(r.iter().copied()),
                None => local = false,
            }
            if !local || reach.len() > limit {
                local = false;
                break;
            }
        }
        self.barrier_memo.insert(key, local);
        local
    }

    /// The reads of `file` that task `t` depends on, or `None` past the
    /// file's limit of them (memoised).
    fn reach(&mut self, file: u64, t: TaskId) -> Option<Arc<Vec<TaskId>>> {
        if let Some(r) = self.reach_memo.get(&(file, t)) {
            return r.clone();
        }
        let limit = self.limits[&file];
        let r = if self.reads.get(&file).is_some_and(|s| s.contains(&t)) {
            Some(Arc::new(vec![t]))
        } else {
            let mut set: HashSet<TaskId> = HashSet::new();
            let mut over = false;
            for d in self.tasks[t as usize].deps.clone() {
                match self.reach(file, d) {
                    Some(r) => set.extend(r.iter().copied()),
                    None => over = true,
                }
                if over || set.len() > limit {
                    over = true;
                    break;
                }
            }
            (!over).then(|| {
                let mut v: Vec<TaskId> = set.into_iter().collect();
                v.sort_unstable();
                Arc::new(v)
            })
        };
        self.reach_memo.insert((file, t), r.clone());
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::{AnyArray, DType};
    use crate::graph::testing::call;
    use crate::graph::{BlockRef, FusedTask, LeafInput, Output};
    use crate::program::{AxisMap, LeafDef, Program, Terminal};

    struct Zeros;
    impl crate::ops::BlockReader for Zeros {
        fn read(&self, _offset: &[usize], shape: &[usize]) -> Result<AnyArray> {
            Ok(AnyArray::default_of(DType::F64, shape))
        }
    }

    const FILE: u64 = 7;
    const BLOCK: u64 = 100;

    fn read(b: usize) -> Task {
        let label: Arc<str> = Arc::from("read");
        Task {
            key: Key::new(FILE, &label, &[b]),
            deps: vec![],
            op: TaskOp::Read { dtype: DType::F64, reader: Arc::new(Zeros), label, offset: vec![b], shape: vec![1] },
            est_bytes: BLOCK,
            owner: 0,
        }
    }

    /// A fused task reading the chunks of `deps` (one leaf each).
    fn fused(token: u64, b: usize, deps: &[TaskId]) -> Task {
        let leaves = deps.iter().map(|_| LeafDef::Chunk { map: AxisMap::identity(1) }).collect();
        let program = Program::new(leaves, vec![DType::F64; deps.len()], vec![], 0, vec![4], Terminal::Store, vec![]);
        let inputs = (0..deps.len()).map(|i| LeafInput { leaf: i, chunk: ChunkRef::Dep(i), start: vec![0] }).collect();
        let op = TaskOp::Fused(FusedTask {
            program: Arc::new(program),
            offset: vec![b],
            shape: vec![1],
            block: vec![b],
            inputs,
            group: None,
        });
        let label: Arc<str> = Arc::from("fused");
        Task { key: Key::new(token, &label, &[b]), deps: deps.to_vec(), op, est_bytes: BLOCK, owner: 0 }
    }

    /// `x - agg(x)` over a file of 4 blocks, where each of the two
    /// aggregates reads `cohort` of them (4: a mean over the whole axis).
    fn anomaly(cohort: usize) -> TaskGraph {
        let mut tasks: Vec<Task> = (0..4).map(read).collect();
        // Aggregate k reads blocks k, k+2, ... (a cohort) or all of them.
        let aggs: Vec<TaskId> = (0..2)
            .map(|k| {
                let deps: Vec<TaskId> = if cohort == 4 { (0..4).collect() } else { vec![k, k + 2] };
                tasks.push(call(&deps, 8));
                tasks.len() as TaskId - 1
            })
            .collect();
        let mut outs = vec![];
        for b in 0..4u32 {
            tasks.push(fused(99, b as usize, &[b, aggs[b as usize % 2]]));
            outs.push(BlockRef::Task(tasks.len() as TaskId - 1));
        }
        TaskGraph { tasks, outputs: vec![Output { blocks: outs }] }
    }

    fn reads_of(g: &TaskGraph, t: TaskId) -> Vec<&Task> {
        g.tasks[t as usize]
            .deps
            .iter()
            .map(|&d| &g.tasks[d as usize])
            .filter(|d| matches!(d.op, TaskOp::Read { .. }))
            .collect()
    }

    #[test]
    fn blocks_behind_a_whole_file_aggregate_are_read_again() {
        let mut g = anomaly(4);
        // Budget for one block: the 4 blocks of the mean do not fit.
        reread(&mut g, BLOCK as usize);
        for o in &g.outputs[0].blocks {
            let BlockRef::Task(t) = o else { panic!("tasks") };
            let reads = reads_of(&g, *t);
            assert_eq!(reads.len(), 1);
            let r = reads[0];
            assert_ne!(r.key.token, FILE, "a copy, not the shared read");
            // The copy waits for the aggregate its reader waits for.
            let agg = g.tasks[*t as usize].deps[0];
            assert_eq!(r.deps, vec![agg]);
            // Dependencies stay topological.
            assert!(g.tasks[*t as usize].deps.iter().all(|&d| d < *t));
        }
        // Leaf inputs point at the deps they had (the aggregate, then the copy).
        for o in &g.outputs[0].blocks {
            let BlockRef::Task(t) = o else { unreachable!() };
            let TaskOp::Fused(f) = &g.tasks[*t as usize].op else { panic!("fused") };
            let deps = &g.tasks[*t as usize].deps;
            assert!(matches!(g.tasks[deps[f.inputs[0].chunk_dep()] as usize].op, TaskOp::Read { .. }));
            assert!(matches!(g.tasks[deps[f.inputs[1].chunk_dep()] as usize].op, TaskOp::Delayed(_)));
        }
    }

    #[test]
    fn a_cohort_within_the_budget_is_shared() {
        let mut g = anomaly(2);
        // Two blocks per aggregate fit a budget of two blocks (the file of
        // four does not): share.
        reread(&mut g, 2 * BLOCK as usize);
        assert_eq!(g.tasks.len(), 4 + 2 + 4);
        for o in &g.outputs[0].blocks {
            let BlockRef::Task(t) = o else { unreachable!() };
            assert_eq!(reads_of(&g, *t)[0].key.token, FILE);
        }
    }

    #[test]
    fn a_file_within_the_budget_is_never_read_again() {
        let mut g = anomaly(4);
        let before = g.tasks.len();
        reread(&mut g, 4 * BLOCK as usize);
        assert_eq!(g.tasks.len(), before);
    }
}
