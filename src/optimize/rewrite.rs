//! The rewrite stage's driver: every node, inputs first, is offered to the
//! rules until none replaces it; a replacement is itself rewritten (its new
//! inputs too), and consumers are rebuilt over rewritten inputs. Nothing
//! is rebuilt where no rule fires, so the plan of an expression no rule
//! touches is the expression itself.

use super::expr::Expr;
use super::rule::Rule;
use crate::error::{Error, Result};
use crate::expr::Node;
use std::collections::HashMap;
use std::sync::Arc;

/// Most replacements of one node before the driver gives up on rules that
/// keep undoing each other.
const MAX_REWRITES: usize = 64;

/// The roots with every rule applied to a fixpoint.
pub(super) fn rewrite(roots: &[Arc<Node>], rules: &[Arc<dyn Rule>]) -> Result<Vec<Arc<Node>>> {
    let mut memo: HashMap<u64, Arc<Node>> = HashMap::new();
    roots.iter().map(|r| rewrite_dag(r, rules, &mut memo, 0)).collect()
}

/// Rewrites the DAG below `root` (iteratively: expressions can be deep).
fn rewrite_dag(
    root: &Arc<Node>,
    rules: &[Arc<dyn Rule>],
    memo: &mut HashMap<u64, Arc<Node>>,
    depth: usize,
) -> Result<Arc<Node>> {
    let mut stack: Vec<(Arc<Node>, bool)> = vec![(root.clone(), false)];
    while let Some((n, expanded)) = stack.pop() {
        if memo.contains_key(&n.token) {
            continue;
        }
        if !expanded {
            stack.push((n.clone(), true));
            for i in n.inputs() {
                if !memo.contains_key(&i.token) {
                    stack.push((i.clone(), false));
                }
            }
            continue;
        }
        let inputs: Vec<Arc<Node>> = n.inputs().iter().map(|i| memo[&i.token].clone()).collect();
        let changed = n.inputs().iter().zip(&inputs).any(|(a, b)| !Arc::ptr_eq(a, b));
        let mut node = if changed { n.with_inputs(inputs) } else { n.clone() };
        if n.error().is_none() {
            node = apply(node, rules, memo, depth)?;
        }
        memo.insert(n.token, node);
    }
    Ok(memo[&root.token].clone())
}

/// Offers `node` to the rules until none replaces it.
fn apply(
    mut node: Arc<Node>,
    rules: &[Arc<dyn Rule>],
    memo: &mut HashMap<u64, Arc<Node>>,
    depth: usize,
) -> Result<Arc<Node>> {
    let mut count = 0;
    'again: loop {
        for r in rules {
            let Some(Expr(new)) = r.rewrite(&Expr(node.clone()))? else { continue };
            count += 1;
            if count > MAX_REWRITES || depth > MAX_REWRITES {
                return Err(Error::Invalid(format!(
                    "optimizer rule {:?} keeps rewriting {:?}: rules must reach a fixpoint",
                    r.name(),
                    node.label
                )));
            }
            if let Some(e) = new.error() {
                return Err(e.clone());
            }
            // The replacement's own inputs may be new: rewrite below it
            // first (the node itself is offered again here).
            let mut sub = HashMap::new();
            for i in new.inputs() {
                let ri = match memo.get(&i.token) {
                    Some(m) => m.clone(),
                    None => rewrite_dag(i, rules, memo, depth + 1)?,
                };
                sub.insert(i.token, ri);
            }
            let changed = new.inputs().iter().any(|i| !Arc::ptr_eq(i, &sub[&i.token]));
            node = if changed {
                new.with_inputs(new.inputs().iter().map(|i| sub[&i.token].clone()).collect())
            } else {
                new
            };
            continue 'again;
        }
        return Ok(node);
    }
}
