# Huibian: `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
INSTALLED := $(VENV)/.installed-stamp
SYSTEM_RUN := $(VENV)/.system-run-stamp
SYSTEM_TEST := $(VENV)/.system-test-stamp
CATALOGS := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))
PYTEST_ARGS ?=

.PHONY: run test test-fast lint-imports install worker benchmark load translations clean

run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo --sample-content --if-empty
	@echo "Huibian is serving on http://127.0.0.1:5000  (Ctrl-C to stop)"
	$(FLASK) run --host 127.0.0.1 --port 5000

AXE := tests/e2e/axe/node_modules/axe-core/axe.min.js

test: install $(SYSTEM_TEST) $(AXE) lint-imports
	$(PY) -m pytest -p no:cacheprovider -n 2 $(PYTEST_ARGS)

# axe-core from the npm registry, for the accessibility check of the browser tests.
$(AXE): tests/e2e/axe/package-lock.json $(SYSTEM_TEST)
	npm ci --prefix tests/e2e/axe --no-audit --no-fund --loglevel=error
	@touch $@

# The layer rule of app/domain/__init__.py: the contracts are in pyproject.toml.
lint-imports: install
	$(VENV)/bin/lint-imports --no-cache

# Without the browser and PDF tests, for a quick loop while editing.
test-fast: install
	$(PY) -m pytest -p no:cacheprovider -n 2 -m "not e2e and not slow" $(PYTEST_ARGS)

install: $(SYSTEM_RUN) $(INSTALLED) $(CATALOGS)

$(SYSTEM_RUN): scripts/system-packages.sh
	scripts/system-packages.sh run
	@mkdir -p $(VENV) && touch $@

$(SYSTEM_TEST): scripts/system-packages.sh
	scripts/system-packages.sh test
	@mkdir -p $(VENV) && touch $@

$(INSTALLED): pyproject.toml $(SYSTEM_RUN)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(INSTALLED)
	$(VENV)/bin/pybabel -q compile -d translations -l $*

# Re-extract the strings to translate after changing templates or code.
translations: $(INSTALLED)
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k _l -o translations/messages.pot .
	$(VENV)/bin/pybabel -q update -i translations/messages.pot -d translations

worker: install
	$(FLASK) worker

benchmark: install
	$(PY) benchmarks/proceedings.py

# 50 users for 60 s against a production gunicorn on a PostgreSQL database of its own.
load: install
	$(PY) benchmarks/load.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) instance
