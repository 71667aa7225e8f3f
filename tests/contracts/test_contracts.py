"""Ingest and access contracts of a tenant through the screens, against vitam-lite over HTTP."""

import re

import pytest
from django.urls import reverse

from referentials.contracts import services
from referentials.contracts.domain import ACCESS, INGEST
from sam.site.demo import agency_prefix
from sam.vitam import VitamUnavailable
from tenants.vitam_clients import ADMIN, vitam_client
from tenants.models import AuditEntry


def admin_client(tenant):
    return vitam_client(tenant, contract=ADMIN)


def url(name, tenant, *args):
    return reverse(f"contracts:{name}", args=[tenant.pk, *args])


@pytest.fixture
def archivist(client, vitam_world):
    client.force_login(vitam_world.archivist_a)
    return client


def ingest_form(**overrides):
    data = {"identifier": "", "Name": "Versements de la voirie", "Description": "Service voirie", "Status": "ACTIVE",
            "CheckParentLink": "AUTHORIZED", "MasterMandatory": "on", "EveryFormatType": "on",
            "FormatType": "", "snapshot": ""}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def access_form(**overrides):
    data = {"identifier": "", "Name": "Accès service urbanisme", "Description": "", "Status": "ACTIVE",
            "snapshot": ""}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_list_shows_the_tenant_contracts_and_their_default_use(archivist, vitam_world):
    tenant = vitam_world.tenant_a
    response = archivist.get(url("ingest_contract_list", tenant))
    assert response.status_code == 200
    text = response.content.decode()
    assert tenant.ingest_contract in text
    assert "badge-info" in text  # the tenant's default contract is marked
    response = archivist.get(url("access_contract_list", tenant), {"q": "chercheurs"})
    text = response.content.decode()
    assert tenant.researcher_access_contract in text
    assert f">{tenant.access_contract}<" not in text


def test_status_filter(archivist, vitam_world):
    tenant = vitam_world.tenant_a
    admin_client(tenant).import_access_contracts([{"Identifier": "AC-OLD", "Name": "Ancien", "Status": "INACTIVE"}])
    active = archivist.get(url("access_contract_list", tenant), {"status": "ACTIVE"}).content.decode()
    inactive = archivist.get(url("access_contract_list", tenant), {"status": "INACTIVE"}).content.decode()
    assert "AC-OLD" in inactive and "AC-OLD" not in active
    assert tenant.access_contract in active and tenant.access_contract not in inactive


def test_create_ingest_contract_with_generated_identifier(archivist, vitam_world):
    tenant = vitam_world.tenant_a
    response = archivist.post(url("ingest_contract_create", tenant), ingest_form(
        EveryFormatType=None, FormatType="fmt/18, fmt/95 x-fmt/111", EveryDataObjectVersion=None,
        DataObjectVersion=["BinaryMaster", "Dissemination"], ComputeInheritedRulesAtIngest="on"))
    assert response.status_code == 302, response.content.decode()[:3000]
    identifier = response["Location"].rstrip("/").split("/")[-1]
    assert re.fullmatch(r"IC-\d{6}", identifier)
    stored = admin_client(tenant).get_ingest_contract(identifier)
    assert stored["Name"] == "Versements de la voirie"
    assert stored["EveryFormatType"] is False
    assert sorted(stored["FormatType"]) == ["fmt/18", "fmt/95", "x-fmt/111"]
    assert sorted(stored["DataObjectVersion"]) == ["BinaryMaster", "Dissemination"]
    assert stored["ComputeInheritedRulesAtIngest"] is True
    entry = AuditEntry.objects.get(action="contracts.ingest_contract_create")
    assert entry.tenant == tenant and entry.target_id == identifier and entry.actor == vitam_world.archivist_a
    assert entry.after["Name"] == "Versements de la voirie"


def test_create_access_contract_with_agencies_and_typed_identifier(archivist, vitam_world):
    tenant = vitam_world.tenant_a
    prefix = agency_prefix(tenant.organisation)
    agencies = [a["Identifier"] for a in admin_client(tenant).search_agencies({"$query": {}, "$projection": {}})
                if a["Identifier"].startswith(prefix)][:2]
    response = archivist.post(url("access_contract_create", tenant), access_form(
        identifier="AC-URBA", OriginatingAgencies=agencies, EveryDataObjectVersion="on", AccessLog="on",
        RuleCategoryToFilter=["AccessRule"]))
    assert response.status_code == 302, response.content.decode()[:3000]
    stored = admin_client(tenant).get_access_contract("AC-URBA")
    assert sorted(stored["OriginatingAgencies"]) == sorted(agencies)
    assert stored["AccessLog"] == "ACTIVE" and stored["RuleCategoryToFilter"] == ["AccessRule"]
    detail = archivist.get(response["Location"]).content.decode()
    assert "AC-URBA" in detail and agencies[0] in detail


def test_form_errors_name_the_field_and_nothing_is_sent(archivist, vitam_world):
    tenant = vitam_world.tenant_a
    before = len(admin_client(tenant).search_ingest_contracts({"$query": {}, "$projection": {}}))
    response = archivist.post(url("ingest_contract_create", tenant), ingest_form(
        identifier="bad id!", EveryFormatType=None, FormatType="pdf, fmt/18"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"identifier", "FormatType"}
    assert "pdf" in errors["FormatType"][0] and "fmt/18" not in errors["FormatType"][0]
    assert 'id="id_FormatType_error"' in response.content.decode()
    response = archivist.post(url("access_contract_create", tenant), access_form(WritingRestrictedDesc="on"))
    assert set(response.context["form"].errors) == {"WritingRestrictedDesc"}
    assert len(admin_client(tenant).search_ingest_contracts({"$query": {}, "$projection": {}})) == before


def test_duplicate_identifier_is_refused_in_french(archivist, vitam_world):
    tenant = vitam_world.tenant_a
    response = archivist.post(url("ingest_contract_create", tenant), ingest_form(identifier=tenant.ingest_contract))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"identifier"}


def test_vitam_refusal_is_shown_in_french(vitam_world):
    """A refusal SAM did not foresee (an agency removed meanwhile) comes back as a French field error."""
    tenant = vitam_world.tenant_a
    with pytest.raises(services.ValidationError) as caught:
        services.contract_create(actor=vitam_world.archivist_a, tenant=tenant, kind=ACCESS,
                                 values={"Name": "X", "OriginatingAgencies": ["NO-SUCH-AGENCY"]})
    errors = caught.value.message_dict
    assert "OriginatingAgencies" in errors
    assert "NO-SUCH-AGENCY" in errors["OriginatingAgencies"][0]  # Vitam's own detail is kept
    assert not AuditEntry.objects.filter(action="contracts.access_contract_create").exists()


def test_edit_then_deactivate_and_activate(archivist, vitam_world):
    tenant = vitam_world.tenant_a
    admin_client(tenant).import_ingest_contracts([{"Identifier": "IC-EDIT", "Name": "Avant", "Status": "ACTIVE"}])
    page = archivist.get(url("ingest_contract_update", tenant, "IC-EDIT"))
    snapshot = page.context["form"].initial["snapshot"]
    response = archivist.post(url("ingest_contract_update", tenant, "IC-EDIT"), ingest_form(
        identifier=None, Name="Après", CheckParentLink="REQUIRED", snapshot=snapshot))
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = admin_client(tenant).get_ingest_contract("IC-EDIT")
    assert stored["Name"] == "Après" and stored["CheckParentLink"] == "REQUIRED"
    entry = AuditEntry.objects.get(action="contracts.ingest_contract_update")
    assert entry.before["Name"] == "Avant" and entry.after["Name"] == "Après"

    # Not used by SAM by default: deactivated at once.
    response = archivist.post(url("ingest_contract_deactivate", tenant, "IC-EDIT"))
    assert response.status_code == 302
    assert admin_client(tenant).get_ingest_contract("IC-EDIT")["Status"] == "INACTIVE"
    response = archivist.post(url("ingest_contract_activate", tenant, "IC-EDIT"))
    assert admin_client(tenant).get_ingest_contract("IC-EDIT")["Status"] == "ACTIVE"
    assert AuditEntry.objects.filter(action__in=["contracts.ingest_contract_deactivate",
                                                 "contracts.ingest_contract_activate"]).count() == 2


def test_deactivating_a_default_contract_asks_for_confirmation(archivist, vitam_world):
    tenant = vitam_world.tenant_a
    page = archivist.get(url("access_contract_deactivate", tenant, tenant.access_contract))
    text = page.content.decode()
    consequence = str(ACCESS.tenant_fields[0][1])
    assert page.context["consequences"] == [consequence]
    assert consequence in text
    response = archivist.post(url("access_contract_deactivate", tenant, tenant.access_contract))
    assert response.status_code == 200  # the confirmation box was not ticked
    assert admin_client(tenant).get_access_contract(tenant.access_contract)["Status"] == "ACTIVE"
    response = archivist.post(url("access_contract_deactivate", tenant, tenant.access_contract), {"confirm": "on"})
    assert response.status_code == 302
    assert admin_client(tenant).get_access_contract(tenant.access_contract)["Status"] == "INACTIVE"


def test_concurrent_edit_keeps_the_second_persons_input(client, vitam_world):
    tenant = vitam_world.tenant_a
    admin_client(tenant).import_access_contracts([{"Identifier": "AC-TWO", "Name": "Partagé", "Status": "ACTIVE"}])
    client.force_login(vitam_world.referent_a)
    first = client.get(url("access_contract_update", tenant, "AC-TWO")).context["form"].initial["snapshot"]
    second = first  # both opened the same version
    response = client.post(url("access_contract_update", tenant, "AC-TWO"),
                           access_form(identifier=None, Name="Renommé par Alice", snapshot=first))
    assert response.status_code == 302
    response = client.post(url("access_contract_update", tenant, "AC-TWO"),
                           access_form(identifier=None, Name="Version de Bob", Description="Note de Bob",
                                       snapshot=second))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Renommé par Alice" in text  # what changed meanwhile
    assert "Version de Bob" in text and "Note de Bob" in text  # Bob keeps his input
    assert admin_client(tenant).get_access_contract("AC-TWO")["Name"] == "Renommé par Alice"
    # Saving again applies Bob's version knowingly.
    resubmit = response.context["form"].data.copy()
    response = client.post(url("access_contract_update", tenant, "AC-TWO"), resubmit)
    assert response.status_code == 302
    assert admin_client(tenant).get_access_contract("AC-TWO")["Name"] == "Version de Bob"


def test_root_units_come_from_the_tenant_trees(archivist, vitam_world):
    tenant = vitam_world.tenant_a
    page = archivist.get(url("access_contract_create", tenant))
    assert page.status_code == 200
    assert 'data-searchable="true"' in page.content.decode()


@pytest.mark.parametrize("user", ["controller", "researcher_a"])
def test_who_may_not_change(client, vitam_world, user):
    tenant = vitam_world.tenant_a
    client.force_login(getattr(vitam_world, user))
    assert client.get(url("ingest_contract_create", tenant)).status_code == 404
    assert client.post(url("ingest_contract_create", tenant), ingest_form()).status_code == 404
    assert client.post(url("ingest_contract_deactivate", tenant, tenant.ingest_contract)).status_code == 404
    assert admin_client(tenant).get_ingest_contract(tenant.ingest_contract)["Status"] == "ACTIVE"


def test_kinds_are_distinct():
    assert INGEST.url_prefix == "ingest_contract" and ACCESS.url_prefix == "access_contract"


def ingest_holding_tree(tenant, title):
    """A small holding tree published in vitam-lite; returns {title: unit id}."""
    import tempfile
    from pathlib import Path

    from sam.lib.seda.sip import SipPackage, SipUnit, write_sip
    from sam.site.demo import ARCHIVAL_AGENCY, agency_prefix
    from sam.vitam import Select, in_

    prefix = agency_prefix(tenant.organisation)
    package = SipPackage(
        message_identifier=f"ARBRE-TEST-{tenant.vitam_id}", comment="Arbre", archival_agreement=tenant.ingest_contract,
        archival_agency=ARCHIVAL_AGENCY, transferring_agency=f"{prefix}-ARCH", originating_agency=f"{prefix}-ARCH",
        units=[SipUnit(title=title, description_level="Fonds", children=[
            SipUnit(title="Archives modernes", description_level="Subfonds")])])
    client = vitam_client(tenant)
    with tempfile.TemporaryDirectory() as folder:
        built = write_sip(package, Path(folder) / "sip.zip")
        with open(built.path, "rb") as sip:
            operation = client.ingest(sip, context_id="HOLDING_SCHEME")
    assert client.wait_for_operation(operation, timeout=60).is_ok
    units = client.search_units(Select().where(in_("#unitType", ["HOLDING_UNIT"])).fields("#id", "Title").build())
    return {unit["Title"]: unit["#id"] for unit in units.results}


def test_root_units_and_attachment_chosen_from_the_published_trees(archivist, vitam_world):
    tenant = vitam_world.tenant_a
    units = ingest_holding_tree(tenant, "Fonds de la commune A")
    fonds, modern = units["Fonds de la commune A"], units["Archives modernes"]
    page = archivist.get(url("access_contract_create", tenant))
    assert dict(page.context["form"].fields["RootUnits"].choices)[fonds].endswith(f"Fonds de la commune A ({fonds})")
    response = archivist.post(url("access_contract_create", tenant), access_form(
        identifier="AC-BRANCHE", EveryOriginatingAgency="on", RootUnits=[fonds], ExcludedRootUnits=[modern]))
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = admin_client(tenant).get_access_contract("AC-BRANCHE")
    assert stored["RootUnits"] == [fonds] and stored["ExcludedRootUnits"] == [modern]
    detail = archivist.get(response["Location"]).content.decode()
    assert f"Fonds de la commune A ({fonds})" in detail and f"Archives modernes ({modern})" in detail

    response = archivist.post(url("access_contract_create", tenant), access_form(
        identifier="AC-BOTH", RootUnits=[fonds], ExcludedRootUnits=[fonds]))
    assert set(response.context["form"].errors) == {"ExcludedRootUnits"}

    response = archivist.post(url("ingest_contract_create", tenant), ingest_form(
        identifier="IC-RATTACHE", CheckParentLink="REQUIRED", LinkParentId=modern, CheckParentId=[fonds]))
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = admin_client(tenant).get_ingest_contract("IC-RATTACHE")
    assert stored["LinkParentId"] == modern and stored["CheckParentId"] == [fonds]


def test_create_refused_while_vitam_is_down_keeps_the_input(archivist, vitam_world, vitamlite_server):
    tenant = vitam_world.tenant_a
    page = archivist.get(url("access_contract_create", tenant))
    assert page.status_code == 200
    vitamlite_server.set_faults("error503:/admin-external/v1/accesscontracts")
    try:
        response = archivist.post(url("access_contract_create", tenant), access_form(identifier="AC-PANNE",
                                                                                   Name="Saisie gardée"))
    finally:
        vitamlite_server.set_faults("")
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1 and errors[0].startswith(VitamUnavailable().user_message())
    assert 'value="Saisie gardée"' in response.content.decode()
    assert not AuditEntry.objects.filter(action__startswith="contracts.").exists()
