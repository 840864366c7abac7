# Sourced by run.sh and io.sh (from the repository root): the dask peer's
# python ($peer, made with ../shared/bench/setup.sh unless PEER_PY is set),
# the climate file (CLIMATE_H5, made with make_climate.py if missing, under
# $BENCH_DATA, default ~/.cache/darray-bench), and the release build of
# the suite.
shared=../shared/bench
peer=${PEER_PY:-${XDG_CACHE_HOME:-$HOME/.cache}/darray-peer/bin/python}
[ -x "$peer" ] || peer=$(bash "$shared/setup.sh" | tail -1)
data=${BENCH_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/darray-bench}
export CLIMATE_H5=${CLIMATE_H5:-$data/climate_full.h5}
if [ ! -f "$CLIMATE_H5" ]; then
  mkdir -p "$(dirname "$CLIMATE_H5")"
  "$peer" "$shared/make_climate.py" full "$CLIMATE_H5" >/dev/null
fi
CMAKE=$(scripts/cmake-path)
export CMAKE
cargo build --release --example bench_suite >/dev/null
