"""The issue's browser test: archiviste.cergy transfers the 2008 building permits' folder to the departmental
archives, downloads the transfer SIP, imports a reply (built from the SIP's manifest) that accepts every unit but
the folder, and finds exactly that folder left in the search."""

import re
import zipfile

import pytest
from lxml import etree

from sam.transfers.models import Transfer
from tenants.models import Tenant
from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEDA = "fr:gouv:culture:archivesdefrance:seda:v2.1"
NS = {"s": SEDA}
FOLDER = "Permis de construire — 2008"
# The transfers in parts take a folder the first test leaves whole (the demo is seeded once per Vitam tenant).
REGISTER = "Registre des naissances — 1920"


def _results(page) -> int:
    return int(re.search(r"(\d+)\s+résultat", page.locator("#results-title").inner_text()).group(1))


def _reply(manifest, accepted: list[str]) -> bytes:
    """The receiving service's ArchiveTransferReply: its ReplyCode and the units it took in."""
    root = etree.Element(f"{{{SEDA}}}ArchiveTransferReply", nsmap={None: SEDA})
    for name, text in (("Date", "2026-12-03T10:00:00"), ("MessageIdentifier", "ATR-AD95-2026-001"),
                       ("ArchivalAgreement", manifest.findtext("s:ArchivalAgreement", namespaces=NS))):
        etree.SubElement(root, f"{{{SEDA}}}{name}").text = text
    etree.SubElement(root, f"{{{SEDA}}}CodeListVersions")
    package = etree.SubElement(root, f"{{{SEDA}}}DataObjectPackage")
    descriptive = etree.SubElement(package, f"{{{SEDA}}}DescriptiveMetadata")
    for number, unit_id in enumerate(accepted):
        unit = etree.SubElement(descriptive, f"{{{SEDA}}}ArchiveUnit", id=f"AU{number}")
        etree.SubElement(etree.SubElement(unit, f"{{{SEDA}}}Content"), f"{{{SEDA}}}SystemId").text = unit_id
    etree.SubElement(package, f"{{{SEDA}}}ManagementMetadata")
    etree.SubElement(root, f"{{{SEDA}}}ReplyCode").text = "OK"
    etree.SubElement(root, f"{{{SEDA}}}MessageRequestIdentifier").text = manifest.findtext(
        "s:MessageIdentifier", namespaces=NS)
    for name in ("ArchivalAgency", "TransferringAgency"):
        etree.SubElement(etree.SubElement(root, f"{{{SEDA}}}{name}"), f"{{{SEDA}}}Identifier").text = (
            manifest.findtext(f"s:{name}/s:Identifier", namespaces=NS))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_transfer_the_2008_permits_then_import_a_reply_keeping_one_unit(page, login, live_server, vitam_url, demo,
                                                                       tmp_path):
    from sam.site.demo import seed_vitam_demo

    cergy = Tenant.objects.get(organisation__name="Cergy")
    seed_vitam_demo([cergy], say=lambda *_: None)
    login("archiviste.cergy")
    ARTIFACTS.mkdir(exist_ok=True)

    page.goto(f"{live_server.url}/t/{cergy.pk}/search/?title=PC+095+08")
    assert _results(page) == 2  # the folder's two permits
    page.goto(f"{live_server.url}/t/{cergy.pk}/search/?title=Permis+de+construire+2008")
    before = _results(page)
    page.get_by_role("link", name=FOLDER).first.click()
    page.wait_for_load_state()
    page.locator("input[name=with_descendants]").check()
    page.locator("#add-to-selection").click()
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/t/{cergy.pk}/selection/")
    page.get_by_role("link", name="Transférer").click()
    page.wait_for_load_state()
    assert page.locator("#id_archival_agency option:checked").inner_text().strip()  # a service's name
    page.locator("#id_archival_agreement").fill("IC-AD95-DEFINITIF")
    page.locator("#id_comment").fill("Permis de construire de 2008 à conserver")
    page.screenshot(path=str(ARTIFACTS / "transfer-form.png"), full_page=True)
    page.get_by_role("button", name="Préparer le transfert").click()
    page.wait_for_load_state()
    transfer = Transfer.objects.get(tenant=cergy)
    assert transfer.state == Transfer.State.SIP_READY, transfer.error
    assert "SIP prêt" in page.locator("#transfer-state").inner_text()
    page.screenshot(path=str(ARTIFACTS / "transfer-sip-ready.png"), full_page=True)

    with page.expect_download() as download_info:
        page.locator("#download-sip").click()
    sip_path = tmp_path / "transfert.zip"
    download_info.value.save_as(sip_path)
    manifest = etree.fromstring(zipfile.ZipFile(sip_path).read("manifest.xml"))
    units = {content.findtext("s:Title", namespaces=NS): content.findtext("s:SystemId", namespaces=NS)
             for content in manifest.iterfind(".//s:ArchiveUnit/s:Content", NS)}
    assert FOLDER in units and len(units) == 3, units

    reply_path = tmp_path / "reponse-ad95.xml"
    reply_path.write_bytes(_reply(manifest, [unit_id for title, unit_id in units.items() if title != FOLDER]))
    page.reload()
    page.locator("#id_reply").set_input_files(str(reply_path))
    page.get_by_role("button", name="Importer la réponse").click()
    page.wait_for_load_state()
    state = page.locator("#transfer-state").inner_text()
    assert "Réponse intégrée" in state and "acceptés\u00a0: 2, refusés\u00a0: 1" in state, state
    # Vitam purges a whole transfer: the two accepted units went through a regularisation transfer.
    facts = page.locator("dl.facts").inner_text()
    assert "Transfert de régularisation" in facts and "2 unités acceptées transférées de nouveau" in facts, facts
    with page.expect_download() as reply_download:
        page.locator("#download-reply").click()
    assert reply_download.value.path().read_bytes() == reply_path.read_bytes()
    page.screenshot(path=str(ARTIFACTS / "transfer-reply-integrated.png"), full_page=True)

    page.goto(f"{live_server.url}/t/{cergy.pk}/search/?title=Permis+de+construire+2008")
    # Of the three units transferred, only the folder the reply left out is still there.
    assert _results(page) == before
    assert page.get_by_role("link", name=FOLDER).count() == 1
    for title in units:
        if title != FOLDER:
            assert page.get_by_role("link", name=title).count() == 0
    page.goto(f"{live_server.url}/t/{cergy.pk}/search/?title=PC+095+08")
    assert _results(page) == 0
    assert not page.console_errors

    # The bordereau (a document page, without the site's favicon: the browser's favicon request is not checked).
    page.goto(f"{live_server.url}/t/{cergy.pk}/transfers/{transfer.pk}/bordereau/")
    bordereau = page.locator("body").inner_text()
    assert "Bordereau de transfert" in bordereau and "Archives départementales du Val-d'Oise" in bordereau
    page.screenshot(path=str(ARTIFACTS / "transfer-bordereau.png"), full_page=True)


def _transfer_form_for_the_register(page, login, live_server):
    """Cergy's demo archives in vitam-lite; archiviste.cergy puts the 1920 births register and the units below it
    in the selection, then opens the transfer form from the selection page. Returns Cergy's tenant."""
    from sam.site.demo import seed_vitam_demo

    cergy = Tenant.objects.get(organisation__name="Cergy")
    seed_vitam_demo([cergy], say=lambda *_: None)
    login("archiviste.cergy")
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/t/{cergy.pk}/search/?title=Registre+des+naissances+1920")
    page.get_by_role("link", name=REGISTER).first.click()
    page.wait_for_load_state()
    page.locator("input[name=with_descendants]").check()
    page.locator("#add-to-selection").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/t/{cergy.pk}/selection/")
    page.get_by_role("link", name="Transférer").click()
    page.wait_for_load_state()
    return cergy


def test_a_transfer_past_the_limit_of_one_operation_is_shown_as_one_in_parts(page, login, live_server, vitam_url,
                                                                             demo, settings):
    settings.VITAM = {**settings.VITAM, "DISTRIBUTION_THRESHOLD": 2}
    cergy = _transfer_form_for_the_register(page, login, live_server)
    assert "plusieurs parties" in page.locator("#transfer-parts-rule").inner_text()
    page.locator("#id_archival_agreement").fill("IC-AD95-DEFINITIF")
    page.get_by_role("button", name="Préparer le transfert").click()
    page.wait_for_load_state()
    head = Transfer.objects.get(tenant=cergy, part_index=1)
    assert "Partie 1 sur 2 du transfert" in page.locator("#transfer-part").inner_text()
    page.screenshot(path=str(ARTIFACTS / "transfer-part-detail.png"), full_page=True)
    page.locator("#transfer-part a").click()
    page.wait_for_load_state()
    assert "Le transfert est fait en 2\u00a0parties" in page.locator("main").inner_text()
    assert page.locator("#transfer-parts tbody tr").count() == 2
    assert "SIP prêt 2/2" in page.locator("#group-state").inner_text()
    page.screenshot(path=str(ARTIFACTS / "transfer-in-parts.png"), full_page=True)
    page.goto(f"{live_server.url}/t/{cergy.pk}/transfers/")
    row = page.locator("tbody tr", has_text=head.group_reference)
    assert row.count() == 1 and "3 en 2\u00a0parties" in row.inner_text()
    page.screenshot(path=str(ARTIFACTS / "transfer-list-parts.png"), full_page=True)
    assert not page.console_errors


def test_a_transfer_in_parts_whose_first_part_vitam_refused_is_resumed_from_its_page(
        page, login, live_server, vitam_url, vitamlite_server, demo, settings):
    settings.VITAM = {**settings.VITAM, "DISTRIBUTION_THRESHOLD": 2}
    cergy = _transfer_form_for_the_register(page, login, live_server)
    page.locator("#id_archival_agreement").fill("IC-AD95-DEFINITIF")
    vitamlite_server.set_faults("error503:/access-external/v1/transfers")
    try:
        page.get_by_role("button", name="Préparer le transfert").click()
        page.wait_for_load_state()
    finally:
        vitamlite_server.set_faults("")
    head = Transfer.objects.get(tenant=cergy, part_index=1)
    page.goto(f"{live_server.url}/t/{cergy.pk}/transfers/{head.pk}/parts/")
    failure = page.locator("#group-failure").inner_text()
    assert "La partie 1 sur 2 n’a pas abouti" in failure and "Parties prêtes" not in failure
    assert "Parties non prêtes\u00a0: 1, 2 (3\u00a0unités)" in failure
    assert "En attente de la reprise du transfert" in page.locator("#transfer-parts").inner_text()
    page.screenshot(path=str(ARTIFACTS / "transfer-in-parts-failed.png"), full_page=True)
    page.get_by_role("button", name="Reprendre le transfert").click()
    page.wait_for_load_state()
    assert "SIP prêt 2/2" in page.locator("#group-state").inner_text()
    assert page.locator("#group-failure").count() == 0
    assert not page.console_errors


def test_the_group_page_says_which_reply_comes_next_and_refuses_the_next_parts_reply_first(
        page, login, live_server, vitam_url, demo, settings, tmp_path):
    settings.VITAM = {**settings.VITAM, "DISTRIBUTION_THRESHOLD": 2}
    cergy = _transfer_form_for_the_register(page, login, live_server)
    page.locator("#id_archival_agreement").fill("IC-AD95-DEFINITIF")
    page.get_by_role("button", name="Préparer le transfert").click()
    page.wait_for_load_state()
    head = Transfer.objects.get(tenant=cergy, part_index=1)
    second = Transfer.objects.get(group=head, part_index=2)
    page.goto(f"{live_server.url}/t/{cergy.pk}/transfers/{head.pk}/parts/")
    assert f"Réponse attendue ensuite\u00a0: partie 1 sur 2 ({head.reference})" in page.locator(
        "#group-next-reply").inner_text()
    assert "Après la réponse de la partie 1" in page.locator("#transfer-parts").inner_text()
    page.screenshot(path=str(ARTIFACTS / "transfer-in-parts-next-reply.png"), full_page=True)

    page.goto(f"{live_server.url}/t/{cergy.pk}/transfers/{second.pk}/")
    assert f"partie 1 sur 2 ({head.reference})" in page.locator("#reply-first").inner_text()
    manifest = etree.fromstring(zipfile.ZipFile(second.sip_path).read("manifest.xml"))
    reply_path = tmp_path / "reponse-partie-2.xml"
    reply_path.write_bytes(_reply(manifest, manifest.xpath("//s:ArchiveUnit/s:Content/s:SystemId/text()",
                                                           namespaces=NS)))
    page.locator("#id_reply").set_input_files(str(reply_path))
    page.get_by_role("button", name="Importer la réponse").click()
    page.wait_for_load_state()
    assert f"Importez d’abord la réponse de la partie 1 sur 2 ({head.reference})" in page.locator(
        "main").inner_text()
    page.screenshot(path=str(ARTIFACTS / "transfer-reply-out-of-order.png"), full_page=True)
    second.refresh_from_db()
    assert second.state == Transfer.State.SIP_READY and not second.reply_path
    assert not page.console_errors
