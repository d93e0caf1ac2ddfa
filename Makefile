# The first target run on a fresh clone creates .venv and installs the project into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= configs/mnist.yaml
ARGS ?=

.PHONY: search report validate test test-fast lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip >/dev/null
	$(BIN)/python -m pip install -e '.[dev]'
	touch $(STAMP)

search: $(STAMP)  ## tune: make search CONFIG=configs/mnist.yaml [WORKERS=2] [ARGS="--fresh"]
	$(BIN)/tuner search $(CONFIG) $(if $(WORKERS),--workers $(WORKERS)) $(ARGS)

report: $(STAMP)  ## reports/<run>/index.html for every run under runs/
	$(BIN)/tuner report $(ARGS)

validate: $(STAMP)  ## check every shipped config without training
	$(BIN)/tuner validate configs/*.yaml

test: $(STAMP)  ## the suite but the benchmarks' smoke runs (CI runs this); two files at a time
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not bench"

test-fast: $(STAMP)  ## everything but the end-to-end training tests
	$(BIN)/python -m pytest -m "not slow and not bench"

bench: $(STAMP)  ## benchmarks (about 5 hours on 2 cores: sections 9 to 12 take most): their smoke runs, then benchmarks/RESULTS.md
	$(BIN)/python -m pytest -n 2 -m bench
	$(BIN)/python benchmarks/run_all.py

lint: $(STAMP)
	$(BIN)/ruff check tuner tests benchmarks
	$(BIN)/ruff format --check tuner tests benchmarks
	$(BIN)/mypy tuner
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format tuner tests benchmarks
	$(BIN)/ruff check --fix tuner tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
