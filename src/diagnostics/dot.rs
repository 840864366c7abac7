//! Graph pictures in Graphviz DOT: the expression and the task graph.

use crate::error::{Error, Result};
use crate::expr::{Node, NodeKind};
use crate::graph::TaskGraph;
use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

fn q(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// DOT of an expression DAG: one node per operation with its shape, type
/// and chunk grid.
pub(crate) fn expr_dot(root: &Arc<Node>) -> String {
    let mut s = String::from("digraph expression {\n  rankdir=BT;\n  node [fontname=\"sans-serif\", fontsize=10];\n");
    let mut seen = HashSet::new();
    let mut stack = vec![root.clone()];
    while let Some(n) = stack.pop() {
        if !seen.insert(n.token) {
            continue;
        }
        let shape = match n.kind {
            NodeKind::Source(_) | NodeKind::FromArray(_) | NodeKind::Persisted(_) | NodeKind::Read(_) => "box",
            NodeKind::Reduce { .. } => "doubleoctagon",
            _ => "ellipse",
        };
        let label = format!("{}\n{:?} {}\nblocks {:?}", n.label, n.shape, n.dtype.name(), n.chunks.numblocks());
        let _ = writeln!(s, "  n{:016x} [label={}, shape={shape}];", n.token, q(&label));
        for i in n.inputs() {
            let _ = writeln!(s, "  n{:016x} -> n{:016x};", i.token, n.token);
            stack.push(i.clone());
        }
    }
    s.push_str("}\n");
    s
}

/// DOT of a task graph: one node per task; a fused task lists what it fused.
pub(crate) fn graph_dot(g: &TaskGraph) -> String {
    let mut s =
        String::from("digraph tasks {\n  rankdir=BT;\n  node [shape=box, fontname=\"sans-serif\", fontsize=9];\n");
    for (i, t) in g.tasks().enumerate() {
        let label = format!("{}\n{}", t.key, t.ops.join(" > "));
        let _ = writeln!(s, "  t{i} [label={}];", q(&label));
    }
    for (i, t) in g.tasks.iter().enumerate() {
        for d in &t.deps {
            let _ = writeln!(s, "  t{d} -> t{i};");
        }
    }
    s.push_str("}\n");
    s
}

/// Writes `dot` to `path`: as DOT text for `.dot`/`.gv`, else rendered by
/// Graphviz to the format its extension names (`svg`, `png`, `pdf`), with
/// the DOT text kept beside it.
pub fn render(dot: &str, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("dot").to_ascii_lowercase();
    if ext == "dot" || ext == "gv" {
        return crate::io::write_atomic(path, dot.as_bytes());
    }
    let dot_path = path.with_extension("dot");
    crate::io::write_atomic(&dot_path, dot.as_bytes())?;
    let tmp = crate::io::temp_name(path);
    let out =
        std::process::Command::new("dot").arg(format!("-T{ext}")).arg("-o").arg(&tmp).arg(&dot_path).output().map_err(
            |e| match e.kind() {
                std::io::ErrorKind::NotFound => Error::Graphviz(format!(
                    "the `dot` program is not installed (apt-get install graphviz); the DOT text is in {}",
                    dot_path.display()
                )),
                _ => Error::Graphviz(e.to_string()),
            },
        )?;
    if !out.status.success() {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::Graphviz(String::from_utf8_lossy(&out.stderr).trim().to_string()));
    }
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}
