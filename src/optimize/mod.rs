//! Optimizer passes over the expression before it is lowered to tasks, one
//! rule per file. Common sub-expressions need no pass of their own: equal
//! tokens are one node (see `lower`).

pub(crate) mod cull;
pub(crate) mod fuse;
pub(crate) mod reread;
