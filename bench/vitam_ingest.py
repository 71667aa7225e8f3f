"""Benchmark: ingest of a SIP with 1,000 archive units and 1,000 small binary objects into vitam-lite.

Builds the SIP (one root unit and 999 children, each with one object), POSTs it over HTTP to an
in-thread vitam-lite, polls HEAD /operations/{id} until COMPLETED and prints the wall-clock time.
Goal: ≤ 30 s.  Run: .venv/bin/python bench/vitam_ingest.py
"""

import hashlib
import io
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vitamlite.server import start_in_thread  # noqa: E402

UNITS = 1000
GOAL_SECONDS = 30.0


def build_sip(count: int) -> bytes:
    objects, units = [], []
    files = {}
    for index in range(count):
        content = f"Document {index} de la commune\n".encode()
        files[f"content/obj{index}.txt"] = content
        digest = hashlib.sha512(content).hexdigest()
        objects.append(
            f'<BinaryDataObject id="o{index}"><DataObjectGroupId>g{index}</DataObjectGroupId>'
            f"<DataObjectVersion>BinaryMaster</DataObjectVersion><Uri>content/obj{index}.txt</Uri>"
            f'<MessageDigest algorithm="SHA-512">{digest}</MessageDigest><Size>{len(content)}</Size>'
            f"<FormatIdentification><MimeType>text/plain</MimeType></FormatIdentification>"
            f"<FileInfo><Filename>obj{index}.txt</Filename></FileInfo></BinaryDataObject>"
        )
        children = "".join(f'<ArchiveUnit id="r{child}"><ArchiveUnitRefId>u{child}</ArchiveUnitRefId></ArchiveUnit>'
                           for child in range(1, count)) if index == 0 else ""
        management = ("<Management><AppraisalRule><Rule>APP-00001</Rule><StartDate>2020-01-01</StartDate>"
                      "<FinalAction>Destroy</FinalAction></AppraisalRule></Management>") if index == 0 else ""
        units.append(
            f'<ArchiveUnit id="u{index}">{management}<Content><DescriptionLevel>{"RecordGrp" if index == 0 else "Item"}'
            f"</DescriptionLevel><Title>Pièce {index}</Title><Description>Délibération numéro {index}</Description>"
            f"<StartDate>2020-01-01T00:00:00</StartDate></Content>{children}"
            f"<DataObjectReference><DataObjectGroupReferenceId>g{index}</DataObjectGroupReferenceId>"
            f"</DataObjectReference></ArchiveUnit>"
        )
    manifest = f"""<?xml version="1.0" encoding="UTF-8"?>
<ArchiveTransfer xmlns="fr:gouv:culture:archivesdefrance:seda:v2.1">
  <Date>2024-01-01T00:00:00</Date><MessageIdentifier>bench-{count}</MessageIdentifier>
  <ArchivalAgreement>IC-BENCH</ArchivalAgreement>
  <CodeListVersions><ReplyCodeListVersion>r</ReplyCodeListVersion></CodeListVersions>
  <DataObjectPackage>{''.join(objects)}<DescriptiveMetadata>{''.join(units)}</DescriptiveMetadata>
    <ManagementMetadata><OriginatingAgencyIdentifier>BENCH</OriginatingAgencyIdentifier></ManagementMetadata>
  </DataObjectPackage>
  <ArchivalAgency><Identifier>AA</Identifier></ArchivalAgency>
  <TransferringAgency><Identifier>TA</Identifier></TransferringAgency>
</ArchiveTransfer>"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.xml", manifest)
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def load_referentials(base_url: str) -> None:
    """Agency, rule and ingest contract of the benchmark SIP, through the admin-external imports."""
    admin = f"{base_url}/admin-external/v1"
    csv_headers = {"X-Tenant-Id": "0", "Content-Type": "application/octet-stream"}
    imports = [
        requests.post(f"{admin}/agencies", data="Identifier,Name,Description\nBENCH,Commune du banc d'essai,\n".encode(),
                      headers={**csv_headers, "X-Filename": "agencies.csv"}, timeout=30),
        requests.post(f"{admin}/rules", data=("RuleId,RuleType,RuleValue,RuleDescription,RuleDuration,RuleMeasurement\n"
                                              "APP-00001,AppraisalRule,DUA,,10,YEAR\n").encode(),
                      headers={**csv_headers, "X-Filename": "rules.csv"}, timeout=30),
        requests.post(f"{admin}/ingestcontracts", json=[{"Identifier": "IC-BENCH", "Name": "bench", "Status": "ACTIVE"}],
                      headers={"X-Tenant-Id": "0"}, timeout=30),
    ]
    for response in imports:
        if response.status_code != 201:
            raise SystemExit(f"referential import failed: {response.status_code} {response.text}")


def main() -> int:
    with tempfile.TemporaryDirectory() as data_dir:
        server = start_in_thread(data_dir, tenants="0-9")
        try:
            load_referentials(server.base_url)
            sip = build_sip(UNITS)
            started = time.perf_counter()
            response = requests.post(f"{server.base_url}/ingest-external/v1/ingests", data=sip, timeout=120, headers={
                "X-Tenant-Id": "0", "X-Context-Id": "DEFAULT_WORKFLOW", "X-Action": "RESUME",
                "Content-Type": "application/octet-stream"})
            if response.status_code != 202:
                print(f"upload failed: {response.status_code} {response.text}")
                return 1
            operation_id = response.headers["X-Request-Id"]
            while True:
                head = requests.head(f"{server.base_url}/admin-external/v1/operations/{operation_id}",
                                     headers={"X-Tenant-Id": "0"}, timeout=30)
                if head.headers.get("X-Global-Execution-State") == "COMPLETED":
                    break
                if time.perf_counter() - started > 600:
                    print("ingest did not complete within 600 s")
                    return 1
                time.sleep(0.1)
            elapsed = time.perf_counter() - started
            status = head.headers.get("X-Global-Execution-Status")
        finally:
            server.stop()
    print(f"ingest_sip_bytes {len(sip)}")
    print(f"ingest_status {status}")
    print(f"ingest_1000_units_seconds {elapsed:.2f} s")
    print(f"ingest_units_per_s {UNITS / elapsed:.0f} units/s")
    if status != "OK":
        print("ingest did not end OK")
        return 1
    if elapsed > GOAL_SECONDS:
        print(f"slower than the {GOAL_SECONDS:.0f} s goal")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
