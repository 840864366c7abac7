//! Lowering delayed calls to tasks: one task per distinct call.

use crate::expr::DNode;
use crate::graph::{BlockRef, DelayedTask, Task, TaskId, TaskOp};
use crate::key::Key;
use std::collections::HashMap;
use std::sync::Arc;

/// Appends tasks for `roots` and everything they call (once per token);
/// returns the roots' task ids. `arrays` holds the blocks of the arrays
/// whose blocks are delayed values (`to_delayed`), by node token.
pub(crate) fn lower_delayed(
    roots: &[Arc<DNode>],
    tasks: &mut Vec<Task>,
    index: &mut HashMap<u64, TaskId>,
    arrays: &HashMap<u64, Vec<BlockRef>>,
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
        let (deps, f) = match &n.block {
            None => (n.deps.iter().map(|d| index[&d.token]).collect(), n.f.clone()),
            Some(b) => {
                let convert = b.convert.clone();
                // The array is lowered before (`run::graph` plans it first).
                match &arrays[&b.node.token][b.flat] {
                    BlockRef::Task(t) => {
                        let f: Arc<crate::ops::CallFn> = Arc::new(move |v: &[&crate::ops::Value]| {
                            let a = v[0].downcast_ref::<crate::dtype::AnyArray>().expect("a block as a value");
                            convert(a)
                        });
                        (vec![*t], f)
                    }
                    BlockRef::Held(a) => {
                        let a = a.clone();
                        let f: Arc<crate::ops::CallFn> = Arc::new(move |_: &[&crate::ops::Value]| convert(&a));
                        (vec![], f)
                    }
                }
            }
        };
        let id = tasks.len() as TaskId;
        tasks.push(Task {
            key: match n.item {
                Some((group, i)) => Key::new(group, &n.name, &[i as usize]),
                None => Key::new(n.token, &n.name, &[]),
            },
            deps,
            op: TaskOp::Delayed(DelayedTask { name: n.name.clone(), f }),
            est_bytes: 0,
            owner: 0,
        });
        index.insert(n.token, id);
    }
    roots.iter().map(|r| index[&r.token]).collect()
}
