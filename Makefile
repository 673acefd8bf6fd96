# The two commands a newcomer runs: `make demo` and `make test`.
# Both create .venv and make sure Graphviz's dot is there. `make demo` installs the package and
# its runtime dependencies only (graphviz, tqdm: a small venv); `make test` (and `make venv`)
# add the dev extra. Either order works: each stamp says what its venv already holds.
PYTHON ?= python3
VENV := .venv
# Test processes: one per core (pytest-xdist). JOBS=0 runs the suite in this one process.
JOBS ?= auto
PY := $(VENV)/bin/python
BASE := $(VENV)/.package-stamp
STAMP := $(VENV)/.installed-stamp
BENCH_STAMP := $(VENV)/.bench-stamp

.PHONY: demo test test-pythons bench lint dot venv clean

demo: $(BASE) dot
	$(VENV)/bin/micrograd-cbook demo

# The checks, the suite on every core, then the package as a user gets it (scripts/check-wheel:
# the sdist and wheel built, the wheel tried in a clean venv); the time it all took, last.
test: $(STAMP) dot
	@date +%s >$(VENV)/.test-started
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest -q -n $(JOBS)
	bash scripts/check-wheel $(PY)
	@echo "make test: everything passed in $$(( $$(date +%s) - $$(cat $(VENV)/.test-started) )) s"

test-pythons: dot
	@bash scripts/test-pythons

bench: $(BENCH_STAMP)
	$(PY) benchmarks/run.py

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

venv: $(STAMP)

dot:
	@bash scripts/ensure-dot

# The package and its runtime dependencies: all that `make demo` needs.
$(BASE): setup.cfg pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "micrograd_cbook needs Python >= 3.10; this is " + sys.version.split()[0])'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	@touch $(BASE)

# The dev extra on top: pytest, hypothesis, sympy, the notebooks' kernel, ...
$(STAMP): $(BASE)
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

# The bench extra on top: JAX and scikit-learn, the benchmarks' optional peers. Should it not
# install (no wheel for this platform), the benchmarks run without them and say so.
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install -q -e '.[bench]' && touch $(BENCH_STAMP) || \
		echo "(the bench extra did not install: the benchmarks leave JAX and scikit-learn out)"

clean:
	rm -rf $(VENV) .venv-3.* build *.egg-info .pytest_cache .ruff_cache .hypothesis
