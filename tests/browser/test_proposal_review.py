"""Browser: archiviste.cergy picks the service producteur by typing part of its name (keyboard only), runs the
analysis, then reviews the proposal: filters it, excludes a unit after seeing which parent is kept with it."""

import os
from pathlib import Path

import pytest

from sam.elimination.models import Proposal
from tenants.models import Tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# SAM_SCREENSHOTS=folder keeps pictures of the picker and of the review page, to look at them.
SCREENSHOTS = os.environ.get("SAM_SCREENSHOTS", "")


def shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def test_picker_with_the_keyboard_then_the_review_of_the_proposal(page, login, live_server, vitam_url, demo):
    from sam.site.demo import seed_vitam_demo

    cergy = Tenant.objects.get(organisation__name="Cergy")
    seed_vitam_demo([cergy], say=lambda *_: None)
    login("archiviste.cergy")
    page.goto(f"{live_server.url}/t/{cergy.pk}/elimination/new/")
    page.locator("#id_proposal_title").fill("Revue des permis 2008")
    page.locator("input[name=mode][value=criteria]").check()
    page.locator("#id_title").fill("Permis de construire 2008")

    service = page.locator("#id_agency")  # the combobox took the field's id: its label points at it
    assert service.get_attribute("role") == "combobox"
    service.focus()
    page.keyboard.type("urbani")
    option = page.locator("#id_agency-suggestions [role=option]", has_text="Service de l'urbanisme")
    option.wait_for()
    shot(page, "picker-open")
    page.keyboard.press("ArrowDown")
    assert option.get_attribute("aria-selected") == "true"
    page.keyboard.press("Enter")  # chooses, does not send the form
    assert page.locator("#id_agency-value").input_value() == "CERGY-URBA"
    assert "Service de l'urbanisme" in service.input_value() and "CERGY-URBA" in service.input_value()
    assert page.locator("#id_agency-suggestions").is_hidden()
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    proposal = Proposal.objects.latest("pk")
    assert proposal.criteria["agency"] == "CERGY-URBA" and proposal.destroy_count == 3
    folders = page.locator("table.proposal-unit-table .folder-row").all_inner_texts()
    assert len(folders) == 2 and any("Permis de construire — 2008" in text and "2 unités" in text
                                     for text in folders)
    assert page.locator("table.proposal-unit-table a", has_text="PC 095 08 0047").count() == 1
    shot(page, "proposal-review")

    page.locator("#id_text").fill("garage")
    page.locator("form.unit-filters button[type=submit]").click()
    page.wait_for_load_state()
    rows = page.locator("table.proposal-unit-table tbody tr:not(.folder-row)")
    assert rows.count() == 1 and "garage" in rows.first.inner_text()
    rows.first.locator("input[name=unit]").check()
    page.locator("#exclude-units").click()
    page.wait_for_load_state()
    effect = page.locator("section.exclusion-effect")
    assert "Permis de construire — 2008" in effect.locator(".kept-parents").inner_text()
    assert "conservée" in effect.inner_text()
    shot(page, "exclusion-effect")
    assert proposal.units.filter(included=True).count() == 3  # nothing done before the confirmation
    page.locator("#confirm-exclusion").click()
    page.wait_for_load_state()
    assert "exclue" in page.locator(".messages, [role=status], .message").first.inner_text() or \
        "exclu" in page.locator("main").inner_text()
    assert set(proposal.units.filter(included=False).values_list("title", flat=True)) == {
        "Permis de construire — 2008", "PC 095 08 0047 — extension d'un garage"}

    # the tree browser: a node ticked goes to the selection with the units below it
    page.goto(f"{live_server.url}/t/{cergy.pk}/trees/")
    tick = page.locator("input.tree-tick").first
    title = tick.locator("xpath=following-sibling::a[1]").inner_text()
    tick.check()
    shot(page, "tree-ticks")
    page.locator("#add-ticked-nodes").click()
    page.wait_for_load_state()
    assert "1 unité ajoutée à votre sélection" in page.locator("main").inner_text()
    page.goto(f"{live_server.url}/t/{cergy.pk}/selection/")
    assert title.split(" ", 1)[-1] in page.locator("main").inner_text()

    # the rule picker of a mass update offers the rules of the category chosen beside it
    page.goto(f"{live_server.url}/t/{cergy.pk}/mass-updates/new/")
    page.locator("#id_category").select_option("HoldRule")
    page.locator("#id_rule").focus()
    page.keyboard.type("0")
    options = page.locator("#id_rule-suggestions [role=option]")
    options.first.wait_for()
    assert options.count() and all("(HOL-" in text for text in options.all_inner_texts())
    assert not page.console_errors


def test_several_units_picked_as_chips_removed_and_sent(page, login, live_server, vitam_url, demo):
    """'Ou ces unités': each unit chosen by its title becomes a chip (label and remove button); what is sent is
    the identifiers of the chips left."""
    from sam.site.demo import seed_vitam_demo

    cergy = Tenant.objects.get(organisation__name="Cergy")
    seed_vitam_demo([cergy], say=lambda *_: None)
    login("archiviste.cergy")
    page.goto(f"{live_server.url}/t/{cergy.pk}/elimination/new/")
    page.locator("#id_proposal_title").fill("Deux permis")
    page.locator("input[name=mode][value=criteria]").check()
    units = page.locator("#id_unit_ids")  # the combobox took the field's id: its label points at it
    assert units.get_attribute("role") == "combobox" and page.locator("#id_unit_ids-value").is_hidden()

    def pick(text):
        units.fill("")
        units.focus()
        page.keyboard.type(text)
        page.locator("#id_unit_ids-suggestions [role=option]").first.wait_for()
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")

    pick("PC 095 08 0047")
    pick("PC 095 08 0012")
    chips = page.locator(".picker-chip")
    assert chips.count() == 2 and "PC 095 08 0047" in chips.nth(0).inner_text()
    assert units.input_value() == ""
    shot(page, "units-chips")
    first, second = page.locator("#id_unit_ids-value").input_value().split("\n")
    chips.nth(0).get_by_role("button", name="Retirer PC 095 08 0047").click()
    assert chips.count() == 1 and page.locator("#id_unit_ids-value").input_value() == second
    # An identifier typed (nothing to choose in the list) is added as it is on Enter, checked by the form.
    units.fill("")
    units.focus()
    page.keyboard.type("pas/un/identifiant")
    page.keyboard.press("Enter")
    assert chips.count() == 2 and units.input_value() == ""
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "La ligne «\u00a0pas/un/identifiant\u00a0» n’est pas un identifiant" in page.locator("main").inner_text()
    assert page.locator(".picker-chip").count() == 2  # what was sent comes back as chips, to correct
    page.get_by_role("button", name="Retirer pas/un/identifiant").click()
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    proposal = Proposal.objects.latest("pk")
    assert proposal.criteria["unit_ids"] == [second] and first != second
    assert not page.console_errors
