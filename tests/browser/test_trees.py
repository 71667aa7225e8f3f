"""The issue's browser test: referent.cergy imports a filing plan CSV, previews it, publishes it and finds it
in the tree browser (levels opened on demand by static/sam/js/trees.js)."""

import re
import uuid

import pytest

from tenants.models import Tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_referent_imports_previews_publishes_and_browses_a_filing_plan(page, login, live_server, vitam_url, demo,
                                                                        tmp_path):
    from sam.site.demo import ensure_contracts, ensure_referentials
    from tenants.vitam_clients import ADMIN, vitam_client

    cergy = Tenant.objects.get(organisation__name="Cergy")
    client = vitam_client(cergy, contract=ADMIN)
    ensure_referentials(client, cergy.organisation, say=lambda *_: None)
    ensure_contracts(client, cergy, say=lambda *_: None)
    cergy.refresh_from_db()

    tag = uuid.uuid4().hex[:6]
    plan = tmp_path / "plan.csv"
    plan.write_bytes((
        "Identifiant;Identifiant parent;Intitulé;Niveau de description;Description;Règles;Sort final\n"
        f"Z;;Plan {tag};Série;;;\n"
        f"Z1;Z;Urbanisme {tag};Sous-série;;;\n"
        f"Z11;Z1;Permis de construire {tag};Dossier;Instruction;APP-PC;Détruire\n"
    ).encode("cp1252"))

    login("referent.cergy")
    page.goto(f"{live_server.url}/t/{cergy.pk}/trees/drafts/new/")
    page.locator("input[name=kind][value=filing]").check()
    page.locator("#id_title").fill(f"Plan de classement {tag}")
    page.locator("input[name=source][value=csv]").check()
    page.locator("#id_file").set_input_files(str(plan))
    page.locator("main form button[type=submit]").click()

    # The preview: valid, three nodes, the whole tree.
    page.wait_for_url(re.compile(r"/drafts/\d+/preview/$"))
    assert page.locator(".problems").count() == 0
    outline = page.locator(".tree-outline").inner_text()
    assert f"Permis de construire {tag}" in outline and "APP-PC" in outline

    page.locator("main a[href$='/publish/']").first.click()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/publications/\d+/$"))
    assert page.locator(".notice-success").count() == 1

    page.locator(".notice-success a").click()
    page.wait_for_load_state()
    tree = page.locator("ul.tree")
    assert f"Plan {tag}" in tree.inner_text() and f"Urbanisme {tag}" in tree.inner_text()
    assert f"Permis de construire {tag}" not in tree.inner_text()  # the third level loads on demand
    toggle = page.locator(f"xpath=//a[contains(@class, 'tree-label')][contains(., 'Urbanisme {tag}')]"
                          "/preceding-sibling::a[contains(@class, 'tree-toggle')]")
    toggle.click()
    page.get_by_text(f"Permis de construire {tag}").wait_for()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert toggle.locator(".visually-hidden").inner_text() == toggle.get_attribute("data-label-hide")
    # Keyboard: the toggle is a link; Enter closes the level again.
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.get_by_text(f"Permis de construire {tag}").is_visible()
    page.keyboard.press("Enter")
    page.get_by_text(f"Permis de construire {tag}").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == f"Permis de construire {tag}"
    assert "APP-PC" in page.content()
    assert page.console_errors == []


def test_archivist_builds_a_draft_in_the_editor(page, login, live_server, vitam_world):
    from referentials.trees.models import TreeDraft
    from tests.factories import PASSWORD

    tenant = vitam_world.tenant_a
    login(vitam_world.archivist_a.username, PASSWORD)
    page.goto(f"{live_server.url}/t/{tenant.pk}/trees/drafts/new/")
    page.locator("input[name=kind][value=holding]").check()
    page.locator("#id_title").fill("Arbre de la mairie annexe")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/drafts/\d+/$"))
    draft = TreeDraft.objects.get(title="Arbre de la mairie annexe")

    def add(identifier, title, level):
        page.locator("main a[href*='/nodes/add/']").first.click()
        page.locator("#id_identifier").fill(identifier)
        page.locator("#id_title").fill(title)
        page.locator("#id_level").select_option(level)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()

    add("F", "Fonds de la mairie annexe", "Fonds")
    page.get_by_role("link", name="Fonds de la mairie annexe").first.click()
    add("F1", "Archives modernes", "Subfonds")
    add("F2", "Archives contemporaines", "Subfonds")
    assert page.locator("main table tbody tr").count() == 2
    # Reorder: F2 goes first.
    page.locator("main table tbody tr").nth(1).locator("button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.locator("main table tbody tr").first.inner_text().startswith("F2")
    # A node cannot move under itself (the list of parents does not offer it); then F2 goes to the top level.
    page.get_by_role("link", name="F2", exact=True).click()
    page.locator("main a[href$='/move/']").click()
    offered = page.locator("#id_parent option").evaluate_all("options => options.map(o => o.value)")
    assert "F2" not in offered and "F1" in offered and offered[0] == ""
    page.locator("#id_parent").select_option("")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    # Delete F with its sub-level, after confirmation.
    page.goto(f"{live_server.url}/t/{tenant.pk}/trees/drafts/{draft.pk}/")
    page.get_by_role("link", name="Fonds de la mairie annexe").first.click()
    page.locator("main a[href$='/delete/']").last.click()
    assert "1" in page.locator(".confirm p").inner_text()  # one sub-level goes with it
    page.locator(".confirm button[type=submit]").click()
    page.wait_for_load_state()
    assert sorted(draft.nodes.values_list("identifier", flat=True)) == ["F2"]
    draft.refresh_from_db()
    assert draft.version == 7 and draft.changes.count() == 7
    assert page.console_errors == []
