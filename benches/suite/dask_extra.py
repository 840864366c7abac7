"""Workloads beyond ../shared/bench/WORKLOADS.md, on the dask side, with the
same conventions (threaded scheduler, 2 workers, one JSON line):

  E1x  E1's expression on a non-constant x: x = pattern(20000, 20000),
       chunks (2000, 2000); ((x + 1) * 2 - x).sum(). darray computes steps
       over constants once per task (E1's ones), so E1x is the fused
       elementwise work itself; gen_s (x.sum()) is reported beside it.

python dask_extra.py E1x [--size full|small]
"""
import json, os, resource, sys, threading, time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "shared", "bench"))
import dask  # noqa: E402
import dask_suite as ds  # noqa: E402  (pattern, sizes, watchdog)


def w_E1x():
    n = 20000 // ds.S
    x = ds.pattern(n, n, (2000 // ds.S, 2000 // ds.S))
    return [((x + 1) * 2 - x).sum()]


def gen_E1x():
    n = 20000 // ds.S
    return ds.pattern(n, n, (2000 // ds.S, 2000 // ds.S)).sum()


if __name__ == "__main__":
    name = sys.argv[1]
    threading.Thread(target=ds.watchdog, daemon=True).start()
    dask.config.set(scheduler="threads", num_workers=2)
    t0 = time.perf_counter()
    outs = globals()["w_" + name]()
    t1 = time.perf_counter()
    n_tasks = len(dask.base.collections_to_expr(outs, optimize_graph=True).__dask_graph__())
    t2 = time.perf_counter()
    res = dask.compute(*outs)
    t3 = time.perf_counter()
    g0 = time.perf_counter()
    dask.compute(globals()["gen_" + name]())
    g1 = time.perf_counter()
    import numpy as np
    print(json.dumps({"workload": name, "size": ds.SIZE, "graph_build_s": round(t1 - t0, 4),
                      "compute_s": round(t3 - t2, 4), "n_tasks": n_tasks,
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      "result": [float(r) for r in res], "gen_s": round(g1 - g0, 4),
                      "dask": dask.__version__, "numpy": np.__version__}))
