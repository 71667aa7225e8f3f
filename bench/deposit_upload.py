"""A 2 GB SIP uploaded through SAM's deposit endpoint (multipart, like the browser's form) to a
live SAM server (`manage.py runserver` in a subprocess on loopback, temporary SAM_DATA_DIR).

Prints:
  deposit_2gb_rss_growth_MB   growth of the server's peak resident memory (VmHWM) over the upload (goal < 100)
  deposit_upload_MBps         throughput of the upload, request sent to answer received
  deposit_upload_seconds      duration of the upload
SIZE_MB overrides the size (default 2048). The SIP is a valid SEDA 2.1 package built with
sam.lib.seda.sip; SAM's check and the ingest run afterwards in the task worker (not started here).
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MIB = 1024 * 1024


def rss_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MultipartBody:
    """multipart/form-data with one file part, read from disk in 1 MiB pieces (never whole)."""

    def __init__(self, path: Path, field: str = "sip"):
        self.boundary = uuid.uuid4().hex
        head = (f"--{self.boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{path.name}\"\r\n"
                "Content-Type: application/zip\r\n\r\n").encode()
        tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.parts = [head, path, tail]
        self.length = len(head) + path.stat().st_size + len(tail)
        self._iter = self._pieces()
        self._buffer = b""

    def _pieces(self):
        for part in self.parts:
            if isinstance(part, bytes):
                yield part
            else:
                with open(part, "rb") as handle:
                    while chunk := handle.read(MIB):
                        yield chunk

    def __len__(self):
        return self.length

    def read(self, size=-1):
        while size < 0 or len(self._buffer) < size:
            piece = next(self._iter, None)
            if piece is None:
                break
            self._buffer += piece
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def main():
    size_mb = int(os.environ.get("SIZE_MB", "2048"))
    work = Path(tempfile.mkdtemp(prefix="sam-bench-deposit-"))
    env = {**os.environ, "SAM_DATA_DIR": str(work / "data"), "DJANGO_SETTINGS_MODULE": "sam.settings",
           # SQLite and vitam-lite in-process are development settings (production wants PostgreSQL).
           "SAM_DEBUG": "true", "SAM_LOG_LEVEL": "WARNING", "SAM_UPLOAD_MAX_BYTES": str(100 * 1024**3)}
    os.environ.update(env)
    server = None
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)

        from sam.lib.seda.sip import SipObject, SipPackage, SipUnit, write_sip
        from tests.factories import api_key, make_organisation, make_tenant, make_user
        from tenants.models import Role

        organisation = make_organisation("Commune du banc d'essai")
        tenant = make_tenant(organisation)
        user = make_user("bench.deposit", organisation=organisation, role=Role.ARCHIVIST)
        token = api_key(user)

        payload = work / "big.bin"
        block = bytearray(os.urandom(MIB))
        with open(payload, "wb") as handle:
            for index in range(size_mb):
                block[:8] = index.to_bytes(8, "big")
                handle.write(block)
        package = SipPackage(message_identifier="BENCH", archival_agency="FRAD095", transferring_agency="BENCH",
                             originating_agency="BENCH", archival_agreement=tenant.ingest_contract,
                             units=[SipUnit(title="Gros versement", objects=[SipObject(path=payload)])])
        sip = write_sip(package, work / "sip.zip").path
        payload.unlink()

        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import requests

        for _ in range(200):
            try:
                requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        before = rss_kb(server.pid, "VmRSS")
        body = MultipartBody(sip)
        started = time.monotonic()
        response = requests.post(
            f"http://127.0.0.1:{port}/api/v1/tenants/{tenant.pk}/deposits/", data=body,
            headers={"Authorization": f"Bearer {token}",
                     "Content-Type": f"multipart/form-data; boundary={body.boundary}"}, timeout=3600)
        elapsed = time.monotonic() - started
        peak = rss_kb(server.pid, "VmHWM")
        if response.status_code != 202:
            raise SystemExit(f"upload refused: HTTP {response.status_code} {response.text[:300]}")
        size = sip.stat().st_size
        print(f"deposit_2gb_rss_growth_MB {(peak - before) / 1024:.1f} MB")
        print(f"deposit_upload_MBps {size / MIB / elapsed:.1f} MB/s")
        print(f"deposit_upload_seconds {elapsed:.1f} s")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
