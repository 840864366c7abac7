//! Where a rank's arriving messages go, for every transport: to the inbox
//! of the run they belong to, kept until that run opens, or dropped once
//! it has closed; with the rank's counts of task results sent and
//! received.

use super::{CommStats, Inbound};
use std::collections::{HashMap, HashSet};
use std::sync::mpsc::Sender;

#[derive(Default)]
pub(crate) struct Routes {
    open: HashMap<u64, Sender<Inbound>>,
    early: HashMap<u64, Vec<Inbound>>,
    closed: HashSet<u64>,
    pub(crate) stats: CommStats,
}

impl Routes {
    /// Run `run`'s messages go to `inbox` from now on, those that came
    /// before it first.
    pub(crate) fn open(&mut self, run: u64, inbox: Sender<Inbound>) {
        for m in self.early.remove(&run).unwrap_or_default() {
            let _ = inbox.send(m);
        }
        self.open.insert(run, inbox);
    }

    /// A message of `bytes` bytes for run `run` has arrived.
    pub(crate) fn deliver(&mut self, run: u64, inbound: Inbound, bytes: usize) {
        if matches!(inbound, Inbound::Result(..)) {
            self.stats.messages_received += 1;
            self.stats.bytes_received += bytes as u64;
        }
        if let Some(tx) = self.open.get(&run) {
            let _ = tx.send(inbound);
        } else if !self.closed.contains(&run) {
            self.early.entry(run).or_default().push(inbound);
        }
    }

    /// Task results of `bytes` bytes in all handed over for `count` ranks.
    pub(crate) fn sent(&mut self, count: usize, bytes: usize) {
        self.stats.messages_sent += count as u64;
        self.stats.bytes_sent += bytes as u64;
    }

    /// Run `run` is over: later messages of it are dropped.
    pub(crate) fn close(&mut self, run: u64) {
        self.open.remove(&run);
        self.early.remove(&run);
        self.closed.insert(run);
    }
}
