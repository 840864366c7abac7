//! The diagnostic methods of the user-facing types: pictures of
//! expressions and graphs, progress bars.

use super::dot::{expr_dot, graph_dot, render};
use super::ProgressBar;
use crate::array::DArray;
use crate::dtype::Element;
use crate::error::Result;
use crate::graph::TaskGraph;
use crate::run::Config;
use std::sync::Arc;

impl<T: Element> DArray<T> {
    /// The high-level expression in Graphviz DOT: one node per operation
    /// with its shape, type and chunk grid.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::ones([4, 4], [2, 2])?;
    /// assert!((&x + 1.0).sum().to_dot().contains("sum"));
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn to_dot(&self) -> String {
        expr_dot(&self.node)
    }

    /// Writes the optimized task graph as `.dot`, or rendered as `.svg`,
    /// `.png` or `.pdf` by Graphviz (an error if `dot` is not installed).
    pub fn visualize(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        self.graph()?.visualize(path)
    }
}

impl TaskGraph {
    /// The graph in Graphviz DOT; fused tasks are one node naming the
    /// operations they fused.
    pub fn to_dot(&self) -> String {
        graph_dot(self)
    }
    /// Writes the graph as `.dot`, or rendered as `.svg`/`.png`/`.pdf`
    /// where Graphviz's `dot` program is installed (an error otherwise).
    pub fn visualize(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        render(&self.to_dot(), path)
    }
}

impl Config {
    /// Shows a progress bar on standard error while computing (only when
    /// standard error is a terminal).
    pub fn progress(self, on: bool) -> Self {
        if on {
            self.observe(Arc::new(ProgressBar::new()))
        } else {
            self
        }
    }
}
