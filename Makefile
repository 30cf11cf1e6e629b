# Everything CI runs is a target here. Only Python 3.11+ and make are needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint typecheck openapi openapi-lint lock clean migrate fuzz db-faults crash-safety

$(STAMP): requirements-dev.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $(STAMP)

## run: install, migrate the SQLite default under ./var, print tokens, serve on :8000 and run
## one worker (webhook deliveries) beside it; Ctrl-C stops both
# Development: webhooks may go to http and to this machine (TR_WEBHOOK_ALLOW_PRIVATE). The
# worker runs in the background of this shell, in the same process group, so Ctrl-C reaches
# it and the server alike and each stops gracefully (a second signal would cut the worker's
# attempt short, so none is sent then); if the server fails, the worker is stopped too.
run: $(STAMP)
	$(BIN)/python -m app migrate
	@secret="$${TR_JWT_SECRET:-$$($(BIN)/python -m app dev-secret)}"; \
	echo; echo "Token (records:read records:write labs:write audit:read, valid 12 h):"; \
	TR_JWT_SECRET="$$secret" $(BIN)/python -m app token --sub developer --ttl 43200 \
	  --scope "records:read records:write labs:write audit:read"; \
	echo; echo "Admin token (subscriptions: POST /v1/subscriptions), valid 12 h:"; \
	TR_JWT_SECRET="$$secret" $(BIN)/python -m app token --sub developer-admin --ttl 43200 \
	  --scope admin; \
	echo; echo "API docs: http://$${TR_HOST:-127.0.0.1}:$${TR_PORT:-8000}/docs"; echo; \
	export TR_JWT_SECRET="$$secret" TR_WEBHOOK_ALLOW_PRIVATE="$${TR_WEBHOOK_ALLOW_PRIVATE:-true}"; \
	$(BIN)/python -m app worker & worker=$$!; \
	$(BIN)/python -m app serve; served=$$?; \
	[ $$served -eq 0 ] || kill -TERM $$worker 2>/dev/null; \
	wait $$worker; exit $$served

# The suite runs in TEST_WORKERS processes (pytest-xdist; "auto": one per core, 0: in this
# process). Each worker has its own databases (tests/support/databases.py); tests marked
# xdist_group run in one worker, one after another (--dist loadgroup). Tests marked serial
# bound a wait in wall-clock time: they run afterwards, alone, in one process. Both parts run
# even if the first fails; either failing fails the target.
TEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -q
PARALLEL := -n $(TEST_WORKERS) --dist loadgroup
COVERAGE := --cov=app/rules --cov-branch --cov-fail-under=100 \
  --cov-report=term-missing:skip-covered

## test: install and run the whole suite (TR_TEST_DATABASE_URL=postgresql://... for PostgreSQL)
# The pure rules carry the clinical logic: every branch of app/rules is exercised by the
# parallel part or CI fails (pytest-cov combines the workers' coverage). The serial part runs
# untraced: tracing slowed it by half (the fuzz), and it adds no branch of the rules.
test: $(STAMP)
	$(PYTEST) $(PARALLEL) -m "not serial" $(COVERAGE); parallel=$$?; \
	$(PYTEST) -m serial; serial=$$?; \
	[ $$parallel -eq 0 ] && [ $$serial -eq 0 ]

## test-fast: the inner loop: every test that starts no server or subprocess (-m "not slow")
test-fast: $(STAMP)
	$(PYTEST) $(PARALLEL) -m "not slow and not serial"; parallel=$$?; \
	$(PYTEST) -m "not slow and serial"; serial=$$?; \
	[ $$parallel -eq 0 ] && [ $$serial -eq 0 ]

lint: $(STAMP)
	$(BIN)/ruff format --check app tests migrations bench proofs
	$(BIN)/ruff check app tests migrations bench proofs
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

## openapi: regenerate openapi.yaml from the app (a test fails when it drifts)
openapi: $(STAMP)
	$(BIN)/python -m app openapi > openapi.yaml

openapi-lint:
	npx --yes @redocly/cli@2.77.0 lint --format=stylish openapi.yaml

## fuzz: a longer schemathesis run over every operation (CI runs a short one in make test)
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-300} $(BIN)/python -m pytest -q tests/security/test_fuzz.py

## db-faults: stop and restart the local PostgreSQL under load; 503s, recovery, no lost write
db-faults: $(STAMP)
	$(BIN)/python -m proofs.db_faults

## crash-safety: kill -9 the server mid-burst; acknowledged writes and stored flags survive
crash-safety: $(STAMP)
	$(BIN)/python -m proofs.crash_safety $${TR_DATABASE_URL:+--database-url $$TR_DATABASE_URL}

migrate: $(STAMP)
	$(BIN)/python -m app migrate

## lock: re-pin dependencies after editing pyproject.toml (needs uv: pip install uv)
lock:
	uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -o requirements.lock -q --custom-compile-command "make lock"
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements-dev.lock -q --custom-compile-command "make lock"

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .coverage
