//! Lowering delayed calls to tasks: one task per distinct call.

use crate::expr::DNode;
use crate::graph::{DelayedTask, Task, TaskId, TaskOp};
use crate::key::Key;
use std::collections::HashMap;
use std::sync::Arc;

/// Appends tasks for `roots` and everything they call (once per token);
/// returns the roots' task ids.
pub(crate) fn lower_delayed(
    roots: &[Arc<DNode>],
    tasks: &mut Vec<Task>,
    index: &mut HashMap<u64, TaskId>,
) -> Vec<TaskId> {
    let mut stack: Vec<(Arc<DNode>, bool)> = roots.iter().rev().map(|r| (r.clone(), false)).collect();
    while let Some((n, expanded)) = stack.pop() {
        if index.contains_key(&n.token) {
            continue;
        }
        if !expanded {
            stack.push((n.clone(), true));
            for d in n.deps.iter().rev() {
                if !index.contains_key(&d.token) {
                    stack.push((d.clone(), false));
                }
            }
            continue;
        }
        let deps = n.deps.iter().map(|d| index[&d.token]).collect();
        let id = tasks.len() as TaskId;
        tasks.push(Task {
            key: Key::new(n.token, &n.name, &[]),
            deps,
            op: TaskOp::Delayed(DelayedTask { name: n.name.clone(), f: n.f.clone() }),
            est_bytes: 0,
            owner: 0,
        });
        index.insert(n.token, id);
    }
    roots.iter().map(|r| index[&r.token]).collect()
}
