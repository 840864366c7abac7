//! Criterion benchmarks of the engine's hot paths: a fused elementwise +
//! reduction pass, per-task scheduling overhead, graph construction, and an
//! axis reduction with broadcasting back.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use darray::{Config, DArray, ReduceOpts};
use std::hint::black_box;

fn fused(c: &mut Criterion) {
    let mut g = c.benchmark_group("fused");
    let n = 4000;
    g.throughput(Throughput::Elements((n * n) as u64));
    let x = DArray::<f64>::ones([n, n], [1000, 1000]).unwrap();
    let y = ((&x + 1.0) * 2.0 - &x).sum();
    g.bench_function("e1_chain_sum_4000x4000", |b| b.iter(|| black_box(y.compute().unwrap())));
    let p = DArray::from_fn([n, n], [1000, 1000], |i| ((7 * i[0] + 13 * i[1]) % 101) as f64).unwrap();
    let anom = (&p - &p.mean_with(&ReduceOpts::axis(0).keepdims(true))).sum();
    g.bench_function("anomaly_sum_4000x4000", |b| b.iter(|| black_box(anom.compute().unwrap())));
    g.finish();
}

fn scheduling(c: &mut Criterion) {
    let mut g = c.benchmark_group("scheduling");
    let n_chunks = 20_000;
    g.throughput(Throughput::Elements(n_chunks as u64));
    let x = DArray::<f64>::ones([n_chunks * 10], [10]).unwrap().sum();
    for threads in [1, 2] {
        let cfg = Config::default().threads(threads);
        g.bench_function(format!("tiny_chunks_sum_{threads}t"), |b| {
            b.iter(|| black_box(x.compute_with(&cfg).unwrap()))
        });
    }
    g.bench_function("lower_20000_chunks", |b| b.iter(|| black_box(x.graph().unwrap().len())));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = fused, scheduling
}
criterion_main!(benches);
