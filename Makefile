# Two commands on a fresh clone with only python3 and make: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test bench soak lint clean bytecode

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# An editable install has no bytecode of its own, and PYTHONDONTWRITEBYTECODE (set on
# these machines) stops Python writing it: compile it as a wheel install would, or every
# `runback` call compiles runback anew (about 60 ms). Quick when nothing changed.
bytecode: | $(BIN)/python
	@$(BIN)/python -m compileall -q rules sync

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@ $(VENV)/.installed

## run: start the worker on the embedded SQLite database (RUNBACK_HOME, else ~/.local/share/runback);
## a settings file with RUNBACK_CONFIG=FILE, global options with ARGS="--config FILE ..."
run: $(VENV)/.installed bytecode
	$(BIN)/runback $(ARGS) worker

## test: the whole suite (PostgreSQL tests need RUNBACK_TEST_POSTGRES_URL, else they skip)
test: $(VENV)/.installed-test bytecode
	$(BIN)/ruff check rules sync tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest

## bench: CLI calls vs their floor; ingest vs parse; detection + matching vs parse; worker
## latency and idle cost; refusing big non-run files; deciding again with 1-1,000 runs;
## a backfill of 100 one-hour runs on one process vs every core (ingest, db rebuild, the worker's pass)
bench: $(VENV)/.installed-test bytecode
	$(BIN)/python bench/cli_bench.py
	$(BIN)/python bench/ingest_bench.py
	$(BIN)/python bench/match_bench.py
	$(BIN)/python bench/worker_bench.py
	$(BIN)/python bench/refuse_bench.py
	$(BIN)/python bench/refresh_bench.py
	$(BIN)/python bench/parallel_bench.py

## soak: long runs that print their counts: 10,000 random histories through the progression
## rules (violations per invariant), then seeded FIT mutants through ingest and the worker
## (SOAK_CASES, SOAK_SEED)
SOAK_CASES ?= 2000
SOAK_SEED ?= 1
soak: $(VENV)/.installed-test
	$(BIN)/python bench/progression_soak.py 10000
	$(BIN)/python bench/soak.py --cases $(SOAK_CASES) --seed $(SOAK_SEED)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check rules sync tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
