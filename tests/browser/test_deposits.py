"""The issue's browser tests: deposit a SIP with a progress bar, see its state and download the ATR;
simple deposit of a small folder tree."""

import re

import pytest

from sam.deposits.models import Deposit
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_PROGRESS = """
(function () {
  var send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (body) {
    this.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { sessionStorage.setItem("uploadProgress", String(Math.floor(100 * e.loaded / e.total))); }
    });
    return send.call(this, body);
  };
})();
"""


def test_deposit_a_sip_with_progress_then_state_and_atr(page, login, live_server, vitam_world, tmp_path):
    from tests.deposits.conftest import build_sip

    tenant = vitam_world.tenant_a
    sip = build_sip(tenant, tmp_path / "sip", title="Registre des arrêtés 2020", files=3)
    page.add_init_script(RECORD_PROGRESS)
    login(vitam_world.archivist_a.username, PASSWORD)
    page.goto(f"{live_server.url}/t/{tenant.pk}/deposits/new/")
    page.locator("#id_sip").set_input_files(str(sip))
    page.locator("form.upload-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/deposits/\d+/$"))
    assert page.evaluate("sessionStorage.getItem('uploadProgress')") == "100"
    deposit = Deposit.objects.get(tenant=tenant)
    assert deposit.state == Deposit.State.COMPLETED and deposit.operation_status == "OK"
    assert deposit.operation_id in page.content()
    with page.expect_download() as download:
        page.locator(f"a[href$='/deposits/{deposit.pk}/atr/']").first.click()
    assert b"ArchiveTransferReply" in open(download.value.path(), "rb").read()
    page.goto(f"{live_server.url}/t/{tenant.pk}/deposits/")
    assert "Registre des arrêtés 2020" in page.content()
    assert page.console_errors == []


def test_simple_deposit_of_a_small_folder_tree(page, login, live_server, vitam_world, tmp_path):
    from sam.site.demo import agency_prefix

    tenant = vitam_world.tenant_a
    folder = tmp_path / "Voirie"
    (folder / "2019").mkdir(parents=True)
    (folder / "2019" / "arrete-12.txt").write_text("Arrêté de circulation n° 12", encoding="utf-8")
    (folder / "plan.txt").write_text("Plan de la rue", encoding="utf-8")
    import zipfile

    archive = tmp_path / "voirie.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for path in folder.rglob("*"):
            if path.is_file():
                handle.write(path, path.relative_to(tmp_path))
    login(vitam_world.archivist_a.username, PASSWORD)
    page.goto(f"{live_server.url}/t/{tenant.pk}/deposits/simple/")
    page.locator("#id_files").set_input_files(str(archive))
    page.locator("#id_title").fill("Arrêtés de voirie 2019")
    page.locator("#id_originating_agency").select_option(f"{agency_prefix(tenant.organisation)}-URBA")
    assert page.locator("#id_archival_agency").input_value() == "FRAD095"  # the archives, not the producer
    assert "Pièce" in page.locator("#id_description_level").inner_text()  # levels in French
    page.locator("form.upload-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/deposits/\d+/$"))
    # Issue 14: the archivist reviews each unit's description and dates before the package is built.
    page.get_by_role("link", name="Vérifier la description").click()
    row = page.locator("tr[data-path='2019/arrete-12.txt']")
    row.locator("input[name$='-title']").fill("Arrêté de circulation n° 12")
    row.locator("input[name$='-start']").fill("2019-12-31")
    row.locator("input[name$='-end']").fill("2019-01-01")
    with page.expect_navigation():
        page.locator("form.deposit-review button[type=submit]").click()
    alert = page.locator(".message-error").first.inner_text()
    assert "Ligne 3 (2019/arrete-12.txt)\u00a0: Date de fin — La date de fin est antérieure" in alert, alert
    row.locator("input[name$='-start']").fill("2019-03-04")
    row.locator("input[name$='-end']").fill("2019-03-04")
    page.locator("form.deposit-review button[type=submit]").click()
    page.wait_for_url(re.compile(r"/deposits/\d+/$"))
    page.screenshot(path=str(tmp_path / "after-review.png"), full_page=True)
    deposit = Deposit.objects.get(tenant=tenant)
    assert deposit.state == Deposit.State.READY and deposit.object_count == 2
    assert "arrete-12.txt" not in page.content() or "2019" in page.content()
    # The POST redirects to this same page: wait for that navigation, or the reload below races it.
    with page.expect_navigation():
        page.locator(f"form[action$='/deposits/{deposit.pk}/send/'] button").click()
    for _ in range(120):  # the follow-up of Vitam's operation may still run in the server's thread
        deposit.refresh_from_db()
        if deposit.is_finished:
            break
        page.wait_for_timeout(500)
    page.reload()
    assert deposit.state == Deposit.State.COMPLETED and deposit.operation_status == "OK", deposit.explanation
    assert deposit.operation_id in page.content()
    assert page.console_errors == []


def test_a_refused_deposit_tells_the_failing_step_in_french_and_folds_the_code(page, login, live_server, vitam_world,
                                                                               tmp_path):
    from sam.site.demo import ARCHIVAL_AGENCY, agency_prefix
    from sam.lib.seda.sip import SipObject, SipPackage, SipUnit, write_sip
    from tenants.vitam_clients import vitam_client
    from tests import format_samples

    tenant = vitam_world.tenant_a
    vitam = vitam_client(tenant)
    png = tmp_path / "plan.png"
    png.write_bytes(format_samples.png_bytes())
    prefix = agency_prefix(tenant.organisation)
    sip = write_sip(SipPackage(
        message_identifier="PLAN-REFUSE", archival_agreement=tenant.ingest_contract, archival_agency=ARCHIVAL_AGENCY,
        transferring_agency=f"{prefix}-ARCH", originating_agency=f"{prefix}-DG",
        units=[SipUnit(title="Plan du cimetière", description_level="Item", objects=[SipObject(png)])]),
        tmp_path / "sip.zip").path
    # The contract accepts PDF only: Vitam refuses the PNG at its format check.
    vitam.update_ingest_contract(tenant.ingest_contract, {"EveryFormatType": False, "FormatType": ["fmt/18"]})
    try:
        login(vitam_world.archivist_a.username, PASSWORD)
        page.goto(f"{live_server.url}/t/{tenant.pk}/deposits/new/")
        page.locator("#id_sip").set_input_files(str(sip))
        page.locator("form.upload-form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/deposits/\d+/$"))
    finally:
        vitam.update_ingest_contract(tenant.ingest_contract, {"EveryFormatType": True}, unset_fields=["FormatType"])
    failing = page.locator(".deposit-failing")
    assert "le contrat d'entrée interdit" in failing.inner_text()
    code = failing.locator("details code")
    assert not code.is_visible()  # folded away until asked for
    failing.locator("summary").click()
    assert code.inner_text() == "OG_OBJECTS_FORMAT_CHECK.REJECTED_FORMAT.KO"
    page.screenshot(path=str(tmp_path.parent / "deposit-refused.png"), full_page=True)
    assert page.console_errors == []
