"""Security basics: headers, cookies, sessions, password rules and the deployment check."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

REPO_ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "SAM_DEBUG": "false",
    "SAM_HTTPS": "true",
    "SAM_ALLOWED_HOSTS": "sam.example.org",
    # Named only: neither check --deploy nor reading the settings connects to them.
    "SAM_DATABASE_URL": "postgres://sam@db.example.org/sam",
    "SAM_VITAM_URL": "https://vitam.example.org:8444",
    "SAM_VITAM_CERTS_DIR": "/etc/sam/vitam",
}


def _production_env(tmp_path):
    # Only the documented variables: nothing inherited from this test run (the browser tests'
    # DJANGO_ALLOW_ASYNC_UNSAFE, the test database URL...).
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAM_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(PRODUCTION_ENV, SAM_SECRET_KEY=secrets.token_urlsafe(64)[:64], SAM_DATA_DIR=str(tmp_path))
    return env


@pytest.mark.django_db
def test_pages_carry_the_security_headers(client):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Request-Id"]
    assert not response.has_header("Server-Timing")  # only when a benchmark asks for it (SAM_SERVER_TIMING)


def test_server_timing_says_the_cpu_time_of_the_request_when_asked(client, settings):
    settings.MIDDLEWARE = ["sam.site.middleware.ServerTimingMiddleware", *settings.MIDDLEWARE]
    timing = client.get(reverse("login"))["Server-Timing"]
    match = re.fullmatch(r"cpu;dur=(\d+\.\d\d)", timing)
    assert match and float(match.group(1)) > 0, timing


@pytest.mark.django_db
def test_session_cookie_is_http_only_lax_and_expires(client, world, settings):
    response = client.post(reverse("login"), {"username": "referent.a", "password": "correct-horse-battery-staple"})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE and not settings.SESSION_SAVE_EVERY_REQUEST
    assert 300 <= settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert not cookie["max-age"]  # browser-session cookie


def test_production_settings_turn_on_secure_cookies_hsts_and_redirect(tmp_path):
    code = (
        "import django, json; django.setup(); from django.conf import settings as s;"
        "print(json.dumps([s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.ALLOWED_HOSTS]))"
    )
    env = _production_env(tmp_path) | {"DJANGO_SETTINGS_MODULE": "sam.settings"}
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '[false, true, true, true, 31536000, true, ["sam.example.org"]]'


def test_check_deploy_is_clean_in_the_documented_production_environment(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO_ROOT, env=_production_env(tmp_path), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_short_secret_keys_are_refused(tmp_path):
    env = _production_env(tmp_path) | {"SAM_SECRET_KEY": "too-short"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=REPO_ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0
    assert "SAM_SECRET_KEY must be at least 50 characters long" in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "french_message"),
    [
        ("court", "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères."),
        ("password1234", "Ce mot de passe est trop courant."),
        ("123456789012345", "Ce mot de passe est entièrement numérique."),
    ],
)
def test_password_validators_refuse_weak_passwords_in_french(password, french_message):
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert french_message in refused.value.messages


@pytest.mark.django_db
def test_password_too_close_to_the_login_is_refused(world):
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        validate_password("referent.a-2026", user=world.referent_a)
    assert any("trop semblable" in message for message in refused.value.messages)


@pytest.mark.django_db
def test_state_changing_account_screens_require_csrf(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.referent_a)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    assert "Le formulaire a expiré" in response.content.decode()


@pytest.mark.django_db
def test_an_idle_session_expires_and_activity_renews_it(client, world, settings):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from sam.site.middleware import SESSION_ACTIVITY_KEY, SESSION_RENEW_SECONDS

    client.force_login(world.referent_a)
    assert client.get(reverse("home")).status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    # The first page pushes the expiry SESSION_COOKIE_AGE ahead (SessionActivityMiddleware).
    assert session.expire_date > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    # Within the renewal delay a page writes nothing; past it, activity pushes the expiry ahead again.
    soon = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 3600)
    Session.objects.filter(pk=session.pk).update(expire_date=soon)
    assert client.get(reverse("home")).status_code == 200
    assert Session.objects.get(pk=session.pk).expire_date == soon
    stored = client.session
    stored[SESSION_ACTIVITY_KEY] -= SESSION_RENEW_SECONDS
    stored.save()
    Session.objects.filter(pk=session.pk).update(expire_date=soon)
    assert client.get(reverse("home")).status_code == 200
    assert Session.objects.get(pk=session.pk).expire_date > soon + timedelta(seconds=3000)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
