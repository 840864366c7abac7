//! The engine's inner contracts: fusion, deterministic keys, shared work,
//! persist, bounded memory, failures, and nesting inside rayon.

use darray::{compute_all, ComputeAll, Config, DArray, Error, ReduceOpts};
use rayon::prelude::*;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn e1(n: usize, c: usize) -> DArray<f64> {
    let x = DArray::<f64>::ones([n, n], [c, c]).unwrap();
    ((&x + 1.0) * 2.0 - &x).sum()
}

#[test]
fn fused_chain_is_one_task_per_chunk_plus_tree() {
    let y = e1(100, 10);
    let g = y.graph().unwrap();
    assert_eq!(g.leaves().count(), 100);
    // The tree over a 10 x 10 grid with fan-in 16 = 4 per axis: 3 x 3, then 1.
    assert_eq!(g.len(), 100 + 9 + 1);
    let leaf = g.leaves().next().unwrap();
    assert_eq!(leaf.ops, vec!["full", "add", "mul", "sub", "sum-partial"]);
    // Without fusion every operation on every chunk is a task of its own.
    let raw = y.graph_with(&Config::default().optimize(false)).unwrap();
    assert!(raw.len() >= 400 + 10, "{}", raw.len());
}

#[test]
fn fused_reduction_holds_few_chunks() {
    for threads in [1, 2, 4] {
        let (v, stats) = e1(100, 10).compute_with(&Config::default().threads(threads)).unwrap();
        assert_eq!(v[[]], 3.0 * 100.0 * 100.0);
        assert_eq!(stats.tasks_run, 110);
        // No chunk-sized array is ever held: partials are one number each.
        assert_eq!(stats.peak_chunks_held, 0);
        // Partials wait for their combine: a fan-in's worth (16) for each
        // group in progress (one per thread, plus the one being finished),
        // and the 9 level-one results.
        let bound = 16 * (threads + 1) + 9;
        assert!(stats.peak_results_held <= bound, "{stats:?}");
        assert!(stats.peak_bytes_held <= 8 * bound, "{stats:?}");
    }
}

#[test]
fn materialised_intermediates_are_freed_early() {
    // map_blocks forces a chunk per block; the priority order should finish
    // each branch, so only a few chunks are alive however many there are.
    let x = DArray::<f64>::ones([2000, 2000], [100, 100]).unwrap().map_blocks(|b, _| b * 3.0);
    let (v, stats) = x.sum().compute_with(&Config::default().threads(2)).unwrap();
    assert_eq!(v[[]], 3.0 * 4e6);
    assert!(stats.peak_chunks_held <= 2 + 2, "{stats:?}");
    assert!(stats.peak_bytes_held <= (2 + 2) * 100 * 100 * 8 + 64 * 8, "{stats:?}");
}

#[test]
fn streaming_reduction_memory_does_not_grow_with_the_array() {
    let small = DArray::<f64>::ones([4000, 4000], [500, 500]).unwrap().sum();
    let big = DArray::<f64>::ones([16000, 16000], [500, 500]).unwrap().sum();
    let cfg = Config::default().threads(2);
    let (a, sa) = small.compute_with(&cfg).unwrap();
    let (b, sb) = big.compute_with(&cfg).unwrap();
    assert_eq!((a[[]], b[[]]), (1.6e7, 2.56e8));
    // No chunk is held; partials waiting for their combine grow only with
    // the tree's depth (16 per level), not with the array.
    for (s, g) in [(sa, small.graph().unwrap()), (sb, big.graph().unwrap())] {
        assert_eq!(s.peak_chunks_held, 0);
        assert!(s.peak_results_held <= 16 * g.depth() + 2, "{s:?} depth {}", g.depth());
    }
}

#[test]
fn keys_are_deterministic_and_identical_subexpressions_merge() {
    let build = || {
        let x = DArray::<f64>::ones([30, 30], [10, 10]).unwrap();
        let y = (&x * 2.0 + 1.0).mean_axis(0);
        y.graph().unwrap().tasks().map(|t| t.key.to_string()).collect::<Vec<_>>()
    };
    assert_eq!(build(), build());

    // The same sub-expression built twice is one set of tasks.
    let x = DArray::<f64>::ones([30, 30], [10, 10]).unwrap();
    let a = (&x * 2.0).map_blocks(|b, _| b + 1.0);
    let s1 = a.sum();
    let s2 = a.max();
    let (_, stats) = (&s1, &s2).compute_all_with(&Config::default()).unwrap();
    // 9 map_blocks tasks shared, 9 + 1 per reduction.
    assert_eq!(stats.tasks_run, 9 + 2 * (9 + 1));
    let t1 = (&x * 2.0).token();
    let t2 = (&x * 2.0).token();
    assert_eq!(t1, t2);
    assert_ne!((&x * 3.0).token(), t1);
}

#[test]
fn persist_never_recomputes_sources() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let x = DArray::from_fn([50, 40], [10, 10], move |i| {
        c.fetch_add(1, Ordering::Relaxed);
        (i[0] + i[1]) as f64
    })
    .unwrap();
    let p = (&x * 2.0).persist().unwrap();
    assert_eq!(calls.load(Ordering::Relaxed), 2000);
    let (s, m) = compute_all((&p.sum(), &(&p + 1.0).max_axis(1))).unwrap();
    assert_eq!(calls.load(Ordering::Relaxed), 2000, "persisted chunks were recomputed");
    assert_eq!(s[[]], 2.0 * (0..50).flat_map(|i| (0..40).map(move |j| (i + j) as f64)).sum::<f64>());
    assert_eq!(m[[49]], 2.0 * (49.0 + 39.0) + 1.0);
    assert_eq!(p.compute().unwrap()[[3, 4]], 14.0);
    assert!(p.graph().unwrap().is_empty());
}

#[test]
fn panicking_closure_names_the_task_and_pool_survives() {
    let x =
        DArray::from_fn([100], [10], |i| if i[0] == 57 { panic!("bad value at {}", i[0]) } else { 1.0f64 }).unwrap();
    for _ in 0..3 {
        match x.sum().compute() {
            Err(Error::TaskPanicked { task, message }) => {
                assert!(task.contains("(5)"), "{task}");
                assert!(message.contains("bad value at 57"), "{message}");
            }
            other => panic!("expected a panic error, got {other:?}"),
        }
    }
    // The pool still works.
    assert_eq!(DArray::<f64>::ones([100], [10]).unwrap().sum().compute().unwrap()[[]], 100.0);
}

#[test]
fn first_failure_stops_the_rest() {
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    let x = DArray::<f64>::ones([2000], [1]).unwrap().map_blocks(move |b, idx| {
        r.fetch_add(1, Ordering::Relaxed);
        if idx[0] == 3 {
            panic!("boom");
        }
        std::thread::sleep(std::time::Duration::from_micros(200));
        b
    });
    assert!(x.sum().compute_with(&Config::default().threads(2)).is_err());
    assert!(ran.load(Ordering::Relaxed) < 2000, "every task ran despite the failure");
}

#[test]
fn compute_inside_rayon_does_not_deadlock() {
    let sums: Vec<f64> = (0..8usize)
        .into_par_iter()
        .map(|k| DArray::<f64>::full([1000], k as f64, [10]).unwrap().sum().compute().unwrap()[[]])
        .collect();
    assert_eq!(sums, (0..8).map(|k| 1000.0 * k as f64).collect::<Vec<_>>());
    // Nested: a task that computes another array on the same pool.
    let x = DArray::<f64>::ones([4], [1]).unwrap().map_blocks(|b, _| {
        let inner = DArray::<f64>::ones([100], [10]).unwrap().sum().compute().unwrap()[[]];
        b * inner
    });
    for threads in [1, 2] {
        assert_eq!(x.sum().compute_with(&Config::default().threads(threads)).unwrap().0[[]], 400.0);
    }
}

#[test]
fn random_is_reproducible_across_chunking_and_threads() {
    let a = DArray::<f64>::random_normal([37, 23], [5, 7], 1.0, 2.0, 9).unwrap();
    let b = DArray::<f64>::random_normal([37, 23], [37, 1], 1.0, 2.0, 9).unwrap();
    let (va, _) = a.compute_with(&Config::default().threads(1)).unwrap();
    let (vb, _) = b.compute_with(&Config::default().threads(3)).unwrap();
    assert_eq!(va, vb);
    let c = DArray::<f64>::random_normal([37, 23], [5, 7], 1.0, 2.0, 10).unwrap().compute().unwrap();
    assert_ne!(va, c);
    let big = DArray::<f64>::random_normal([200_000], [10_000], 1.0, 2.0, 3).unwrap();
    let (m, s) = compute_all((&big.mean(), &big.std(0.0))).unwrap();
    assert!((m[[]] - 1.0).abs() < 0.02 && (s[[]] - 2.0).abs() < 0.02, "{m} {s}");
    let u = DArray::<f32>::random_uniform([100_000], [999], -1.0, 3.0, 5).unwrap();
    let (lo, hi, mu) = compute_all((&u.min(), &u.max(), &u.mean())).unwrap();
    assert!(lo[[]] >= -1.0 && hi[[]] < 3.0 && (mu[[]] - 1.0).abs() < 0.02);
}

#[test]
fn sources_with_multiple_readers_are_recomputed_not_held() {
    // x - mean(x): x is a source, so both consumers regenerate it per chunk
    // instead of holding every chunk of x until the mean is known.
    let x = DArray::from_fn([400, 400], [50, 50], |i| ((7 * i[0] + 13 * i[1]) % 101) as f64).unwrap();
    let y = (&x - &x.mean_with(&ReduceOpts::axis(0).keepdims(true))).sum();
    let (v, stats) = y.compute_with(&Config::default().threads(2)).unwrap();
    assert!(v[[]].abs() < 1e-6);
    assert!(stats.peak_chunks_held <= 8, "only blocks of the mean (8) are chunks held: {stats:?}");
    let labels: HashSet<String> = y.graph().unwrap().tasks().map(|t| t.key.label.to_string()).collect();
    assert!(!labels.contains("from_fn"), "{labels:?}");
}

/// An array read block by block (like a file), counting reads.
fn counted_reads(n: usize, c: usize, reads: Arc<AtomicUsize>) -> DArray<f64> {
    DArray::from_block_fn("rd", [n, 8], [c, 8], move |off, shape| {
        reads.fetch_add(1, Ordering::Relaxed);
        Ok(ndarray::ArrayD::from_shape_fn(shape.to_vec(), |i| ((off[0] + i[0]) * 8 + i[1]) as f64))
    })
    .unwrap()
}

#[test]
fn anomaly_of_a_read_array_rereads_instead_of_holding_it_all() {
    let direct = counted_reads(400, 10, Arc::new(AtomicUsize::new(0))).compute().unwrap();
    let m = direct.mean_axis(ndarray::Axis(0)).unwrap();
    let want = ((&direct - &m).mapv(|d| d * d).mean().unwrap()).sqrt();
    // Blocks of 640 bytes: with a budget of four of them, the 40 blocks the
    // mean needs are too many to hold, so the anomaly reads them again.
    let reads = Arc::new(AtomicUsize::new(0));
    let x = counted_reads(400, 10, reads.clone());
    let anomaly = &x - &x.mean_with(&ReduceOpts::axis(0).keepdims(true));
    // (The one-pass rule would compute this std without the anomaly at
    // all; it is off here, to see the re-read.)
    let two_pass = Config::default().threads(2).without_rule("anomaly-var");
    let cfg = two_pass.clone().hold_bytes(4 * 640);
    assert_eq!(anomaly.std(0.0).explain_with(&cfg).unwrap().reread_blocks, Some(40));
    let (v, stats) = anomaly.std(0.0).compute_with(&cfg).unwrap();
    assert!((v[[]] - want).abs() < 1e-9 * want);
    // Each block is read twice (once for the mean, once for the anomaly)...
    assert_eq!(reads.load(Ordering::Relaxed), 80);
    // ... so blocks are never held waiting for the mean: a few at a time,
    // not the 40 of the array.
    assert!(stats.peak_chunks_held <= 6, "{stats:?}");
    // Within the budget (the default follows the machine's memory; these
    // 25 kB fit any), one read of each is shared.
    let reads = Arc::new(AtomicUsize::new(0));
    let x = counted_reads(400, 10, reads.clone());
    let anomaly = &x - &x.mean_with(&ReduceOpts::axis(0).keepdims(true));
    let plan = anomaly.std(0.0).explain_with(&two_pass).unwrap();
    assert_eq!(plan.reread_blocks, Some(0));
    assert!(plan.hold_bytes >= 40 * 640, "{plan:?}");
    let (v, stats) = anomaly.std(0.0).compute_with(&two_pass).unwrap();
    assert!((v[[]] - want).abs() < 1e-9 * want);
    assert_eq!(reads.load(Ordering::Relaxed), 40);
    assert!(stats.peak_chunks_held >= 40, "{stats:?}");
    // With the one-pass rule (the default), the std of the anomaly reads
    // each block once and holds a few, whatever the budget.
    let reads = Arc::new(AtomicUsize::new(0));
    let x = counted_reads(400, 10, reads.clone());
    let anomaly = &x - &x.mean_with(&ReduceOpts::axis(0).keepdims(true));
    let (v, stats) = anomaly.std(0.0).compute_with(&Config::default().threads(2).hold_bytes(0)).unwrap();
    assert!((v[[]] - want).abs() < 1e-9 * want);
    assert_eq!(reads.load(Ordering::Relaxed), 40);
    assert!(stats.peak_chunks_held <= 6, "{stats:?}");
    // Reductions that only read the array share one read of each block.
    let reads = Arc::new(AtomicUsize::new(0));
    let x = counted_reads(400, 10, reads.clone());
    compute_all((&x.mean(), &x.max(), &x.std(0.0))).unwrap();
    assert_eq!(reads.load(Ordering::Relaxed), 40);
}
