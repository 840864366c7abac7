//! Seeing the work: progress bars, profiles and timelines, graph pictures.
//! This layer sits above the arrays and the engine and adds its methods to
//! their types (`DArray::to_dot`, `TaskGraph::visualize`,
//! `Config::progress`), so nothing below it depends on it.

pub(crate) mod dot;
mod extend;
mod profile;
mod progress;
mod timeline;

pub use dot::render;
pub use profile::{Profiler, ResourceSample, TaskRecord};
pub use progress::ProgressBar;

use crate::graph::TaskGraph;
use std::collections::BTreeMap;

/// Number of tasks per operation label, for a quick look at a graph.
///
/// ```
/// use darray::{diagnostics::task_counts, DArray};
/// let x = DArray::<f64>::ones([8], [2]).unwrap();
/// let c = task_counts(&(&x * 2.0).sum().graph().unwrap());
/// assert_eq!(c["sum-partial"], 4);
/// ```
pub fn task_counts(g: &TaskGraph) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for t in g.tasks() {
        *m.entry(t.key.label.to_string()).or_default() += 1;
    }
    m
}
