"""Browser: the referent of Cergy imports an Excel export of rules, reads the preview, imports, finds the rule."""

import pytest

from tenants.models import Tenant

pytestmark = pytest.mark.browser

CSV = ("Identifiant;Type;Intitulé;Description;Durée;Unité\r\n"
       "APP-CIMETIERE;DUA;Concessions funéraires;Registres et dossiers;99;ans\r\n"
       "APP-ERREUR;DUA;Ligne fautive;;1000;ans\r\n")


def test_referent_imports_rules_from_a_spreadsheet(page, login, live_server, demo, vitam_url, tmp_path):
    from sam.site.demo import ensure_contracts, ensure_referentials
    from tenants.vitam_clients import ADMIN, vitam_client
    from tests.factories import _counter

    tenant = Tenant.objects.get(organisation__name="Cergy")
    tenant.vitam_id = 1000 + next(_counter)  # a number of the session's vitam-lite no other test uses
    tenant.save(update_fields=["vitam_id"])
    client = vitam_client(tenant, contract=ADMIN)
    ensure_referentials(client, tenant.organisation, say=lambda *_: None)
    ensure_contracts(client, tenant, say=lambda *_: None)

    login("referent.cergy")
    page.goto(f"{live_server.url}/t/{tenant.pk}/rules/import/")
    bad = tmp_path / "export excel.csv"
    bad.write_bytes(CSV.encode("cp1252"))
    page.set_input_files("#id_file", str(bad))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    errors = page.locator(".file-errors li").all_inner_texts()
    assert len(errors) == 1 and "3" in errors[0] and "999" in errors[0]

    good = tmp_path / "export corrigé.csv"
    good.write_bytes(CSV.replace("1000;ans", "100;ans").encode("cp1252"))
    page.set_input_files("#id_file", str(good))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    added = page.locator(".diff-added li").all_inner_texts()
    assert any("APP-CIMETIERE" in text and "Concessions funéraires" in text for text in added)
    page.locator("form.confirm button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/t/{tenant.pk}/rules/?q=concessions")
    assert "APP-CIMETIERE" in page.locator("main table").inner_text()
    assert not page.console_errors
