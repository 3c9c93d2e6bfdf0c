# The two set-up commands (see README.md): `make run` and `make test`.
# Everything is installed from the lock files into .venv; system packages by scripts/.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --quiet --disable-pip-version-check
PACKAGES := foundation reports majlis rooms scheduler casework signaling media certs api audit accounts typed_errors devices limits reference reception safeguarding

.PHONY: run test lint typecheck pytest pytest-sqlite pytest-postgresql lock clean screenshots fuzz

$(VENV)/.run-installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.lock
	$(PIP) --no-deps -e .
	touch $@

$(VENV)/.test-installed: requirements-test.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements-test.lock
	$(PIP) --no-deps -e .
	touch $@

# Browser packages (socket.io-client for the apps, axe-core for the tests) from package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: $(VENV)/.run-installed node_modules/.installed
	$(BIN)/majlis init --demo
	$(BIN)/majlis serve

test: $(VENV)/.test-installed node_modules/.installed
	bash scripts/system-packages.sh
	$(MAKE) --no-print-directory lint typecheck pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy $(PACKAGES)

# Two passes: every test on SQLite, then the suites that touch the database again on PostgreSQL
# (a temporary cluster of Debian's postgresql, tests/postgres.py; which suites and why, and how
# long each pass takes: README.md, "Tests"). The tests without a browser run in $(WORKERS)
# pytest-xdist workers (each its own server, data directory and PostgreSQL cluster); the browser
# tests one at a time, alone on the machine (Chromium and the media server are timing-sensitive
# under load). In a shuffled order (pytest-randomly), so a test that needs another to have run
# fails. The seed is printed at the top: repeat an order with PYTEST_ARGS=--randomly-seed=N, or
# keep the file order with PYTEST_ARGS="-p no:randomly".
WORKERS ?= 2
POSTGRESQL_SUITES := \
	$(filter-out %/media/ %/api/ %/__pycache__/,$(wildcard tests/integration/*/)) \
	$(wildcard tests/integration/test_*.py) \
	tests/integration/api/test_authorization_matrix.py tests/integration/api/test_fuzz_http.py \
	tests/integration/api/test_edge_input.py tests/integration/api/test_sessions.py \
	tests/integration/api/test_key_directory.py \
	tests/e2e \
	--deselect tests/e2e/test_cli.py::test_bench_media_compare_prints_the_figures_as_one_json_line

pytest: pytest-sqlite pytest-postgresql

pytest-sqlite:
	$(BIN)/pytest -n $(WORKERS) --ignore=tests/browser $(PYTEST_ARGS)
	$(BIN)/pytest tests/browser --durations=12 $(PYTEST_ARGS)

pytest-postgresql:
	$(BIN)/pytest -n $(WORKERS) --database=postgresql $(POSTGRESQL_SUITES) $(PYTEST_ARGS)

# Re-pin the lock files after changing dependencies in pyproject.toml.
lock: $(VENV)/.test-installed
	$(PIP) uv
	$(BIN)/uv pip compile pyproject.toml --quiet --no-header --python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --quiet --no-header --python-version 3.11 --extra test -o requirements-test.lock

# The long fuzz run: 6,500 HTTP cases and 1,500 × 3 Socket.IO events, 11,000 in all (make test runs 400 and
# 800 × 3 of the same tests).
fuzz: $(VENV)/.test-installed
	FUZZ_EXAMPLES=6500 FUZZ_EVENT_EXAMPLES=1500 $(BIN)/pytest -q -s \
		tests/integration/api/test_fuzz_http.py tests/integration/signaling/test_fuzz.py

# Screenshots of every screen in Arabic into docs/screenshots/ (real server, real Chromium).
screenshots: $(VENV)/.test-installed node_modules/.installed
	bash scripts/system-packages.sh
	SCREENSHOTS_DIR=docs/screenshots $(BIN)/pytest tests/browser -q

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache node_modules
