"""SAM_* settings readers fail loudly on bad values."""

import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from sam import env


def test_bool_accepts_usual_spellings(monkeypatch):
    monkeypatch.setenv("SAM_FLAG", "Yes")
    assert env.env_bool("FLAG") is True
    monkeypatch.setenv("SAM_FLAG", "off")
    assert env.env_bool("FLAG", True) is False


def test_bool_rejects_garbage(monkeypatch):
    monkeypatch.setenv("SAM_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SAM_FLAG"):
        env.env_bool("FLAG")


def test_int_bounds(monkeypatch):
    monkeypatch.setenv("SAM_N", "70000")
    with pytest.raises(ImproperlyConfigured, match="outside"):
        env.env_int("N", maximum=65535)
    monkeypatch.setenv("SAM_N", "12a")
    with pytest.raises(ImproperlyConfigured, match="integer"):
        env.env_int("N")


def test_secret_from_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cr3t\n")
    monkeypatch.setenv("SAM_PASSWORD_FILE", str(secret))
    assert env.env_secret("PASSWORD") == "s3cr3t"
    monkeypatch.setenv("SAM_PASSWORD_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured):
        env.env_secret("PASSWORD")


def test_bad_value_stops_django_at_start_up(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env={"PATH": "/usr/bin:/bin", "SAM_DATA_DIR": str(tmp_path), "SAM_DEBUG": "perhaps"},
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "SAM_DEBUG must be true or false" in result.stderr


def test_short_secret_key_refused(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env={"PATH": "/usr/bin:/bin", "SAM_DATA_DIR": str(tmp_path), "SAM_SECRET_KEY": "short"},
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr
