# expedientes: `make run` serves the API, `make test` runs the suite. Both install first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=

.PHONY: install run test lint fmt worker beat bench bench-webhooks migrate superuser clean check-compose

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo ""
	@echo "  API      http://127.0.0.1:8000/api/v1/"
	@echo "  Docs     http://127.0.0.1:8000/api/v1/docs/"
	@echo "  Admin    http://127.0.0.1:8000/admin/"
	@echo "  Health   http://127.0.0.1:8000/health/ready"
	@echo "  First admin: make superuser  (or: $(BIN)/python manage.py createsuperuser)"
	@echo ""
	$(BIN)/python -m config.serve

superuser: migrate
	$(BIN)/python manage.py createsuperuser

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports
	$(BIN)/mypy .
	$(BIN)/python scripts/check_compose.py

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: install
	$(BIN)/celery -A config worker --loglevel=INFO --concurrency=2

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO

bench: install
	$(BIN)/python -m tests.bench

# One Celery worker process against its own redis-server and a loopback receiver (JSON in bench/results/).
BENCH_WEBHOOKS_ARGS ?=
bench-webhooks: install
	$(BIN)/python -m tests.bench.webhooks $(BENCH_WEBHOOKS_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
