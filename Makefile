# Gardez le lien — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: help install run serve test lint format migrate demo bench loadtest check-deploy bandit db-stop messages clean lock audit

help:
	@echo "make run       install, migrate, load territories and demo data, serve on 127.0.0.1:$(PORT)"
	@echo "make test      the whole test suite"
	@echo "make lint      ruff + makemigrations --check"
	@echo "make serve     gunicorn with DJANGO_DEBUG=0 (production settings, same data)"
	@echo "make bench     national-scale benchmark (writes bench/results.json)"
	@echo "make loadtest  wrk load test and database fault test (loopback only)"
	@echo "make check-deploy  Django's deployment checks with production settings, and bandit"
	@echo "make db-stop   stop the embedded PostgreSQL under var/"
	@echo "make messages  update the English catalogue (locale/en) and compile it: see docs/i18n.md"
	@echo "make lock      requirements*.in → requirements*.txt, every package pinned with hashes"
	@echo "make audit     the locked set against vulnerability advisories (pip-audit), says what it could not check"

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 introuvable ($(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# The locked set only: every package pinned with its hashes (make lock writes the files).
$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.txt
	touch $(STAMP)

PIP_COMPILE := $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links

# requirements.in / requirements-dev.in → requirements.txt / requirements-dev.txt (pins + hashes).
# `make lock UPGRADE=1` moves every pin to the newest release the .in files allow.
lock: install
	$(PIP_COMPILE) $(if $(UPGRADE),--upgrade) --output-file requirements.txt requirements.in
	$(PIP_COMPILE) $(if $(UPGRADE),--upgrade) --output-file requirements-dev.txt requirements-dev.in

# The locked set against published advisories (pip-audit); says plainly what it could not check
# (exit 2), never part of make test or CI (it needs the advisory service).
audit: install
	$(PY) scripts/audit.py $(ARGS)

AXE := node_modules/axe-core/axe.min.js

# axe-core (npm) for the accessibility tests; skipped with a note when npm is absent.
$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error && touch $(AXE); \
	else echo "npm absent : les tests d'accessibilité installeront axe-core plus tard"; fi

install: $(STAMP) $(AXE)

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_territories --if-needed
	$(PY) manage.py load_demo

run: demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

serve: demo
	@echo "================================================================================"
	@echo " ATTENTION : serveur de DÉMONSTRATION, à ne pas exposer hors de cette machine."
	@echo " Comptes de démo au mot de passe PUBLIC « gardezlelien » : admin (superutilisateur),"
	@echo " mediatrice.lille, mediateur.pevele, agent.nord. Clé secrète prévisible, SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)}."
	@echo " Production : voir README, « Deploy and scale out » (la démo y est refusée)."
	@echo "================================================================================"
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
	$(PY) manage.py makemessages -l en -l fr --ignore=.venv --ignore=var --ignore=staticfiles --ignore=node_modules --ignore=bench --ignore=tests
	$(PY) scripts/french_catalogue.py
	$(PY) manage.py compilemessages -l en -l fr --ignore=.venv

# Production settings as documented in the README (the secret is generated for the check only).
# The production environment is written once, in mediation/production_env.py.
check-deploy: install
	$(PY) -m mediation.production_env manage.py check --deploy --fail-level WARNING
	$(MAKE) --no-print-directory bandit

bandit: install
	$(VENV)/bin/bandit -q -r directory mediation

# Bounded: about 10 minutes at scale 1 on 2 cores. `make bench SCALE=10` for 200,000 venues.
bench: install
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(PY) bench/build_dataset.py --scale $${SCALE:-1}
	$(PY) bench/run.py --scale $${SCALE:-1}

# wrk at 64 connections for 60 s, then PostgreSQL stopped and restarted under load (loopback only).
loadtest: install
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(PY) bench/loadtest.py

db-stop:
	$(PY) scripts/db_stop.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
