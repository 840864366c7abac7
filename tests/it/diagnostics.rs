//! Progress bar, profiler, graph pictures.

use darray::diagnostics::{Profiler, ProgressBar};
use darray::{Config, DArray, Error};
use indicatif::InMemoryTerm;
use std::collections::BTreeSet;
use std::sync::Arc;

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("darray-diag-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

fn has_dot() -> bool {
    std::process::Command::new("dot").arg("-V").output().is_ok()
}

#[test]
fn profiler_records_match_the_tasks_run() {
    let x = DArray::<f64>::ones([60, 60], [10, 10]).unwrap().map_blocks(|b, _| b * 2.0);
    let y = x.sum();
    let prof = Arc::new(Profiler::with_resources(std::time::Duration::from_millis(1)));
    let (_, stats) = y.compute_with(&Config::default().threads(2).observe(prof.clone())).unwrap();
    let recs = prof.records();
    assert_eq!(recs.len(), stats.tasks_run);
    let want: BTreeSet<String> = y.graph().unwrap().tasks().map(|t| t.key.to_string()).collect();
    let got: BTreeSet<String> = recs.iter().map(|r| r.key.clone()).collect();
    assert_eq!(got, want);
    assert!(recs.iter().all(|r| r.end >= r.start && r.thread < 2));
    // map_blocks outputs are 10 x 10 f64 chunks.
    assert!(recs.iter().filter(|r| r.op == "map_blocks").all(|r| r.bytes == 800));
    assert!(!prof.samples().is_empty() && prof.samples().iter().all(|s| s.rss_bytes > 0));

    let trace = prof.chrome_trace();
    assert_eq!(trace.matches("\"ph\": \"X\"").count(), recs.len());
    let summary = prof.summary();
    assert!(summary.contains("map_blocks") && summary.contains("idle"), "{summary}");
    let (html, json) = (tmp("t.html"), tmp("t.json"));
    prof.write_html(&html).unwrap();
    prof.write_chrome_trace(&json).unwrap();
    let page = std::fs::read_to_string(&html).unwrap();
    // One bar per task, besides a background per thread row and the legend.
    let rows = recs.iter().map(|r| r.thread).max().unwrap() + 1;
    let legend = page.matches("width='10' height='10'").count();
    assert_eq!(page.matches("<rect").count() - rows - legend, recs.len());
    assert!(std::fs::read_to_string(&json).unwrap().starts_with("{\"traceEvents\""));
}

#[test]
fn progress_bar_counts_every_task() {
    let term = InMemoryTerm::new(10, 120);
    let t = term.clone();
    let bar = Arc::new(ProgressBar::to_term(move || Box::new(t.clone())));
    let y = DArray::<f64>::ones([100, 100], [10, 10]).unwrap().sum();
    y.compute_with(&Config::default().observe(bar)).unwrap();
    let screen = term.contents();
    assert!(screen.contains("110/110 tasks"), "{screen:?}");
    // A registered bar sees computations without being passed in.
    let term2 = InMemoryTerm::new(10, 120);
    let t2 = term2.clone();
    {
        let _guard = ProgressBar::to_term(move || Box::new(t2.clone())).register();
        DArray::<f64>::ones([100], [10]).unwrap().sum().compute().unwrap();
    }
    assert!(term2.contents().contains("11/11 tasks"), "{:?}", term2.contents());
}

#[test]
fn dot_pictures_name_fused_operations_and_parse() {
    let x = DArray::<f64>::ones([20, 20], [10, 10]).unwrap();
    let y = ((&x + 1.0) * 2.0).mean_axis(0);
    let g = y.graph().unwrap();
    let dot = g.to_dot();
    assert_eq!(dot.matches("[label=").count(), g.len());
    assert!(dot.contains("full > add > mul > mean-partial"), "{dot}");
    let expr = y.to_dot();
    assert!(expr.contains("mean") && expr.contains("full") && expr.matches("->").count() == 3, "{expr}");
    let p = tmp("g.dot");
    y.visualize(&p).unwrap();
    assert_eq!(std::fs::read_to_string(&p).unwrap(), dot);
    let svg = tmp("g.svg");
    if has_dot() {
        y.visualize(&svg).unwrap();
        assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
        let out = std::process::Command::new("dot").arg("-Tsvg").arg(tmp("g.dot")).output().unwrap();
        assert!(out.status.success());
        std::fs::write(tmp("e.dot"), &expr).unwrap();
        assert!(std::process::Command::new("dot").arg("-Tsvg").arg(tmp("e.dot")).output().unwrap().status.success());
    } else {
        eprintln!("Graphviz `dot` not installed: skipping the rendering checks");
        assert!(matches!(y.visualize(&svg), Err(Error::Graphviz(_))));
    }
}
