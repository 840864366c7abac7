//! Delayed graphs: same results as direct calls, shared sub-calls,
//! parallel branches, errors naming tasks, arrays from delayed blocks.

use darray::delayed::{call1, call_many, compute_many, compute_many_with, Delayed};
use darray::diagnostics::Profiler;
use darray::{delayed, try_delayed, Config, DArray, Error};
use ndarray::ArrayD;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn inc(x: &i64) -> i64 {
    x + 1
}
fn add(a: &i64, b: &i64) -> i64 {
    a + b
}
fn checked_half(x: &i64) -> Result<i64, String> {
    if x % 2 == 0 {
        Ok(x / 2)
    } else {
        Err(format!("{x} is odd"))
    }
}

#[test]
fn results_match_direct_calls() {
    let xs: Vec<i64> = (0..20).collect();
    let d: Vec<Delayed<i64>> = xs.iter().map(|&x| delayed!(inc(Delayed::value(x)))).collect();
    let total = call_many("sum", |v: &[&i64]| v.iter().copied().sum::<i64>(), &d);
    assert_eq!(total.compute().unwrap(), xs.iter().map(inc).sum::<i64>());
    assert_eq!(compute_many(&d).unwrap(), xs.iter().map(inc).collect::<Vec<_>>());
    let h = try_delayed!(checked_half(&delayed!(add(Delayed::value(3), Delayed::value(5)))));
    assert_eq!(h.compute().unwrap(), 4);
}

#[test]
fn identical_calls_share_one_task() {
    let x = Delayed::value(10i64);
    let a = delayed!(inc(&x));
    let b = delayed!(inc(&x));
    let c = delayed!(add(&a, &b));
    assert_eq!(c.graph().unwrap().len(), 3);
    let (v, stats) = compute_many_with(&[a, b, c], &Config::default()).unwrap();
    assert_eq!(v, vec![11, 11, 22]);
    assert_eq!(stats.tasks_run, 3);
    // A closure with captures is never merged with another one.
    let k = 5i64;
    let p = call1("plus", move |v: &i64| v + k, &x);
    let q = call1("plus", move |v: &i64| v + k, &x);
    assert_ne!(p.graph().unwrap().tasks().last().unwrap().key, q.graph().unwrap().tasks().last().unwrap().key);
}

#[test]
fn independent_branches_run_in_parallel() {
    fn slow(x: &i64) -> i64 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        x * 2
    }
    let a = delayed!(slow(Delayed::value(1)));
    let b = delayed!(slow(Delayed::value(2)));
    let s = delayed!(add(&a, &b));
    let prof = Arc::new(Profiler::new());
    // A pool of its own (3 threads): other tests of this binary share the 2-thread one.
    let (v, _) = s.compute_with(&Config::default().threads(3).observe(prof.clone())).unwrap();
    assert_eq!(v, 6);
    let slows: Vec<_> = prof.records().into_iter().filter(|r| r.op == "slow").collect();
    assert_eq!(slows.len(), 2);
    let overlap = slows[0].end.min(slows[1].end) - slows[0].start.max(slows[1].start);
    assert!(overlap > 0.05, "branches did not overlap: {slows:?}");
    assert_ne!(slows[0].thread, slows[1].thread);
}

#[test]
fn errors_and_panics_name_the_task() {
    let e = try_delayed!(checked_half(Delayed::value(7))).compute().unwrap_err();
    match e {
        Error::TaskFailed { task, source } => {
            assert!(task.starts_with("checked_half"), "{task}");
            assert_eq!(*source, Error::User("7 is odd".into()));
        }
        other => panic!("{other:?}"),
    }
    fn boom(_: &i64) -> i64 {
        panic!("kaboom")
    }
    match delayed!(boom(Delayed::value(1))).compute() {
        Err(Error::TaskPanicked { task, message }) => {
            assert!(task.starts_with("boom"));
            assert_eq!(message, "kaboom");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn delayed_values_can_be_arrays() {
    // A delayed call may build a DArray and another compute it: the inner
    // computation runs on the same pool from inside a task.
    let make = call1("make", |n: &usize| DArray::<f64>::ones([*n], [2]).unwrap() * 3.0, Delayed::value(6usize));
    let total = call1("total", |a: &DArray<f64>| a.sum().compute().unwrap()[[]], &make);
    assert_eq!(total.compute().unwrap(), 18.0);
    let chunk = call1("chunk", |a: &DArray<f64>| a.compute().unwrap(), &make);
    assert_eq!(chunk.compute().unwrap(), ArrayD::from_elem(vec![6], 3.0));
}

#[test]
fn arrays_from_delayed_blocks() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let load = move |i: &usize| {
        c.fetch_add(1, Ordering::Relaxed);
        ArrayD::from_shape_fn(vec![3, 4], |ix| (*i * 100 + ix[0] * 4 + ix[1]) as f64)
    };
    let blocks: Vec<_> = (0..4).map(|i| call1("load", load.clone(), Delayed::value(i))).collect();
    let x = DArray::from_delayed(blocks, [12, 4], [3, 4]).unwrap();
    let want = ndarray::Array2::from_shape_fn((12, 4), |(r, c)| ((r / 3) * 100 + (r % 3) * 4 + c) as f64).into_dyn();
    let (s, m) = darray::compute_all((&x.sum(), &x.max_axis(1))).unwrap();
    assert_eq!(s[[]], want.sum());
    assert_eq!(m, want.map_axis(ndarray::Axis(1), |r| r.fold(f64::MIN, |a, &b| a.max(b))));
    assert_eq!(calls.load(Ordering::Relaxed), 4, "each block loaded once for both results");
    let bad: Vec<_> =
        (0..4).map(|_| call1("bad", |_: &i32| ArrayD::<f64>::zeros(vec![2, 2]), Delayed::value(0))).collect();
    let err = DArray::from_delayed(bad, [12, 4], [3, 4]).unwrap().sum().compute().unwrap_err();
    assert!(matches!(err, Error::TaskFailed { ref source, .. } if matches!(**source, Error::Shape(_))), "{err:?}");
    assert!(DArray::<f64>::from_delayed(vec![], [12, 4], [3, 4]).is_err());
}
