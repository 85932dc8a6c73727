# svduty's one command runner: README, CI and developers all call these targets.
.PHONY: demo test lint typecheck check lock setup

## demo: set up, build the demo partnership and serve it at http://127.0.0.1:8000
demo:
	@scripts/setup main
	@.venv/bin/svduty demo

## test: set up and run the whole test suite (DATABASE_URL=postgres://… runs it on PostgreSQL)
test:
	@scripts/setup dev
	@.venv/bin/pytest -n 2

## lint: ruff (lint and format check)
lint:
	@scripts/setup dev
	@.venv/bin/ruff check src tests bench
	@.venv/bin/ruff format --check src tests bench

## typecheck: mypy
typecheck:
	@scripts/setup dev
	@.venv/bin/mypy

## check: everything CI runs
check: lint typecheck test

## lock: re-resolve the Python lock files from pyproject.toml
lock:
	@.venv/bin/uv pip compile pyproject.toml -o requirements/main.lock --python-version 3.11 -q
	@.venv/bin/uv pip compile pyproject.toml --extra dev -o requirements/dev.lock --python-version 3.11 -q

setup:
	@scripts/setup dev
