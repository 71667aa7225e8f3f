"""COUNT concurrent SIZE_MB tar.gz deposits through the connectors' door (/vitam/ingest-external/v1/), as Pastell
sends them, against a live SAM like `make run`'s: `manage.py runserver` (threaded), the task worker
(`manage.py db_worker`) and a standalone vitam-lite (`manage.py vitamlite`), each a subprocess on loopback with a
temporary SAM_DATA_DIR. Each deposit is followed to its ATR (GET .../archivetransferreply until 200).

Prints:
  connector_door_accepted             deposits answered 202 and whose ATR says ReplyCode OK (goal: COUNT)
  connector_door_seconds              first POST sent to last ATR received
  connector_door_rss_growth_mb        growth of the web server's peak resident memory (VmHWM) (goal < 200)
  connector_door_worker_rss_growth_mb the same for the task worker (SAM's check and the send to Vitam)
COUNT (default 20) and SIZE_MB (default 50) override the load. The connector is the demo's (Cergy's Pastell,
sam/site/demo_data/connector/); the X-SSL-Client-Cert header is set as the trusted nginx on loopback would.
"""

import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import zipfile
from datetime import date
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MIB = 1024 * 1024
SEDA = "{fr:gouv:culture:archivesdefrance:seda:v2.1}"
ATR_DEADLINE_SECONDS = 3600


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


def wait_for(url, headers=None):
    import requests

    for _ in range(600):
        try:
            requests.get(url, headers=headers or {}, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def build_tar_gz_sip(tenant, work: Path, size_mb: int) -> Path:
    """A valid SEDA 2.1 SIP (sam.lib.seda.sip) with one incompressible object, repacked as Pastell's tar.gz."""
    from sam.lib.seda.sip import SipObject, SipPackage, SipRule, SipUnit, write_sip
    from sam.site.demo import ARCHIVAL_AGENCY, agency_prefix

    payload = work / "deliberations.bin"
    with open(payload, "wb") as handle:
        for _ in range(size_mb):
            handle.write(os.urandom(MIB))
    prefix = agency_prefix(tenant.organisation)
    package = SipPackage(
        message_identifier="BENCH-DOOR", comment="Banc d'essai de la porte des connecteurs",
        archival_agreement=tenant.ingest_contract, archival_agency=ARCHIVAL_AGENCY,
        transferring_agency=f"{prefix}-ARCH", originating_agency=f"{prefix}-DG",
        units=[SipUnit(title="Délibérations (banc d'essai)", description_level="File",
                       start_date=date(2020, 1, 1), end_date=date(2020, 12, 31),
                       rules=[SipRule("AccessRule", "ACC-00001", date(2020, 12, 31))],
                       objects=[SipObject(path=payload)])])
    sip_zip = write_sip(package, work / "sip.zip").path
    payload.unlink()
    sip = work / "sip.tar.gz"
    with zipfile.ZipFile(sip_zip) as source, tarfile.open(sip, "w:gz", compresslevel=1) as tar:
        for info in source.infolist():
            if info.is_dir():
                continue
            member = tarfile.TarInfo(info.filename)
            member.size = info.file_size
            with source.open(info) as stream:
                tar.addfile(member, stream)
    sip_zip.unlink()
    return sip


def deposit(door, headers, sip: Path, results: list, index: int):
    """Pastell's sequence: POST the tar.gz, read X-Request-Id, then GET the ATR until it comes."""
    import requests
    from lxml import etree

    with open(sip, "rb") as body:
        response = requests.post(f"{door}/ingests", data=body, timeout=3600, headers={
            **headers, "X-Context-Id": "DEFAULT_WORKFLOW", "X-Action": "RESUME",
            "Content-Type": "application/octet-stream"})
    if response.status_code != 202:
        results[index] = f"POST HTTP {response.status_code} {response.text[:200]}"
        return
    operation = response.headers["X-Request-Id"]
    deadline = time.monotonic() + ATR_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        atr = requests.get(f"{door}/ingests/{operation}/archivetransferreply", headers=headers, timeout=60)
        if atr.status_code == 200:
            results[index] = etree.fromstring(atr.content).findtext(f"{SEDA}ReplyCode")
            return
        if atr.status_code != 404:
            results[index] = f"ATR HTTP {atr.status_code} {atr.text[:200]}"
            return
        time.sleep(1)
    results[index] = "no ATR before the deadline"


def main():
    count = int(os.environ.get("COUNT", "20"))
    size_mb = int(os.environ.get("SIZE_MB", "50"))
    work = Path(tempfile.mkdtemp(prefix="sam-bench-door-"))
    vitam_port, web_port = free_port(), free_port()
    vitam_url = f"http://127.0.0.1:{vitam_port}"
    env = {**os.environ, "SAM_DATA_DIR": str(work / "data"), "DJANGO_SETTINGS_MODULE": "sam.settings",
           # make run's settings: SQLite, DEBUG, one standalone vitam-lite shared by the web server and the worker.
           "SAM_DEBUG": "true", "SAM_LOG_LEVEL": "WARNING", "SAM_EMBEDDED_VITAM": "true",
           "SAM_VITAM_URL": vitam_url, "SAM_VITAM_INGEST_URL": vitam_url}
    os.environ.update(env)
    processes = []

    def start(*args):
        process = subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(process)
        return process

    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        start("vitamlite", "--host", "127.0.0.1", "--port", str(vitam_port), "--data-dir", str(work / "vitamlite"),
              "--tenants", "0-9")
        wait_for(f"{vitam_url}/ingest-external/v1/status")
        call_command("seed_demo", "--portal-only", stdout=open(os.devnull, "w"))

        from sam.site.demo import ensure_contracts, ensure_referentials
        from tenants.models import Tenant
        from tenants.vitam_clients import ADMIN, vitam_client

        tenant = Tenant.objects.select_related("organisation").get(vitam_id=2)  # Cergy's, the demo connector's
        client = vitam_client(tenant, contract=ADMIN)
        ensure_referentials(client, tenant.organisation, say=lambda *_: None)
        ensure_contracts(client, tenant, say=lambda *_: None)
        sip = build_tar_gz_sip(tenant, work, size_mb)

        web = start("runserver", f"127.0.0.1:{web_port}", "--noreload")
        worker = start("db_worker", "--queue-name", "*", "--interval", "0.5")
        wait_for(f"http://127.0.0.1:{web_port}/accounts/login/")
        pem = (ROOT / "sam" / "site" / "demo_data" / "connector" / "pastell-cergy.crt.pem").read_text()
        headers = {"X-Tenant-Id": str(tenant.vitam_id), "X-SSL-Client-Cert": quote(pem, safe="")}
        door = f"http://127.0.0.1:{web_port}/vitam/ingest-external/v1"
        import requests

        connection = requests.options(f"{door}/", headers=headers, timeout=30)
        if connection.status_code != 200:
            raise SystemExit(f"connection test refused: HTTP {connection.status_code} {connection.text[:300]}")

        web_before, worker_before = rss_kb(web.pid, "VmRSS"), rss_kb(worker.pid, "VmRSS")
        results = [None] * count
        threads = [threading.Thread(target=deposit, args=(door, headers, sip, results, i)) for i in range(count)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        web_peak, worker_peak = rss_kb(web.pid, "VmHWM"), rss_kb(worker.pid, "VmHWM")
        accepted = sum(1 for result in results if result == "OK")
        for index, result in enumerate(results):
            if result != "OK":
                print(f"# deposit {index}: {result}", file=sys.stderr)
        print(f"connector_door_accepted {accepted} deposits")
        print(f"connector_door_seconds {elapsed:.1f} s")
        print(f"connector_door_rss_growth_mb {(web_peak - web_before) / 1024:.1f} MB")
        print(f"connector_door_worker_rss_growth_mb {(worker_peak - worker_before) / 1024:.1f} MB")
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
