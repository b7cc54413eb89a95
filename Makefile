# Two commands do all set-up on a fresh machine:
#   make demo   - the bot with SQLite, sample data and the local Teams emulator
#   make test   - every test, lint and type check (what .ci/run calls)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp

.PHONY: test demo lint typecheck venv node clean package bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

node: $(NODE_STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy .

test: $(STAMP) $(NODE_STAMP) lint typecheck
	$(BIN)/pytest

demo: $(STAMP) $(NODE_STAMP)
	$(BIN)/lagesbot demo

# The Teams app zip, from MICROSOFT_APP_ID, LAGESBOT_PUBLIC_URL and friends (docs/admin-guide.*.md).
package: $(STAMP)
	$(BIN)/lagesbot package --out build/lagesbot-teams-app.zip

# All benchmarks at full size (needs PostgreSQL; run on a quiet machine): tables on stdout, JSON
# in bench/results/. `$(BIN)/python -m bench --quick` checks they run in a minute or two.
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
