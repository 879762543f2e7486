# fraudd — every target creates .venv and installs what it needs.
#   make demo                 the whole loop on the embedded local stack (DEMO_SECONDS=60):
#                             a live view on a terminal, a JSON summary as last line otherwise
#   make test                 the test suite (starts its own local stacks; Redshift mode under
#                             SNAPSHOT and SERIALIZABLE)
#   make test-redshift        only the Redshift-mode tests, under SNAPSHOT and SERIALIZABLE
#   make lint                 ruff + mypy
#   make reliability          the full reliability suite (larger sizes)
#   make bench                every benchmark scenario, JSON under bench/results/

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
NODE_DIR := fraudd/localstack/node
NODE_STAMP := $(NODE_DIR)/node_modules/.installed
# The console's browser tests: playwright-core drives Debian's chromium.
BROWSER_DIR := tests/console/browser
BROWSER_STAMP := $(BROWSER_DIR)/node_modules/.installed
CHROMIUM := /usr/bin/chromium
DEMO_SECONDS ?= 60
DEMO_RATE ?=
PYTEST_ARGS ?=

.PHONY: demo test test-redshift lint reliability bench install browser promtool clean

install: $(STAMP) $(NODE_STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-*
	touch $@

$(NODE_STAMP): $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian's chromium (root installs it; otherwise say how) and playwright-core from the lockfile.
browser: $(BROWSER_STAMP)
	@test -x $(CHROMIUM) || { test "$$(id -u)" = 0 && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium \
	  >/dev/null; } || { echo "make: the browser tests need Debian's chromium: sudo apt-get install chromium"; exit 1; }

# promtool (Debian's prometheus package) checks the alert rules and the dashboard's queries; the
# package may start a server on install, which the tests do not need.
promtool:
	@command -v promtool >/dev/null || { test "$$(id -u)" = 0 && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus \
	  >/dev/null && { pkill -x prometheus || true; }; } || { echo "make: the alert-rule tests need promtool: sudo apt-get install prometheus"; exit 1; }

$(BROWSER_STAMP): $(BROWSER_DIR)/package-lock.json
	cd $(BROWSER_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# On a terminal the demo draws its live view; piped (CI, scripts) it ends with the JSON summary.
demo: install
	@if [ -t 1 ]; then json=; else json=--json; fi; \
	$(BIN)/fraudd demo --seconds $(DEMO_SECONDS) $(if $(DEMO_RATE),--rate $(DEMO_RATE)) $$json

test: install browser promtool
	$(BIN)/pytest --redshift-isolation=both $(PYTEST_ARGS)

test-redshift: install
	$(BIN)/pytest -m redshift --redshift-isolation=both $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check fraudd tests $(wildcard bench)
	$(BIN)/mypy

reliability: install
	$(BIN)/python -m tests.reliability.report

bench: install
	$(BIN)/python -m bench all

clean:
	-$(BIN)/fraudd local down --purge
	rm -rf $(VENV) $(NODE_DIR)/node_modules $(BROWSER_DIR)/node_modules test-artifacts
