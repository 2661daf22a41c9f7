# stockhub — the two set-up commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO   := .demo
PYTEST_ARGS ?=
DEMO_ARGS ?=
SEEDS ?= 100

.PHONY: run test test-fast bench soak lint clean

# A virtual environment with stockhub and its test tools, rebuilt when pyproject.toml changes.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## run: the whole hub on this machine: sandbox vendors, API + dashboard on :8000, worker,
##   scheduler, and a replayed omnichannel day (stockhub demo; Ctrl-C stops everything)
run: $(STAMP)
	$(BIN)/stockhub demo --dir $(DEMO) $(DEMO_ARGS)

## test: the whole suite (SQLite and PostgreSQL store tests; PostgreSQL skipped if down, unless CI=true)
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

## bench: every benchmark in one run, as ratios to limits measured alongside (on demand, not in CI)
##   make bench BENCH_ARGS="--broker redis://127.0.0.1:6379/5 --database postgresql+psycopg://..."
##   BENCH_ARGS="--quick" for a smoke run; --help lists the sizes (docs/engine.md, Benchmarks)
bench: $(STAMP)
	$(BIN)/python -m tests.benchmarks $(BENCH_ARGS)

## soak: the deterministic simulation over SEEDS seeds (default 100) on 2 processes, with a
##   summary (docs/simulation.md); a failing seed is printed, shrunk to a test case
soak: $(STAMP)
	$(BIN)/python -m tests.simulation --seeds $(SEEDS)

## lint: ruff over the code base
lint: $(STAMP)
	$(BIN)/ruff check hub connectors tests

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .hypothesis
