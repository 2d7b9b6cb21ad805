# Each target creates .venv on first use and re-uses it afterwards.
# TORCH is installed before the package, so that the package's own `torch`
# requirement is already met and pip never resolves it to another build.
# Where pip's default index serves only CUDA builds of torch (plain PyPI on
# Linux), ask for the CPU build explicitly:
#   make test TORCH="torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"
PYTHON ?= python3
TORCH ?= torch==2.13.0
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.sknoisy-installed
PYTEST_ARGS ?=

.PHONY: demo test lint format docs docs-quick bench bench-full bench-deps clean-venv

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

# The documentation site, gallery examples run, warnings as errors; the quick
# build skips running the examples.
docs: $(STAMP)
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html

docs-quick: $(STAMP)
	SKNOISY_DOCS_QUICK=1 $(PY) -m sphinx -W --keep-going -b html docs docs/_build/html

# Side-by-side measurements against the peers (not part of `make test`, whose
# smoke test only checks that the scripts run). `bench` is the quick grid,
# a few minutes; `bench-full` the whole one. Both render docs/benchmarks.md.
BENCH := b1_detection b2_robustness b3_speed b4_scale b5_real_errors

bench-deps: $(STAMP)
	$(PY) -m pip install --quiet doubtlab==0.2.4

bench: $(STAMP)
	@for b in $(BENCH); do $(PY) benchmarks/$$b.py --quick || exit 1; done
	$(PY) benchmarks/render.py

bench-full: $(STAMP)
	@for b in $(BENCH); do $(PY) benchmarks/$$b.py || exit 1; done
	$(PY) benchmarks/render.py

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean-venv:
	rm -rf $(VENV)
