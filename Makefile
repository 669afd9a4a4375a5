# paddock — the commands a newcomer types. `make up` to start, `make test` to check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export XDG_RUNTIME_DIR ?= /tmp/paddock-runtime-$(shell id -u)

.PHONY: setup runtime-dir up run serve test test-random bench dbt-parse docs clean

# uv installs the pinned set into the venv pip made: the same packages as `pip install -c requirements.lock`, in
# ~27 s instead of ~70 s on two cores (a fresh clone's `make test` pays it every time). Bytecode is compiled up front,
# as pip does, so no process pays for it on first import. uv itself comes from pip, pinned.
UV_VERSION := 0.13.9
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q uv==$(UV_VERSION)
	$(BIN)/uv pip install -q --python $(BIN)/python --compile-bytecode -c requirements.lock -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP) runtime-dir  ## create .venv and install pinned dependencies

# Every time, not once with the install: platformdirs (and with it pgserver) refuses a runtime dir that is not 0700 and
# falls back to one under TMPDIR, whose socket path can be too long for PostgreSQL; a dir left 0755 broke the benchmarks.
runtime-dir:
	@install -d -m 700 $(XDG_RUNTIME_DIR)

dbt-parse: setup  ## prepare dbt's manifest (Dagster reads it at import time)
	$(BIN)/python -c "from paddock.dbt_prep import prepare_manifest; prepare_manifest(force=True)"

run: setup  ## materialize the whole asset graph once on the embedded default, then exit
	$(BIN)/paddock run

up: setup  ## run once, then serve the Dagster UI at http://127.0.0.1:3000
	$(BIN)/paddock up

serve: setup  ## serve the Dagster UI (webserver + daemon) without the initial run
	$(BIN)/paddock serve

# Two pytest-xdist workers, each with its own embedded PostgreSQL; a test module stays on one worker (its module
# fixtures are built once) and the operating-day test is collected first (tests/conftest.py), so one worker lives
# through the race day while the other runs the rest at nice 10 (the day is the critical path and mostly waits).
# TEST_WORKERS=0 runs everything in this process.
TEST_WORKERS ?= 2
test: setup  ## unit + integration tests against a throwaway embedded PostgreSQL
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$rc

# The shuffled order is printed first (pytest -q hides pytest-randomly's header): a failure found this way is replayed
# with `make test-random SEED=<that number>`. Modules and the tests inside them are shuffled; the workers as in `test`.
SEED ?= $(shell date +%s)
test-random: setup  ## the same tests in a shuffled order (pytest-randomly); replay one with SEED=N
	@echo "make test-random SEED=$(SEED)"
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder -p randomly \
	  --randomly-seed=$(SEED)

docs: setup  ## dbt docs (lineage, column descriptions) at http://127.0.0.1:8080
	$(BIN)/paddock docs

bench: setup  ## benchmarks; figures go to BENCHMARKS.md
	$(BIN)/python -m benchmarks

clean:  ## stop the embedded PostgreSQL and remove local state
	-$(BIN)/paddock db stop
	rm -rf .paddock dbt_project/target dbt_project/logs
