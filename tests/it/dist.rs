//! The distributed executor over ranks that are threads of this process
//! (`LocalRanks`, the same messages MPI carries): results equal the
//! single-process ones bit for bit on 1-4 ranks, ranks that own nothing,
//! failures on one rank, graphs that differ, and communication volume.

use darray::delayed::{call_many, Delayed};
use darray::exec::dist::{dry_run, register_value, LocalRanks, NetworkModel};
use darray::exec::{ExecStats, Executor};
use darray::graph::TaskGraph;
use darray::{delayed, Config, DArray, Error};
use ndarray::ArrayD;
use std::sync::Arc;

fn cfg(exec: Arc<dyn Executor>) -> Config {
    Config::default().threads(1).executor(exec)
}

/// Runs `program` alone and on 1-4 ranks; every rank's result must equal
/// the single-process one exactly.
fn same_on_ranks<T: PartialEq + std::fmt::Debug + Send>(program: impl Fn(&Config) -> darray::Result<T> + Sync) {
    let want = program(&Config::default()).unwrap();
    for n in 1..=4 {
        for (r, got) in LocalRanks::new(n).run(|_, e| program(&cfg(e))).into_iter().enumerate() {
            assert_eq!(got.unwrap(), want, "rank {r} of {n}");
        }
    }
}

fn data() -> DArray<f64> {
    DArray::<f64>::random_normal([37, 23], [5, 7], 10.0, 3.0, 7).unwrap()
}

#[test]
fn array_programs_match_one_process() {
    same_on_ranks(|c| (&data() * 2.0 + 1.0).sin().compute_with(c).map(|(a, _)| a));
    // Sums in the reduction tree's order: the same bits for any rank count.
    same_on_ranks(|c| data().sum().compute_with(c).map(|(a, _)| a.first().copied().unwrap().to_bits()));
    same_on_ranks(|c| data().mean_axis(0).compute_with(c).map(|(a, _)| a));
    same_on_ranks(|c| data().std_axis(1, 1.0).compute_with(c).map(|(a, _)| a));
    same_on_ranks(|c| data().t().rechunk([4, 11]).compute_with(c).map(|(a, _)| a));
    same_on_ranks(|c| data().matmul(&data().t()).compute_with(c).map(|(a, _)| a));
    let labels: Vec<i64> = (0..37).map(|i| i % 12).collect();
    same_on_ranks(|c| data().groupby(0, &labels).mean().compute_with(c).map(|(a, _)| a));
    same_on_ranks(|c| {
        let x = data();
        let m = x.map_blocks(|b: ArrayD<f64>, _| b.mapv(|v| v * v));
        (&m - &x).max().compute_with(c).map(|(a, _)| a)
    });
}

#[allow(clippy::ptr_arg)] // delayed calls take their argument types by reference
fn square(x: &Vec<f64>) -> Vec<f64> {
    x.iter().map(|v| v * v).collect()
}

#[test]
fn delayed_values_cross_ranks_once_registered() {
    register_value::<Vec<f64>>();
    register_value::<f64>();
    same_on_ranks(|c| {
        let parts: Vec<Delayed<Vec<f64>>> =
            (0..6).map(|i| delayed!(square(Delayed::value(vec![i as f64, 0.5])))).collect();
        call_many("total", |v: &[&Vec<f64>]| v.iter().flat_map(|x| x.iter()).sum::<f64>(), &parts)
            .compute_with(c)
            .map(|(v, _)| v)
    });
    // A type nobody registered, read on another rank: the error says so.
    #[derive(Clone)]
    struct Opaque(#[allow(dead_code)] u8);
    let res = LocalRanks::new(2).run(|_, e| {
        let parts: Vec<Delayed<Opaque>> = (0..4).map(|i| Delayed::value(Opaque(i))).collect();
        call_many("n", |v: &[&Opaque]| v.len(), &parts).compute_with(&cfg(e)).map(|(v, _)| v)
    });
    let msgs: Vec<String> = res.into_iter().map(|r| r.unwrap_err().to_string()).collect();
    assert!(msgs.iter().any(|m| m.contains("register_value")), "{msgs:?}");
}

#[test]
fn more_ranks_than_blocks() {
    let want = data().rechunk([37, 23]).sum().compute().unwrap();
    for got in LocalRanks::new(4).run(|_, e| data().rechunk([37, 23]).sum().compute_with(&cfg(e)).map(|(a, _)| a)) {
        assert_eq!(got.unwrap(), want);
    }
    // A one-block array of creation: ranks 1-3 own nothing.
    let res = LocalRanks::new(4).run(|_, e| {
        DArray::<f64>::ones([3, 3], [3, 3])?.sum().compute_with(&cfg(e)).map(|(a, s)| (a.first().copied().unwrap(), s))
    });
    for (r, got) in res.into_iter().enumerate() {
        let (v, s) = got.unwrap();
        assert_eq!(v, 9.0);
        assert_eq!(s.tasks_run, usize::from(r == 0), "rank {r}");
    }
}

#[test]
fn a_failure_on_one_rank_ends_every_rank() {
    let res = LocalRanks::new(3).run(|_, e| {
        let x = DArray::<f64>::ones([30, 4], [5, 4])?;
        // Block 3 (rows 15-19) is rank 1's.
        let y = x.map_blocks(|b: ArrayD<f64>, at: &[usize]| {
            assert!(at[0] != 3, "bad block {at:?}");
            b
        });
        y.sum().compute_with(&cfg(e)).map(|(a, _)| a)
    });
    let errs: Vec<Error> = res.into_iter().map(|r| r.unwrap_err()).collect();
    assert!(matches!(&errs[1], Error::TaskPanicked { message, .. } if message.contains("bad block")), "{:?}", errs[1]);
    for r in [0, 2] {
        match &errs[r] {
            Error::RankFailed { rank: 1, message } => assert!(message.contains("bad block"), "{message}"),
            e => panic!("rank {r}: {e:?}"),
        }
    }
}

#[test]
fn ranks_that_built_other_graphs_fail_before_running() {
    let res = LocalRanks::new(3).run(|rank, e| {
        let n = if rank == 2 { 40 } else { 30 };
        DArray::<f64>::ones([n, 4], [5, 4])?.sum().compute_with(&cfg(e)).map(|(a, _)| a)
    });
    for (r, got) in res.into_iter().enumerate() {
        match got {
            Err(Error::GraphMismatch(m)) => assert!(m.contains("[2]"), "{m}"),
            other => panic!("rank {r}: {other:?}"),
        }
    }
}

#[test]
fn a_blocked_sum_moves_only_partials() {
    for n in 2..=4u32 {
        let res = LocalRanks::new(n).run(|_, e| {
            let x = DArray::<f64>::ones([400, 300], [50, 100])?; // 24 blocks of 40 kB
            x.sum().compute_with(&cfg(e)).map(|(_, s)| s)
        });
        let stats: Vec<ExecStats> = res.into_iter().map(|r| r.unwrap()).collect();
        let received: u64 = stats[0].comm.bytes_received;
        // A partial of a sum is one f64 (and its count): far under one block.
        assert!(received > 0);
        assert!(received <= n as u64 * 24 * 200, "rank 0 received {received} bytes on {n} ranks");
        // Every task ran once, somewhere.
        assert_eq!(stats.iter().map(|s| s.tasks_run).sum::<usize>(), total_tasks());
    }
}

fn total_tasks() -> usize {
    DArray::<f64>::ones([400, 300], [50, 100]).unwrap().sum().graph().unwrap().len()
}

/// Tasks per rank where the executor places `g` on `ranks`.
fn spread(g: &TaskGraph, ranks: u32) -> Vec<usize> {
    dry_run(g, ranks, 1, &|_| 1e-3, NetworkModel::INFINIBAND_100G).per_rank.iter().map(|r| r.tasks).collect()
}

#[test]
fn placement_cuts_grids_into_contiguous_ranges() {
    // 8 blocks (4 x 2) over 3 ranks: linear index i on rank i * 3 / 8,
    // so 3, 3 and 2 chunk tasks; the tree's combine runs with its inputs.
    let x = DArray::<f64>::ones([8, 6], [2, 3]).unwrap();
    let g = (&x + 1.0).sum().graph().unwrap();
    let n = spread(&g, 3);
    assert_eq!(n.iter().sum::<usize>(), g.len());
    assert_eq!(n[1..], [3, 2], "{n:?}");
    // More ranks than blocks: most own nothing.
    assert_eq!(spread(&g, 64).iter().filter(|&&k| k > 0).count(), 8);
    assert_eq!(spread(&g, 1), vec![g.len()]);
}

#[test]
fn small_inputs_and_shared_groups_do_not_pull_work_to_one_rank() {
    // Every block of `x.T - mean` reads the (small) mean, made on one
    // rank: the blocks still spread as their positions say.
    let x = DArray::<f64>::from_fn([40, 40], [5, 5], |i| (i[0] * 3 + i[1]) as f64).unwrap();
    let g = (&x.t() - &x.mean_axis(0)).powi(2).sum().graph().unwrap();
    let n = spread(&g, 4);
    assert!(n.iter().max().unwrap() - n.iter().min().unwrap() <= n.iter().sum::<usize>() / 8, "{n:?}");
    // A climatology's groups gather partials from every year: the groups
    // spread over the ranks rather than joining the first year's.
    let labels: Vec<i64> = (0..96).map(|t| t % 12).collect();
    let y = DArray::<f64>::random_uniform([96, 6], [8, 6], 0.0, 1.0, 3).unwrap();
    let grp = y.groupby(0, &labels);
    let g = (&y - &grp.expand(&grp.mean())).std(0.0).graph().unwrap();
    let n = spread(&g, 3);
    assert!(n.iter().all(|&k| k * 2 >= n.iter().sum::<usize>() / 3), "{n:?}");
}
