//! Culling (`cull`): drops tasks no output needs (dask's `cull`). Lowering
//! emits every block of a materialised node; a slice or a partial use of
//! it needs only some, and only those run. It runs last, after the passes
//! that can leave tasks unread (`reread`).

use super::rule::{PhysicalPlan, Rule};
use crate::error::Result;
use crate::graph::{Task, TaskGraph, TaskId};

pub(super) struct Cull;

impl Rule for Cull {
    fn name(&self) -> &str {
        "cull"
    }
    fn graph(&self, g: &mut TaskGraph, _p: &PhysicalPlan) -> Result<()> {
        let wanted = g.output_tasks();
        let remap = cull(&mut g.tasks, &wanted);
        g.remap_outputs(&remap);
        Ok(())
    }
}

/// Keeps the tasks reachable from `outputs`, in their order; returns the
/// new id of each old task (`u32::MAX` when dropped).
fn cull(tasks: &mut Vec<Task>, outputs: &[TaskId]) -> Vec<TaskId> {
    let mut keep = vec![false; tasks.len()];
    let mut stack: Vec<TaskId> = outputs.to_vec();
    while let Some(t) = stack.pop() {
        if std::mem::replace(&mut keep[t as usize], true) {
            continue;
        }
        stack.extend(tasks[t as usize].deps.iter().filter(|&&d| !keep[d as usize]));
    }
    let mut remap = vec![TaskId::MAX; tasks.len()];
    let mut next = 0;
    for (i, k) in keep.iter().enumerate() {
        if *k {
            remap[i] = next;
            next += 1;
        }
    }
    if next as usize == tasks.len() {
        return remap;
    }
    let old = std::mem::take(tasks);
    for (i, mut t) in old.into_iter().enumerate() {
        if keep[i] {
            for d in &mut t.deps {
                *d = remap[*d as usize];
            }
            tasks.push(t);
        }
    }
    remap
}
