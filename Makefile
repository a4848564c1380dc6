# Two commands for a newcomer: `make run` and `make test`. Both create .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app portfolio
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint bench serve clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Portfolio needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps: reinstall only when pyproject.toml changes.
$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-app

## Serve the app with demo data on http://127.0.0.1:5000
# The delivery worker runs beside the server and stops with it: without
# MAIL_SERVER it sends no mail, it shows it in the admins' delivery log.
run: $(VENV)/.installed-app
	PORTFOLIO_DEMO=1 $(FLASK) db upgrade
	PORTFOLIO_DEMO=1 $(FLASK) seed-demo --if-empty
	PORTFOLIO_DEMO=1 $(FLASK) deliver & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	PORTFOLIO_DEMO=1 $(FLASK) run --host $(HOST) --port $(PORT)

## Run the whole test suite (browser tests skip, with a reason, without Chromium)
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Lint and format check (what CI runs before the tests)
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Benchmark pages against fair floors at 1,000 and 5,000 items (BENCH_LARGE=1 adds 20,000)
bench: $(VENV)/.installed-app
	BENCH_LARGE=$(BENCH_LARGE) $(BIN)/python bench/bench.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
