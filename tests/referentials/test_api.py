"""REST API of the referentials: same rules as the screens (token auth works too)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from referentials.models import ReferentialTemplate
from tests.referentials.conftest import ingest_units, rule_ids, rules_by_id
from tests.factories import api_key

pytestmark = pytest.mark.django_db


def api_as(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key(user)}")
    return client


def base(world):
    return f"/api/v1/tenants/{world.tenant_a.pk}/rules/"


def test_rules_crud_with_versions(vitam_world):
    api = api_as(vitam_world.archivist_a)
    listed = api.get(base(vitam_world), {"type": "AccessRule"}).json()
    assert listed["count"] == 6 and all(r["RuleType"] == "AccessRule" for r in listed["results"])
    created = api.post(base(vitam_world), {"RuleId": "APP-API", "RuleType": "AppraisalRule", "RuleValue": "Par l'API",
                                           "RuleDuration": "unlimited", "RuleMeasurement": "YEAR"}, format="json")
    assert created.status_code == 201, created.json()
    detail = api.get(f"{base(vitam_world)}id/APP-API/").json()
    assert detail["RuleDuration"] == "unlimited" and detail["usage"]["units"] == 0
    version = detail["version"]
    assert api.patch(f"{base(vitam_world)}id/APP-API/", {"RuleValue": "Renommée", "version": version},
                     format="json").status_code == 200
    # A second client still holding the old version gets 409 with the current values.
    stale = api.patch(f"{base(vitam_world)}id/APP-API/", {"RuleValue": "Autre", "version": version}, format="json")
    assert stale.status_code == 409 and stale.json()["current"]["RuleValue"] == "Renommée"
    invalid = api.post(base(vitam_world), {"RuleId": "X", "RuleType": "AppraisalRule", "RuleValue": "x",
                                           "RuleDuration": "1000", "RuleMeasurement": "YEAR"}, format="json")
    assert invalid.status_code == 400 and "RuleDuration" in invalid.json()
    assert api.delete(f"{base(vitam_world)}id/APP-API/").status_code == 204
    assert "APP-API" not in rule_ids(vitam_world.tenant_a)


def test_delete_used_rule_answers_409_with_units(vitam_world):
    ingest_units(vitam_world.tenant_a, [("Arrêtés 2019", "APP-ARRETES", "AppraisalRule")])
    response = api_as(vitam_world.referent_a).delete(f"{base(vitam_world)}id/APP-ARRETES/")
    assert response.status_code == 409
    assert response.json()["units"] == 1 and response.json()["first_units"][0]["title"] == "Arrêtés 2019"


def test_import_and_export(vitam_world):
    api = api_as(vitam_world.archivist_a)
    content = "Identifiant;Type;Intitulé;Durée;Unité\r\nAPP-IMP;DUA;Importée;3;ans\r\n".encode("cp1252")
    response = api.post(f"{base(vitam_world)}import/", {"file": SimpleUploadedFile("r.csv", content),
                                                        "mode": "merge", "confirm": "true"}, format="multipart")
    assert response.status_code == 201 and response.json()["state"] == "imported", response.json()
    assert rules_by_id(vitam_world.tenant_a)["APP-IMP"]["RuleDuration"] == "3"
    bad = api.post(f"{base(vitam_world)}import/", {"file": SimpleUploadedFile("r.csv", b"RuleId,RuleType\nA,B\n")},
                   format="multipart")
    assert bad.status_code == 400 and bad.json()["code"] == "file_refused"
    export = api.get(f"{base(vitam_world)}export/")
    assert export.status_code == 200 and b"APP-IMP" in export.content


@pytest.mark.parametrize("role, read, write", [
    ("referent_a", 200, 201), ("archivist_a", 200, 201), ("controller", 404, 404), ("researcher_a", 404, 404)])
def test_permissions(vitam_world, role, read, write):
    api = api_as(getattr(vitam_world, role))
    assert api.get(base(vitam_world)).status_code == read
    response = api.post(f"/api/v1/tenants/{vitam_world.tenant_a.pk}/agencies/",
                        {"Identifier": f"SRV-{role}", "Name": "Service"}, format="json")
    assert response.status_code == write
    assert api.get("/api/v1/nomenclature/templates/").status_code == 404


def test_nomenclature_api(vitam_world):
    api = api_as(vitam_world.admin)
    created = api.post("/api/v1/nomenclature/templates/", {
        "kind": "agencies", "name": "Services communs",
        "rows": [{"Identifier": "SRV-COMMUN", "Name": "Service commun", "Description": ""}]}, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    tenants = [vitam_world.tenant_a.pk, vitam_world.tenant_b.pk]
    preview = api.post(f"/api/v1/nomenclature/templates/{pk}/preview/", {"tenants": tenants}, format="json").json()
    assert [p["status"] for p in preview] == ["ready", "ready"] and preview[0]["diff"]["added"] == ["SRV-COMMUN"]
    applied = api.post(f"/api/v1/nomenclature/templates/{pk}/apply/", {"tenants": tenants}, format="json")
    assert applied.status_code == 202
    result = api.get(f"/api/v1/nomenclature/applications/{applied.json()['id']}/").json()
    assert [r["status"] for r in result["results"]] == ["succeeded", "succeeded"]
    again = api.post(f"/api/v1/nomenclature/templates/{pk}/apply/", {"tenants": tenants}, format="json").json()
    assert [r["status"] for r in again["results"]] == ["up_to_date", "up_to_date"]
    version = api.post(f"/api/v1/nomenclature/templates/{pk}/versions/",
                       {"rows": [{"Identifier": "SRV-COMMUN", "Name": "Service commun renommé"}]}, format="json")
    assert version.status_code == 201 and version.json()["number"] == 2
    assert ReferentialTemplate.objects.get(pk=pk).current.rows[0]["Name"] == "Service commun renommé"
