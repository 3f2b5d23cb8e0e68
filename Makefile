# The front door: `make run` serves the flagship example, `make test` runs the whole suite.
# Every install step lives here so a fresh machine (and CI) needs nothing done by hand.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
JOBS ?= 2

.PHONY: run test check regen bench venv clean validate

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/apigwc validate specs/petstore.yaml

test: $(STAMP)
	$(PY) -m pytest -n $(JOBS) -q

check: $(STAMP)
	$(VENV)/bin/ruff check compiler tests benchmarks
	$(VENV)/bin/black --check compiler tests benchmarks
	$(VENV)/bin/mypy

regen: $(STAMP)
	@echo "nothing is generated yet"

bench: $(STAMP)  # measures and prints figures; fails only if a benchmark crashes
	$(PY) benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info compiler/*.egg-info
