# Shop: two commands to run everything on a fresh machine.
#   make run    the whole system (embedded Postgres and Redis unless DATABASE_URL / REDIS_URL are set)
#   make test   ruff, the import contracts, and the test suite against real services
#   make bench  the benchmarks, each figure beside its raw baseline
# `run` installs requirements.txt only (what a deployment needs); `test` and `bench`
# add requirements-dev.txt (pytest, playwright, ruff, schemathesis, import-linter).

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test bench venv venv-dev clean chromium

$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Shop needs $(PYTHON) on PATH (or make PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

venv-dev: $(VENV)/.installed-dev

run: venv
	@$(PY) -m shop.devstack run

test: venv-dev chromium
	@$(PY) -m shop.devstack test $(ARGS)

# The browser tests drive Debian's Chromium. Best effort: installed where we
# are root with apt, never failing the run (without it those tests skip, saying why).
chromium:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "+ apt-get install chromium (for the browser tests)"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
			|| echo "chromium was not installed: the browser tests will skip"; \
	fi

bench: venv-dev
	@$(PY) -m shop.devstack bench $(ARGS)

clean:
	rm -rf $(VENV) .run
