"""The issue's browser test: archiviste.cergy puts the 2008 building permits' folder (with its items) in her
selection, asks for its communication (DIP), follows it, downloads the zip and opens its manifest."""

from urllib.parse import urlencode
import io
import zipfile

import pytest
from lxml import etree

from tenants.models import Tenant
from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SEDA = "{fr:gouv:culture:archivesdefrance:seda:v2.1}"
FOLDER = "Permis de construire — 2008"


def _communication_form_for_the_folder(page, login, live_server, *, folder=FOLDER, words="Permis de construire",
                                      before=None):
    """Cergy's demo archives in vitam-lite (then `before(cergy)`, if given); archiviste.cergy finds the folder by
    the words of its title (the 2008 permits folder by default), puts it and the units below it in the
    selection, then opens the communication form from the selection page. Returns Cergy's tenant."""
    from sam.site.demo import seed_vitam_demo

    cergy = Tenant.objects.get(organisation__name="Cergy")
    seed_vitam_demo([cergy], say=lambda *_: None)
    if before is not None:
        before(cergy)
    login("archiviste.cergy")
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{live_server.url}/t/{cergy.pk}/search/?{urlencode({'title': words})}")
    page.get_by_role("link", name=folder).first.click()
    page.wait_for_load_state()
    page.get_by_label("avec les unités situées dessous").check()
    page.locator("#add-to-selection").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/t/{cergy.pk}/selection/")
    page.locator("#communicate-selection").click()
    page.wait_for_load_state()
    return cergy


def test_archivist_communicates_a_folder_and_opens_the_dip_manifest(page, login, live_server, vitam_url, demo):
    cergy = _communication_form_for_the_folder(page, login, live_server)
    assert "3 unités archivistiques seront communiquées" in page.locator("#communication-preview").inner_text()
    page.get_by_label("Demande d’un service versant").check()
    page.locator("#id_requester_name").fill("M. Dupont")
    page.locator("#id_requester_service").fill("Service urbanisme")
    page.screenshot(path=str(ARTIFACTS / "communication-request.png"), full_page=True)
    page.get_by_role("button", name="Préparer le DIP").click()
    page.wait_for_load_state()

    page.wait_for_selector("#download-dip")
    assert "Prêt à télécharger" in page.locator("#communication-state").inner_text()
    assert "3 unités archivistiques exportées avec 2 fichiers" in page.locator("#communication-report").inner_text()
    page.screenshot(path=str(ARTIFACTS / "communication-detail.png"), full_page=True)
    with page.expect_download() as download_info:
        page.locator("#download-dip").click()
    body = open(download_info.value.path(), "rb").read()

    with zipfile.ZipFile(io.BytesIO(body)) as dip:
        manifest = etree.fromstring(dip.read("manifest.xml"))
        titles = {node.text for node in manifest.iter(SEDA + "Title")}
        assert FOLDER in titles
        assert {"PC 095 08 0012 — maison individuelle", "PC 095 08 0047 — extension d'un garage"} <= titles
        uris = [node.text for node in manifest.iter(SEDA + "Uri")]
        assert len(uris) == 2 and set(uris) <= set(dip.namelist())
        assert manifest.findtext(f"{SEDA}Requester/{SEDA}Identifier") == "Service urbanisme"

    page.goto(f"{live_server.url}/t/{cergy.pk}/communications/")
    listing = page.locator("main").inner_text()
    assert "M. Dupont" in listing and FOLDER in listing
    page.screenshot(path=str(ARTIFACTS / "communication-list.png"), full_page=True)


def test_a_communication_past_the_threshold_is_delivered_in_two_dips(page, login, live_server, vitam_url, demo,
                                                                      settings):
    """Vitam's distribution threshold lowered to 2: the 3 units of the folder come in 2 DIPs, each downloaded."""
    settings.VITAM = {**settings.VITAM, "DISTRIBUTION_THRESHOLD": 2}
    cergy = _communication_form_for_the_folder(page, login, live_server)
    assert "livrée en 2 DIP d’au plus 2 unités" in page.locator("#communication-parts-notice").inner_text()
    page.get_by_label("Recherche").check()
    page.locator("#id_requester_name").fill("Mme Leroy")
    page.get_by_role("button", name="Préparer le DIP").click()
    page.wait_for_load_state()

    page.wait_for_selector("#download-dip-2")
    parts = page.locator("#communication-parts").inner_text()
    assert "DIP partie 1 sur 2 (2 unités" in parts and "DIP partie 2 sur 2 (1 unité" in parts
    page.screenshot(path=str(ARTIFACTS / "communication-detail-parts.png"), full_page=True)
    units = []
    for index in (1, 2):
        with page.expect_download() as download_info:
            page.locator(f"#download-dip-{index}").click()
        with zipfile.ZipFile(io.BytesIO(open(download_info.value.path(), "rb").read())) as dip:
            units += [unit.get("id") for unit in etree.fromstring(dip.read("manifest.xml")).iter(SEDA + "ArchiveUnit")]
    assert len(units) == len(set(units)) == 3

    page.goto(f"{live_server.url}/t/{cergy.pk}/communications/")
    assert "en 2 parties" in page.locator("main").inner_text()


def test_a_communication_whose_units_stream_is_refused_says_which_vitam_setting(page, login, live_server,
                                                                                 vitam_url, demo, settings,
                                                                                 monkeypatch):
    """Past Vitam's capped total (lowered to 2) the job lists the units through /units/stream; vitam-lite's
    unitsStreamThreshold lowered to 2 refuses it: the page says so in French, naming the setting."""
    from sam.vitam import limits
    from vitamlite import dip

    settings.VITAM = {**settings.VITAM, "DISTRIBUTION_THRESHOLD": 2}
    monkeypatch.setattr(limits, "HITS_TOTAL_CAP", 2)
    monkeypatch.setattr(dip, "STREAM_THRESHOLD", 2)
    cergy = _communication_form_for_the_folder(page, login, live_server)
    page.get_by_label("Recherche").check()
    page.locator("#id_requester_name").fill("Mme Leroy")
    page.get_by_role("button", name="Préparer le DIP").click()
    page.wait_for_load_state()

    page.wait_for_selector("main p.error")
    error = page.locator("main p.error").inner_text()
    assert "unitsStreamThreshold" in error and "réduisez la sélection" in error
    assert page.locator("#download-dip, #download-dip-1").count() == 0
    page.screenshot(path=str(ARTIFACTS / "communication-stream-refused.png"), full_page=True)


def test_the_done_part_of_a_communication_whose_second_part_failed_is_downloaded(page, login, live_server,
                                                                                 vitam_url, vitamlite_server, demo,
                                                                                 settings):
    """Part 1 of 2 ready, then Vitam unreachable when part 2 is asked: the page offers part 1's DIP now, says why
    part 2 cannot be had, and part 2's address refuses in French."""
    from sam.communication import services
    from sam.communication.models import Communication
    from sam.vitam.errors import VitamError

    settings.VITAM = {**settings.VITAM, "DISTRIBUTION_THRESHOLD": 2}
    cergy = _communication_form_for_the_folder(page, login, live_server)
    page.get_by_label("Recherche").check()
    page.locator("#id_requester_name").fill("Mme Leroy")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend",
                                  "QUEUES": ["default", "vitam"]}}  # the test runs the export itself
    with page.expect_navigation():
        page.get_by_role("button", name="Préparer le DIP").click()
    communication = Communication.objects.get(tenant=cergy)

    def vitam_down_after_the_first_part(done, total, message):
        if message == "Partie 1 sur 2 prête":
            vitamlite_server.set_faults("error503:/access-external/v2/dipexport")

    try:
        with pytest.raises(VitamError):
            services.communication_run(communication=communication, on_progress=vitam_down_after_the_first_part)
    finally:
        vitamlite_server.set_faults("")
    communication.refresh_from_db()
    assert communication.state == Communication.State.FAILED
    first = communication.parts.get(index=1)

    page.reload()
    assert "Partie 1 sur 2 prête\u00a0: téléchargez-la dès maintenant" in page.locator(
        "#communication-parts-available").inner_text()
    assert "La partie 2 sur 2 n’a pas été préparée\u00a0: la communication s’est arrêtée avant elle." in page.locator(
        "#part-unavailable-2").inner_text()
    assert page.locator("#download-dip-2").count() == 0 and page.locator("#resume-communication").count() == 1
    page.screenshot(path=str(ARTIFACTS / "communication-part-failed.png"), full_page=True)
    with page.expect_download() as download_info:
        page.locator("#download-dip-1").click()
    with zipfile.ZipFile(io.BytesIO(open(download_info.value.path(), "rb").read())) as dip:
        units = [unit.get("id") for unit in etree.fromstring(dip.read("manifest.xml")).iter(SEDA + "ArchiveUnit")]
    assert sorted(units) == sorted(first.unit_ids)  # each of part 1's units once, whatever the order

    page.goto(f"{live_server.url}/t/{cergy.pk}/communications/{communication.pk}/parts/2/dip.zip")
    assert "La partie 2 sur 2 n’a pas été préparée" in page.locator("main").inner_text()
    assert not page.console_errors
