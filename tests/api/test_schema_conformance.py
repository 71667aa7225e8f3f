"""Real answers of the API match its OpenAPI schema: the description says what the views return.

Each call goes through the Django test client against vitam-lite; its status code must be one the schema
declares for the operation, its media type one declared for that answer, and a JSON body must validate
against the declared schema (required fields present, types, enums, nullability).
"""

import datetime
from pathlib import Path

import jsonschema
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from sam.lib.seda.sip import SipObject, SipPackage, SipRule, SipUnit, write_sip
from sam.site.demo import ARCHIVAL_AGENCY, agency_prefix
from tests.consultation.helpers import seed_archive


def json_schema(node, components):
    """An OpenAPI 3.0 schema as JSON Schema: references inlined, `nullable` as an alternative null."""
    if isinstance(node, list):
        return [json_schema(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return json_schema(components[node["$ref"].rsplit("/", 1)[1]], components)
    converted = {key: json_schema(value, components) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


class Conformance:
    def __init__(self, schema):
        self.schema = schema
        self.components = schema["components"]["schemas"]
        self.checked = set()

    def __call__(self, response, method: str, path: str):
        """Check one answer against the operation `method path` of the schema; the JSON body, if any."""
        operation = self.schema["paths"][path][method]
        where = f"{method.upper()} {path} → {response.status_code}"
        answer = operation["responses"].get(str(response.status_code))
        assert answer is not None, f"{where}: status not in the schema ({sorted(operation['responses'])}); " \
                                   f"{getattr(response, 'content', b'')[:300]!r}"
        content = answer.get("content") or {}
        self.checked.add((method, path, response.status_code))
        if response.status_code == 204:
            assert not content, where
            return None
        media = response["Content-Type"].split(";")[0].strip()
        assert media in content, f"{where}: {media} not among {sorted(content)}"
        if media != "application/json":
            return response
        body = response.json()
        try:
            jsonschema.validate(body, json_schema(content[media]["schema"], self.components))
        except jsonschema.ValidationError as error:
            pytest.fail(f"{where}: the answer does not match the schema: {error.message} at "
                        f"{'/'.join(map(str, error.absolute_path))}")
        return body


@pytest.fixture
def api(vitam_world):
    client = APIClient()
    client.force_authenticate(vitam_world.archivist_a)
    return client


@pytest.fixture
def conforms(api):
    response = api.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return Conformance(response.json())


T = "/api/v1/tenants/{tenant_pk}/"


def test_tenants_referentials_contracts_and_trees_answer_as_described(vitam_world, api, conforms):
    world, tenant = vitam_world, vitam_world.tenant_a
    base = f"/api/v1/tenants/{tenant.pk}/"

    # Organisations, users, memberships, audit: the referent's view.
    api.force_authenticate(world.referent_a)
    for plural in ("organisations", "tenants", "users", "memberships", "audit-entries"):
        page = conforms(api.get(f"/api/v1/{plural}/"), "get", f"/api/v1/{plural}/")
        assert page["results"], plural
        conforms(api.get(f"/api/v1/{plural}/{page['results'][0]['id']}/"), "get", f"/api/v1/{plural}/{{id}}/")

    # Common nomenclature (platform administrators): a template, a version, a preview, an application.
    api.force_authenticate(world.admin)
    n = "/api/v1/nomenclature/"
    rows = [{"Identifier": "SCHEMA-1", "Name": "Service du schéma", "Description": ""}]
    template = conforms(api.post(n + "templates/", {"kind": "agencies", "name": "Services communs", "rows": rows},
                                 format="json"), "post", n + "templates/")
    conforms(api.get(n + "templates/"), "get", n + "templates/")
    rows.append({"Identifier": "SCHEMA-2", "Name": "Autre service", "Description": "Deuxième"})
    version = conforms(api.post(f"{n}templates/{template['id']}/versions/", {"rows": rows, "comment": "v2"},
                                format="json"), "post", n + "templates/{id}/versions/")
    assert version == {"number": 2, "entries": 2}
    conforms(api.get(f"{n}templates/{template['id']}/"), "get", n + "templates/{id}/")
    previews = conforms(api.post(f"{n}templates/{template['id']}/preview/", {"tenants": [tenant.pk]}, format="json"),
                        "post", n + "templates/{id}/preview/")
    assert previews[0]["tenant"] == tenant.pk and "SCHEMA-2" in previews[0]["diff"]["added"]
    application = conforms(api.post(f"{n}templates/{template['id']}/apply/", {"tenants": [tenant.pk]},
                                    format="json"), "post", n + "templates/{id}/apply/")
    conforms(api.get(f"{n}applications/{application['id']}/"), "get", n + "applications/{id}/")

    # Rules and agencies: each path with its own columns.
    api.force_authenticate(world.archivist_a)
    rules = conforms(api.get(base + "rules/"), "get", T + "rules/")
    assert rules["count"] == len(rules["results"]) > 0 and "RuleType" in rules["results"][0]
    rule = conforms(api.get(f"{base}rules/id/{rules['results'][0]['RuleId']}/"), "get", T + "rules/id/{key}/")
    assert rule["RuleId"] == rules["results"][0]["RuleId"]
    agencies = conforms(api.get(base + "agencies/"), "get", T + "agencies/")
    assert agencies["results"] and "Name" in agencies["results"][0]
    conforms(api.get(f"{base}agencies/id/{agencies['results'][0]['Identifier']}/"), "get", T + "agencies/id/{key}/")
    export = conforms(api.get(base + "agencies/export/"), "get", T + "agencies/export/")
    assert export.content.startswith(b"Identifier")
    created = conforms(api.post(base + "agencies/", {"Identifier": "SCHEMA-AG", "Name": "Service créé"}, format="json"),
                       "post", T + "agencies/")
    assert created["Identifier"] == "SCHEMA-AG" and created["operation_id"]
    entry = conforms(api.get(base + "agencies/id/SCHEMA-AG/"), "get", T + "agencies/id/{key}/")
    changed = conforms(api.put(base + "agencies/id/SCHEMA-AG/", {"Name": "Service renommé", "Description": "",
                                                                  "version": entry["version"]}, format="json"),
                       "put", T + "agencies/id/{key}/")
    assert changed["Name"] == "Service renommé"
    stale = api.patch(base + "agencies/id/SCHEMA-AG/", {"Name": "Trop tard", "version": entry["version"]}, format="json")
    assert stale.status_code == 409, stale.content
    assert conforms(stale, "patch", T + "agencies/id/{key}/")["current"]["Name"] == "Service renommé"
    conforms(api.delete(base + "agencies/id/SCHEMA-AG/"), "delete", T + "agencies/id/{key}/")
    upload = SimpleUploadedFile("services.csv", b"Identifier,Name,Description\nSCHEMA-CSV,Service importe,\n",
                                content_type="text/csv")
    imported = conforms(api.post(base + "agencies/import/", {"file": upload, "mode": "merge"}, format="multipart"),
                        "post", T + "agencies/import/")
    assert imported["state"] == "ready", imported

    # Contracts and profiles: Vitam's documents; a stale #version answers 409 with the current document.
    for plural in ("ingest-contracts", "access-contracts"):
        documents = conforms(api.get(base + plural + "/"), "get", T + plural + "/")
        assert documents, plural
        conforms(api.get(f"{base}{plural}/{documents[0]['Identifier']}/"), "get", T + plural + "/{identifier}/")
    identifier = documents[0]["Identifier"]  # an access contract
    stale = api.patch(f"{base}access-contracts/{identifier}/", {"Name": "Autre nom", "#version": 99999}, format="json")
    assert stale.status_code == 409, stale.content
    assert conforms(stale, "patch", T + "access-contracts/{identifier}/")["current"]["Identifier"] == identifier
    conforms(api.get(base + "profiles/"), "get", T + "profiles/")

    # Filing trees: a draft, its nodes, a conflict, the published trees.
    drafts = T + "trees/drafts/"
    draft = conforms(api.post(base + "trees/drafts/", {"kind": "filing", "title": "Plan de classement"},
                              format="json"), "post", drafts)
    draft_url = f"{base}trees/drafts/{draft['id']}/"
    node = conforms(api.post(draft_url + "nodes/", {"version": draft["version"], "identifier": "ADM",
                                                     "title": "Administration générale"}, format="json"),
                    "post", drafts + "{id}/nodes/")
    assert node["identifier"] == "ADM"
    detail = conforms(api.get(draft_url), "get", drafts + "{id}/")
    assert detail["node_count"] == 1
    conforms(api.get(base + "trees/drafts/"), "get", drafts)
    conforms(api.get(draft_url + "nodes/"), "get", drafts + "{id}/nodes/")
    node_url = f"{draft_url}nodes/{node['id']}/"
    conforms(api.get(node_url), "get", drafts + "{id}/nodes/{node_pk}/")
    moved = conforms(api.patch(node_url, {"version": detail["version"], "title": "Administration"}, format="json"),
                     "patch", drafts + "{id}/nodes/{node_pk}/")
    assert moved["title"] == "Administration"
    conflict = conforms(api.patch(draft_url, {"version": 0, "title": "Ancien"}, format="json"),
                        "patch", drafts + "{id}/")
    assert conflict["version"] > 0
    version = conforms(api.get(draft_url), "get", drafts + "{id}/")["version"]
    deleted = conforms(api.delete(f"{node_url}?version={version}"), "delete", drafts + "{id}/nodes/{node_pk}/")
    assert deleted == {"deleted": 1}
    conforms(api.post(draft_url + "nodes/", {"version": version + 1, "identifier": "FIN", "title": "Finances"},
                      format="json"), "post", drafts + "{id}/nodes/")
    agency = agencies["results"][0]["Identifier"]
    publication = conforms(api.post(draft_url + "publish/", {"version": version + 2, "originating_agency": agency,
                                                             "archival_agency": agency}, format="json"),
                           "post", drafts + "{id}/publish/")
    assert publication["state"] == "done", publication
    roots = conforms(api.get(base + "trees/published/", {"kind": "filing"}), "get", T + "trees/published/")
    assert [root["title"] for root in roots] == ["Finances"]
    conforms(api.get(f"{base}trees/published/{roots[0]['id']}/children/"), "get",
             T + "trees/published/{unit_id}/children/")


def _sip(tenant, folder: Path) -> bytes:
    prefix = agency_prefix(tenant.organisation)
    folder.mkdir(parents=True, exist_ok=True)
    piece = folder / "deliberation.txt"
    piece.write_text("Délibération du conseil municipal.\n", encoding="utf-8")
    package = SipPackage(
        message_identifier="TEST-schema", comment="Schéma de l'API", archival_agreement=tenant.ingest_contract,
        archival_agency=ARCHIVAL_AGENCY, transferring_agency=f"{prefix}-ARCH", originating_agency=f"{prefix}-DG",
        units=[SipUnit(title="Délibérations 2022", description_level="File",
                       start_date=datetime.date(2022, 1, 1), end_date=datetime.date(2022, 12, 31),
                       rules=[SipRule("AccessRule", "ACC-00001", datetime.date(2022, 12, 31))],
                       children=[SipUnit(title="Délibération", description_level="Item",
                                         objects=[SipObject(path=piece, mime_type="text/plain")])])])
    return write_sip(package, folder / "sip.zip").path.read_bytes()


def test_deposits_units_and_eliminations_answer_as_described(vitam_world, api, conforms, settings, tmp_path):
    world, tenant = vitam_world, vitam_world.tenant_a
    settings.DEPOSITS_DIR = str(tmp_path / "deposits")
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    base = f"/api/v1/tenants/{tenant.pk}/"
    tenant.refresh_from_db()
    ids = seed_archive(tenant, set_up=False)

    # A deposit as a raw zip body, its status, the list and the ATR.
    response = api.generic("POST", base + "deposits/", _sip(tenant, tmp_path / "sip"), content_type="application/zip",
                           HTTP_X_FILENAME="schema.zip")
    deposit = conforms(response, "post", T + "deposits/")
    status = conforms(api.get(f"{base}deposits/{deposit['id']}/"), "get", T + "deposits/{id}/")
    assert status["state"] == "completed" and status["atr_url"]
    assert conforms(api.get(base + "deposits/"), "get", T + "deposits/")["count"] == 1
    conforms(api.get(status["atr_url"]), "get", T + "deposits/{id}/atr/")
    refused = conforms(api.post(base + "deposits/", {}, format="multipart"), "post", T + "deposits/")
    assert refused["detail"]

    # Search and one unit with its inherited rules and objects.
    found = conforms(api.get(base + "units/", {"q": "quartier"}), "get", T + "units/")
    assert ids["Plan du quartier"] in {unit["id"] for unit in found["results"]}
    unit = conforms(api.get(f"{base}units/{ids['Plan du quartier']}/"), "get", T + "units/{unit_id}/")
    assert unit["objects"] and unit["rules"] and unit["ancestors"]
    invalid = api.get(base + "units/", {"date_from": "pas une date"})
    assert conforms(invalid, "get", T + "units/") and invalid.status_code == 400

    # An elimination proposal through its steps up to the visa.
    proposals = T + "elimination-proposals/"
    proposal = conforms(api.post(base + "elimination-proposals/", {"title": "Schéma", "mode": "dua"}, format="json"),
                        "post", proposals)
    url = f"{base}elimination-proposals/{proposal['id']}/"
    conforms(api.get(base + "elimination-proposals/"), "get", proposals)
    conforms(api.get(url), "get", proposals + "{id}/")
    conforms(api.get(url + "units/"), "get", proposals + "{id}/units/")
    assert proposal["destroy_count"] == 3  # the public file of 2001 and its two items: DUA ended, Destroy
    assert conforms(api.post(url + "submit/"), "post", proposals + "{id}/submit/")["state"] == "submitted"
    api.force_authenticate(world.controller)
    decided = conforms(api.post(url + "decide/", {"approve": False, "comment": "Non"}, format="json"),
                       "post", proposals + "{id}/decide/")
    assert decided["state"] == "refused" and decided["decided_by"] == world.controller.username
    refused = api.post(url + "execute/")
    assert refused.status_code == 403 and conforms(refused, "post", proposals + "{id}/execute/")["detail"]
    api.force_authenticate(world.archivist_a)
    missing = conforms(api.get(url + "certificate/"), "get", proposals + "{id}/certificate/")
    assert missing["detail"]
