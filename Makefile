# SAM — the two entry points are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PG_BIN ?= /usr/lib/postgresql/15/bin
PORT ?= 8000
HOST ?= 127.0.0.1
# Native tracebacks: CPython 3.11.7 can crash pytest's own source rendering of a failure (AST recursion bug).
PYTEST_ARGS ?= --tb=native -p no:cacheprovider

.PHONY: run test install install-test system-gettext system-pango system-curl system-chromium messages static migrate demo worker bench check clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed system-gettext system-pango system-curl messages

install-test: install system-chromium

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

check: install
	SAM_DEBUG=false SAM_HTTPS=true SAM_SECRET_KEY=$$($(PY) -c 'import secrets;print(secrets.token_urlsafe(64))') \
	SAM_ALLOWED_HOSTS=sam.example.org $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var staticfiles
