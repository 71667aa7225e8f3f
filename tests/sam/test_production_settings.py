"""With DEBUG off SAM refuses to start on development defaults: each missing piece is named by its variable.

Every case runs the settings in a fresh interpreter with exactly the given environment.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SHOW_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s;"
    "print(json.dumps({'debug': s.DEBUG, 'engine': s.DATABASES['default']['ENGINE'], 'vitam': s.VITAM['URL'],"
    " 'embedded': s.EMBEDDED_VITAM}))"
)


def production_env(tmp_path, **changes):
    """The documented production environment, nothing inherited from the test run; None removes a variable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAM_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update({
        "DJANGO_SETTINGS_MODULE": "sam.settings",
        "SAM_DATA_DIR": str(tmp_path),
        "SAM_DEBUG": "false",
        "SAM_SECRET_KEY": secrets.token_urlsafe(64),
        "SAM_DATABASE_URL": "postgres://sam@db.example.org/sam",
        "SAM_VITAM_URL": "https://vitam.example.org:8444",
        "SAM_VITAM_CERTS_DIR": "/etc/sam/vitam",
    })
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run_python(code, env):
    return subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=60)


def test_the_documented_production_environment_starts(tmp_path):
    result = run_python(SHOW_SETTINGS, production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"debug": False, "engine": "django.db.backends.postgresql",
                                         "vitam": "https://vitam.example.org:8444", "embedded": False}


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ({"SAM_SECRET_KEY": None}, "SAM_SECRET_KEY (or SAM_SECRET_KEY_FILE) is required"),
        ({"SAM_DATABASE_URL": None}, "SAM_DATABASE_URL is required"),
        ({"SAM_DATABASE_URL": "sqlite:////tmp/sam.sqlite3"}, "SAM_DATABASE_URL must name a PostgreSQL database"),
        ({"SAM_VITAM_URL": None}, "SAM_VITAM_URL is required"),
        ({"SAM_VITAM_URL": "http://vitam.example.org:8444"}, "SAM_VITAM_URL must be https://"),
        ({"SAM_VITAM_INGEST_URL": "http://vitam.example.org:8443"}, "SAM_VITAM_INGEST_URL must be https://"),
        ({"SAM_VITAM_CERTS_DIR": None}, "SAM_VITAM_CERT and SAM_VITAM_KEY (or SAM_VITAM_CERTS_DIR) are required"),
        ({"SAM_VITAM_CERTS_DIR": None, "SAM_VITAM_CERT": "/dev/null"}, "SAM_VITAM_CERT and SAM_VITAM_KEY"),
    ],
)
def test_a_missing_production_variable_stops_start_up_naming_it(tmp_path, missing, named):
    result = run_python(SHOW_SETTINGS, production_env(tmp_path, **missing))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and named in result.stderr, result.stderr


def test_every_missing_variable_is_listed_at_once(tmp_path):
    env = production_env(tmp_path, SAM_SECRET_KEY=None, SAM_DATABASE_URL=None, SAM_VITAM_URL=None,
                         SAM_VITAM_CERTS_DIR=None)
    result = run_python(SHOW_SETTINGS, env)
    assert result.returncode != 0
    for name in ("SAM_SECRET_KEY", "SAM_DATABASE_URL", "SAM_VITAM_URL", "SAM_VITAM_CERT"):
        assert f"- {name}" in result.stderr, result.stderr


def test_check_deploy_fails_without_the_vitam_url(tmp_path):
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=REPO_ROOT,
                            env=production_env(tmp_path, SAM_VITAM_URL=None), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0
    assert "SAM_VITAM_URL is required" in result.stderr


def test_embedded_vitam_allows_plain_http_without_certificates_to_one_standalone_vitamlite(tmp_path):
    env = production_env(tmp_path, SAM_EMBEDDED_VITAM="true", SAM_VITAM_URL="http://127.0.0.1:8444",
                         SAM_VITAM_CERTS_DIR=None)
    result = run_python(SHOW_SETTINGS, env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["vitam"] == "http://127.0.0.1:8444"
    assert json.loads(result.stdout)["embedded"] is True


def test_embedded_vitam_still_needs_the_url_of_the_shared_vitamlite_process(tmp_path):
    # Never one in-process vitam-lite per web worker: without the URL, production refuses to start.
    env = production_env(tmp_path, SAM_EMBEDDED_VITAM="true", SAM_VITAM_URL=None, SAM_VITAM_CERTS_DIR=None)
    result = run_python(SHOW_SETTINGS, env)
    assert result.returncode != 0
    assert "SAM_VITAM_URL is required" in result.stderr and "manage.py vitamlite" in result.stderr


def test_development_keeps_the_embedded_defaults(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAM_")}
    env.update(DJANGO_SETTINGS_MODULE="sam.settings", SAM_DATA_DIR=str(tmp_path), SAM_DEBUG="true")
    result = run_python(SHOW_SETTINGS, env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"debug": True, "engine": "django.db.backends.sqlite3", "vitam": None,
                                         "embedded": False}


def test_json_log_format_writes_one_json_object_per_line(tmp_path):
    code = "import django, logging; django.setup(); logging.getLogger('sam.test').warning('dépôt reçu')"
    result = run_python(code, production_env(tmp_path, SAM_LOG_FORMAT="json"))
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stderr.strip().splitlines()[-1])
    assert record["message"] == "dépôt reçu" and record["level"] == "WARNING" and record["logger"] == "sam.test"
    assert "request_id" in record and "time" in record


def test_unknown_log_format_is_refused(tmp_path):
    result = run_python(SHOW_SETTINGS, production_env(tmp_path, SAM_LOG_FORMAT="xml"))
    assert result.returncode != 0 and "SAM_LOG_FORMAT must be plain or json" in result.stderr
