"""The header's context switcher: a person working for two communes moves from one to the other."""

import pytest

from tenants import services
from tenants.models import Organisation, Role, Tenant, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_switching_organisation_changes_the_header_and_the_menu(page, login, live_server, demo):
    pontoise = Organisation.objects.get(name="Pontoise")
    services.role_grant(actor=None, organisation=pontoise, user=User.objects.get(username="archiviste.cergy"),
                        role=Role.ARCHIVIST)
    cergy_tenant = Tenant.objects.get(organisation__name="Cergy")
    pontoise_tenant = Tenant.objects.get(organisation=pontoise)

    login("archiviste.cergy")
    switcher = page.locator("#switch-organisation")
    assert switcher.locator("option:checked").inner_text() == "Cergy"
    assert f'/t/{cergy_tenant.pk}/' in page.locator(".main-nav").inner_html()

    switcher.select_option(label="Pontoise")
    page.locator(".context-switcher button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "Contexte de travail changé." in page.locator(".messages").inner_text()
    assert page.locator("#switch-organisation option:checked").inner_text() == "Pontoise"
    assert "Vous travaillez pour Pontoise." in page.content()
    menu = page.locator(".main-nav").inner_html()
    assert f'/t/{pontoise_tenant.pk}/' in menu and f'/t/{cergy_tenant.pk}/' not in menu
