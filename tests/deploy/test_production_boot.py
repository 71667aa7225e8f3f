"""SAM booted as in production: gunicorn (deploy/gunicorn.conf.py) over HTTPS with DEBUG off, PostgreSQL,
a standalone vitam-lite process (SAM_EMBEDDED_VITAM=true) and the task worker as its own process.

The test migrates a fresh database on the test run's PostgreSQL server, seeds the demo, signs in through the
login form (CSRF token), uploads a SIP through the upload page, lets the worker send it until Vitam accepts it,
and finds it in the search page. It prints the boot time and /healthz's answer time.
"""

import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from tests.deposits.conftest import build_sip

REPO_ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
DEMO_PASSWORD = "sam-demo-2026"
CERGY_VITAM_TENANT = 2
POSTGRES_URL = os.environ.get("SAM_DATABASE_URL", "")

pytestmark = [
    pytest.mark.skipif(
        not POSTGRES_URL.startswith(("postgres://", "postgresql://")),
        reason="PRODUCTION BOOT TEST NOT RUN: it needs the PostgreSQL server of the test run (SAM_DATABASE_URL, "
               "set by scripts/with-postgres.sh as `make test` does)",
    ),
    pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI needed for the test's TLS certificate"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until(check, *, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"{what() if callable(what) else what}: not reached within {timeout} s")


@pytest.fixture
def boot_database():
    """A fresh database on the test run's PostgreSQL server, dropped afterwards."""
    import psycopg

    name = f"sam_boot_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def tls_certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1: gunicorn serves HTTPS as the production settings expect."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "tls.key", "-out", "tls.crt",
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   cwd=tmp_path, check=True, capture_output=True)
    return tmp_path / "tls.crt", tmp_path / "tls.key"


class Processes:
    """The platform's long-running processes, each stopped by its own id at the end."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.running = {}

    def start(self, name, command, env, **kwargs):
        log = open(self.logs / f"{name}.log", "w")
        self.running[name] = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stderr=log,
                                              stdout=kwargs.pop("stdout", log), text=True, **kwargs)
        return self.running[name]

    def log(self, name) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-4000:]

    def stop_all(self):
        for process in reversed(list(self.running.values())):
            if process.poll() is None:
                process.terminate()
        for process in self.running.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def processes(tmp_path):
    running = Processes(tmp_path)
    yield running
    running.stop_all()


def _manage(env, *args, timeout=300):
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO_ROOT, env=env, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def _csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


def test_sam_boots_in_production_signs_in_deposits_a_sip_and_finds_it(tmp_path, boot_database, tls_certificate,
                                                                     processes):
    started = time.monotonic()
    certificate, key = tls_certificate
    web_port, vitam_port = _free_port(), _free_port()
    base = f"https://127.0.0.1:{web_port}"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SAM_") and k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "sam.settings",
        "SAM_DEBUG": "false",
        "SAM_HTTPS": "true",
        "SAM_SECRET_KEY": secrets.token_urlsafe(64),
        "SAM_ALLOWED_HOSTS": "127.0.0.1",
        "SAM_DATA_DIR": str(tmp_path / "data"),
        "SAM_STATIC_ROOT": str(tmp_path / "static"),
        "SAM_DATABASE_URL": boot_database,
        "SAM_EMBEDDED_VITAM": "true",
        "SAM_VITAM_URL": f"http://127.0.0.1:{vitam_port}",
        "SAM_VITAMLITE_DATA_DIR": str(tmp_path / "vitamlite"),
        "SAM_LOG_FORMAT": "json",
        "SAM_LOG_LEVEL": "WARNING",
        "SAM_HEALTH_MIN_FREE_GB": "1",
        "SAM_BIND": f"127.0.0.1:{web_port}",
        "SAM_WEB_WORKERS": "2",
        "SAM_TLS_CERT": str(certificate),
        "SAM_TLS_KEY": str(key),
    })

    # Every process of the platform reads the same environment, as the systemd units do (EnvironmentFile).
    vitamlite = processes.start("vitamlite", [sys.executable, "manage.py", "vitamlite", "--port", str(vitam_port),
                                              "--data-dir", env["SAM_VITAMLITE_DATA_DIR"]], env,
                                stdout=subprocess.PIPE)
    assert vitamlite.stdout.readline().strip() == env["SAM_VITAM_URL"], processes.log("vitamlite")
    _manage(env, "migrate", "--noinput")
    _manage(env, "collectstatic", "--noinput")
    _manage(env, "seed_demo")
    prepared = time.monotonic()

    processes.start("web", [str(GUNICORN), "-c", "deploy/gunicorn.conf.py", "sam.wsgi:application"], env)
    browser = requests.Session()
    browser.trust_env = False  # neither a proxy nor a CA bundle from the environment (it would override verify)
    browser.verify = str(certificate)

    last_health = {}

    def healthy():
        try:
            answer = browser.get(f"{base}/healthz", timeout=5)
        except requests.ConnectionError:
            assert processes.running["web"].poll() is None, processes.log("web")
            return False
        last_health.update(status=answer.status_code, body=answer.text[:1000])
        return answer.status_code == 200

    _wait_until(healthy, timeout=60, what=lambda: f"gunicorn answering /healthz ({last_health}, {processes.log('web')})")
    booted = time.monotonic()
    processes.start("worker", [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--interval", "0.5",
                               "--no-reload"], env)

    # Sign in through the login form, CSRF token and Referer as a browser sends them over HTTPS.
    login_page = browser.get(f"{base}/accounts/login/", timeout=10)
    assert login_page.status_code == 200
    response = browser.post(f"{base}/accounts/login/", timeout=10, allow_redirects=False, headers={
        "Referer": f"{base}/accounts/login/"}, data={
        "csrfmiddlewaretoken": _csrf_token(login_page.text), "username": "archiviste.cergy", "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.text[-2000:]
    assert browser.cookies.get("sessionid")
    home = browser.get(f"{base}/", timeout=10)
    assert home.status_code == 200 and "Julien" in home.text

    import psycopg

    with psycopg.connect(boot_database) as database:
        tenant_pk, ingest_contract = database.execute(
            "SELECT id, ingest_contract FROM tenants_tenant WHERE vitam_id = %s", [CERGY_VITAM_TENANT]).fetchone()
    title = f"Registre des délibérations {secrets.token_hex(3)}"
    cergy = SimpleNamespace(organisation=SimpleNamespace(code="95127", kind="commune"),
                            ingest_contract=ingest_contract)
    sip = build_sip(cergy, tmp_path / "sip", title=title)

    # Upload through the deposit page, as an archivist does.
    upload_url = f"{base}/t/{tenant_pk}/deposits/new/"
    upload_page = browser.get(upload_url, timeout=10)
    assert upload_page.status_code == 200
    with open(sip, "rb") as handle:
        response = browser.post(upload_url, timeout=60, allow_redirects=False, headers={"Referer": upload_url},
                                data={"csrfmiddlewaretoken": _csrf_token(upload_page.text)},
                                files={"sip": ("deliberations.zip", handle, "application/zip")})
    assert response.status_code == 302, response.text[-2000:]
    detail = re.fullmatch(rf"/t/{tenant_pk}/deposits/(\d+)/", response.headers["Location"])
    assert detail, response.headers["Location"]
    status_url = f"{base}/t/{tenant_pk}/deposits/{detail.group(1)}/status/"

    def accepted():
        status = browser.get(status_url, timeout=10).json()
        assert status["state"] not in ("rejected", "cancelled"), status
        return status if status["state"] == "completed" else None

    status = _wait_until(accepted, timeout=180, what=f"deposit accepted by Vitam (worker log: {processes.log('worker')})")
    assert status["operation_status"] == "OK", status
    deposited = time.monotonic()

    # Read it back: the search page asks the standalone vitam-lite through SAM's Vitam client.
    search = browser.get(f"{base}/t/{tenant_pk}/search/", params={"title": title}, timeout=30)
    assert search.status_code == 200
    assert title in search.text

    timings = []
    for _ in range(20):
        begin = time.perf_counter()
        answer = browser.get(f"{base}/healthz", timeout=10)
        timings.append((time.perf_counter() - begin) * 1000)
        assert answer.status_code == 200
    assert {name: check["status"] for name, check in answer.json()["checks"].items()} == {
        "database": "ok", "task_queue": "ok", "vitam": "ok", "disk": "ok"}

    # SAM_LOG_FORMAT=json: every line gunicorn and SAM wrote is one JSON object; the access log carries the
    # request id the proxy set.
    browser.get(f"{base}/healthz", timeout=10, headers={"X-Request-Id": "proxy-request-42"})
    time.sleep(0.5)
    records = [json.loads(line) for line in (tmp_path / "web.log").read_text().splitlines() if line.strip()]
    assert any(r["logger"] == "gunicorn.access" and "GET /healthz" in r["message"]
               and "request_id=proxy-request-42" in r["message"] for r in records), records[-5:]
    assert not any(r["level"] in ("ERROR", "CRITICAL") for r in records), [r for r in records if r["level"] == "ERROR"]

    print(f"\nproduction boot: prepare (vitam-lite, migrate, collectstatic, seed_demo) {prepared - started:.1f} s, "
          f"gunicorn to first healthy /healthz {booted - prepared:.1f} s, login + deposit accepted + search "
          f"{time.monotonic() - booted:.1f} s (deposit {deposited - booted:.1f} s), total {time.monotonic() - started:.1f} s;"
          f" /healthz over HTTPS p50 {statistics.median(timings):.1f} ms")
