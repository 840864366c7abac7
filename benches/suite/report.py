"""Side-by-side report from the JSON lines of benches/suite/run.sh.

    python3 benches/suite/report.py [results.jsonl] [ratios.svg]

Prints a Markdown table per workload (dask and darray compute time, the
ratio, peak memory of each, task counts; medians over the rounds run) and
writes an SVG bar chart of the speed-up ratios. Standard library only.
"""
import json
import statistics
import sys
from collections import defaultdict

TARGETS = {"E1": 10, "E5": 10, "E3": None, "E1x": None, "E4": 8, "C1": 6, "W1": 5}  # others: 3x
NOT_PAIRED = {"G1", "E3floor", "E4floor"}


def load(path):
    runs = defaultdict(lambda: {"dask": [], "darray": []})
    for line in open(path):
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        side = "darray" if "engine" in r else "dask"
        runs[r["workload"]][side].append(r)
    return runs


def med(rows, key):
    vals = [r[key] for r in rows if key in r]
    return statistics.median(vals) if vals else None


def table(runs):
    order = ["E1", "E1x", "E2", "E3", "E4", "C1", "W1", "E5", "E6", "E6b", "E6c", "E7", "E8"]
    out = ["| workload | dask compute s | darray compute s | speed-up | target | dask peak MB | darray peak MB | tasks dask / darray |",
           "|---|---|---|---|---|---|---|---|"]
    ratios = []
    for w in order + sorted(set(runs) - set(order) - NOT_PAIRED):
        if w not in runs:
            continue
        d, o = runs[w]["dask"], runs[w]["darray"]
        dt, ot = med(d, "compute_s"), med(o, "compute_s")
        exceeded = [r for r in d if "exceeded_rss_gb" in r]
        target = TARGETS.get(w, 3)
        tgt = {"E3": "matmul floor", "E1x": "(not in WORKLOADS.md)"}.get(w, f">= {target}x")
        if exceeded and dt is None:
            dcell, ratio, dmem = f"stopped at {exceeded[0]['exceeded_rss_gb']} GB", None, f"> {exceeded[0]['exceeded_rss_gb'] * 1024:.0f}"
        else:
            dcell, dmem = (f"{dt:.3f}" if dt is not None else "-"), (f"{med(d, 'peak_rss_mb'):.1f}" if d else "-")
            ratio = dt / ot if dt and ot else None
        ocell = f"{ot:.3f}" if ot is not None else "-"
        omem = f"{med(o, 'peak_rss_mb'):.1f}" if o else "-"
        count = lambda rows: f"{med(rows, 'n_tasks'):.0f}" if med(rows, "n_tasks") else "-"
        tasks = f"{count(d)} / {count(o)}"
        rcell = f"{ratio:.1f}x" if ratio else "-"
        out.append(f"| {w} | {dcell} | {ocell} | {rcell} | {tgt} | {dmem} | {omem} | {tasks} |")
        if ratio:
            ratios.append((w, ratio, target))
    # E3 against the multiply alone (E3floor: whole in-memory matrices).
    e3 = [r for r in runs.get("E3", {}).get("darray", []) if r.get("multiply", "gemm") == "gemm"]
    floors = runs.get("E3floor", {}).get("darray", [])
    if e3 and floors:
        out.append("")
        out.append("| E3 against the multiply alone | median s | GFLOP/s | best s | E3 / floor (medians) | E3 / floor (bests) |")
        out.append("|---|---|---|---|---|---|")
        t3, b3 = med(e3, "compute_s"), min(r["compute_s"] for r in e3)
        out.append(f"| E3 in darray (gemm crate blocks) | {t3:.3f} | {128e9 / t3 / 1e9:.1f} | {b3:.3f} | - | - |")
        for mult in ["gemm", "openblas"]:
            f = [r for r in floors if r.get("multiply", "gemm") == mult]
            if f:
                tf, bf = med(f, "compute_s"), min(r["compute_s"] for r in f)
                out.append(f"| floor: one 4000^3 product, 2 threads, {mult} | {tf:.3f} | {128e9 / tf / 1e9:.1f} | {bf:.3f} | {t3 / tf:.2f}x | {b3 / bf:.2f}x |")
    g1 = runs.get("G1", {}).get("darray", [])
    if g1:
        out.append("")
        out.append("| G1 (darray only) | build s | optimize s | blocks | lower s | tasks lowered | peak MB |")
        out.append("|---|---|---|---|---|---|---|")
        r = g1[-1]
        out.append(f"| (x + x.T).mean(0), x = ones((10**6, 10**6), chunks 1000) | {r['graph_build_s']:.6f} | {r['optimize_s']:.6f} | {r['blocks']} | {r['lower_s']:.3f} | {r['n_tasks']} | {r['peak_rss_mb']:.1f} |")
    return "\n".join(out), ratios


def svg(ratios, path):
    import math
    w, bar, gap, left, top = 640, 22, 8, 60, 30
    h = top + len(ratios) * (bar + gap) + 40
    hi = max(math.log10(max(r for _, r, _ in ratios)), 1.0) + 0.2
    x = lambda v: left + (w - left - 20) * math.log10(max(v, 1.0)) / hi
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
             f'<text x="{left}" y="18">darray speed-up over dask.array (log scale; line: target)</text>']
    for i, (name, r, t) in enumerate(ratios):
        y = top + i * (bar + gap)
        ok = t is None or r >= t
        parts.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{name}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{x(r) - left:.1f}" height="{bar}" fill="{"#4c9f70" if ok else "#d9822b"}"/>')
        parts.append(f'<text x="{x(r) + 4:.1f}" y="{y + 15}">{r:.1f}x</text>')
        if t:
            parts.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{y - 2}" y2="{y + bar + 2}" stroke="black" stroke-dasharray="3,2"/>')
    for v in [1, 3, 10, 100]:
        if math.log10(v) <= hi:
            parts.append(f'<text x="{x(v):.1f}" y="{h - 12}" text-anchor="middle">{v}x</text>')
    parts.append("</svg>")
    open(path, "w").write("\n".join(parts) + "\n")


if __name__ == "__main__":
    src = sys.argv[1] if len(sys.argv) > 1 else "benches/suite/results.jsonl"
    dst = sys.argv[2] if len(sys.argv) > 2 else "benches/suite/ratios.svg"
    text, ratios = table(load(src))
    print(text)
    if ratios:
        svg(ratios, dst)
