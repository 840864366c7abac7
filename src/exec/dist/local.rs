//! Ranks as threads of one process: the transport of tests, examples and
//! the doctests, moving the same bytes as MPI would (every message is
//! encoded and decoded), without MPI.

use super::routes::Routes;
use super::{wire, CommStats, Distributed, Inbound, Message, Transport};
use crate::error::Result;
use crate::exec::task::lock;
use crate::exec::Executor;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Mailbox {
    routes: Routes,
    runs: u64,
}

struct Shared {
    boxes: Vec<Mutex<Mailbox>>,
}

/// One rank's end of a [`LocalRanks`] network.
struct LocalTransport {
    rank: u32,
    net: Arc<Shared>,
}

impl LocalTransport {
    fn mailbox(&self) -> std::sync::MutexGuard<'_, Mailbox> {
        lock(&self.net.boxes[self.rank as usize])
    }
}

/// `n` ranks in one process, each a thread running the whole program with
/// its own [`Distributed`] executor (see there for an example).
pub struct LocalRanks {
    net: Arc<Shared>,
}

impl LocalRanks {
    /// A network of `n` ranks (at least 1).
    pub fn new(n: u32) -> Self {
        let n = n.max(1);
        LocalRanks { net: Arc::new(Shared { boxes: (0..n).map(|_| Mutex::default()).collect() }) }
    }

    /// The executor of rank `rank`.
    pub fn executor(&self, rank: u32) -> Distributed {
        Distributed::new(Arc::new(LocalTransport { rank, net: self.net.clone() }))
    }

    /// Runs `program` on every rank, each on its own thread with its rank
    /// and executor, and returns each rank's result, rank 0 first.
    pub fn run<T: Send>(&self, program: impl Fn(u32, Arc<dyn Executor>) -> Result<T> + Sync) -> Vec<Result<T>> {
        let n = self.net.boxes.len() as u32;
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..n)
                .map(|r| {
                    let exec: Arc<dyn Executor> = Arc::new(self.executor(r));
                    let program = &program;
                    s.spawn(move || {
                        crate::key::own_closure_tokens();
                        program(r, exec)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
        })
    }
}

impl Transport for LocalTransport {
    fn rank(&self) -> u32 {
        self.rank
    }
    fn size(&self) -> u32 {
        self.net.boxes.len() as u32
    }
    fn open(&self, run: u64, inbox: Sender<Inbound>) {
        self.mailbox().routes.open(run, inbox);
    }
    fn send(&self, to: u32, run: u64, msg: Message) -> Result<()> {
        let bytes = wire::encode(&msg)?;
        if matches!(msg, Message::Result(..)) {
            self.mailbox().routes.sent(1, bytes.len());
        }
        let inbound = wire::decode(self.rank, &bytes)?;
        lock(&self.net.boxes[to as usize]).routes.deliver(run, inbound, bytes.len());
        Ok(())
    }
    fn close(&self, run: u64) -> Result<()> {
        self.mailbox().routes.close(run);
        Ok(())
    }
    fn stats(&self) -> CommStats {
        CommStats { rank: self.rank, ranks: self.net.boxes.len() as u32, ..self.mailbox().routes.stats }
    }
    fn next_run(&self) -> u64 {
        let mut b = self.mailbox();
        b.runs += 1;
        b.runs - 1
    }
}
