# Switchboard: the Makefile is the contract. `make help` lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv comes from PyPI into a private tools venv when the machine has none.
UV := $(shell command -v uv 2>/dev/null || echo .local/tools/bin/uv)
# The launcher hands the same uv to everything it starts (SB_UV): nothing looks uv up on PATH.
# SCALE=2 runs two API processes, two realtime nodes and two workers behind nginx.
SCALE ?= 1
# REDIS=cluster puts every service (API, worker, realtime) on a local three-master Redis Cluster.
REDIS ?= one
LAUNCH := SB_UV=$(abspath $(UV)) $(UV) run --frozen python infra/local/launcher.py --scale $(SCALE) --redis $(REDIS)
PY_SRC := libs/shared/src services/api/src services/realtime/src tools/pbx-simulator/src infra/local

.PHONY: help run test test-web lint fmt bench screenshots backup restore sync env-example web-contract clean-test

help: ## list every target with what it does
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

.local/tools/bin/uv:
	python3 -m venv .local/tools
	.local/tools/bin/pip install --quiet uv

sync: $(UV) ## install the Python workspace (one lock file) into .venv
	$(UV) sync --frozen --all-packages

run: sync ## provision what is missing, then run the whole system at http://localhost:8080 (Ctrl-C stops it; SCALE=2: two of each node)
	$(LAUNCH) run

test: sync ## provision, start the real services on test ports, run the whole suite, stop everything
	$(LAUNCH) test $(ARGS)

test-web: sync ## only the web client's tests (Vitest, Playwright e2e) against a fresh test stack; ARGS picks Playwright specs
	$(LAUNCH) test-web $(ARGS)

lint: sync ## ruff (lint + format check) and mypy --strict on the source; ESLint, Prettier and tsc on the web client
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy $(PY_SRC)
	$(UV) run --frozen python infra/local/web.py lint

fmt: sync ## apply ruff's fixes and formatting
	$(UV) run --frozen ruff check --fix .
	$(UV) run --frozen ruff format .

bench: sync ## run the benchmarks under bench/ and print figures against their baselines
	$(LAUNCH) bench $(ARGS)

screenshots: sync ## take the README's screenshots (docs/screenshots/) from the demo data on a fresh stack, in Chromium
	$(LAUNCH) screenshots

backup: sync ## back up the database (pg_dump -Fc) and the S3 bucket to DIR (default .local/backups/<time>)
	$(UV) run --frozen python infra/local/backup.py backup $(DIR)

restore: sync ## restore a backup (DIR=...) into a stack whose API and worker are stopped
	$(UV) run --frozen python infra/local/backup.py restore $(DIR)

env-example: sync ## regenerate .env.example from the services' settings classes
	$(UV) run --frozen python infra/local/env_example.py > .env.example

web-contract: sync ## regenerate the web client's copy of the API contract (OpenAPI document, TypeScript types, permission matrix)
	$(UV) run --frozen python infra/local/web_contract.py

clean-test: ## remove the test profile's state (.local/test)
	rm -rf .local/test
