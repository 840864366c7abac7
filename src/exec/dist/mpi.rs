//! MPI as the transport (feature `mpi`, rsmpi over the system's MPI).
//!
//! One communication thread per process owns MPI: it initialises it, and
//! finalises it when the process exits (an `atexit` hook), so only one
//! thread ever calls MPI (rsmpi's communicator is not `Sync`). Workers hand
//! it messages through a channel and never wait for the network.
//!
//! - Sends are non-blocking (`MPI_Isend`) and bounded by a credit window
//!   per destination: at most `WINDOW` pieces not yet taken by the
//!   receiving rank, which hands credits back as it takes them, so a fast
//!   producer cannot flood a slow rank's memory.
//! - A message is cut into pieces of at most `DARRAY_MPI_PIECE_BYTES`
//!   (1 GiB by default): MPI counts are C ints, so one send cannot carry
//!   2^31 elements. Pieces from one rank arrive in order (MPI does not
//!   overtake), so they are joined by source.
//! - The thread polls (probe, test), sleeping from 10 us up to 1 ms while
//!   idle, so a rank's workers keep its cores.

use super::routes::Routes;
use super::{wire, CommStats, Distributed, Inbound, Message, Transport};
use crate::error::{Error, Result};
use crate::exec::task::lock;
use mpi::point_to_point::{Destination, MatchedReceiveVec, Source};
use mpi::request::{Request, StaticScope};
use mpi::topology::Communicator;
use std::collections::{HashMap, VecDeque};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

const DATA: i32 = 1;
const CREDIT: i32 = 2;
/// Pieces in flight to one rank, not yet taken there.
const WINDOW: u64 = 16;
/// Credits go back in batches of this many pieces.
const BATCH: u64 = WINDOW / 2;

/// A piece's frame header: `[run u64][last u8]`, then its bytes.
const HEADER: usize = 9;

enum Cmd {
    /// A message encoded after `HEADER` bytes, for every rank of `to`.
    Send {
        to: Vec<u32>,
        run: u64,
        bytes: Vec<u8>,
    },
    Flush {
        run: u64,
        done: Sender<()>,
    },
    Shutdown,
}

struct Comm {
    rank: u32,
    size: u32,
    runs: std::sync::atomic::AtomicU64,
    exec: OnceLock<Arc<Distributed>>,
    cmds: Mutex<Sender<Cmd>>,
    routes: Arc<Mutex<Routes>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

static COMM: OnceLock<std::result::Result<Comm, String>> = OnceLock::new();

/// Whether this process was started by an MPI launcher (`mpirun`, `srun`):
/// then [`Config::default`](crate::Config) runs on [`executor`].
pub fn launched() -> bool {
    ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"].iter().any(|v| std::env::var_os(v).is_some())
}

fn comm() -> Result<&'static Comm> {
    COMM.get_or_init(start).as_ref().map_err(|e| Error::Comm(e.clone()))
}

/// The executor of this process's rank over MPI's world communicator
/// (initialising MPI on first use). Every call gives the same one.
pub fn executor() -> Result<Arc<Distributed>> {
    let c = comm()?;
    Ok(c.exec.get_or_init(|| Arc::new(Distributed::new(Arc::new(MpiTransport { rank: c.rank, size: c.size })))).clone())
}

extern "C" fn at_exit() {
    if let Some(Ok(c)) = COMM.get() {
        let _ = lock(&c.cmds).send(Cmd::Shutdown);
        if let Some(h) = lock(&c.thread).take() {
            let _ = h.join();
        }
    }
}

fn start() -> std::result::Result<Comm, String> {
    let (tx, rx) = channel();
    let (ready_tx, ready_rx) = channel();
    let routes = Arc::new(Mutex::new(Routes::default()));
    let r2 = routes.clone();
    let piece = std::env::var("DARRAY_MPI_PIECE_BYTES")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&p| p > 0)
        .unwrap_or(1 << 30)
        .min(i32::MAX as usize - 64);
    let h = std::thread::Builder::new()
        .name("darray-mpi".into())
        .spawn(move || {
            let Some((universe, _)) = mpi::initialize_with_threading(mpi::Threading::Funneled) else {
                let _ = ready_tx.send(Err("MPI could not be initialised (already initialised elsewhere?)".to_string()));
                return;
            };
            let world = universe.world();
            let _ = ready_tx.send(Ok((world.rank() as u32, world.size() as u32)));
            CommLoop::new(&world, rx, r2, piece).run();
            drop(universe);
        })
        .map_err(|e| format!("cannot start the MPI thread: {e}"))?;
    let (rank, size) = ready_rx.recv().map_err(|_| "the MPI thread ended".to_string())??;
    // SAFETY: registering a plain `extern "C"` function with libc.
    unsafe { libc::atexit(at_exit) };
    routes.lock().unwrap_or_else(|e| e.into_inner()).stats = CommStats { rank, ranks: size, ..Default::default() };
    Ok(Comm {
        rank,
        size,
        runs: Default::default(),
        exec: OnceLock::new(),
        cmds: Mutex::new(tx),
        routes,
        thread: Mutex::new(Some(h)),
    })
}

struct MpiTransport {
    rank: u32,
    size: u32,
}

impl Transport for MpiTransport {
    fn rank(&self) -> u32 {
        self.rank
    }
    fn size(&self) -> u32 {
        self.size
    }
    fn open(&self, run: u64, inbox: Sender<Inbound>) {
        if let Ok(c) = comm() {
            lock(&c.routes).open(run, inbox);
        }
    }
    fn send(&self, to: u32, run: u64, msg: Message) -> Result<()> {
        self.send_many(&[to], run, msg)
    }
    fn send_many(&self, to: &[u32], run: u64, msg: Message) -> Result<()> {
        let c = comm()?;
        // Encoded once for every destination, after room for the header.
        let bytes = wire::encode_after(&msg, HEADER)?;
        if matches!(msg, Message::Result(..)) {
            lock(&c.routes).sent(to.len(), (bytes.len() - HEADER) * to.len());
        }
        lock(&c.cmds)
            .send(Cmd::Send { to: to.to_vec(), run, bytes })
            .map_err(|_| Error::Comm("the MPI thread has ended".into()))
    }
    fn close(&self, run: u64) -> Result<()> {
        let c = comm()?;
        let (done, wait) = channel();
        let sent = lock(&c.cmds).send(Cmd::Flush { run, done }).is_ok();
        let flushed = sent && wait.recv().is_ok();
        lock(&c.routes).close(run);
        if flushed {
            Ok(())
        } else {
            Err(Error::Comm("the MPI thread ended before the run's messages left".into()))
        }
    }
    fn stats(&self) -> CommStats {
        comm().map(|c| lock(&c.routes).stats).unwrap_or_default()
    }
    fn next_run(&self) -> u64 {
        comm().map_or(0, |c| c.runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
    }
}

/// A piece: its run and its bytes, a range of a shared buffer (one
/// message's bytes serve every destination and, under 1 GiB, are the one
/// piece, header included: no copy).
struct Piece {
    run: u64,
    buf: Arc<Vec<u8>>,
    range: std::ops::Range<usize>,
}

/// A piece being sent: its request, and the buffer it reads, kept alive
/// until the send completes.
struct InFlight {
    req: Request<'static, [u8], StaticScope>,
    piece: Piece,
}

struct CommLoop<'w> {
    world: &'w mpi::topology::SimpleCommunicator,
    cmds: Receiver<Cmd>,
    routes: Arc<Mutex<Routes>>,
    piece: usize,
    /// Pieces waiting for credit, per destination: (run, piece bytes).
    queued: Vec<VecDeque<Piece>>,
    in_flight: Vec<InFlight>,
    /// Credits: pieces sent to each rank, and handed back by it.
    sent: Vec<u64>,
    returned: Vec<u64>,
    /// Pieces taken from each rank, and credits handed back to it.
    taken: Vec<u64>,
    credited: Vec<u64>,
    /// Pieces of a message being joined, per source.
    partial: Vec<Vec<u8>>,
    /// Pieces not yet completed per run, and who waits for a run's end.
    pending: HashMap<u64, usize>,
    flushes: Vec<(u64, Sender<()>)>,
}

impl<'w> CommLoop<'w> {
    fn new(
        world: &'w mpi::topology::SimpleCommunicator,
        cmds: Receiver<Cmd>,
        routes: Arc<Mutex<Routes>>,
        piece: usize,
    ) -> Self {
        let n = world.size() as usize;
        CommLoop {
            world,
            cmds,
            routes,
            piece,
            queued: (0..n).map(|_| VecDeque::new()).collect(),
            in_flight: vec![],
            sent: vec![0; n],
            returned: vec![0; n],
            taken: vec![0; n],
            credited: vec![0; n],
            partial: vec![vec![]; n],
            pending: HashMap::new(),
            flushes: vec![],
        }
    }

    fn run(mut self) {
        let mut idle = 0u32;
        let mut shutdown: Option<Instant> = None;
        // A command that ended an idle wait.
        let mut woke: Option<Cmd> = None;
        loop {
            let mut busy = false;
            loop {
                let next = match woke.take() {
                    Some(c) => Ok(c),
                    None => self.cmds.try_recv(),
                };
                match next {
                    Ok(Cmd::Send { to, run, bytes }) => {
                        busy = true;
                        self.enqueue(&to, run, bytes);
                    }
                    Ok(Cmd::Flush { run, done }) => self.flushes.push((run, done)),
                    Ok(Cmd::Shutdown) | Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                        shutdown.get_or_insert_with(Instant::now);
                        break;
                    }
                    Err(std::sync::mpsc::TryRecvError::Empty) => break,
                }
            }
            busy |= self.start_sends();
            busy |= self.complete_sends();
            busy |= self.receive();
            self.answer_flushes();
            if let Some(t) = shutdown {
                let empty = self.in_flight.is_empty() && self.queued.iter().all(VecDeque::is_empty);
                // A rank that died cannot take its pieces: give up after a while.
                if empty || t.elapsed() > Duration::from_secs(10) {
                    // Sends that never completed keep their buffers.
                    for f in self.in_flight.drain(..) {
                        std::mem::forget(f);
                    }
                    return;
                }
            }
            if busy {
                idle = 0;
            } else {
                idle = idle.saturating_add(1);
                if idle > 16 {
                    // 10 us doubling to 1 ms: a rank waiting long costs its
                    // workers little, one that is busy answers at once.
                    // A worker's send ends the wait at once; arrivals are
                    // seen at its end.
                    let wait = Duration::from_micros((10u64 << (idle - 16).min(7)).min(1000));
                    match self.cmds.recv_timeout(wait) {
                        Ok(c) => {
                            woke = Some(c);
                            idle = 0;
                        }
                        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                            shutdown.get_or_insert_with(Instant::now);
                        }
                    }
                } else {
                    std::thread::yield_now();
                }
            }
        }
    }

    /// A message (encoded after `HEADER` bytes) as pieces for `to`.
    fn enqueue(&mut self, to: &[u32], run: u64, mut bytes: Vec<u8>) {
        let body = bytes.len() - HEADER;
        let pieces: Vec<Arc<Vec<u8>>> = if body <= self.piece {
            bytes[..8].copy_from_slice(&run.to_le_bytes());
            bytes[8] = 1;
            vec![Arc::new(bytes)]
        } else {
            let n = body.div_ceil(self.piece);
            bytes[HEADER..]
                .chunks(self.piece)
                .enumerate()
                .map(|(i, c)| {
                    let mut p = Vec::with_capacity(HEADER + c.len());
                    p.extend_from_slice(&run.to_le_bytes());
                    p.push(u8::from(i + 1 == n));
                    p.extend_from_slice(c);
                    Arc::new(p)
                })
                .collect()
        };
        for &r in to {
            for p in &pieces {
                self.queued[r as usize].push_back(Piece { run, buf: p.clone(), range: 0..p.len() });
                *self.pending.entry(run).or_default() += 1;
            }
        }
    }

    fn start_sends(&mut self) -> bool {
        let mut any = false;
        for to in 0..self.queued.len() {
            while self.sent[to] - self.returned[to] < WINDOW {
                let Some(piece) = self.queued[to].pop_front() else { break };
                let bytes = &piece.buf[piece.range.clone()];
                // SAFETY: the buffer is an `Arc` kept in the `InFlight`
                // until the send completes (or for ever, if it never
                // does); its heap data does not move meanwhile.
                let bytes: &'static [u8] = unsafe { std::slice::from_raw_parts(bytes.as_ptr(), bytes.len()) };
                let req = self.world.process_at_rank(to as i32).immediate_send_with_tag(StaticScope, bytes, DATA);
                self.in_flight.push(InFlight { req, piece });
                self.sent[to] += 1;
                any = true;
            }
        }
        any
    }

    fn complete_sends(&mut self) -> bool {
        let mut any = false;
        let mut i = 0;
        while i < self.in_flight.len() {
            let InFlight { req, piece } = self.in_flight.swap_remove(i);
            match req.test() {
                Ok(_) => {
                    if let Some(n) = self.pending.get_mut(&piece.run) {
                        *n -= 1;
                        if *n == 0 {
                            self.pending.remove(&piece.run);
                        }
                    }
                    any = true;
                }
                Err(req) => {
                    self.in_flight.push(InFlight { req, piece });
                    let last = self.in_flight.len() - 1;
                    self.in_flight.swap(i, last);
                    i += 1;
                }
            }
        }
        any
    }

    fn receive(&mut self) -> bool {
        let mut any = false;
        while let Some((msg, status)) = self.world.any_process().immediate_matched_probe() {
            any = true;
            let from = status.source_rank() as usize;
            let (bytes, _) = (msg, status).matched_receive_vec::<u8>();
            if status.tag() == CREDIT {
                let n = bytes.get(..8).map_or(0, |b| u64::from_le_bytes(b.try_into().expect("8 bytes")));
                self.returned[from] += n;
                continue;
            }
            self.taken[from] += 1;
            if self.taken[from] - self.credited[from] >= BATCH {
                let n = self.taken[from] - self.credited[from];
                self.credited[from] = self.taken[from];
                self.world.process_at_rank(from as i32).send_with_tag(&n.to_le_bytes()[..], CREDIT);
            }
            if bytes.len() < HEADER {
                continue;
            }
            let run = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
            let last = bytes[8] == 1;
            if last && self.partial[from].is_empty() {
                // A message of one piece: read where it landed.
                self.deliver(from as u32, run, &bytes[HEADER..]);
                continue;
            }
            self.partial[from].extend_from_slice(&bytes[HEADER..]);
            if last {
                let whole = std::mem::take(&mut self.partial[from]);
                self.deliver(from as u32, run, &whole);
            }
        }
        any
    }

    fn deliver(&mut self, from: u32, run: u64, bytes: &[u8]) {
        let inbound = wire::decode(from, bytes).unwrap_or_else(Inbound::Failed);
        lock(&self.routes).deliver(run, inbound, bytes.len());
    }

    fn answer_flushes(&mut self) {
        let pending = &self.pending;
        self.flushes.retain(|(run, done)| {
            if pending.contains_key(run) {
                true
            } else {
                let _ = done.send(());
                false
            }
        });
    }
}
