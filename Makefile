# Two commands do all set-up on a fresh machine:
#   make demo   - the bot with SQLite, sample data and the local Teams emulator
#   make test   - every test, lint and type check (what .ci/run calls)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp

.PHONY: test test-clock-ahead demo lint typecheck venv node clean package bench

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
	$(MAKE) --no-print-directory test-clock-ahead

# No test may depend on today's date (time is an input: clock=/now=). This runs the folders
# whose tests involve deadlines, due times, ages and dates once more with the system clock a
# year ahead (libfaketime's `faketime`, also for the servers, Node and Chromium they start),
# so a test that only passes before some fixed date fails CI instead of a clone next year.
# PostgreSQL's own clock is not moved; no product code asks it for the time.
#   rounds: opening, reminders, escalation, outbox due times, the sender; digest: due digests;
#   admin: round create/extend/close against now, the CLI; bot: deadlines, late answers, JWT
#   lifetimes; feed: Entra ID token lifetimes, changed-since filters; services: the answer
#   rules; graph: sync intervals, leaver notices, token expiry; reliability: heartbeat ages,
#   erasure; imports: plans with rounds; cards: dates and days left on cards (2 s); e2e:
#   the demo's rounds lie around the real today (40 s).
#   goals: target dates, projections, daily warehouse pulls; controller: holidays and the
#   weekly digest of groups made in Teams (45 s together, both backends).
# Left out, to keep this to about a third of the normal run: authz (170 s, on the bot
# harness's fixed clock like bot/), faults (retries in real time, not dates), fuzz (fixed
# clock), storage, manifest and bench (no dates). CLOCK_AHEAD=+730d tries another offset.
CLOCK_AHEAD ?= +365d
CLOCK_AHEAD_TESTS := tests/rounds tests/digest tests/admin tests/bot tests/feed tests/services \
	tests/graph tests/reliability tests/imports tests/cards tests/e2e tests/goals tests/controller

test-clock-ahead: $(STAMP) $(NODE_STAMP)
	faketime -f '$(CLOCK_AHEAD)' $(BIN)/pytest $(CLOCK_AHEAD_TESTS)

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
