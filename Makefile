# Two commands set everything up on a fresh Debian machine:
#   make demo   - the Tianhe demo on the embedded SpatiaLite store
#   make test   - the whole test suite
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint setup system-packages clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@bash scripts/install-system-packages.sh
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/landpatrol demo

test: $(STAMP)
	@LANDPATROL_WITH_TEST_TOOLS=1 bash scripts/install-system-packages.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) demo/ *.egg-info
