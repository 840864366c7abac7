#!/usr/bin/env bash
# The file workloads with each deflate implementation and re-read budget
# (issue "File workloads at the codec's speed"): E4floor, E4 and C1 with
# libdeflate and zlib-rs, each with the default budget (HoldBytes::Auto)
# and the former fixed 256 MiB; W1 with both; dask's E4, C1 and W1 beside
# them. Appends JSON lines to OUT (default benches/suite/results-io.jsonl),
# each darray line tagged with its decoder ("inflate") and budget
# ("hold_bytes").
#
#   benches/suite/io.sh [--rounds N] [--out FILE]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=1
out=benches/suite/results-io.jsonl
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
. benches/suite/env.sh
b=./target/release/examples/bench_suite
for r in $(seq "$rounds"); do
  for d in libdeflate zlib-rs; do
    "$b" E4floor --inflate "$d" | tee -a "$out"
  done
  for w in E4 C1; do
    "$peer" "$shared/dask_suite.py" "$w" --size full | tee -a "$out" || true
    for d in libdeflate zlib-rs; do
      for h in auto 268435456; do
        "$b" "$w" --inflate "$d" --hold "$h" | tee -a "$out"
      done
    done
  done
  "$peer" "$shared/dask_suite.py" W1 --size full | tee -a "$out" || true
  for d in libdeflate zlib-rs; do
    "$b" W1 --inflate "$d" | tee -a "$out"
  done
done
