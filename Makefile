# Each target creates .venv on first use and re-uses it afterwards.
# TORCH is installed before the package so that pip never resolves a bare
# `torch` requirement to a multi-GB CUDA build; override it for a GPU build,
# e.g. `make test TORCH="torch==2.13.0 --index-url <your CUDA wheel index>"`.
PYTHON ?= python3
TORCH ?= torch==2.13.0
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.sknoisy-installed
PYTEST_ARGS ?=

.PHONY: demo test lint format clean-venv

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(TORCH)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/sknoisy demo --seeds 0 1 2

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean-venv:
	rm -rf $(VENV)
