"""Tenant isolation through the client: a commune on tenant 52 sees nothing of tenant 53's units,
object groups, referentials or operations, even knowing their ids (dedicated tenants on the shared
vitam-lite, standing for "tenant 2 / tenant 3")."""

import io

import pytest

from sam.lib.seda.sip import SipPackage, SipUnit, write_sip
from sam.vitam import Select, SelectSingle, VitamClient, VitamContext, VitamNotFound, VitamUnauthorized, eq, in_

OURS, THEIRS = 52, 53


def _prepare(tenant, contract, agency, tmp_path):
    client = VitamClient(VitamContext(tenant=tenant, access_contract=contract))
    client.import_agencies(io.BytesIO(f"Identifier,Name,Description\n{agency},Commune {tenant},\n".encode()), "a.csv")
    client.import_rules(io.BytesIO(b"RuleId,RuleType,RuleValue,RuleDescription,RuleDuration,RuleMeasurement\n"
                                   + f"ACC-{tenant},AccessRule,Regle {tenant},,25,YEAR\n".encode()), "r.csv")
    client.import_ingest_contracts([{"Identifier": f"IC-{tenant}", "Name": f"IC {tenant}", "Status": "ACTIVE"}])
    client.import_access_contracts([{"Identifier": contract, "Name": contract, "Status": "ACTIVE",
                                     "EveryOriginatingAgency": True, "EveryDataObjectVersion": True}])
    sip = write_sip(SipPackage(message_identifier=f"SIP-{tenant}", archival_agency=agency, transferring_agency=agency,
                               originating_agency=agency, archival_agreement=f"IC-{tenant}",
                               units=[SipUnit(title=f"Registre secret {tenant}")]), tmp_path / f"{tenant}.zip")
    operation_id = client.ingest(sip.path)
    assert client.wait_for_operation(operation_id, timeout=60, poll_interval=0.1).is_ok
    unit_ids = [u["#id"] for u in client.search_units(Select().where(eq("#opi", operation_id)).fields("#id"))]
    return client, operation_id, unit_ids


def test_another_tenant_sees_nothing(vitam_url, tmp_path):
    ours, _, _ = _prepare(OURS, "AC-OURS", "COMMUNE_A", tmp_path)
    theirs, their_operation, their_units = _prepare(THEIRS, "AC-THEIRS", "COMMUNE_B", tmp_path)
    assert their_units

    # Units and objects: unknown ids answer 404 like missing ones; searches find nothing.
    with pytest.raises(VitamNotFound):
        ours.get_unit(their_units[0])
    with pytest.raises(VitamNotFound):
        ours.get_object_group(their_units[0])
    assert ours.search_units(Select().where(in_("#id", their_units))).results == []
    assert ours.search_units(Select().where(eq("Title", f"Registre secret {THEIRS}"))).total == 0
    # Operations and logbook.
    with pytest.raises(VitamNotFound):
        ours.operation_status(their_operation)
    with pytest.raises(VitamNotFound):
        ours.get_operation(their_operation)
    assert ours.search_operations(SelectSingle().where(eq("#id", their_operation))).results == []
    # Referentials.
    with pytest.raises(VitamNotFound):
        ours.get_rule(f"ACC-{THEIRS}")
    with pytest.raises(VitamNotFound):
        ours.get_agency("COMMUNE_B")
    assert ours.search_access_contracts(SelectSingle().where(eq("Identifier", "AC-THEIRS"))).results == []
    # Their access contract does not exist on our tenant: borrowing it is refused.
    borrowed = VitamClient(VitamContext(tenant=OURS, access_contract="AC-THEIRS"))
    with pytest.raises(VitamUnauthorized):
        borrowed.search_units(Select())
    # And they still see their own data.
    assert theirs.get_unit(their_units[0])["Title"] == f"Registre secret {THEIRS}"
