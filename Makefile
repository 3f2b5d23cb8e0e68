# The front door: `make run` serves the flagship example, `make test` runs the whole suite.
# Every install step lives here so a fresh machine (and CI) needs nothing done by hand.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
JOBS ?= 2

.PHONY: run test check regen bench venv clean validate deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)  # builds specs/petstore.yaml into .apigwc-cache/ and serves the dev stage at /
	@echo "PetStore on http://127.0.0.1:8080 (stage dev at the root). Try:"
	@echo "  curl -i http://127.0.0.1:8080/pets"
	@echo "  curl -i 'http://127.0.0.1:8080/pets?type=dog'"
	@echo "  curl -i http://127.0.0.1:8080/pets/1"
	@echo "  curl -i http://127.0.0.1:8080/health"
	@echo "  curl -i -X OPTIONS http://127.0.0.1:8080/pets"
	@echo "  curl -i http://127.0.0.1:8080/nowhere        # 403 Missing Authentication Token"
	@echo "  curl -i -X POST http://127.0.0.1:8080/pets -d '{\"name\":\"Rex\",\"type\":\"dog\"}'   # API key route, no key: 403 Forbidden"
	@echo "  curl -i -X POST http://127.0.0.1:8080/pets -H 'x-api-key: PetstoreDevKey0123456789abcdef' -H 'Content-Type: application/json' -d '{\"name\":\"Rex\",\"type\":\"dog\"}'   # with the demo key: 201"
	$(VENV)/bin/apigwc serve specs/petstore.yaml --host 127.0.0.1 --port 8080

test: deps $(STAMP)
	$(PY) -m pytest -n $(JOBS) -q

check: $(STAMP)
	$(VENV)/bin/ruff check compiler tests benchmarks
	$(VENV)/bin/black --check compiler tests benchmarks
	$(VENV)/bin/mypy

regen: $(STAMP)
	$(PY) -m apigwc.codes docs/diagnostics.md
	$(PY) -m apigwc.schema compiler/apigwc/data/apigwc.schema.json
	rm -rf generated/petstore && $(VENV)/bin/apigwc build specs/petstore.yaml -o generated/petstore

bench: deps $(STAMP)  # measures and prints figures; fails only if a benchmark crashes
	$(PY) benchmarks/run.py $(BENCH_ARGS)
	$(PY) benchmarks/runtime_bench.py
	$(PY) benchmarks/build_bench.py

deps:  # Debian packages the tests and benchmarks need (idempotent): wrk, redis-server
	command -v wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk)
	command -v redis-server >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq redis-server)

.PHONY: bench-peers
bench-peers: $(STAMP)  # apigwc validate vs openapi-spec-validator and Spectral (npm, first use)
	$(PY) benchmarks/validate_vs_peers.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info compiler/*.egg-info
