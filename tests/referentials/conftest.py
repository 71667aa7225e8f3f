"""Fixtures of the referentials tests: commune A's tenant in vitam-lite, and archive units using rules."""

import tempfile
from pathlib import Path

import pytest

from sam.lib.seda.sip import SipPackage, SipRule, SipUnit, write_sip
from sam.site.demo import ARCHIVAL_AGENCY, agency_prefix, contract_ids
from sam.vitam import SelectSingle
from tenants.vitam_clients import ADMIN, vitam_client


@pytest.fixture
def admin_client_a(vitam_world):
    return vitam_client(vitam_world.tenant_a, contract=ADMIN)


def ingest_units(tenant, titles_and_rules, *, service="ARCH"):
    """Ingest one SIP into the tenant with one unit per (title, rule id, rule category); waits for the end."""
    organisation = tenant.organisation
    prefix = agency_prefix(organisation)
    units = [SipUnit(title=title, rules=[SipRule(category=category, rule_id=rule_id,
                                           final_action={"AppraisalRule": "Keep", "StorageRule": "Copy"}.get(category))]
                     if rule_id else [])
             for title, rule_id, category in titles_and_rules]
    package = SipPackage(message_identifier=f"TEST-{tenant.vitam_id}", comment="test", units=units,
                         archival_agreement=contract_ids(tenant)[0], archival_agency=ARCHIVAL_AGENCY,
                         transferring_agency=f"{prefix}-ARCH", originating_agency=f"{prefix}-{service}")
    client = vitam_client(tenant, contract=ADMIN)
    with tempfile.TemporaryDirectory() as folder:
        built = write_sip(package, Path(folder) / "sip.zip")
        with open(built.path, "rb") as sip:
            operation = client.ingest(sip)
        status = client.wait_for_operation(operation, timeout=60, poll_interval=0.05)
    assert status.status in ("OK", "WARNING"), status
    return f"{prefix}-{service}"


def rule_ids(tenant) -> set[str]:
    client = vitam_client(tenant, contract=ADMIN)
    return {doc["RuleId"] for doc in client.search_rules(SelectSingle().limit(10000).build()).results}


def rules_by_id(tenant) -> dict[str, dict]:
    client = vitam_client(tenant, contract=ADMIN)
    return {doc["RuleId"]: doc for doc in client.search_rules(SelectSingle().limit(10000).build()).results}


def import_operations(tenant, ev_type="STP_IMPORT_RULES") -> int:
    from sam.vitam import eq
    from tenants.vitam_clients import ACCESS

    client = vitam_client(tenant, contract=ACCESS)
    return client.search_operations(SelectSingle().where(eq("evType", ev_type)).limit(1000).build()).total
