//! The futures API against direct calls: submit, map, futures as
//! arguments, gather, scatter, cancel, as_completed, wait, errors naming
//! their task; and on ranks that are threads (`LocalRanks`), where map
//! spreads its items and every rank gets every result.

use darray::delayed::futures::{as_completed, progress, wait, Client};
use darray::exec::dist::{register_value, LocalRanks};
use darray::exec::{Observer, TaskEvent};
use darray::{Config, Error};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[test]
fn results_match_direct_calls() {
    let c = Client::new();
    let items: Vec<u64> = (0..50).collect();
    let squares = c.map("square", |x: &u64| x * x, items.clone());
    assert_eq!(c.gather(&squares).unwrap(), items.iter().map(|x| x * x).collect::<Vec<_>>());
    let a = c.submit("a", || 20u64);
    let b = c.submit1("b", |a: &u64| a + 1, &a);
    let s = c.submit2("s", |a: &u64, b: &u64| a * b, &a, &b);
    assert_eq!(s.result().unwrap(), 20 * 21);
    let sc = c.scatter(vec![String::from("x"), String::from("y")]);
    let joined = c.submit2("join", |x: &String, y: &String| format!("{x}{y}"), &sc[0], &sc[1]);
    assert_eq!(joined.result().unwrap(), "xy");
    assert!(s.done() && a.done());
    progress(&squares);
}

#[test]
fn cancel_as_completed_and_wait() {
    let c = Client::new();
    let (tx, rx) = channel::<()>();
    let rx = Arc::new(Mutex::new(rx));
    // `slow` runs until the test lets it finish.
    let r2 = rx.clone();
    let slow = c.submit("slow", move || {
        r2.lock().unwrap().recv().unwrap();
        1i32
    });
    let fast = c.submit("fast", || 2i32);
    let after = c.submit1("after", |x: &i32| x + 1, &slow);
    // Only `fast` finishes while `slow` waits.
    let w = wait(&[slow.clone(), fast.clone()], Some(Duration::from_millis(300)));
    assert_eq!((w.done, w.not_done), (vec![1], vec![0]));
    assert!(after.cancel());
    assert!(matches!(after.result(), Err(Error::Cancelled(k)) if k.starts_with("after-")));
    assert!(!fast.cancel(), "a finished future is not pending");
    assert_eq!(fast.result().unwrap(), 2);
    tx.send(()).unwrap();
    let order: Vec<usize> = as_completed(&[slow.clone(), fast.clone()]).map(|(i, _)| i).collect();
    assert_eq!(order.len(), 2);
    assert_eq!(slow.result().unwrap(), 1);
    assert!(wait(&[slow, fast], None).not_done.is_empty());
}

#[test]
fn errors_name_their_task_and_reach_dependents() {
    let c = Client::new();
    let bad = c.submit("explode", || -> i32 { panic!("kaboom") });
    match bad.result() {
        Err(Error::TaskPanicked { task, message }) => {
            assert!(task.starts_with("explode"), "{task}");
            assert_eq!(message, "kaboom");
        }
        other => panic!("{other:?}"),
    }
    let dep = c.submit1("dep", |x: &i32| x + 1, &bad);
    assert!(matches!(dep.result(), Err(Error::TaskPanicked { .. })));
    let m = c.map(
        "half",
        |x: &i32| {
            assert!(x % 7 != 3, "item {x}");
            x / 2
        },
        (0..10).collect(),
    );
    for f in &m {
        assert!(matches!(f.result(), Err(Error::TaskPanicked { message, .. }) if message == "item 3"));
    }
}

/// Counts the tasks run on one rank.
#[derive(Default)]
struct Count(AtomicUsize);

impl Observer for Count {
    fn on_task_end(&self, _: &TaskEvent<'_>, _: usize) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn on_ranks_map_spreads_and_every_rank_gets_every_result() {
    register_value::<u64>();
    for n in [1, 2, 3] {
        let counts: Vec<Arc<Count>> = (0..n).map(|_| Arc::default()).collect();
        let res = LocalRanks::new(n).run(|r, e| {
            let cfg = Config::default().threads(1).executor(e).observe(counts[r as usize].clone());
            let c = Client::with_config(cfg);
            let m = c.map("cube", |x: &u64| x * x * x, (0..20).collect());
            let total = c.submit("total", || 7u64);
            let plus = c.submit1("plus", |t: &u64| t + 1, &total);
            let mut v = c.gather(&m)?;
            v.push(plus.result()?);
            Ok(v)
        });
        let mut want: Vec<u64> = (0..20).map(|x| x * x * x).collect();
        want.push(8);
        for (r, got) in res.into_iter().enumerate() {
            assert_eq!(got.unwrap(), want, "rank {r} of {n}");
        }
        // The 20 items in contiguous ranges (the two submissions on rank 0).
        let ran: Vec<usize> = counts.iter().map(|c| c.0.load(Ordering::SeqCst)).collect();
        let items = |r: usize| (0..20).filter(|i| i * n as usize / 20 == r).count();
        let want: Vec<usize> = (0..n as usize).map(|r| items(r) + if r == 0 { 2 } else { 0 }).collect();
        assert_eq!(ran, want, "tasks per rank on {n} ranks");
    }
    // A result type not registered cannot reach the other ranks.
    #[derive(Clone)]
    struct Opaque;
    let res = LocalRanks::new(2).run(|_, e| {
        let c = Client::with_config(Config::default().threads(1).executor(e));
        c.gather(&c.map("o", |_: &u8| Opaque, vec![1, 2, 3, 4])).map(|v| v.len())
    });
    assert!(res.iter().all(|r| r.is_err()));
    assert!(res.iter().any(|r| r.as_ref().unwrap_err().to_string().contains("register_value")));
}
