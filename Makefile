# The two commands a newcomer needs: `make run` and `make test`.
# Later set-up steps (the HDF5 build's cmake) hook in here.

CARGO ?= cargo

.PHONY: run test check bench bench-suite clean

## Run the main example on its default (synthetic) dataset.
run:
	$(CARGO) run --release --example demo

## Run the whole test suite (unit, property, integration and doc tests).
test:
	$(CARGO) test

## Formatting and lints, as CI checks them.
check:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

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
