"""Archival profiles, security profiles and contexts of vitam-lite over HTTP (admin tenant 1 for platform data)."""

import json

import pytest

from vitamlite import logbook

ADMIN = "/admin-external/v1"
XSD = b"""<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="fr:gouv:culture:archivesdefrance:seda:v2.1">
  <xsd:element name="ArchiveTransfer" type="xsd:string"/>
</xsd:schema>
"""
RNG = b"""<grammar xmlns="http://relaxng.org/ns/structure/1.0"><start><element name="ArchiveTransfer"><text/></element></start></grammar>"""
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema"><xsd:annotation><xsd:documentation>&lol2;</xsd:documentation></xsd:annotation></xsd:schema>
"""


@pytest.fixture(scope="module")
def db(lite):
    connection = lite.app.store.new_connection()
    yield connection
    connection.close()


def last_event(db, tenant, response):
    db.rollback()
    return logbook.get(db, tenant, response.headers["X-Request-Id"])["events"][-1]


def octet_put(http, path, content, *, tenant):
    return http.put(ADMIN + path, data=content, headers={"Content-Type": "application/octet-stream"}, tenant=tenant,
                    contract=None)


def test_profile_metadata_then_file_upload_and_download(http, db):
    created = http.post(ADMIN + "/profiles", json=[{"Name": "Délibérations", "Format": "XSD", "Status": "ACTIVE"},
                                                   {"Identifier": "PR-RNG", "Name": "Grammaire", "Format": "RNG"}],
                        tenant=0, contract=None)
    assert created.status_code == 201, created.text
    assert created.json()["$results"][0]["Identifier"] == "PR-000001"
    no_file = http.get(ADMIN + "/profiles/PR-000001", headers={"Accept": "application/octet-stream"}, tenant=0,
                       contract=None)
    assert no_file.status_code == 404

    uploaded = octet_put(http, "/profiles/PR-000001", XSD, tenant=0)
    assert uploaded.status_code == 200, uploaded.text
    assert last_event(db, 0, uploaded)["outDetail"] == "STP_UPDATE_PROFILE_JSON.OK"
    metadata = http.get(ADMIN + "/profiles/PR-000001", tenant=0, contract=None).json()["$results"][0]
    assert metadata["Path"].endswith(".xsd") and metadata["#version"] == 1
    download = http.get(ADMIN + "/profiles/PR-000001", headers={"Accept": "application/octet-stream"}, tenant=0,
                        contract=None)
    assert download.status_code == 200 and download.content == XSD
    assert octet_put(http, "/profiles/PR-RNG", RNG, tenant=0).status_code == 200


@pytest.mark.parametrize("content, expected", [
    (RNG, "n'est pas un schéma XSD"),
    (b"<xsd:schema xmlns:xsd='http://www.w3.org/2001/XMLSchema'>", "bien formé"),
    (BILLION_LAUGHS, "DOCTYPE"),
])
def test_profile_file_must_be_safe_well_formed_and_of_its_format(http, db, content, expected):
    http.post(ADMIN + "/profiles", json=[{"Identifier": "PR-CHECK", "Name": "Contrôle", "Format": "XSD"}], tenant=2,
              contract=None)
    response = octet_put(http, "/profiles/PR-CHECK", content, tenant=2)
    assert response.status_code == 400
    assert expected in response.json()["description"]
    assert last_event(db, 2, response)["outDetail"] == "STP_UPDATE_PROFILE_JSON.VALIDATION_ERROR.KO"
    assert "Path" not in http.get(ADMIN + "/profiles/PR-CHECK", tenant=2, contract=None).json()["$results"][0]


def test_profile_metadata_validation(http, db):
    missing = http.post(ADMIN + "/profiles", json=[{"Name": "Sans format"}], tenant=3, contract=None)
    assert missing.status_code == 400
    assert last_event(db, 3, missing)["outDetail"] == "STP_IMPORT_PROFILE_JSON.EMPTY_REQUIRED_FIELD.KO"
    wrong = http.post(ADMIN + "/profiles", json=[{"Name": "PDF", "Format": "PDF"}], tenant=3, contract=None)
    assert wrong.status_code == 400 and "Format" in wrong.json()["description"]
    assert http.put(ADMIN + "/profiles/PR-404", data=XSD, headers={"Content-Type": "application/octet-stream"},
                    tenant=3, contract=None).status_code == 404


def test_security_profiles_and_contexts_fixtures_on_the_admin_tenant(http, db, vitam_reference):
    fixtures = vitam_reference / "referentials" / "fixtures"
    agencies = (fixtures / "agencies_fixture.csv").read_bytes()
    assert http.post(ADMIN + "/agencies", data=agencies, tenant=0, contract=None).status_code == 201
    # IC_WITH_PROFILE names PR-000001 (an unknown profile is refused at import): the first profile of tenant 0,
    # unless an earlier test of this module created it.
    if http.get(ADMIN + "/profiles/PR-000001", tenant=0, contract=None).status_code == 404:
        assert http.post(ADMIN + "/profiles", json=[{"Identifier": "PR-000001", "Name": "Profil", "Format": "RNG"}],
                         tenant=0, contract=None).status_code == 201
    ingest = json.loads((fixtures / "referential_contracts_ok.json").read_text())
    assert http.post(ADMIN + "/ingestcontracts", json=ingest, tenant=0, contract=None).status_code == 201

    security = json.loads((fixtures / "security_profile_ok.json").read_text())
    refused = http.post(ADMIN + "/securityprofiles", json=security, tenant=0, contract=None)
    assert refused.status_code == 401 and refused.json()["description"] == "Tenant administration is required"
    assert http.post(ADMIN + "/securityprofiles", json=security, tenant=1, contract=None).status_code == 201
    contexts = json.loads((fixtures / "contexts.json").read_text())
    assert http.post(ADMIN + "/contexts", json=contexts, tenant=0, contract=None).status_code == 401
    created = http.post(ADMIN + "/contexts", json=contexts, tenant=1, contract=None)
    assert created.status_code == 201, created.text
    assert last_event(db, 1, created)["outDetail"] == "STP_IMPORT_CONTEXT.OK"

    # Platform-wide: readable from any tenant, stored once under the admin tenant.
    context = http.get(ADMIN + "/contexts/Context_IT", tenant=0, contract=None).json()["$results"][0]
    assert context["#tenant"] == 1 and context["EnableControl"] is True
    assert http.get(ADMIN + "/securityprofiles/admin-security-profile", tenant=5,
                    contract=None).json()["$results"][0]["FullAccess"] is True

    update = {"$action": [{"$set": {"Status": "INACTIVE"}}]}
    assert http.put(ADMIN + "/contexts/Context_IT", json=update, tenant=0, contract=None).status_code == 401
    updated = http.put(ADMIN + "/contexts/Context_IT", json=update, tenant=1, contract=None)
    assert updated.status_code == 200 and updated.json()["$results"][0]["Status"] == "INACTIVE"
    assert last_event(db, 1, updated)["outDetail"] == "STP_UPDATE_CONTEXT.OK"


def test_context_references_are_checked(http, db):
    assert http.post(ADMIN + "/securityprofiles", json=[{"Identifier": "SP-LECTURE", "Name": "Lecture",
                                                          "Permissions": ["units:read"]}],
                     tenant=1, contract=None).status_code == 201
    unknown_profile = http.post(ADMIN + "/contexts", json=[{"Identifier": "CTX-1", "Name": "A", "SecurityProfile": "SP-404"}],
                                tenant=1, contract=None)
    assert unknown_profile.status_code == 400
    assert last_event(db, 1, unknown_profile)["outDetail"] == "STP_IMPORT_CONTEXT.SECURITY_PROFILE_NOT_FOUND.KO"
    unknown_contract = http.post(ADMIN + "/contexts", json=[{
        "Identifier": "CTX-2", "Name": "B", "SecurityProfile": "SP-LECTURE",
        "Permissions": [{"tenant": 4, "AccessContracts": ["AC-404"], "IngestContracts": []}],
    }], tenant=1, contract=None)
    assert unknown_contract.status_code == 400
    assert "AC-404" in unknown_contract.json()["description"]
    assert last_event(db, 1, unknown_contract)["outDetail"] == "STP_IMPORT_CONTEXT.UNKNOWN_VALUE.KO"
    generated = http.post(ADMIN + "/contexts", json=[{"Name": "C", "SecurityProfile": "SP-LECTURE", "Status": "ACTIVE"}],
                          tenant=1, contract=None)
    assert generated.status_code == 201 and generated.json()["$results"][0]["Identifier"] == "CT-000001"
    full_and_listed = http.post(ADMIN + "/securityprofiles", json=[{"Name": "X", "FullAccess": True,
                                                                    "Permissions": ["units:read"]}],
                                tenant=1, contract=None)
    assert full_and_listed.status_code == 400


def test_context_given_at_start_controls_access_once_imported(lite, http, vitam_reference):
    """With the server's context set to Context_IT (EnableControl), a contract outside it is refused."""
    fixtures = vitam_reference / "referentials" / "fixtures"
    tenant = 6
    assert http.post(ADMIN + "/agencies", data=(fixtures / "agencies_fixture.csv").read_bytes(), tenant=tenant,
                     contract=None).status_code == 201
    assert http.post(ADMIN + "/accesscontracts", json=[{"Identifier": "AC-HORS", "Name": "Hors", "Status": "ACTIVE",
                                                        "EveryOriginatingAgency": True}],
                     tenant=tenant, contract=None).status_code == 201
    security = [{"Identifier": "SP-CTX", "Name": "SP-CTX", "FullAccess": True}]
    assert http.post(ADMIN + "/securityprofiles", json=security, tenant=1, contract=None).status_code == 201
    context = [{"Identifier": "CTX-CONTROL", "Name": "Contrôle", "Status": "ACTIVE", "EnableControl": True,
                "SecurityProfile": "SP-CTX",
                "Permissions": [{"tenant": 1, "AccessContracts": [], "IngestContracts": []},
                                {"tenant": tenant, "AccessContracts": [], "IngestContracts": []}]}]
    assert http.post(ADMIN + "/contexts", json=context, tenant=1, contract=None).status_code == 201
    lite.set_context("CTX-CONTROL")
    try:
        refused = http.get("/access-external/v1/units", json={"$query": [], "$projection": {}}, tenant=tenant,
                           contract="AC-HORS")
        assert refused.status_code == 401 and refused.json()["code"] == "000700"
    finally:
        lite.set_context(None)


def test_profile_metadata_update_with_json_and_bad_bodies(http, db):
    http.post(ADMIN + "/profiles", json=[{"Identifier": "PR-META", "Name": "Méta", "Format": "RNG"}], tenant=4,
              contract=None)
    updated = http.put(ADMIN + "/profiles/PR-META", json={"$action": [{"$set": {"Status": "ACTIVE", "Description": "d"}}]},
                       tenant=4, contract=None)
    assert updated.status_code == 200
    profile = updated.json()["$results"][0]
    assert (profile["Status"], profile["Description"], profile["#version"]) == ("ACTIVE", "d", 1)
    assert last_event(db, 4, updated)["outDetail"] == "STP_UPDATE_PROFILE_JSON.OK"
    not_a_list = http.post(ADMIN + "/profiles", json={"Name": "x", "Format": "XSD"}, tenant=4, contract=None)
    assert not_a_list.status_code == 400 and "liste JSON" in not_a_list.json()["description"]
    broken = http.post(ADMIN + "/profiles", data=b"[{", headers={"Content-Type": "application/json"}, tenant=4,
                       contract=None)
    assert broken.status_code == 412
