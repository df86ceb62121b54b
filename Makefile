# Gardez le lien — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: help install run serve test lint format migrate demo bench loadtest db-stop messages clean

help:
	@echo "make run       install, migrate, load territories and demo data, serve on 127.0.0.1:$(PORT)"
	@echo "make test      the whole test suite"
	@echo "make lint      ruff + makemigrations --check"
	@echo "make serve     gunicorn with DJANGO_DEBUG=0 (production settings, same data)"
	@echo "make bench     national-scale benchmark (writes bench/results.json)"
	@echo "make loadtest  wrk load test and database fault test (loopback only)"
	@echo "make db-stop   stop the embedded PostgreSQL under var/"

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 introuvable ($(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_territories --if-needed
	$(PY) manage.py load_demo

run: demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

serve: demo
	DJANGO_DEBUG=0 DJANGO_SECURE=$${DJANGO_SECURE:-0} \
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-local-serve-only-not-secret-$$(hostname)} \
	DJANGO_ALLOWED_HOSTS=$${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost} \
	$(PY) manage.py collectstatic --noinput --verbosity 0
	DJANGO_DEBUG=0 DJANGO_SECURE=$${DJANGO_SECURE:-0} \
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-local-serve-only-not-secret-$$(hostname)} \
	DJANGO_ALLOWED_HOSTS=$${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost} \
	$(VENV)/bin/gunicorn mediation.wsgi --bind 127.0.0.1:$(PORT) --workers $${WEB_CONCURRENCY:-2} \
	  --threads $${GUNICORN_THREADS:-4} --timeout 30 --graceful-timeout 10 --access-logfile -

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: install
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=staticfiles --ignore=node_modules
	$(PY) manage.py compilemessages -l en --ignore=.venv

db-stop:
	$(PY) scripts/db_stop.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
