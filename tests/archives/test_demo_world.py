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
