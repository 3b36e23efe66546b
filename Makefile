# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: run test lint install catalogs check-catalogs clean

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/activate

install: $(BIN)/activate

## make run: install, migrate, load the demo workshop the first time, serve on 0.0.0.0:$(PORT)
run: install
	PORT=$(PORT) $(BIN)/flask --app app serve --demo

## make lint: ruff over the whole tree, mypy on the pure packages (factory/domain, factory/feasibility)
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

## make test: install, lint, and run the whole suite (browser and PostgreSQL tests included when available)
# PYTHONDONTWRITEBYTECODE is cleared for the suite: with it set (some shells and images set it),
# every test process and every server the tests start compiled the app's modules and rewrote the
# tests' assertions again, several seconds of each test process's start (__pycache__ is ignored by git).
test: install lint
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

## make catalogs: extract new strings into each area's Chinese catalog and compile them
catalogs: install
	$(BIN)/python -m factory.catalogs

check-catalogs: install
	$(BIN)/python -m factory.catalogs --check

clean:
	rm -rf $(VENV) .pytest_cache
