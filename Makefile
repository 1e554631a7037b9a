# Two commands do everything: `make run` starts the app, `make test` runs every check.
# Both create the virtualenv (.venv) and install what they need on first use.

PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8501
BIN := $(VENV)/bin

.PHONY: run dev serve test lint format bench clean import-registry

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
		{ echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.run-installed

## run: set up and start the app on the shipped data at http://$(HOST):$(PORT)
run: $(VENV)/.run-installed
	$(BIN)/python -m components.views.launch --server.address $(HOST) --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

## dev: like run, but reloads when a file changes
dev: $(VENV)/.run-installed
	$(BIN)/python -m components.views.launch --server.address $(HOST) --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false --server.fileWatcherType auto --server.runOnSave true

## serve: several app processes behind HAProxy (Debian: apt-get install haproxy) at http://$(HOST):$(PORT)
##   make serve WORKERS=2            local workers on ports 8601, 8602, ...
##   make serve HOSTS=hosts.txt      workers started on other hosts (one host:port per line)
WORKERS ?= 2
serve: $(VENV)/.run-installed
	$(BIN)/python -m deploy.serve --host $(HOST) --port $(PORT) $(if $(HOSTS),--hosts $(HOSTS),--workers $(WORKERS))

## test: set up, lint, then run the whole test suite (browser tests need Debian's chromium)
test: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.dev-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

## import-registry: merge a ClinicalTrials.gov API v2 JSON export into data/registered_trials.csv
##   make import-registry FILE=export.json [ARGS="--dry-run --condition sle"]
import-registry: $(VENV)/.run-installed
	@test -n "$(FILE)" || { echo "usage: make import-registry FILE=export.json [ARGS=--dry-run]"; exit 2; }
	$(BIN)/python -m components.evidence.registry_import "$(FILE)" --data-dir data $(ARGS)

## bench: measure the app against bare Streamlit apps in the same run (prints ratios and goals)
bench: $(VENV)/.dev-installed
	$(BIN)/python -m bench.run_all $(ARGS)
