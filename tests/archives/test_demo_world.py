"""The vitam_world fixture (and the demo loaders behind it) set both communes up in vitam-lite."""

import pytest

from sam.vitam import SelectSingle
from tenants.vitam_clients import vitam_client


@pytest.mark.django_db
def test_both_tenants_have_rules_agencies_and_contracts(vitam_world):
    for tenant in (vitam_world.tenant_a, vitam_world.tenant_b):
        tenant.refresh_from_db()
        client = vitam_client(tenant)
        assert len(client.search_rules(SelectSingle().limit(100).build()).results) == 23
        assert client.get_access_contract(tenant.access_contract)["Status"] == "ACTIVE"
        assert client.get_ingest_contract(tenant.ingest_contract)["Identifier"] == tenant.ingest_contract
        assert client.get_access_contract(tenant.researcher_access_contract)["RuleCategoryToFilter"] == ["AccessRule"]
    assert vitam_world.extra["rule_types"]["ACC-00050"] == "AccessRule"


@pytest.mark.django_db
def test_seed_demo_loads_the_vitam_side_once(vitam_url, settings):
    """What `make run` does: the whole demo, twice, through the client (second run changes nothing)."""
    from io import StringIO

    from django.core.management import call_command

    from sam.vitam import Select, eq
    from tenants.models import Tenant

    first = StringIO()
    call_command("seed_demo", stdout=first)
    assert "Permis de construire — 2008 : OK" in first.getvalue()
    cergy = Tenant.objects.get(vitam_id=2)
    client = vitam_client(cergy)
    permits = client.search_units(Select().where(eq("Title", "Permis de construire — 2008")).build()).results
    assert len(permits) == 1
    parent = client.get_unit(permits[0]["#unitups"][0])
    assert parent["#unitType"] == "FILING_UNIT" and parent["Title"] == "Permis de construire"
    total = client.search_units(Select().build()).hits["total"]

    second = StringIO()
    call_command("seed_demo", stdout=second)
    assert " : OK" not in second.getvalue()
    assert client.search_units(Select().build()).hits["total"] == total


@pytest.mark.django_db
def test_demo_search_tells_the_truth(vitam_url, settings):
    """Issue 14 item 7 on the demo data: inherited final actions counted, each unit's own dates in the
    period facet, the latest entries first on an empty search, communicable documents for researchers."""
    from django.core.management import call_command

    from sam.consultation.selectors import search_units
    from tenants.models import Tenant, User

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    cergy = Tenant.objects.get(vitam_id=2)
    # The access contract comes from (user, tenant): an archivist of Cergy, and a researcher (no role there).
    archivist, researcher = User.objects.get(username="archiviste.cergy"), User.objects.get(username="chercheur")

    folder = next(unit for unit in search_units(cergy, {"title": "Permis de construire 2008"},
                                                user=archivist).results
                  if unit["Title"] == "Permis de construire — 2008")
    permits = search_units(cergy, {"opi": folder["#opi"]}, user=archivist)
    assert {unit["Title"] for unit in permits.results} == {
        "Permis de construire — 2008", "PC 095 08 0012 — maison individuelle", "PC 095 08 0047 — extension d'un garage"}
    final = {facet.name: {value: count for value, _label, count, _selected in facet.buckets}
             for facet in permits.facets}["final_action"]
    # The folder declares Destroy; its two permits inherit it (own rules only would count 1).
    assert final == {"Destroy": 3}

    letters = search_units(cergy, {"title": "Courrier arrivé"}, user=archivist, per_page=50)
    periods = {facet.name: facet.buckets for facet in letters.facets}["year"]
    assert [(label, count) for _value, label, count, _selected in periods] == [("2010–2019", 6), ("2020–2029", 5)]
    kept = search_units(cergy, {"title": "Courrier arrivé", "final_action": "Keep"}, user=archivist)
    assert kept.total == 0  # every letter's final action is Destroy, own or inherited

    latest = search_units(cergy, {}, user=archivist, per_page=5)
    assert latest.results[0]["Title"].startswith("Courrier arrivé")  # the last demo deposit, not the tree's top

    found = search_units(cergy, {"q": "séance"}, user=researcher, facets=False)
    assert "Séance du 14 mars 2019" in {unit["Title"] for unit in found.results}
    hidden = search_units(cergy, {"q": "agent"}, user=researcher, facets=False)
    assert hidden.total == 0  # personnel files stay closed for 50 years
