# Shop: two commands to run everything on a fresh machine.
#   make run    the whole system (embedded Postgres and Redis unless DATABASE_URL / REDIS_URL are set)
#   make test   ruff, the import contracts, and the test suite against real services
#   make bench  the benchmarks, each figure beside its raw baseline

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test bench venv clean

$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Shop needs $(PYTHON) on PATH (or make PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

venv: $(VENV)/.installed

run: venv
	@$(PY) -m shop.devstack run

test: venv
	@$(PY) -m shop.devstack test $(ARGS)

bench: venv
	@$(PY) -m shop.devstack bench $(ARGS)

clean:
	rm -rf $(VENV) .run
