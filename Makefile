# The two commands a newcomer runs: `make demo` and `make test`.
# Each creates .venv, installs the package with its dev extra, and makes sure Graphviz's dot is there.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-pythons bench lint dot venv clean

demo: $(STAMP) dot
	$(VENV)/bin/micrograd-cbook demo

test: $(STAMP) dot
	$(PY) -m ruff check .
	$(PY) -m pytest -q

test-pythons: dot
	@bash scripts/test-pythons

bench: $(STAMP)
	$(PY) benchmarks/run.py

lint: $(STAMP)
	$(PY) -m ruff check .

venv: $(STAMP)

dot:
	@bash scripts/ensure-dot

$(STAMP): setup.cfg pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "micrograd_cbook needs Python >= 3.10; this is " + sys.version.split()[0])'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

clean:
	rm -rf $(VENV) .venv-3.* build *.egg-info .pytest_cache .ruff_cache .hypothesis
