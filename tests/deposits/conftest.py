"""Deposits tests: SIPs on disk under a temporary SAM data folder, tenants set up in vitam-lite."""

import json
from pathlib import Path

import pytest

from sam.lib.seda.sip import SipObject, SipPackage, SipRule, SipUnit, write_sip


@pytest.fixture(autouse=True)
def deposits_dir(settings, tmp_path):
    settings.DEPOSITS_DIR = str(tmp_path / "deposits")
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    return Path(settings.DEPOSITS_DIR)


def stored_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def build_sip(tenant, folder: Path, *, title="Délibérations 2020", files=2, agency=None) -> Path:
    """A valid SEDA 2.1 SIP for a vitam_world tenant (demo services and contracts)."""
    from sam.site.demo import ARCHIVAL_AGENCY, agency_prefix

    prefix = agency_prefix(tenant.organisation)
    folder.mkdir(parents=True, exist_ok=True)
    objects = []
    for index in range(files):
        path = folder / f"piece-{index}.txt"
        path.write_text(f"Pièce {index} — {title}\n", encoding="utf-8")
        objects.append(path)
    package = SipPackage(
        message_identifier=f"TEST-{title}", comment=title, archival_agreement=tenant.ingest_contract,
        archival_agency=ARCHIVAL_AGENCY, transferring_agency=f"{prefix}-ARCH",
        originating_agency=agency or f"{prefix}-DG",
        units=[SipUnit(title=title, description_level="File", start_date=__import__("datetime").date(2020, 1, 1),
                       end_date=__import__("datetime").date(2020, 12, 31),
                       rules=[SipRule("AccessRule", "ACC-00001", __import__("datetime").date(2020, 12, 31))],
                       children=[SipUnit(title=f"Pièce {i}", description_level="Item",
                                         objects=[SipObject(path=p, mime_type="text/plain")])
                                 for i, p in enumerate(objects)])],
    )
    return write_sip(package, folder / "sip.zip").path


@pytest.fixture
def corpus_tenant(vitam_world, vitam_reference):
    """A tenant of commune A loaded with the referentials Vitam's corpus SIPs assume."""
    from tenants.vitam_clients import ADMIN, vitam_client
    from tests.factories import make_tenant

    tenant = make_tenant(vitam_world.org_a, label="Corpus")
    fixtures = vitam_reference / "referentials" / "fixtures"
    client = vitam_client(tenant, contract=ADMIN)
    client.import_agencies(fixtures / "agencies_fixture.csv", "agencies_fixture.csv")
    client.import_rules(fixtures / "rules_fixture_57_rules.csv", "rules_fixture_57_rules.csv")
    # IC_WITH_PROFILE of the ingest contracts names PR-000001, which must exist (IngestContractImpl).
    client.create_profiles([{"Identifier": "PR-000001", "Name": "Profil", "Format": "RNG"}])
    contracts = [c for c in json.loads((fixtures / "referential_contracts_ok.json").read_text())
                 if c["Identifier"] != "AC-000001"]
    client.import_ingest_contracts(contracts)
    client.import_access_contracts(json.loads((fixtures / "access_contracts.json").read_text()))
    tenant.ingest_contract, tenant.access_contract = "ArchivalAgreement0", "contract"
    tenant.save(update_fields=["ingest_contract", "access_contract"])
    return tenant
