"""Services (agencies) of a tenant: screens, imports with Vitam's corpus, refusal to delete a used service."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from referentials.kinds import AGENCIES
from referentials.models import ReferentialImport
from sam.site.demo import agency_prefix
from sam.vitam import SelectSingle
from tenants.vitam_clients import ADMIN, vitam_client
from tenants.models import AuditEntry
from tests.referentials.conftest import ingest_units

pytestmark = pytest.mark.django_db


def url(name, world, **kwargs):
    return reverse(f"referentials:{name}", kwargs={"tenant_pk": world.tenant_a.pk, **kwargs})


def agencies(tenant) -> dict[str, dict]:
    client = vitam_client(tenant, contract=ADMIN)
    return {doc["Identifier"]: doc for doc in client.search_agencies(SelectSingle().limit(10000).build()).results}


def test_create_edit_and_list(vitam_world, client):
    client.force_login(vitam_world.archivist_a)
    response = client.post(url("agency_create", vitam_world), {"Identifier": "CCAS-01", "Name": "CCAS de la commune"})
    assert response.status_code == 302
    form = client.get(url("agency_update", vitam_world, key="CCAS-01")).context["form"]
    data = {name: form[name].value() or "" for name in form.fields if name != "Identifier"}
    data["Description"] = "Centre communal d'action sociale"
    assert client.post(url("agency_update", vitam_world, key="CCAS-01"), data).status_code == 302
    assert agencies(vitam_world.tenant_a)["CCAS-01"]["Description"] == "Centre communal d'action sociale"
    page = client.get(url("agency_list", vitam_world), {"q": "ccas"}).content.decode()
    assert "CCAS-01" in page and "FRAD095" not in page
    actions = list(AuditEntry.objects.filter(action__startswith="referentials.agency_").values_list("action", flat=True))
    assert sorted(actions) == ["referentials.agency_create", "referentials.agency_update"]


def test_delete_used_agency_is_refused_with_what_uses_it(vitam_world, client):
    used = ingest_units(vitam_world.tenant_a, [("Dossier du service", None, None)], service="URBA")
    admin = vitam_client(vitam_world.tenant_a, contract=ADMIN)
    admin.import_access_contracts([{"Identifier": "AC-URBA", "Name": "Urbanisme", "Status": "ACTIVE",
                                    "EveryOriginatingAgency": False, "OriginatingAgencies": [used]}])
    client.force_login(vitam_world.referent_a)
    response = client.post(url("agency_delete", vitam_world, key=used))
    assert response.status_code == 200
    page = response.content.decode()
    assert "AC-URBA" in page and "Dossier du service" in page
    assert used in agencies(vitam_world.tenant_a)
    # An unused one goes.
    unused = f"{agency_prefix(vitam_world.org_a)}-RH"
    assert client.post(url("agency_delete", vitam_world, key=unused)).status_code == 302
    assert unused not in agencies(vitam_world.tenant_a)


@pytest.mark.parametrize("name, ok", [
    ("agencies_OK_76.csv", True),
    ("agencies_OK_duplicate_names.csv", True),
    ("agencies_KO_duplicate_identifier.csv", False),
    ("agencies_KO_empty_line.csv", False),
])
def test_corpus_files(vitam_world, client, vitam_reference, name, ok):
    content = (vitam_reference / "referentials" / "agencies" / name).read_bytes()
    before = agencies(vitam_world.tenant_a)
    client.force_login(vitam_world.archivist_a)
    response = client.post(url("agency_import", vitam_world), {
        "file": SimpleUploadedFile(name, content, "text/csv"), "mode": "merge"})
    if not ok:
        assert response.status_code == 200 and response.context["file_errors"]
        assert not ReferentialImport.objects.exists() and agencies(vitam_world.tenant_a) == before
        return
    import_ = ReferentialImport.objects.get()
    assert import_.state == ReferentialImport.State.READY, import_.check_messages
    client.post(url("agency_import_confirm", vitam_world, pk=import_.pk))
    import_.refresh_from_db()
    assert import_.state == ReferentialImport.State.IMPORTED
    expected = {row["Identifier"] for row in AGENCIES.parse(content).rows}
    assert expected | set(before) == set(agencies(vitam_world.tenant_a))


def test_replacing_agencies_used_by_units_is_refused_by_vitam_check(vitam_world, client):
    used = ingest_units(vitam_world.tenant_a, [("Dossier", None, None)], service="FIN")
    client.force_login(vitam_world.archivist_a)
    content = b"Identifier,Name,Description\nNEW-01,Nouveau service,\n"
    client.post(url("agency_import", vitam_world), {"file": SimpleUploadedFile("s.csv", content), "mode": "replace"})
    import_ = ReferentialImport.objects.get()
    assert import_.state == ReferentialImport.State.REFUSED
    assert any(used in message for message in import_.check_messages), import_.check_messages
