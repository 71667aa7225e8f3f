"""Archives for the consultation tests, ingested through SAM's Vitam client into vitam-lite.

seed_archive(tenant) deposits one small, known tree:

    Dossier public 2001 (File, producing service <prefix>-DG, access rule ended, DUA Destroy)
      ├── Compte rendu ; "quoted" (Item, text object, inherits the ended access rule)
      └── Plan du quartier (Item, PNG master and thumbnail)
    Dossier confidentiel 2020 (File, <prefix>-RH, access rule running until 2070, DUA Keep)
      └── Note nominative (Item, text object, inherits the running access rule)
"""

import os
import struct
import tempfile
import zlib
from datetime import date
from pathlib import Path

from sam.lib.seda.sip import SipObject, SipPackage, SipRule, SipUnit, write_sip
from sam.site.demo import ARCHIVAL_AGENCY, agency_prefix, contract_ids, ensure_contracts, ensure_referentials
from sam.vitam.dsl import Select, eq
from tenants.vitam_clients import ACCESS, ADMIN, vitam_client

TEXT = "Compte rendu de la séance.\nLigne 2 ; avec « guillemets ».\n"


def tiny_png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def seed_archive(tenant, *, set_up=True) -> dict:
    """Ingest the test tree into the tenant (referentials and contracts first); {title: unit id}."""
    if set_up:
        admin = vitam_client(tenant, contract=ADMIN)
        ensure_referentials(admin, tenant.organisation, say=lambda *_: None)
        ensure_contracts(admin, tenant, say=lambda *_: None)
        tenant.refresh_from_db()
    prefix = agency_prefix(tenant.organisation)
    with tempfile.TemporaryDirectory(prefix="sam-test-") as folder:
        text = Path(folder) / "compte-rendu.txt"
        text.write_text(TEXT, encoding="utf-8")
        image = Path(folder) / "plan.png"
        image.write_bytes(tiny_png())
        note = Path(folder) / "note.txt"
        note.write_text("Note nominative confidentielle.\n", encoding="utf-8")
        units = [
            SipUnit(title="Dossier public 2001", description_level="File", description="Conseil municipal de 2001",
                    start_date=date(2001, 1, 1), end_date=date(2001, 12, 31), originating_agency=f"{prefix}-DG",
                    rules=[SipRule("AccessRule", "ACC-00001", date(2001, 12, 31)),
                           SipRule("AppraisalRule", "APP-DELIB", date(2002, 1, 1), final_action="Destroy")],
                    children=[
                        SipUnit(title='Compte rendu ; "quoted"', description_level="Item",
                                start_date=date(2001, 3, 1), end_date=date(2001, 3, 1),
                                objects=[SipObject(path=text, mime_type="text/plain")]),
                        SipUnit(title="Plan du quartier", description_level="Item",
                                start_date=date(2001, 5, 1), end_date=date(2001, 5, 1),
                                objects=[SipObject(path=image, mime_type="image/png"),
                                         SipObject(path=image, mime_type="image/png", version="Thumbnail")]),
                    ]),
            SipUnit(title="Dossier confidentiel 2020", description_level="File", originating_agency=f"{prefix}-RH",
                    start_date=date(2020, 1, 1), end_date=date(2020, 12, 31),
                    rules=[SipRule("AccessRule", "ACC-00050", date(2020, 12, 31)),
                           SipRule("AppraisalRule", "APP-DELIB", date(2021, 1, 1), final_action="Keep")],
                    children=[SipUnit(title="Note nominative", description_level="Item",
                                      start_date=date(2020, 6, 1), end_date=date(2020, 6, 1),
                                      objects=[SipObject(path=note, mime_type="text/plain")])]),
        ]
        package = SipPackage(message_identifier=f"TEST-CONSULT-{tenant.vitam_id}-{os.getpid()}",
                             archival_agency=ARCHIVAL_AGENCY, transferring_agency=f"{prefix}-ARCH",
                             originating_agency=f"{prefix}-DG", archival_agreement=contract_ids(tenant)[0],
                             comment="Versement de test", units=units)
        built = write_sip(package, Path(folder) / "sip.zip")
        client = vitam_client(tenant, contract=ACCESS)
        operation = client.ingest(built.path)
        status = client.wait_for_operation(operation, timeout=60, poll_interval=0.05)
    assert status.status in ("OK", "WARNING"), status
    found = client.search_units(Select().where(eq("#opi", operation)).fields("#id", "Title").limit(100))
    ids = {unit["Title"]: unit["#id"] for unit in found.results}
    ids["operation"] = operation
    return ids
