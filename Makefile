# Two set-up commands: `make run` (install, ingest if needed, chat UI on 127.0.0.1) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install install-test system-deps ingest run lint test test-fast bench bench-scale eval lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install -q -c requirements.lock -e .
	touch $@

install: $(VENV)/.installed  ## the package and everything it needs, in .venv

# Debian packages for the browser tests: headless Chromium, chromedriver, a CJK font for Chinese text.
APT_PACKAGES := chromium chromium-driver fonts-wqy-microhei
system-deps:
	@dpkg -s $(APT_PACKAGES) >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $(APT_PACKAGES); }

# Test extras: llama-cpp-python compiles llama.cpp once (~6 min on 2 cores; pip caches the wheel).
# The eval extra (matplotlib, for the report charts) comes along: the test suite writes eval reports.
$(VENV)/.installed-test: pyproject.toml requirements.lock $(VENV)/.installed
	$(BIN)/pip install -q -c requirements.lock -e '.[test,eval]'
	touch $@

install-test: system-deps $(VENV)/.installed-test

ingest: install
	$(BIN)/assistant ingest

run: install
	$(BIN)/assistant chat --ingest-if-needed

lint: install-test  ## ruff (lint and format check) and mypy, configured in pyproject.toml
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Two pytest-xdist workers, a test file per worker (its module fixtures stay together), slowest files first
# (tests/conftest.py, by their last run's time); TEST_WORKERS=0 runs serially. Embeddings of the test corpora persist in .pytest_cache (pytest --cache-clear empties it).
TEST_WORKERS ?= 2
test: lint
	$(BIN)/python -m pytest -q -rs -n $(TEST_WORKERS) --dist loadfile

test-fast: install-test  ## the suite without the slow marker (no llama.cpp, chroma run or browser)
	$(BIN)/python -m pytest -q -rs -m "not slow" -n $(TEST_WORKERS) --dist loadfile

# Benchmark extras: the tutorial baseline (MiniLM via sentence-transformers, torch CPU from the local wheel).
$(VENV)/.installed-bench: pyproject.toml requirements.lock $(VENV)/.installed-test
	$(BIN)/pip install -q -c requirements.lock -e '.[test,eval,bench]'
	touch $@

bench: system-deps $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks

# The scale section's 100k and 1M points (the 1M build takes ~45 min once; later runs measure that build again).
bench-scale: system-deps $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks --sections scale --scale-sizes 100000,1000000 --scale-reuse

# Eval extra: matplotlib for the report charts. Reports land in evals/reports/ (ignored by git).
# The dev split by default (the one to tune on); `make eval EVAL_SPLIT=test` for the held-out figures.
EVAL_SPLIT ?= dev
$(VENV)/.installed-eval: pyproject.toml requirements.lock $(VENV)/.installed
	$(BIN)/pip install -q -c requirements.lock -e '.[eval]'
	touch $@

eval: $(VENV)/.installed-eval
	$(BIN)/assistant ingest
	$(BIN)/assistant eval --set evals/golden.jsonl --split $(EVAL_SPLIT) --report evals/reports

# The lock: what the full install resolved to (header kept); review the diff before committing it.
lock: $(VENV)/.installed-bench
	{ head -3 requirements.lock; $(BIN)/pip freeze --exclude-editable | grep -v '@ file'; } > requirements.lock.new
	mv requirements.lock.new requirements.lock

clean:
	rm -rf $(VENV) .data
