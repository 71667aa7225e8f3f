"""Issue 14 item 7 in the browser, on the demo data: the final-action facet counts inherited rules, an
empty search lists the latest entries, the researcher finds a communicable document."""

import pytest

from tenants.models import Tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_tells_the_truth(page, login, live_server, vitam_url, demo):
    from sam.site.demo import seed_vitam_demo

    cergy = Tenant.objects.get(organisation__name="Cergy")
    pontoise = Tenant.objects.get(organisation__name="Pontoise")
    seed_vitam_demo([cergy, pontoise], say=lambda *_: None)

    login("archiviste.cergy")
    page.goto(f"{live_server.url}/t/{cergy.pk}/search/")
    rows = page.locator("main table tbody tr")
    assert rows.count() > 0  # an empty search lists units
    # The latest entries first: what Vitam answers sorted by #approximate_creation_date, whatever other
    # tests of the session deposited in the same vitam-lite since the demo was loaded.
    from sam.consultation.selectors import search_units
    from tenants.models import User

    latest = search_units(cergy, {}, user=User.objects.get(username="archiviste.cergy"), per_page=1).results[0]
    assert latest["Title"] in rows.first.inner_text()
    page.goto(f"{live_server.url}/t/{cergy.pk}/search/?title=Courrier+arriv%C3%A9")
    destroy = page.locator("section.facets li", has_text="Détruire").inner_text()
    # The filing node, the folder and its ten letters, each with its own or inherited final action
    # (own rules only would count the folder, the node and the letters: but not an item inheriting).
    assert destroy.split()[-1] == "12"
    page.locator("section.facets a", has_text="Détruire").click()
    page.wait_for_load_state()
    assert "Courrier arrivé — 2015" in page.locator("main table").inner_text()
    page.screenshot(path="/tmp/p14d-search.png", full_page=True)

    page.context.clear_cookies()
    login("chercheur")
    page.goto(f"{live_server.url}/researcher/?q=s%C3%A9ance")
    assert "Séance du 14 mars 2019" in page.locator("main").inner_text()
    assert not page.console_errors
