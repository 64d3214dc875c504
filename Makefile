# One command each on a fresh machine: `make demo` runs the portal, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# pytest-xdist processes for `make test` (one test file stays in one process: --dist loadfile).
TEST_WORKERS ?= auto

.PHONY: install test lint format demo bench check-deploy clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: install lint check-deploy
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --durations=15
	$(BIN)/python -m tests.services.run_suite -q

# The production profile must pass Django's deployment checks without a single warning. The values
# are fake but shaped like real ones (a long random-looking SECRET_KEY, a valid Fernet key).
check-deploy: install
	DJANGO_ENV=production \
	SECRET_KEY=check-deploy-only-7Qm2vX9pL4rT8wK1zN6bH3jF5cY0dS2aE7uG9iO4 \
	HARNESS_TOKEN_KEYS=Y2hlY2stZGVwbG95LW9ubHktbm90LWEtcmVhbC1rZXk= \
	ALLOWED_HOSTS=portal.example.com \
	PORTAL_URL=https://portal.example.com \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

demo: install
	$(BIN)/python manage.py demo

# Load benchmark (issue 8, bench/README.md): the fake Harness (BENCH_LATENCY_MS, default 50), the
# portal under gunicorn with production settings on a scratch PostgreSQL database and Redis, load
# from a separate process; prints a table and writes bench/results.json. About four minutes.
bench: install
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
