"""Access and ingest contracts of vitam-lite over HTTP: Vitam's fixtures, validation, updates, logbook."""

import json

import pytest

from vitamlite import logbook, units_store

ADMIN = "/admin-external/v1"


@pytest.fixture(scope="module")
def db(lite):
    connection = lite.app.store.new_connection()
    yield connection
    connection.close()


def fixtures(vitam_reference, name):
    return json.loads((vitam_reference / "referentials" / "fixtures" / name).read_text())


def agencies(http, tenant, identifiers):
    content = "Identifier,Name,Description\n" + "".join(f"{i},{i},\n" for i in identifiers)
    assert http.post(ADMIN + "/agencies", data=content.encode(), tenant=tenant, contract=None).status_code == 201


def last_event(db, tenant, response):
    db.rollback()
    return logbook.get(db, tenant, response.headers["X-Request-Id"])["events"][-1]


def test_vitam_fixtures_import_with_201(http, vitam_reference):
    agencies_csv = (vitam_reference / "referentials" / "fixtures" / "agencies_fixture.csv").read_bytes()
    assert http.post(ADMIN + "/agencies", data=agencies_csv, tenant=0, contract=None).status_code == 201
    # IC_WITH_PROFILE names PR-000001: Vitam refuses an ingest contract naming an unknown profile.
    assert http.post(ADMIN + "/profiles", json=[{"Identifier": "PR-000001", "Name": "Profil", "Format": "RNG"}],
                     tenant=0, contract=None).status_code == 201

    ingest = http.post(ADMIN + "/ingestcontracts", json=fixtures(vitam_reference, "referential_contracts_ok.json"),
                       tenant=0, contract=None)
    assert ingest.status_code == 201, ingest.text
    access = http.post(ADMIN + "/accesscontracts", json=fixtures(vitam_reference, "access_contracts.json"),
                       tenant=0, contract=None)
    assert access.status_code == 201, access.text

    # The entry carrying Vitam's DB fields (_id, _tenant: 7, _v) is stored on the request's tenant with new ids.
    standard = http.get(ADMIN + "/ingestcontracts/AC-000001", tenant=0, contract=None).json()["$results"][0]
    assert standard["#tenant"] == 0 and standard["#id"] != "aefqaaaaa4hjigi7abyekaldwznbhbyabbbq"
    assert "_id" not in standard and "_tenant" not in standard and standard["#version"] == 0
    # dd/MM/yyyy dates of the fixtures are stored as ISO dates.
    contract = http.get(ADMIN + "/accesscontracts/contract", tenant=0, contract=None).json()["$results"][0]
    assert contract["CreationDate"] == "1800-12-10T00:00" and contract["DeactivationDate"] == "4200-12-31T00:00"
    assert "RuleCategoryToFilter" not in contract
    assert http.get(ADMIN + "/accesscontracts/contract_rule", tenant=0,
                    contract=None).json()["$results"][0]["RuleCategoryToFilter"] == ["HoldRule"]
    names = http.get(ADMIN + "/ingestcontracts", json={"$query": {}, "$projection": {"$fields": {"Identifier": 1}}},
                     tenant=0, contract=None).json()["$results"]
    assert {doc["Identifier"] for doc in names} >= {"ArchivalAgreement0", "NOT_IN_CONTEXT", "IC_WITH_PROFILE"}


def test_duplicate_identifier_is_refused_and_logged(http, db):
    agencies(http, 2, ["AG-1"])
    contract = {"Identifier": "AC-DUP", "Name": "Un", "Status": "ACTIVE", "OriginatingAgencies": ["AG-1"]}
    assert http.post(ADMIN + "/accesscontracts", json=[contract], tenant=2, contract=None).status_code == 201
    again = http.post(ADMIN + "/accesscontracts", json=[{**contract, "Name": "Deux"}], tenant=2, contract=None)
    assert again.status_code == 400 and again.json()["code"] == "020120"
    assert "AC-DUP" in again.json()["description"]
    event = last_event(db, 2, again)
    assert event["outDetail"] == "STP_IMPORT_ACCESS_CONTRACT.IDENTIFIER_DUPLICATION.KO"
    assert event["outMessg"] == "Échec de l'import du contrat d'accès : l'identifiant est déjà utilisé"
    # Vitam's ContractLogbookService keys the details by kind of refusal, in its own words.
    assert json.loads(event["evDetData"]) == {"Duplicate Field": "The contract AC-DUP already exists in database"}
    twice = http.post(ADMIN + "/accesscontracts", json=[{**contract, "Identifier": "AC-X"}, {**contract, "Identifier": "AC-X"}],
                      tenant=2, contract=None)
    assert twice.status_code == 400
    assert http.get(ADMIN + "/accesscontracts/AC-X", tenant=2, contract=None).status_code == 404


def test_unknown_agency_missing_name_and_bad_enum_are_refused(http, db):
    agencies(http, 3, ["AG-1"])
    cases = [
        ({"Name": "C", "OriginatingAgencies": ["AG-1", "AG-INCONNU"]}, "AGENCY_NOT_FOUND", "AG-INCONNU"),
        ({"Description": "sans nom"}, "EMPTY_REQUIRED_FIELD", "Name"),
        ({"Name": "C", "Status": "ACTIF"}, "NOT_IN_ENUM", "Status"),
        ({"Name": "C", "DataObjectVersion": ["Original"]}, "NOT_IN_ENUM", "DataObjectVersion"),
        ({"Name": "C", "WritingPermission": "oui"}, "VALIDATION_ERROR", "WritingPermission"),
        ({"Name": "C", "ActivationDate": "31/02/2020"}, "VALIDATION_ERROR", "ActivationDate"),
    ]
    for contract, reason, named in cases:
        response = http.post(ADMIN + "/accesscontracts", json=[contract], tenant=3, contract=None)
        assert response.status_code == 400, contract
        assert named in response.json()["description"]
        assert last_event(db, 3, response)["outDetail"] == f"STP_IMPORT_ACCESS_CONTRACT.{reason}.KO"
    assert http.get(ADMIN + "/accesscontracts", json={"$query": {}, "$projection": {}}, tenant=3,
                    contract=None).json()["$results"] == []


def test_identifiers_are_generated_and_defaults_filled(http):
    agencies(http, 4, ["AG-1"])
    response = http.post(ADMIN + "/accesscontracts", json=[{"Name": "Premier", "Status": "ACTIVE"}, {"Name": "Second"}],
                         tenant=4, contract=None)
    assert response.status_code == 201
    first, second = response.json()["$results"]
    assert (first["Identifier"], second["Identifier"]) == ("AC-000001", "AC-000002")
    assert first["ActivationDate"] and "DeactivationDate" not in first
    assert second["Status"] == "INACTIVE" and second["DeactivationDate"]
    assert first["EveryOriginatingAgency"] is False and first["AccessLog"] == "INACTIVE"
    ingest = http.post(ADMIN + "/ingestcontracts", json=[{"Name": "Versement"}], tenant=4, contract=None).json()
    contract = ingest["$results"][0]
    assert contract["Identifier"] == "IC-000001"
    assert (contract["CheckParentLink"], contract["MasterMandatory"], contract["EveryFormatType"]) == ("AUTHORIZED", True, True)


def test_update_by_id_changes_status_and_dates(http, db):
    agencies(http, 5, ["AG-1", "AG-2"])
    created = http.post(ADMIN + "/accesscontracts", json=[{"Identifier": "AC-UP", "Name": "A", "Status": "ACTIVE",
                                                           "OriginatingAgencies": ["AG-1"]}], tenant=5, contract=None)
    before = created.json()["$results"][0]
    update = {"$action": [{"$set": {"Status": "INACTIVE", "OriginatingAgencies": ["AG-1", "AG-2"]}},
                          {"$unset": ["Description"]}]}
    response = http.put(ADMIN + "/accesscontracts/AC-UP", json=update, tenant=5, contract=None)
    assert response.status_code == 200, response.text
    after = http.get(ADMIN + "/accesscontracts/AC-UP", tenant=5, contract=None).json()["$results"][0]
    assert after["Status"] == "INACTIVE" and after["OriginatingAgencies"] == ["AG-1", "AG-2"]
    assert after["#version"] == 1 and after["#id"] == before["#id"] and after["DeactivationDate"]
    assert after["CreationDate"] == before["CreationDate"]
    event = last_event(db, 5, response)
    assert event["outDetail"] == "STP_UPDATE_ACCESS_CONTRACT.OK"

    unknown_agency = http.put(ADMIN + "/accesscontracts/AC-UP", json={"$action": [{"$set": {"OriginatingAgencies": ["AG-9"]}}]},
                              tenant=5, contract=None)
    assert unknown_agency.status_code == 400
    assert last_event(db, 5, unknown_agency)["outDetail"] == "STP_UPDATE_ACCESS_CONTRACT.AGENCY_NOT_FOUND.KO"
    frozen = http.put(ADMIN + "/accesscontracts/AC-UP", json={"$action": [{"$set": {"Identifier": "AC-AUTRE"}}]},
                      tenant=5, contract=None)
    assert frozen.status_code == 400
    missing = http.put(ADMIN + "/accesscontracts/AC-NONE", json={"$action": [{"$set": {"Name": "x"}}]},
                       tenant=5, contract=None)
    assert missing.status_code == 404
    assert last_event(db, 5, missing)["outDetail"] == "STP_UPDATE_ACCESS_CONTRACT.CONTRACT_NOT_FOUND.KO"
    not_dsl = http.put(ADMIN + "/accesscontracts/AC-UP", json={"Status": "ACTIVE"}, tenant=5, contract=None)
    assert not_dsl.status_code == 400 and not_dsl.json()["code"] == "000601"


def test_ingest_contract_checks_profiles_formats_and_attachment_units(http, db):
    unit_id = "aeaqaaaaaaholdingunitforcontractaaaa"
    units_store.insert_units(db, 6, [{"#id": unit_id, "#unitups": [], "Title": "Arbre", "DescriptionLevel": "Series",
                                      "#unitType": "HOLDING_UNIT", "#management": {}}])
    db.commit()
    ok = http.post(ADMIN + "/ingestcontracts", json=[{"Identifier": "IC-PLAN", "Name": "Plan", "LinkParentId": unit_id,
                                                      "EveryFormatType": False, "FormatType": ["fmt/18", "x-fmt/111"]}],
                   tenant=6, contract=None)
    assert ok.status_code == 201, ok.text
    cases = [
        ({"Name": "P", "LinkParentId": "aeaqaaaaaaunknownunitaaaaaaaaaaaaaaa"}, "VALIDATION_ERROR"),
        ({"Name": "P", "EveryFormatType": True, "FormatType": ["fmt/18"]}, "FORMAT_MUST_BE_EMPTY"),
        ({"Name": "P", "EveryFormatType": False}, "FORMAT_MUST_NOT_BE_EMPTY"),
        ({"Name": "P", "EveryFormatType": False, "FormatType": ["pdf"]}, "FORMAT_NOT_FOUND"),
        ({"Name": "P", "ManagementContractId": "MC-404"}, "MANAGEMENT_CONTRAT_NOT_FOUND"),
        ({"Name": "P", "CheckParentLink": "SOMETIMES"}, "NOT_IN_ENUM"),
    ]
    for contract, reason in cases:
        response = http.post(ADMIN + "/ingestcontracts", json=[contract], tenant=6, contract=None)
        assert response.status_code == 400, contract
        assert last_event(db, 6, response)["outDetail"] == f"STP_IMPORT_INGEST_CONTRACT.{reason}.KO"
    # An unknown profile is refused at import as at update (IngestContractImpl).
    unknown = http.post(ADMIN + "/ingestcontracts", json=[{"Identifier": "IC-PROF", "Name": "P", "ArchiveProfiles": ["PR-404"]}],
                        tenant=6, contract=None)
    assert unknown.status_code == 400
    assert last_event(db, 6, unknown)["outDetail"] == "STP_IMPORT_INGEST_CONTRACT.PROFILE_NOT_FOUND.KO"
    refused = http.put(ADMIN + "/ingestcontracts/IC-PLAN", json={"$action": [{"$set": {"ArchiveProfiles": ["PR-404"]}}]},
                       tenant=6, contract=None)
    assert refused.status_code == 400
    assert last_event(db, 6, refused)["outDetail"] == "STP_UPDATE_INGEST_CONTRACT.PROFILE_NOT_FOUND.KO"


def test_contracts_are_isolated_per_tenant(http):
    agencies(http, 7, ["AG-1"])
    assert http.post(ADMIN + "/accesscontracts", json=[{"Identifier": "AC-7", "Name": "Sept"}], tenant=7,
                     contract=None).status_code == 201
    assert http.get(ADMIN + "/accesscontracts/AC-7", tenant=7, contract=None).status_code == 200
    assert http.get(ADMIN + "/accesscontracts/AC-7", tenant=8, contract=None).status_code == 404
    assert http.put(ADMIN + "/accesscontracts/AC-7", json={"$action": [{"$set": {"Name": "x"}}]}, tenant=8,
                    contract=None).status_code == 404
    found = http.get(ADMIN + "/accesscontracts", json={"$query": {"$eq": {"Identifier": "AC-7"}}, "$projection": {}},
                     tenant=8, contract=None).json()
    assert found["$results"] == [] and found["$hits"]["total"] == 0


def test_management_contracts_import_and_ingest_contracts_may_name_them(http, db):
    created = http.post(ADMIN + "/managementcontracts", json=[{"Name": "Stockage", "Status": "ACTIVE",
                                                               "Storage": {"UnitStrategy": "default"}}],
                        tenant=9, contract=None)
    assert created.status_code == 201, created.text
    identifier = created.json()["$results"][0]["Identifier"]
    assert identifier == "MC-000001"
    assert last_event(db, 9, created)["outDetail"] == "STP_IMPORT_MANAGEMENT_CONTRACT.OK"
    ingest = http.post(ADMIN + "/ingestcontracts", json=[{"Name": "Avec gestion", "ManagementContractId": identifier}],
                       tenant=9, contract=None)
    assert ingest.status_code == 201
    assert http.get(ADMIN + f"/managementcontracts/{identifier}", tenant=9, contract=None).json()["$results"][0][
        "Storage"] == {"UnitStrategy": "default"}


@pytest.mark.parametrize("contract, detail", [
    ({"Storage": {"ObjectStrategy": "nowhere"}},
     "Storage Strategy (nowhere) not found for the field Storage.ObjectStrategy"),
    ({"VersionRetentionPolicy": {"InitialVersion": False, "IntermediaryVersion": "LAST"}},
     "The version retention policy's InitialVersion parameter in Default usage is invalid in the contract MC KO."),
    ({"VersionRetentionPolicy": {"Usages": [{"UsageName": "BinaryMaster", "InitialVersion": False}]}},
     "The version retention policy's InitialVersion parameter in BinaryMaster usage is invalid in the contract MC KO."),
    ({"VersionRetentionPolicy": {"Usages": [{"UsageName": "Thumbnail", "InitialVersion": False,
                                             "IntermediaryVersion": None}]}},
     "The version retention policy's IntermediaryVersion parameter in Thumbnail usage is invalid in the contract MC KO."),
    ({"VersionRetentionPolicy": {"Usages": [{"UsageName": "Original"}]}},
     "The usage type Original is invalid in the contract MC KO."),
])
def test_management_contract_storage_and_version_retention_checked(http, db, contract, detail):
    refused = http.post(ADMIN + "/managementcontracts", json=[{"Name": "MC KO", **contract}], tenant=4, contract=None)
    assert refused.status_code == 400
    event = last_event(db, 4, refused)
    reason = "STRATEGY_VALIDATION_ERROR" if "Storage" in contract else "VERSION_RETENTION_POLICY_ERROR"
    assert event["outDetail"] == f"STP_IMPORT_MANAGEMENT_CONTRACT.{reason}.KO"
    assert json.loads(event["evDetData"]) == {"managementContractCheck": detail}
    found = http.get(ADMIN + "/managementcontracts", json={"$query": {"$eq": {"Name": "MC KO"}}, "$projection": {}},
                     tenant=4, contract=None).json()
    assert found["$results"] == []


def test_management_contract_accepts_a_dissemination_usage_without_first_version(http):
    policy = {"InitialVersion": True, "IntermediaryVersion": "LAST",
              "Usages": [{"UsageName": "Dissemination", "InitialVersion": False, "IntermediaryVersion": "NONE"}]}
    created = http.post(ADMIN + "/managementcontracts", json=[{"Name": "MC OK", "VersionRetentionPolicy": policy}],
                        tenant=4, contract=None)
    assert created.status_code == 201, created.text


def test_update_cannot_remove_a_contract_status(http, db):
    agencies(http, 7, ["AG-1"])
    contract = {"Identifier": "AC-ST", "Name": "Statut", "Status": "ACTIVE", "OriginatingAgencies": ["AG-1"]}
    assert http.post(ADMIN + "/accesscontracts", json=[contract], tenant=7, contract=None).status_code == 201
    refused = http.put(ADMIN + "/accesscontracts/AC-ST", json={"$action": [{"$unset": ["Status"]}]}, tenant=7,
                       contract=None)
    assert refused.status_code == 400
    assert last_event(db, 7, refused)["outDetail"] == "STP_UPDATE_ACCESS_CONTRACT.BAD_REQUEST.KO"
    stored = http.get(ADMIN + "/accesscontracts/AC-ST", tenant=7, contract=None).json()["$results"][0]
    assert stored["Status"] == "ACTIVE"


def test_slave_mode_tenants_need_the_clients_identifiers(tmp_path):
    """vitam_tenants_usage_external: on tenant 0 ingest contracts take the client's Identifier, tenant 2 generates it."""
    from tests.vitamlite.conftest import Http
    from vitamlite.server import start_in_thread

    server = start_in_thread(tmp_path, tenants="0-2", external_identifiers="0:INGEST_CONTRACT")
    try:
        http = Http(server.base_url)
        unnamed = [{"Name": "Sans identifiant", "Status": "ACTIVE"}]
        refused = http.post(ADMIN + "/ingestcontracts", json=unnamed, tenant=0, contract=None)
        assert refused.status_code == 400 and refused.json()["code"] == "020120"
        generated = http.post(ADMIN + "/ingestcontracts", json=unnamed, tenant=2, contract=None)
        assert generated.status_code == 201 and generated.json()["$results"][0]["Identifier"] == "IC-000001"
        given = http.post(ADMIN + "/ingestcontracts", json=[{"Identifier": "IC-CERGY", **unnamed[0]}], tenant=0,
                          contract=None)
        assert given.status_code == 201
    finally:
        server.stop()
