"""Fixtures of the elimination tests: commune A's tenant holds eliminable archives in vitam-lite."""

import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from sam.lib.seda.sip import SipObject, SipPackage, SipRule, SipUnit, write_sip
from sam.site.demo import ARCHIVAL_AGENCY, agency_prefix
from sam.vitam.dsl import Select, eq
from tenants.vitam_clients import ACCESS, vitam_client


@dataclass
class Archive:
    world: object
    ids: dict = field(default_factory=dict)  # title -> #id

    def __getattr__(self, name):
        return getattr(self.world, name)


def ingest(tenant, units, *, identifier):
    client = vitam_client(tenant, contract=ACCESS)
    prefix = agency_prefix(tenant.organisation)
    package = SipPackage(message_identifier=identifier, comment=identifier, units=units,
                         archival_agreement=tenant.ingest_contract, archival_agency=ARCHIVAL_AGENCY,
                         transferring_agency=f"{prefix}-ARCH", originating_agency=f"{prefix}-URBA")
    with tempfile.TemporaryDirectory() as folder:
        built = write_sip(package, Path(folder) / "sip.zip")
        with open(built.path, "rb") as sip:
            operation = client.ingest(sip)
        status = client.wait_for_operation(operation, timeout=120, poll_interval=0.1)
    assert status.status in ("OK", "WARNING"), status
    return operation


def unit_ids(tenant, titles):
    client = vitam_client(tenant, contract=ACCESS)
    found = {}
    for title in titles:
        results = client.search_units(Select().where(eq("Title", title)).fields("#id", "Title").build()).results
        found.update({unit["Title"]: unit["#id"] for unit in results if unit["Title"] == title})
    return found


def _document(folder, name, text):
    path = Path(folder) / name
    path.write_text(text, encoding="utf-8")
    return SipObject(path=path, mime_type="text/plain")


def seed_eliminable(tenant, *, tag="A"):
    """Building permits 2008 (APP-PC 10 years, Destroy: ended in 2018) with two documents, and
    council minutes 2019 (Keep) that must never be proposed."""
    with tempfile.TemporaryDirectory() as folder:
        units = [
            SipUnit(title=f"Permis de construire 2008 {tag}", description_level="File", start_date=date(2008, 1, 1),
                    end_date=date(2008, 12, 31),
                    rules=[SipRule("AppraisalRule", "APP-PC", date(2008, 12, 31), final_action="Destroy")],
                    children=[
                        SipUnit(title=f"PC 0012 maison {tag}", description_level="Item", start_date=date(2008, 3, 1),
                                end_date=date(2008, 3, 1), objects=[_document(folder, "a.txt", "PC 0012" * 50)]),
                        SipUnit(title=f"PC 0047 garage {tag}", description_level="Item", start_date=date(2008, 6, 1),
                                end_date=date(2008, 6, 1), objects=[_document(folder, "b.txt", "PC 0047" * 10)]),
                    ]),
            SipUnit(title=f"Deliberations 2019 {tag}", description_level="File", start_date=date(2019, 1, 1),
                    end_date=date(2019, 12, 31),
                    rules=[SipRule("AppraisalRule", "APP-DELIB", date(2019, 12, 31), final_action="Keep")]),
        ]
        ingest(tenant, units, identifier=f"ELIM-{tenant.vitam_id}-{tag}")
    return unit_ids(tenant, [f"Permis de construire 2008 {tag}", f"PC 0012 maison {tag}", f"PC 0047 garage {tag}",
                             f"Deliberations 2019 {tag}"])


@pytest.fixture
def archive(vitam_world):
    return Archive(world=vitam_world, ids=seed_eliminable(vitam_world.tenant_a))
