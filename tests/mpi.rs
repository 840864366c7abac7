//! Programs under `mpirun -n 1..4` (feature `mpi`; `make test-mpi` builds
//! the examples first): every rank prints what one process prints, sums
//! bit for bit; a failing task ends every rank promptly with a non-zero
//! exit; a blocked sum moves only partials; messages split into pieces
//! arrive whole; the main example gives the same numbers on every rank.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let p = exe.parent().unwrap().parent().unwrap().join("examples").join(name);
    assert!(
        p.exists(),
        "{} is not built: run `make test-mpi` (it builds the examples with --features mpi)",
        p.display()
    );
    p
}

/// Runs `args` under `mpirun -n n`, killed after two minutes.
fn mpirun(n: usize, env: &[(&str, &str)], args: &[&str], dir: Option<&std::path::Path>) -> Output {
    let mut c = Command::new("mpirun");
    c.args(["--oversubscribe", "--bind-to", "none", "--tag-output", "-n", &n.to_string()]);
    for (k, v) in env {
        c.args(["-x", k]).env(k, v);
    }
    c.args(args).env("OMPI_ALLOW_RUN_AS_ROOT", "1").env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
    c.env("OMPI_MCA_btl", "self,vader");
    if let Some(d) = dir {
        c.current_dir(d);
    }
    let mut child =
        c.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().expect("mpirun");
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("mpirun -n {n} {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Rank `r`'s stdout lines.
fn rank_lines(out: &Output, r: usize) -> Vec<String> {
    let tag = format!("[1,{r}]<stdout>:");
    String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| l.strip_prefix(&tag)).map(str::to_string).collect()
}

fn one_process(exe: &PathBuf, args: &[&str], dir: Option<&std::path::Path>) -> Vec<String> {
    let mut c = Command::new(exe);
    c.args(args);
    if let Some(d) = dir {
        c.current_dir(d);
    }
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

#[test]
fn programs_give_one_process_results_on_every_rank() {
    let exe = example("spmd");
    let want = one_process(&exe, &[], None);
    assert_eq!(want[0], "rank 0");
    for n in 1..=4 {
        for env in [&[][..], &[("DARRAY_MPI_PIECE_BYTES", "100")][..]] {
            let out = mpirun(n, env, &[exe.to_str().unwrap()], None);
            assert!(out.status.success(), "n={n}: {}", String::from_utf8_lossy(&out.stderr));
            for r in 0..n {
                let got = rank_lines(&out, r);
                assert_eq!(got[0], format!("rank {r}"), "n={n}");
                assert_eq!(got[1..], want[1..], "rank {r} of {n} ({env:?})");
            }
        }
    }
}

#[test]
fn a_failing_task_on_one_rank_ends_every_rank() {
    let exe = example("spmd");
    let start = Instant::now();
    let out = mpirun(3, &[], &[exe.to_str().unwrap(), "fail"], None);
    assert!(!out.status.success());
    assert!(start.elapsed() < Duration::from_secs(60));
    let err = String::from_utf8_lossy(&out.stderr);
    // Block row 5 of 8 is rank 2's; rank 0 ends with rank 2's error.
    assert!(err.contains("[1,0]<stderr>:Error: RankFailed"), "{err}");
    assert!(err.contains("bad block [5"), "{err}");
}

#[test]
fn a_blocked_sum_moves_only_partials() {
    let exe = example("spmd");
    for n in 2..=4 {
        let out = mpirun(n, &[], &[exe.to_str().unwrap(), "volume"], None);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let mut tasks = 0;
        for r in 0..n {
            let line = rank_lines(&out, r).into_iter().find(|l| l.starts_with("sum ")).unwrap();
            let f: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(f[1], "480000", "{line}");
            tasks += f[3].parse::<usize>().unwrap();
            if r == 0 {
                // 48 blocks of 80 kB: rank 0 receives at most a partial
                // (an f64 and its framing, under 64 bytes) per block.
                let received: u64 = f[5].parse().unwrap();
                assert!(received > 0 && received <= 48 * 64, "{line}");
            }
        }
        // Every task ran once, on one rank.
        let one = one_process(&exe, &["volume"], None);
        let single: usize = one[1].split_whitespace().nth(3).unwrap().parse().unwrap();
        assert_eq!(tasks, single, "n={n}");
    }
}

#[test]
fn the_main_example_prints_the_same_numbers_on_every_rank() {
    let exe = example("climatology");
    let file = std::fs::canonicalize("../shared/data/air_temperature.nc").expect("../shared/data");
    let args = [exe.to_str().unwrap(), file.to_str().unwrap(), "air", "--out", "anomaly.nc"];
    let timing =
        |l: &String| !(l.contains(" s:") || l.contains(" s,") || l.contains(" in ") || l.contains("wall time"));
    let dir = std::env::temp_dir().join(format!("darray-mpi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let want: Vec<String> = one_process(&exe, &args[1..], Some(&dir)).into_iter().filter(timing).collect();
    assert!(want.iter().any(|l| l.starts_with("overall mean")), "{want:?}");
    for n in [2, 3, 4] {
        let out = mpirun(n, &[], &args, Some(&dir));
        assert!(out.status.success(), "n={n}: {}", String::from_utf8_lossy(&out.stderr));
        for r in 0..n {
            let got: Vec<String> = rank_lines(&out, r).into_iter().filter(timing).collect();
            assert_eq!(got, want, "rank {r} of {n}");
        }
        assert!(dir.join("anomaly.nc").exists());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
