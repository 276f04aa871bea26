# Two commands set everything up on a fresh Debian machine:
#   make demo   - the Tianhe demo on the embedded SpatiaLite store
#   make test   - the whole test suite
# Both install exactly requirements.lock: every package pinned with its hashes, the versions CI tested.
# After changing dependencies in pyproject.toml, `make lock` updates requirements.lock; commit both.
VENV ?= .venv
PY := $(VENV)/bin/python
UV_BIN := $(VENV)/bin/uv
UV := $(UV_BIN) pip
# What the lock holds besides the runtime dependencies: pyproject.toml's extras and dependency groups.
EXTRAS := test bench
GROUPS := build
STAMP := $(VENV)/.installed

.PHONY: demo test lint lock lock-check setup clean

setup: $(STAMP)

# The tools come first, pinned with their hashes: uv installs the lock, packaging checks it.
$(UV_BIN): requirements-uv.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes -r requirements-uv.txt
	@touch $(UV_BIN)

# Exactly the lock (the locked setuptools among it), then landpatrol itself, editable, built with
# that setuptools (no build isolation) and nothing else (--no-deps).
$(STAMP): pyproject.toml requirements.lock $(UV_BIN)
	@bash scripts/install-system-packages.sh
	$(UV) install --python $(PY) --require-hashes -r requirements.lock
	$(UV) install --python $(PY) --no-deps --no-build-isolation -e .
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/landpatrol demo

test: lock-check $(STAMP)
	@LANDPATROL_WITH_TEST_TOOLS=1 bash scripts/install-system-packages.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# Resolves for every platform from Python 3.11 on, keeping the pins that still fit;
# `make lock LOCK_ARGS=--upgrade` takes newer releases.
lock: $(UV_BIN)
	$(UV) compile --python $(PY) pyproject.toml $(EXTRAS:%=--extra %) $(GROUPS:%=--group pyproject.toml:%) \
	  --universal --python-version 3.11 --generate-hashes --custom-compile-command "make lock" \
	  -o requirements.lock $(LOCK_ARGS)

# Fails, offline and without touching the lock, when requirements.lock does not satisfy pyproject.toml.
lock-check: $(UV_BIN)
	$(PY) scripts/lock_check.py $(EXTRAS:%=--extra %) $(GROUPS:%=--group %)

clean:
	rm -rf $(VENV) demo/ *.egg-info
