# SAM — the two entry points are `make run` and `make test` (see README.md).
# The interpreter production runs (docs/exploitation.md installs Debian's python3), built by Debian with
# profile-guided and link-time optimisation: 15 to 35 % less CPU per page than a plain build from source such as
# pyenv's (bench/README.md). Any python3 where Debian's is missing or has no venv module.
DEBIAN_PYTHON := /usr/bin/python3.11
PYTHON ?= $(shell $(DEBIAN_PYTHON) -c 'import ensurepip, venv' 2>/dev/null && echo $(DEBIAN_PYTHON) || echo python3)
VENV := .venv
PY := $(VENV)/bin/python
PG_BIN ?= /usr/lib/postgresql/15/bin
PORT ?= 8000
HOST ?= 127.0.0.1
# Native tracebacks: CPython 3.11.7 can crash pytest's own source rendering of a failure (AST recursion bug).
PYTEST_ARGS ?= --tb=native -p no:cacheprovider

# Development runs on the embedded defaults, which production settings refuse (DEBUG off: docs/exploitation.md).
export SAM_DEBUG ?= true

.PHONY: run test install install-test system-gettext system-pango system-curl system-chromium system-nginx messages static migrate demo worker bench check lock clean

# Exact versions (and hashes) of every dependency, the test extras included: requirements.lock (`make lock`).
$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.lock
	$(VENV)/bin/pip install --quiet --no-deps -e .
	touch $@

# Regenerates requirements.lock from pyproject.toml (dependencies and the test extras), newest allowed versions.
lock:
	@test -x $(VENV)/bin/pip-compile || { test -x $(VENV)/bin/pip || $(PYTHON) -m venv $(VENV); $(VENV)/bin/pip install --quiet pip-tools; }
	$(VENV)/bin/pip-compile --quiet --extra test --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
		--output-file requirements.lock pyproject.toml

install: $(VENV)/.installed system-gettext system-pango system-curl messages

install-test: install system-chromium system-nginx

# msgfmt compiles the French catalogue; Debian's gettext provides it.
system-gettext:
	@command -v msgfmt >/dev/null || { apt-get update -qq && apt-get install -y -qq gettext >/dev/null; }

# ../shared/vitam-itests/run.sh (tests/itests) polls the standalone vitam-lite with curl.
system-curl:
	@command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }

# WeasyPrint lays out the PDFs with Debian's Pango; DejaVu has every French character (œ, Œ, €).
system-pango:
	@ldconfig -p | grep -q libpango-1.0 && test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || { apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; }

# tests/deploy runs the shipped nginx site (deploy/nginx/) with Debian's nginx.
system-nginx:
	@test -x /usr/sbin/nginx || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; }

# Browser tests drive Debian's chromium (never a browser downloaded by Playwright).
system-chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

messages: $(VENV)/.installed
	$(PY) manage.py compilemessages --ignore=.venv --verbosity 0

static: $(VENV)/.installed
	$(PY) manage.py collectstatic --noinput --verbosity 0

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

# Serves the portal on the embedded defaults (SQLite under var/, vitam-lite in-process),
# with the background-task worker beside it; Ctrl-C stops both.
run: install static demo
	@echo "SAM: http://$(HOST):$(PORT)/  (demo password: sam-demo-2026)"
	@# Work left "en cours" by a machine stopped mid-job: no worker runs yet, so a job silent for a minute is orphaned.
	$(PY) manage.py jobs_recover --stale-minutes 1
	@trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py db_worker --queue-name '*' --interval 0.5 & worker=$$!; \
	SAM_OTP_REQUIRED=false $(PY) manage.py runserver $(HOST):$(PORT)

worker: install
	$(PY) manage.py db_worker --queue-name '*' --interval 0.5

# The whole suite on a throwaway PostgreSQL 15 cluster started (and always stopped) by the script.
test: install-test
	PG_BIN=$(PG_BIN) scripts/with-postgres.sh $(VENV)/bin/pytest $(PYTEST_ARGS)

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# The documented production environment (docs/configuration.md) passes Django's deployment checks;
# nothing is connected to: the database, Vitam and its certificates folder are only named.
check: install
	SAM_DEBUG=false SAM_HTTPS=true SAM_SECRET_KEY=$$($(PY) -c 'import secrets;print(secrets.token_urlsafe(64))') \
	SAM_ALLOWED_HOSTS=sam.example.org SAM_DATABASE_URL=postgres://sam@db.example.org/sam \
	SAM_VITAM_URL=https://vitam.example.org:8444 SAM_VITAM_CERTS_DIR=/etc/sam/vitam \
	$(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var staticfiles
