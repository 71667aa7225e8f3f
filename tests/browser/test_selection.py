"""The issue's browser test: archiviste.cergy searches, ticks 3 units, selects the whole result set of another
search, sees the count on the selection page, launches a mass rule update from the selection, then an elimination
proposal from the same selection."""

import re

import pytest

from sam.elimination.models import MassUpdate, Proposal
from tenants.models import Tenant
from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _results(page) -> int:
    return int(re.search(r"(\d+)\s+résultat", page.locator("#results-title").inner_text()).group(1))


def test_select_units_and_a_whole_search_then_update_their_rules_then_propose_their_elimination(page, login, live_server, vitam_url, demo):
    from sam.site.demo import seed_vitam_demo

    cergy = Tenant.objects.get(organisation__name="Cergy")
    seed_vitam_demo([cergy], say=lambda *_: None)
    login("archiviste.cergy")

    page.goto(f"{live_server.url}/t/{cergy.pk}/search/?title=Courrier+arriv%C3%A9")
    boxes = page.locator("#selection-form input[name=unit]")
    assert boxes.count() >= 3
    for index in range(3):
        boxes.nth(index).check()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "selection-search-ticks.png"), full_page=True)
    page.locator("#add-ticked").click()
    page.wait_for_load_state()
    assert "3 unités ajoutées à votre sélection" in page.locator("main").inner_text()

    page.goto(f"{live_server.url}/t/{cergy.pk}/search/?title=March%C3%A9s+publics")
    whole_search = _results(page)
    assert whole_search >= 1
    page.locator("#select-all").click()
    page.wait_for_load_state()
    assert "Tous les résultats de cette recherche sont dans votre sélection" in page.locator("main").inner_text()

    page.goto(f"{live_server.url}/t/{cergy.pk}/selection/")
    count = page.locator("#selection-count").inner_text()
    assert count.startswith(f"{3 + whole_search} unités archivistiques"), count
    assert "Tous les résultats de la recherche" in page.locator(".selection-entries").inner_text()
    page.screenshot(path=str(ARTIFACTS / "selection-page.png"), full_page=True)

    page.get_by_role("link", name="Modifier les règles de gestion").click()
    page.wait_for_load_state()
    page.locator("#id_action").select_option("add")
    page.locator("#id_category").select_option("HoldRule")
    page.locator("#id_rule").fill("HOL-00001")
    page.locator("#id_hold_reason").fill("Contentieux en cours")
    page.locator("button[name=step][value=preview]").click()
    page.wait_for_load_state()
    assert f"{3 + whole_search} unités seront mises à jour" in page.locator(".mass-update-preview").inner_text()
    page.locator("#start-update").click()
    page.wait_for_load_state()
    update = MassUpdate.objects.get()
    assert update.state == MassUpdate.State.SUCCEEDED and update.ok_count == 3 + whole_search, update.error
    assert f"{3 + whole_search} unités mises à jour" in page.locator(".mass-update-result").inner_text()
    assert not page.console_errors

    # The same selection, now an elimination proposal of every unit in it (the visa workflow follows).
    page.goto(f"{live_server.url}/t/{cergy.pk}/selection/")
    page.get_by_role("link", name="Analyse d’élimination").click()
    page.wait_for_load_state()
    assert f"{3 + whole_search} unités dans la sélection" in page.locator("main").inner_text()
    page.locator("#id_proposal_title").fill("Élimination de la sélection")
    page.locator("input[name=mode][value=criteria]").check()
    page.locator("#id_confirmed").check()
    page.screenshot(path=str(ARTIFACTS / "selection-elimination.png"), full_page=True)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    proposal = Proposal.objects.get()
    assert proposal.title == "Élimination de la sélection" and proposal.state == Proposal.State.DRAFT, proposal.error
    assert page.url.endswith(f"/elimination/{proposal.pk}/")
    # Every unit of the selection was analysed: the ones on hold since the update above are in conflict.
    assert proposal.conflict_count >= 3 + whole_search, (proposal.destroy_count, proposal.conflict_count,
                                                         proposal.keep_count)
    assert "Élimination de la sélection" in page.locator("main").inner_text()
    assert not page.console_errors


def test_add_a_keyword_and_set_the_description_of_selected_units(page, login, live_server, vitam_url, demo):
    """archiviste.cergy ticks two units, adds a keyword and sets the description from the selection, and finds
    both changed on the unit page."""
    from sam.site.demo import seed_vitam_demo

    cergy = Tenant.objects.get(organisation__name="Cergy")
    seed_vitam_demo([cergy], say=lambda *_: None)
    login("archiviste.cergy")

    page.goto(f"{live_server.url}/t/{cergy.pk}/search/?title=Courrier+arriv%C3%A9")
    boxes = page.locator("#selection-form input[name=unit]")
    unit_ids = [boxes.nth(index).get_attribute("value") for index in range(2)]
    for index in range(2):
        boxes.nth(index).check()
    page.locator("#add-ticked").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/t/{cergy.pk}/selection/")
    page.locator("#selection-description").click()
    page.wait_for_load_state()

    page.locator("#id_action").select_option("add_keyword")
    page.locator("#id_keyword").fill("Voirie communale")
    page.locator("#id_keyword_type").select_option("subject")
    page.locator("button[name=step][value=preview]").click()
    page.wait_for_load_state()
    assert "2 unités seront mises à jour" in page.locator(".mass-update-preview").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "selection-description-form.png"), full_page=True)
    page.locator("#start-update").click()
    page.wait_for_load_state()
    assert "Unités mises à jour (ou déjà ainsi)\u00a0: 2." in page.locator(".mass-update-result").inner_text()

    page.goto(f"{live_server.url}/t/{cergy.pk}/selection/")
    page.locator("#selection-description").click()
    page.wait_for_load_state()
    page.locator("#id_action").select_option("set_description")
    page.locator("#id_description").fill("Courrier enregistré par le service urbanisme")
    page.locator("button[name=step][value=preview]").click()
    page.wait_for_load_state()
    page.locator("#start-update").click()
    page.wait_for_load_state()
    assert "Unités mises à jour (ou déjà ainsi)\u00a0: 2." in page.locator(".mass-update-result").inner_text()
    page.screenshot(path=str(ARTIFACTS / "selection-description-report.png"), full_page=True)
    assert MassUpdate.objects.filter(kind=MassUpdate.Kind.DESCRIPTION, state=MassUpdate.State.SUCCEEDED).count() == 2

    # a replacement that would leave a unit without its title: previewed, then refused by Vitam for that unit
    page.goto(f"{live_server.url}/t/{cergy.pk}/units/{unit_ids[0]}/")
    first_title = page.locator("h1").inner_text().strip()
    page.goto(f"{live_server.url}/t/{cergy.pk}/selection/")
    page.locator("#selection-description").click()
    page.wait_for_load_state()
    page.locator("#id_action").select_option("replace_text")
    page.locator("#id_target").select_option("Title")
    page.locator("#id_search_text").fill(first_title)
    page.locator("button[name=step][value=preview]").click()
    page.wait_for_load_state()
    examples = page.locator(".description-update-examples").inner_text()
    assert first_title in examples, examples
    page.screenshot(path=str(ARTIFACTS / "selection-description-examples.png"), full_page=True)
    page.locator("#start-update").click()
    page.wait_for_load_state()
    assert "(ou déjà ainsi)\u00a0: 1. Non mises à jour\u00a0: 1" in page.locator(".mass-update-result").inner_text()
    assert "Vitam refusera cette unité" in examples
    assert "l’unité resterait sans intitulé" in page.locator("main").inner_text()
    page.screenshot(path=str(ARTIFACTS / "selection-description-warning.png"), full_page=True)

    for unit_id in unit_ids:
        page.goto(f"{live_server.url}/t/{cergy.pk}/units/{unit_id}/")
        text = page.locator("main").inner_text()
        assert "Voirie communale" in text and "Courrier enregistré par le service urbanisme" in text, text
    page.screenshot(path=str(ARTIFACTS / "selection-description-unit.png"), full_page=True)
    assert not page.console_errors
