# The two commands a newcomer needs: `make run` and `make test`.
# HDF5 is built from bundled source and needs cmake >= 3.26; scripts/cmake-path
# finds one on PATH or installs one from PyPI into .tools/venv.

CARGO ?= cargo
export CMAKE := $(shell scripts/cmake-path)

.PHONY: run test test-mpi test-release check bench bench-suite clean

## Run the main example on its default dataset (a synthetic climate file it
## writes into data/ first).
run:
	$(CARGO) run --release --example climatology

## Run the whole test suite (unit, property, integration and doc tests).
test:
	$(CARGO) test

## The `mpi` feature: OpenMPI installed if missing (scripts/ensure-mpi),
## the two examples its tests run built with it (in the tests' profile, so
## the crate compiles once), then programs under `mpirun -n 1..4`. The
## distributed executor's own tests (ranks as threads) run in `make test`.
## mpirun refuses root unless told; CI runs as root.
test-mpi:
	scripts/ensure-mpi
	$(CARGO) build --profile test --features mpi --example spmd --example climatology
	OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 $(CARGO) test --features mpi --test mpi

## The differential harness and the regression tests in release, as users
## build (without debug assertions; optimized kernels).
test-release:
	$(CARGO) test --release --test differential --test regressions

## Formatting and lints, as CI checks them.
check:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings
	scripts/ensure-mpi
	$(CARGO) clippy --all-targets --features mpi -- -D warnings

## Criterion benchmarks.
bench:
	$(CARGO) bench --bench engine

## One workload of the side-by-side suite, e.g. `make bench-suite W=E1 SIZE=full`.
W ?= E1
SIZE ?= full
bench-suite:
	$(CARGO) run --release --example bench_suite -- $(W) --size $(SIZE)

clean:
	$(CARGO) clean
