"""Streaming benchmark of SAM's Vitam client: a 1 GB binary ingested in a SIP and downloaded back,
through the client, from an in-thread vitam-lite on loopback.

Prints `stream_upload_MBps`, `stream_download_MBps` and `stream_rss_growth_MB` (growth of the peak
resident memory, VmHWM, over the whole run). Goals: RSS growth < 100 MB, >= 100 MB/s each way.
SIZE_MB overrides the size (default 1024). Temporary files are removed at the end.
"""

import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")  # development mode: SQLite, vitam-lite

MIB = 1024 * 1024


def status_kb(field: str) -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def write_pseudo_random_file(path: Path, size_mb: int) -> str:
    """Real data (not sparse): a random 1 MiB block rewritten with a changing counter."""
    block = bytearray(os.urandom(MIB))
    digest = hashlib.sha512()
    with open(path, "wb") as handle:
        for index in range(size_mb):
            block[:8] = index.to_bytes(8, "big")
            handle.write(block)
            digest.update(block)
    return digest.hexdigest()


def sha512_of(path: Path) -> str:
    digest = hashlib.sha512()
    with open(path, "rb") as handle:
        while chunk := handle.read(MIB):
            digest.update(chunk)
    return digest.hexdigest()


def main():
    import django

    django.setup()
    from django.conf import settings
    from django.test import override_settings

    from sam.lib.seda.sip import SipObject, SipPackage, SipUnit, write_sip
    from sam.vitam import Select, VitamClient, VitamContext, eq
    from vitamlite.server import start_in_thread

    size_mb = int(os.environ.get("SIZE_MB", "1024"))
    work = Path(tempfile.mkdtemp(prefix="sam-bench-streaming-"))
    server = None
    try:
        binary = work / "big.bin"
        source_digest = write_pseudo_random_file(binary, size_mb)
        server = start_in_thread(work / "vitamlite", tenants="0-9")
        with override_settings(VITAM={**settings.VITAM, "URL": server.base_url, "INGEST_URL": server.base_url,
                                      "CERT": None, "KEY": None, "CA_BUNDLE": None, "CERTS_DIR": None}):
            client = VitamClient(VitamContext(tenant=0, access_contract="AC-BENCH"))
            client.import_agencies(_bytes("Identifier,Name,Description\nBENCH,Bench,\n"), "agencies.csv")
            client.import_ingest_contracts([{"Identifier": "IC-BENCH", "Name": "Bench", "Status": "ACTIVE"}])
            client.import_access_contracts([{"Identifier": "AC-BENCH", "Name": "Bench", "Status": "ACTIVE",
                                             "EveryOriginatingAgency": True, "EveryDataObjectVersion": True}])
            sip = write_sip(SipPackage(
                message_identifier="BENCH", archival_agency="BENCH", transferring_agency="BENCH",
                originating_agency="BENCH", archival_agreement="IC-BENCH",
                units=[SipUnit(title="Gros fichier", description_level="Item",
                               objects=[SipObject(binary, mime_type="application/octet-stream")])],
            ), work / "sip.zip")
            binary.unlink()  # keep disk use to one copy at a time
            rss_before = status_kb("VmHWM")

            started = time.monotonic()
            operation_id = client.ingest(sip.path)
            upload_seconds = time.monotonic() - started
            status = client.wait_for_operation(operation_id, timeout=1800, poll_interval=0.5)
            if not status.is_ok:
                raise SystemExit(f"ingest ended {status.status}")
            sip.path.unlink()
            unit = client.search_units(Select().where(eq("#opi", operation_id)).fields("#id")).first

            copy = work / "copy.bin"
            started = time.monotonic()
            result = client.download_object(unit["#id"], "BinaryMaster", 1, copy)
            download_seconds = time.monotonic() - started
            rss_growth_mb = (status_kb("VmHWM") - rss_before) / 1024
            if sha512_of(copy) != source_digest or result.size != size_mb * MIB:
                raise SystemExit("downloaded binary differs from the original")

        upload_mb = sip.total_size / MIB
        print(f"stream_upload_MBps {upload_mb / upload_seconds:.1f} MB/s")
        print(f"stream_download_MBps {size_mb / download_seconds:.1f} MB/s")
        print(f"stream_rss_growth_MB {rss_growth_mb:.1f} MB")
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


def _bytes(text: str):
    import io

    return io.BytesIO(text.encode())


if __name__ == "__main__":
    main()
