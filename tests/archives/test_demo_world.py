"""The vitam_world fixture (and the demo loaders behind it) set both communes up in vitam-lite."""

import pytest

from sam.vitam import SelectSingle
from sam.vitam_clients import vitam_client


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
