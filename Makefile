# riskd — set-up and the two commands (`make run`, `make test`).
# Everything is installed into .venv and node_modules from pinned versions; nothing is
# downloaded at run time.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PROTOS := $(wildcard proto/riskd/v1/*.proto proto/riskd/reflection/v1/*.proto)
GEN_STAMP := riskd/v1/.generated
NODE_STAMP := node_modules/.installed
DEMO := var/demo
ADDR ?= 127.0.0.1:50051
PYTEST_ARGS ?=
SOAK_ARGS ?=
# What `make mutation` mutates, one mutmut run per pattern ([tool.mutmut] in pyproject.toml;
# docs/testing.md); the matcher's budgets are used in build_matcher. tests/mutation_hand.py
# then applies the mutants mutmut cannot make (dataclass methods, the backtest's polars).
MUTANTS ?= riskd.server.convert.* riskd.matching.context.* riskd.policy.* \
	riskd.matching.matcher.x_build_matcher__*

.PHONY: help setup proto run test lint bench soak eval-matching mutation demo chromium clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

setup: $(STAMP) $(GEN_STAMP) $(NODE_STAMP) ## create .venv, install, generate stubs

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

$(GEN_STAMP): $(STAMP) $(PROTOS)
	$(PY) -m grpc_tools.protoc -I proto \
		--plugin=protoc-gen-mypy=$(BIN)/protoc-gen-mypy --plugin=protoc-gen-mypy_grpc=$(BIN)/protoc-gen-mypy_grpc \
		--python_out=. --grpc_python_out=. --mypy_out=. --mypy_grpc_out=. $(PROTOS)
	touch riskd/v1/py.typed riskd/reflection/v1/py.typed $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

proto: $(GEN_STAMP) ## generate the Python stubs from proto/

$(DEMO)/register.csv: | $(STAMP)
	$(PY) -m fixtures.generate --out $(DEMO) --seed 7 --marks 2000 --declarations 20000

$(DEMO)/models/PRODUCTION: $(DEMO)/register.csv
	$(BIN)/riskd-train fit --data $(DEMO)/history.parquet --register $(DEMO)/register.csv \
		--registry $(DEMO)/models --version demo-1
	$(BIN)/riskd-train promote --registry $(DEMO)/models --version demo-1 --force

# The demo store: the history screened into it as decisions with their outcomes, cases and
# entity profiles (counted once, here), into a fresh store.
$(DEMO)/store.loaded: $(DEMO)/models/PRODUCTION
	rm -f $(DEMO)/riskd.db $(DEMO)/riskd.db-wal $(DEMO)/riskd.db-shm
	$(BIN)/riskd history load $(DEMO)/history.parquet --outcomes $(DEMO)/outcomes.csv \
		--config fixtures/demo.toml --quiet
	touch $@

demo: setup $(DEMO)/store.loaded ## generate the demo world, train its model and fill its store (if absent)

run: demo ## serve the demo world on 127.0.0.1:50051
	$(BIN)/riskd serve --config fixtures/demo.toml --listen $(ADDR)

# Headless Chromium screenshots the HTML reports in the tests; installed from the distribution
# where absent and root, otherwise those tests are skipped with the reason.
chromium: ## install headless Chromium for the report screenshots (Debian, as root), if absent
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	else echo "chromium absent and not installable here: report screenshot tests will be skipped"; fi

test: setup chromium ## run the whole suite
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: setup ## ruff, mypy and buf lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	cd proto && ../node_modules/.bin/buf lint

bench: setup ## run the benchmarks; results in bench/results/*.json, figures in docs/ from them
	$(PY) -m bench.run
	$(PY) -m bench.docs

soak: setup ## minutes of load with rule and model reloads (not in CI); bench/results/soak.json
	$(PY) -m bench.soak $(SOAK_ARGS)

eval-matching: setup ## measure matching quality; results in bench/results/matching_*.json, docs/matching.md from them
	$(PY) -m bench.matching_quality
	$(PY) -m bench.docs

mutation: setup ## mutation testing, one module at a time (not in CI); docs/testing.md
	for pattern in $(MUTANTS); do $(BIN)/mutmut run --max-children 2 "$$pattern" || exit 1; done
	$(BIN)/mutmut results
	$(PY) -m tests.mutation_hand

clean: ## remove generated files (not the venv)
	rm -rf mutants var riskd/v1/*_pb2*.py* riskd/reflection/v1/*_pb2*.py* $(GEN_STAMP) .pytest_cache .mypy_cache .ruff_cache
