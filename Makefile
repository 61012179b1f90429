# expedientes: `make run` serves the API, `make test` runs the suite. Both install first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=
# make test runs on every core of a 2-core machine: one pytest-xdist worker each, each with a test database
# of its own (test_<name>_gw0, _gw1; still --reuse-db). WORKERS=0 runs in one process.
WORKERS ?= 2
BIND ?= 127.0.0.1:8000
ACCESS_LOG ?=
SIZE ?= 10k

.PHONY: install static run serve-prod test lint fmt messages worker beat bench bench-http bench-webhooks migrate superuser clean check-compose up-local down-local e2e-faults mutation docs

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

# Static files, hashed and compressed as production serves them: collected again only when a source
# file or the installed packages changed (compressing every file costs a minute and more on 2 cores).
# Built with throwaway keys that die with the command; no database is touched.
STATIC_MANIFEST := staticfiles/staticfiles.json
STATIC_SOURCES := $(shell find . \( -path ./.venv -o -path ./staticfiles -o -path ./.data -o -path ./.git \) -prune \
	-o -path '*/static/*' -type f -print 2>/dev/null)

$(STATIC_MANIFEST): $(STAMP) $(STATIC_SOURCES)
	DJANGO_ENV=production SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
		JWT_SIGNING_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
		$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@touch $@

static: $(STATIC_MANIFEST)

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: migrate $(STATIC_MANIFEST)
	@# An empty development database gets the demo data set (logins printed); never in production.
	@if [ "$${DJANGO_ENV:-development}" != "production" ]; then $(BIN)/python manage.py demo --if-empty; fi
	@echo ""
	@echo "  API      http://127.0.0.1:8000/api/v1/"
	@echo "  Docs     http://127.0.0.1:8000/api/v1/docs/"
	@echo "  Admin    http://127.0.0.1:8000/admin/"
	@echo "  Health   http://127.0.0.1:8000/health/ready"
	@echo "  First admin: make superuser  (or: $(BIN)/python manage.py createsuperuser)"
	@echo ""
	$(BIN)/python -m config.serve

# Production settings in the foreground on BIND, no migrate (run `make migrate` first), access log
# (gunicorn's, and the JSON request lines) off unless ACCESS_LOG=- (or a file). TLS is terminated
# by the proxy in front, so the HTTPS redirect is off unless SECURE_SSL_REDIRECT=true. Missing SECRET_KEY/JWT_SIGNING_KEY: random ones for this run.
# No gunicorn control socket: its default path is one per machine user, shared by every server.
serve-prod: install $(STATIC_MANIFEST)
	@secret="$${SECRET_KEY:-}"; jwt="$${JWT_SIGNING_KEY:-}"; \
	if [ -z "$$secret" ]; then \
		secret="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')"; \
		echo "serve-prod: WARNING: SECRET_KEY is not set; using a random one for this run only (shared by all workers)." >&2; \
	fi; \
	if [ -z "$$jwt" ]; then \
		jwt="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')"; \
		echo "serve-prod: WARNING: JWT_SIGNING_KEY is not set; using a random one for this run only (shared by all workers; tokens die with the server)." >&2; \
	fi; \
	export DJANGO_ENV=production SECRET_KEY="$$secret" JWT_SIGNING_KEY="$$jwt" \
		SECURE_SSL_REDIRECT="$${SECURE_SSL_REDIRECT:-false}" GUNICORN_BIND="$(BIND)" GUNICORN_ACCESSLOG="$(ACCESS_LOG)" \
		REQUEST_LOG="$${REQUEST_LOG:-$(if $(ACCESS_LOG),true,false)}"; \
	echo "serve-prod: http://$(BIND)/ (DJANGO_ENV=production, gunicorn -c config/gunicorn.py)" >&2 && \
	exec $(BIN)/gunicorn -c config/gunicorn.py --no-control-socket config.wsgi

superuser: migrate
	$(BIN)/python manage.py createsuperuser

# The suite with branch coverage (coverage.py through pytest-cov, [tool.coverage] in pyproject.toml):
# the modules under 100% are listed, then the services and workflows alone, which fail the target
# under COVERAGE_MIN percent. PYTEST_ARGS narrows the run (the coverage check then judges only it).
COVERAGE_MIN ?= 90
COVERAGE_CORE := */services.py,*/services/*.py,*/workflow.py,*/workflow/*.py,*/workflow_*.py
# Bytecode is written even where the environment says not to (PYTHONDONTWRITEBYTECODE): pytest keeps
# its rewritten test modules there, and without them each worker compiles every module again on
# every run (collection 14 s instead of 6 s here). The tables come from coverage's own command, not
# pytest-cov's: it would read every module twice more (a total, then the table; 1.7 s each here).
test: install
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n $(WORKERS) --dist worksteal --cov --cov-branch --cov-report= $(PYTEST_ARGS)
	$(BIN)/coverage report
	$(BIN)/coverage report --include='$(COVERAGE_CORE)' --no-skip-covered --fail-under=$(COVERAGE_MIN)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports
	$(BIN)/mypy .
	$(BIN)/python scripts/check_compose.py
	$(BIN)/python scripts/check_translations.py

# Extract every translatable string into locale/{es,en} (Django's makemessages, needs GNU gettext's
# xgettext) and compile the .mo files (pure Python); then translate what it lists as missing in Spanish.
messages: install
	$(BIN)/python scripts/check_translations.py --update

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: install
	$(BIN)/celery -A config worker --loglevel=INFO --concurrency=2

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO

bench: install
	$(BIN)/python -m tests.bench

# HTTP benchmark of `make serve-prod` with wrk: SIZE=10k (default) or 1m; SECONDS, WARMUP, ONLY... (tests/bench/http/).
bench-http: install
	SIZE="$(SIZE)" $(BIN)/python -m tests.bench.http

# One Celery worker process against its own redis-server and a loopback receiver (JSON in bench/results/).
BENCH_WEBHOOKS_ARGS ?=
bench-webhooks: install
	$(BIN)/python -m tests.bench.webhooks $(BENCH_WEBHOOKS_ARGS)

# docs/api-reference.md from the OpenAPI schema (tests/unit/core/test_docs.py fails when it is stale).
docs: install
	$(BIN)/python scripts/api_reference.py

# Mutation testing of the workflow tables and the services ([tool.mutmut] in pyproject.toml): one
# mutant at a time (the tests share one test database), only the tests that reach the mutated
# function. Results are kept in mutants/ between runs (a re-run tests new or changed mutants only);
# MUTANTS="orders.workflow*" narrows a run. Prints the score and fails under MUTATION_MIN percent.
MUTANTS ?=
MUTATION_MIN ?= 85
mutation: install
	$(BIN)/mutmut run --max-children 1 $(MUTANTS)
	$(BIN)/python scripts/mutation_score.py --min $(MUTATION_MIN)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache mutants .coverage htmlcov

# The scaled-out topology of Procfile.local under honcho (2 API servers behind a balancer, 2 Celery
# workers, beat, an SMTP sink) against the machine's PostgreSQL and Redis; scripts/local_topology.py.
up-local: install
	$(BIN)/python -m scripts.local_topology up

down-local:
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m scripts.local_topology down; fi

# Faults under load on that topology, against servers of its own (embedded PostgreSQL on its own port
# and data directory, its own redis-server): locust runs while a worker is SIGKILLed and Redis and
# PostgreSQL restart; then an audit of database, receiver and mail sink (tests/faults; JSON in bench/results/).
E2E_FAULTS_ARGS ?=
e2e-faults: install
	$(BIN)/python -m tests.faults $(E2E_FAULTS_ARGS)
