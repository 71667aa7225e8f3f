"""Vitam's detailed codes reach archivists in French from one table, Vitam's own catalogue, and the raw
code stays available for support."""

import json

import pytest
from django.urls import reverse

from referentials.kinds import RULES
from referentials.reports import report_messages
from sam.deposits.models import Deposit
from sam.lib import vitam_messages
from sam.lib.seda.sip import SipObject, SipPackage, SipUnit, write_sip
from tenants.vitam_clients import vitam_client
from tests import format_samples


def test_the_table_names_its_source_and_holds_vitams_french_texts():
    catalogue = json.loads(vitam_messages.CATALOGUE.read_text(encoding="utf-8"))
    assert "vitam-logbook-messages_fr.properties" in catalogue["source"]
    assert vitam_messages.message("OG_OBJECTS_FORMAT_CHECK.UNCHARTED.KO") == (
        "Échec de l'identification des formats : le format de ou des objet(s) est identifié mais est inconnu "
        "du référentiel des formats")
    assert vitam_messages.message("CHECK_RULES.INVALID_CSV.KO").startswith("Échec du contrôle de la conformité")


def test_an_unknown_sub_status_falls_back_to_its_parent_and_an_unknown_code_to_itself():
    assert vitam_messages.message("CHECK_HEADER.CHECK_AGENT.NEW_SUBCODE.KO") == vitam_messages.message(
        "CHECK_HEADER.CHECK_AGENT.KO")
    assert vitam_messages.message("NOT_A_VITAM_CODE.KO") == ""
    assert vitam_messages.describe("NOT_A_VITAM_CODE.KO", fallback="Message de Vitam") == "Message de Vitam"
    assert vitam_messages.describe("NOT_A_VITAM_CODE.KO") == "NOT_A_VITAM_CODE.KO"


@pytest.mark.django_db
def test_a_deposit_refused_by_vitam_shows_the_french_step_and_keeps_the_code(client, vitam_world, tmp_path):
    """A contract that accepts PDF only, a PNG deposited: Vitam refuses it at the format check."""
    from sam.site.demo import ARCHIVAL_AGENCY, agency_prefix

    tenant = vitam_world.tenant_a
    vitam = vitam_client(tenant)
    # vitam-lite lives for the whole session: the contract gets its formats back whatever happens.
    vitam.update_ingest_contract(tenant.ingest_contract, {"EveryFormatType": False, "FormatType": ["fmt/18"]})
    try:
        png = tmp_path / "plan.png"
        png.write_bytes(format_samples.png_bytes())
        prefix = agency_prefix(tenant.organisation)
        sip = write_sip(SipPackage(
            message_identifier="FORMAT-REFUSE", archival_agreement=tenant.ingest_contract,
            archival_agency=ARCHIVAL_AGENCY, transferring_agency=f"{prefix}-ARCH", originating_agency=f"{prefix}-DG",
            units=[SipUnit(title="Données", description_level="Item", objects=[SipObject(png)])]),
            tmp_path / "sip.zip").path
        client.force_login(vitam_world.archivist_a)
        with open(sip, "rb") as handle:
            client.post(reverse("deposits:deposit_create", kwargs={"tenant_pk": tenant.pk}), {"sip": handle})
        deposit = Deposit.objects.filter(tenant=tenant).latest("id")
        client.post(reverse("deposits:deposit_send", kwargs={"tenant_pk": tenant.pk, "pk": deposit.pk}))
    finally:
        vitam.update_ingest_contract(tenant.ingest_contract, {"EveryFormatType": True}, unset_fields=["FormatType"])
    deposit.refresh_from_db()
    assert deposit.operation_status == "KO" and deposit.failing_event == "OG_OBJECTS_FORMAT_CHECK.REJECTED_FORMAT.KO"

    page = client.get(reverse("deposits:deposit_detail", kwargs={"tenant_pk": tenant.pk, "pk": deposit.pk}))
    html = page.content.decode()
    assert "Échec de l&#x27;identification des formats : le contrat d&#x27;entrée interdit" in html
    assert ("<details><summary>Code pour le support</summary><code>OG_OBJECTS_FORMAT_CHECK.REJECTED_FORMAT.KO</code>"
            in html)


@pytest.mark.django_db
def test_a_rules_file_refused_by_vitam_is_told_with_vitams_french_message(vitam_world):
    report = RULES.check(vitam_client(vitam_world.tenant_a), b"")
    assert not report.valid
    [message, *details] = report_messages(report.report)
    assert message.startswith("Échec du contrôle de la conformité du fichier des règles de gestion")
    assert "CHECK_RULES.INVALID_CSV.KO" in message
