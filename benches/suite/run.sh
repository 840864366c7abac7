#!/usr/bin/env bash
# Runs every workload of ../shared/bench/WORKLOADS.md on both sides, one
# after the other per workload (dask, then darray), and appends the JSON
# lines to OUT (default benches/suite/results.jsonl).
#
#   benches/suite/run.sh [--rounds N] [--out FILE] [WORKLOAD ...]
#
# Needs: the dask peer's python (PEER_PY, default the venv that
# ../shared/bench/setup.sh makes), and for E4/C1 the climate file
# (CLIMATE_H5; made with ../shared/bench/make_climate.py if missing, under
# $BENCH_DATA, default ~/.cache/darray-bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=1
out=benches/suite/results.jsonl
works=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) works+=("$1"); shift ;;
  esac
done
[ ${#works[@]} -gt 0 ] || works=(E1 E1x E2 E3 E3floor E4floor E4 C1 W1 E5 E6 E6b E6c E7 E8 G1)
. benches/suite/env.sh
for r in $(seq "$rounds"); do
  for w in "${works[@]}"; do
    # A run stopped at its memory limit exits non-zero; its line still counts.
    # E1x is ours (benches/suite/dask_extra.py); E3floor has no dask side.
    case "$w" in
      E1x) "$peer" benches/suite/dask_extra.py "$w" --size full | tee -a "$out" || true ;;
      E3floor|E4floor|G1) ;;
      *) "$peer" "$shared/dask_suite.py" "$w" --size full | tee -a "$out" || true ;;
    esac
    ./target/release/examples/bench_suite "$w" --size full | tee -a "$out" || true
  done
done
