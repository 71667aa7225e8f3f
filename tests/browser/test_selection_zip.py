"""archiviste.cergy ticks units, opens “Télécharger les fichiers (zip)” from the selection page, keeps the usages
the contract offers and downloads the zip the browser receives while it is being made."""

import zipfile

import pytest

from tenants.models import AuditEntry, Tenant
from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_download_the_files_of_a_selection(page, login, live_server, vitam_url, demo, tmp_path, settings):
    from sam.site.demo import seed_vitam_demo

    cergy = Tenant.objects.get(organisation__name="Cergy")
    seed_vitam_demo([cergy], say=lambda *_: None)
    login("archiviste.cergy")
    page.goto(f"{live_server.url}/t/{cergy.pk}/search/?title=Courrier+arriv%C3%A9")
    boxes = page.locator("#selection-form input[name=unit]")
    for index in range(2):
        boxes.nth(index).check()
    page.locator("#add-ticked").click()
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/t/{cergy.pk}/selection/")
    page.locator("#zip-selection").click()
    page.wait_for_load_state()
    form = page.locator("#zip-form").inner_text()
    assert "Original numérique" in form and "Copie de diffusion" in form and "BinaryMaster" not in form
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "selection-zip-form.png"), full_page=True)

    settings.ZIP_EXPORT_CONFIRM_UNITS = 1
    page.get_by_role("button", name="Télécharger le zip").click()
    page.wait_for_load_state()
    assert page.locator("#zip-estimate").inner_text().startswith("2 unités, 0 fichiers, environ")
    page.screenshot(path=str(ARTIFACTS / "selection-zip-confirm.png"), full_page=True)
    page.get_by_label("Je confirme le téléchargement de tous ces fichiers").check()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Télécharger le zip").click()
    download = download_info.value
    assert download.suggested_filename.startswith("fichiers-selection-") and download.suggested_filename.endswith(".zip")
    target = tmp_path / "selection.zip"
    download.save_as(target)
    with zipfile.ZipFile(target) as zipped:
        assert zipped.testzip() is None
        names = zipped.namelist()
        descriptions = [name for name in names if name.endswith("/_description.txt")]
        assert len(descriptions) == 2, names
        # The two ticked results are a series and a file of it: the file's folder is inside the series' one.
        outer, inner = sorted(descriptions, key=len)
        assert inner.startswith(outer.rsplit("/", 1)[0] + "/"), names
    entry = AuditEntry.objects.get(action="consultation.selection_zip")
    assert entry.after["units"] == 2 and entry.after["complete"] is True
