"""The shipped nginx site (deploy/nginx/), run by a real nginx in front of a recording upstream.

Only the host-specific paths and ports are replaced; every directive is the shipped one.
"""

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "nginx"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

pytestmark = pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx missing: `make install-test` installs it")


class Upstream(BaseHTTPRequestHandler):
    """Answers with the headers and body size it received (what gunicorn would see)."""

    def _answer(self):
        size = int(self.headers.get("Content-Length") or 0)
        chunked = self.headers.get("Transfer-Encoding") == "chunked"
        received = 0
        if size:
            received = len(self.rfile.read(size))
        elif chunked:
            while (length := int(self.rfile.readline().strip(), 16)):
                received += len(self.rfile.read(length + 2)) - 2
            self.rfile.readline()
        body = json.dumps({"headers": dict(self.headers), "received": received, "path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    d = tmp_path_factory.mktemp("nginx")
    # Server certificate for the site, a CA for connectors, a connector's certificate and a stranger's.
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.crt", "-days",
             "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", cwd=d)
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
             "-subj", "/CN=Connecteurs SAM", cwd=d)
    for name, signer in (("connector", ["-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial"]),
                         ("stranger", ["-signkey", "stranger.key"])):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj",
                 f"/CN={name}", cwd=d)
        _openssl("x509", "-req", "-in", f"{name}.csr", *signer, "-out", f"{name}.crt", "-days", "2", cwd=d)
    static = d / "static"
    (static / "sam").mkdir(parents=True)
    (static / "sam" / "sam.css").write_text("body{}")

    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    http_port, https_port = _free_port(), _free_port()
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{http_port};", "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;", "listen [::]:443 ssl http2;": "",
        "127.0.0.1:8000": f"127.0.0.1:{upstream.server_address[1]}",
        "/etc/ssl/sam/fullchain.pem": str(d / "server.crt"), "/etc/ssl/sam/privkey.pem": str(d / "server.key"),
        "/etc/ssl/sam/connectors-ca.pem": str(d / "ca.crt"), "/opt/sam/staticfiles/": f"{static}/",
        "/etc/nginx/snippets/sam-proxy.conf": str(DEPLOY / "sam-proxy.conf"),
    }
    text = (DEPLOY / "sam.conf").read_text()
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    (d / "sam.conf").write_text(text)
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers read the test's private temporary folder
    (d / "nginx.conf").write_text(
        f"{user}pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\n"
        f"http {{\n access_log off;\n client_body_temp_path {d}/body;\n proxy_temp_path {d}/proxy;\n"
        f" include /etc/nginx/mime.types;\n include {d}/sam.conf;\n}}\n")
    check = subprocess.run([NGINX, "-t", "-p", str(d), "-c", str(d / "nginx.conf")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    nginx = subprocess.Popen([NGINX, "-p", str(d), "-c", str(d / "nginx.conf"), "-g", "daemon off;"],
                             stderr=subprocess.PIPE)
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield {"dir": d, "http": http_port, "https": f"https://127.0.0.1:{https_port}"}
    nginx.terminate()
    nginx.wait(timeout=10)
    upstream.shutdown()


def _session(site, cert=None):
    session = requests.Session()
    session.trust_env = False
    session.verify = str(site["dir"] / "server.crt")
    if cert:
        session.cert = (str(site["dir"] / f"{cert}.crt"), str(site["dir"] / f"{cert}.key"))
    return session


def test_http_redirects_to_https(site):
    response = requests.get(f"http://127.0.0.1:{site['http']}/accounts/login/", allow_redirects=False, timeout=5)
    assert response.status_code == 301 and response.headers["Location"].startswith("https://")


def test_portal_gets_forwarded_headers_a_request_id_and_never_a_forged_certificate(site):
    response = _session(site).get(f"{site['https']}/accounts/login/", timeout=5,
                                  headers={"X-SSL-Client-Cert": "forged", "X-Request-Id": "client-chosen"})
    seen = response.json()["headers"]
    assert seen["X-Forwarded-Proto"] == "https" and seen["X-Forwarded-For"] == "127.0.0.1"
    assert seen["Host"] == "127.0.0.1"
    assert seen.get("X-SSL-Client-Cert", "") == ""
    assert len(seen["X-Request-Id"]) == 32 and seen["X-Request-Id"] != "client-chosen"
    assert response.headers["X-Request-Id"] == seen["X-Request-Id"]


def test_connector_door_wants_a_certificate_of_the_connectors_ca(site):
    assert _session(site).get(f"{site['https']}/vitam/ingest", timeout=5).status_code == 403
    # A certificate from elsewhere is refused by nginx ("optional" still verifies what is presented).
    stranger = _session(site, "stranger").get(f"{site['https']}/vitam/ingest", timeout=5)
    assert stranger.status_code in (400, 403) and "received" not in stranger.text
    response = _session(site, "connector").get(f"{site['https']}/vitam/ingest", timeout=5)
    assert response.status_code == 200
    seen = response.json()["headers"]
    assert "BEGIN%20CERTIFICATE" in seen["X-SSL-Client-Cert"] and seen["X-SSL-Client-Verify"] == "SUCCESS"


def test_large_uploads_stream_through_unbuffered(site):
    # 64 MB sent in chunks: above nginx's default 1 MB limit, passed on as it arrives.
    chunk = b"x" * (1024 * 1024)
    response = _session(site).post(f"{site['https']}/t/1/deposits/new/", data=(chunk for _ in range(64)), timeout=60)
    assert response.status_code == 200
    assert response.json()["received"] == 64 * 1024 * 1024
    assert not list((site["dir"] / "body").glob("*"))  # nothing spooled on nginx's disk


def test_static_files_are_served_by_nginx(site):
    response = _session(site).get(f"{site['https']}/static/sam/sam.css", timeout=5)
    assert response.status_code == 200 and response.text == "body{}"
    assert "immutable" in response.headers["Cache-Control"]
