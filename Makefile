# One command to try the portal, one to test it. Both build .venv from requirements on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
MANAGE := DEBUG=1 $(PY) manage.py

.PHONY: run serve test lint totp migrate demo clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

var:
	mkdir -p var

migrate: $(VENV)/.runtime | var
	$(MANAGE) migrate --no-input -v 0
	$(MANAGE) createcachetable

demo: migrate
	$(MANAGE) seed_demo

# The portal calls the PSP simulator it serves itself, so the adapters' base URLs follow PORT (an exported
# PSP_BASE_URL or PSP2_BASE_URL, e.g. a real terminal's, wins).
PSP_BASE_URL ?= http://127.0.0.1:$(PORT)/psp
PSP2_BASE_URL ?= http://127.0.0.1:$(PORT)/psp

## run: set up, migrate the SQLite database, load the demo data and serve on 127.0.0.1:$(PORT), with the worker
## (payment reconciler, SMS sender, reminders) running beside the server and stopped with it
run: demo
	@echo "samt is serving on http://127.0.0.1:$(PORT)/  (stop with Ctrl-C)"
	@echo "PSP simulator (test cards, SMS inbox, scenario switches): http://127.0.0.1:$(PORT)/psp/"
	@echo "worker (payment reconciler, SMS sender, reminders): beside the server, see docs/worker.md"
	@export PSP_BASE_URL="$(PSP_BASE_URL)" PSP2_BASE_URL="$(PSP2_BASE_URL)"; \
	$(MANAGE) worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) runserver 127.0.0.1:$(PORT)

## serve: the production stack on 127.0.0.1:$(PORT): gunicorn (gunicorn.conf.py) with WhiteNoise, DEBUG off, the
## PostgreSQL database at DATABASE_URL, beside the background worker (stopped with it). Migrates and collects the
## static files first. Plain HTTP here (SERVE_TLS=0); behind nginx with TLS set SERVE_TLS=1. docs/deploy.md has
## the real thing (systemd units, nginx, backups).
SERVE_TLS ?= 0
serve: $(VENV)/.runtime | var
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "make serve needs DATABASE_URL=postgres://... (see docs/deploy.md)"; exit 2;; esac
	@test -n "$$SECRET_KEY" || test -s var/secret_key || $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
	@export DEBUG=0 PORT="$(PORT)" SECRET_KEY="$${SECRET_KEY:-$$(cat var/secret_key)}" \
	  ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost}"; \
	if [ "$(SERVE_TLS)" = 0 ]; then export SECURE_SSL_REDIRECT=0 COOKIES_SECURE=0; fi; \
	$(PY) manage.py migrate --no-input -v 0 && $(PY) manage.py createcachetable && \
	  $(PY) manage.py collectstatic --no-input -v 0 || exit 1; \
	echo "samt (production stack, DEBUG off) is serving on http://127.0.0.1:$(PORT)/  (stop with Ctrl-C)"; \
	$(PY) manage.py worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/gunicorn --config gunicorn.conf.py

## test: the whole suite (PostgreSQL when DATABASE_URL is set, SQLite otherwise)
test: $(VENV)/.dev | var
	$(VENV)/bin/pytest $(PYTEST_ARGS)

## lint: ruff, then mypy with django-stubs (config in mypy.ini; incremental cache in .mypy_cache)
lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	DEBUG=1 $(VENV)/bin/mypy

# Benchmarks of the batch jobs (not timed tests): a fresh database each run, PostgreSQL at DATABASE_URL if set
# (a database named <name>_bench_* on that server), SQLite under var/bench otherwise. See bench/README.md.
BENCH_ROWS ?= 100000
.PHONY: bench bench-import bench-statements

## bench: the month-end rush on the production stack (gunicorn, DEBUG off) at 127.0.0.1:$(PORT) with the PSP
## simulator at $(PORT)+1: floor (/healthz/), issuing twelve-month slips and paying, interleaved in each round;
## prints throughput, p50/p95, ratios to the floor and the workers' memory (PostgreSQL at DATABASE_URL; a fresh
## <name>_rush database). BENCH_THINK=1.0: each user waits about a second before each request (latency, not
## throughput). See bench/README.md.
BENCH_USERS ?= 32
BENCH_PAYERS ?= 8
BENCH_ROUNDS ?= 5
BENCH_MEMORY_REQUESTS ?= 5000
BENCH_THINK ?= 0
bench: $(VENV)/.dev | var
	$(PY) bench/bench_rush.py --port $(PORT) --users $(BENCH_USERS) --payers $(BENCH_PAYERS) \
	  --rounds $(BENCH_ROUNDS) --memory-requests $(BENCH_MEMORY_REQUESTS) --think $(BENCH_THINK)

## bench-import: import_insured of BENCH_ROWS generated legacy rows; prints rows/s and seconds
bench-import: $(VENV)/.runtime | var
	$(PY) bench/bench_import.py --rows $(BENCH_ROWS)

## bench-statements: compute_statements for BENCH_ROWS generated contracts; prints contracts/s and seconds
bench-statements: $(VENV)/.runtime | var
	$(PY) bench/bench_statements.py --contracts $(BENCH_ROWS)

## simulate: a province of SIM_PEOPLE insured lived through fourteen months across a Nowruz (simulate_year) in a
## fresh database; prints who was harmed and fails if anyone was
SIM_PEOPLE ?= 1000
SIM_SEED ?= 1405
.PHONY: simulate
simulate: $(VENV)/.dev | var
	$(PY) bench/simulate.py --people $(SIM_PEOPLE) --seed $(SIM_SEED)

## assets: rebuild the static files pages load from the vendored sources in assets/: the Bootstrap CSS the
## templates use (run it after using a Bootstrap class no template used before; a test says so) and the Vazirmatn
## subset with its fallback faces
.PHONY: assets
assets: $(VENV)/.dev
	$(PY) assets/build_css.py
	$(PY) assets/build_font.py

## totp: the current second-factor code of a demo account, e.g. make totp ACCOUNT=staff_2104
totp: $(VENV)/.runtime
	@$(MANAGE) totp_code $(ACCOUNT)

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .hypothesis .mypy_cache
