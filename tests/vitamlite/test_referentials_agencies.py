"""Agencies referential (services agents) of vitam-lite over HTTP, with Vitam's agencies CSV corpus."""

import json

import pytest

from vitamlite import logbook, units_store

ADMIN = "/admin-external/v1"


@pytest.fixture(scope="module")
def db(lite):
    connection = lite.app.store.new_connection()
    yield connection
    connection.close()


def agencies_dir(vitam_reference):
    return vitam_reference / "referentials" / "agencies"


def post_csv(http, path, content, *, tenant=0, filename=None):
    headers = {"Content-Type": "application/octet-stream"}
    if filename:
        headers["X-Filename"] = filename
    return http.post(ADMIN + path, data=content, headers=headers, tenant=tenant, contract=None)


def search_all(http, tenant):
    body = {"$query": {}, "$filter": {"$orderby": {"Identifier": 1}}, "$projection": {}}
    return http.get(ADMIN + "/agencies", json=body, tenant=tenant, contract=None).json()["$results"]


def test_76_agencies_import_and_are_searchable(http, db, vitam_reference):
    content = (agencies_dir(vitam_reference) / "agencies_OK_76.csv").read_bytes()
    assert post_csv(http, "/agenciesfilecheck", content, tenant=0).status_code == 200
    response = post_csv(http, "/agencies", content, tenant=0, filename="agencies.csv")
    assert response.status_code == 201
    found = search_all(http, 0)
    assert len(found) == 76
    assert all(set(agency) >= {"#id", "#tenant", "#version", "Identifier", "Name", "Description"} for agency in found)
    db.rollback()
    doc = logbook.get(db, 0, response.headers["X-Request-Id"])
    assert doc["evType"] == "IMPORT_AGENCIES" and doc["events"][-1]["outDetail"] == "IMPORT_AGENCIES.OK"
    assert json.loads(doc["evDetData"]) == {"FileName": "agencies.csv"}
    report = http.get(f"{ADMIN}/agenciesreport/{response.headers['X-Request-Id']}", tenant=0, contract=None).json()
    assert len(report["InsertedAgencies"]) == 76 and report["DeletedAgencies"] == []


def test_duplicate_identifier_is_refused_with_a_report(http, vitam_reference):
    content = (agencies_dir(vitam_reference) / "agencies_KO_duplicate_identifier.csv").read_bytes()
    checked = post_csv(http, "/agenciesfilecheck", content, tenant=2)
    assert checked.status_code == 400
    errors = checked.json()["Errors"]
    assert errors == {"line 7": [{
        "Code": "STP_IMPORT_AGENCIES_ID_DUPLICATION.KO",
        "Message": errors["line 7"][0]["Message"],
        "Information additionnelle": "FR_ORG_AGEN",
    }]}
    imported = post_csv(http, "/agencies", content, tenant=2)
    assert imported.status_code == 400 and imported.json()["code"] == "020120"
    assert search_all(http, 2) == []


def test_empty_line_is_a_vitam_error_without_report(http, vitam_reference):
    content = (agencies_dir(vitam_reference) / "agencies_KO_empty_line.csv").read_bytes()
    response = post_csv(http, "/agencies", content, tenant=2)
    assert response.status_code == 400
    assert "ligne 3" in response.json()["description"]
    assert http.get(f"{ADMIN}/agenciesreport/{response.headers['X-Request-Id']}", tenant=2,
                    contract=None).status_code == 404


def test_missing_column_names_the_column(http):
    response = post_csv(http, "/agencies", "Identifier,Description\nAG-1,x\n".encode(), tenant=2)
    assert response.status_code == 400
    assert response.json()["description"] == "Import agency error > File invalid -- lack of column Name"


def test_duplicate_names_are_accepted(http, vitam_reference):
    content = (agencies_dir(vitam_reference) / "agencies_OK_duplicate_names.csv").read_bytes()
    assert post_csv(http, "/agencies", content, tenant=3).status_code == 201
    assert [agency["Identifier"] for agency in search_all(http, 3)] == [f"AG-00000{n}" for n in range(7)]


def test_missing_name_is_reported_on_its_line(http):
    response = post_csv(http, "/agenciesfilecheck", "Identifier,Name,Description\nAG-1,,x\n".encode(), tenant=3)
    assert response.status_code == 400
    error = response.json()["Errors"]["line 2"][0]
    assert (error["Code"], error["Information additionnelle"]) == ("STP_IMPORT_AGENCIES_MISSING_INFORMATIONS.KO", "Name")


def test_full_replacement_refuses_to_delete_an_agency_used_by_a_contract_or_a_unit(http, db):
    baseline = "Identifier,Name,Description\nAG-A,A,\nAG-B,B,\nAG-C,C,\nAG-D,D,\n".encode()
    assert post_csv(http, "/agencies", baseline, tenant=4).status_code == 201
    contract = [{"Identifier": "AC-B", "Name": "B", "Status": "ACTIVE", "OriginatingAgencies": ["AG-B"]}]
    assert http.post(ADMIN + "/accesscontracts", json=contract, tenant=4, contract=None).status_code == 201
    units_store.insert_units(db, 4, [{
        "#id": "aeaqaaaaaaunitofagencycaaaaaaaaaaaaa", "#unitups": [], "Title": "Fonds C", "DescriptionLevel": "Fonds",
        "#unitType": "INGEST", "#originating_agency": "AG-C", "#originating_agencies": ["AG-C"], "#management": {},
    }])
    db.commit()

    refused = post_csv(http, "/agencies", "Identifier,Name,Description\nAG-A,A,\nAG-D,D,\n".encode(), tenant=4)
    assert refused.status_code == 400
    # AgenciesService names the agencies of the first check that fails: access contracts before units.
    assert json.loads(refused.json()["description"]) == {
        "Message ": "Error deleting used agencies in access contract", "Agencies ": "AG-B"}
    report = http.get(f"{ADMIN}/agenciesreport/{refused.headers['X-Request-Id']}", tenant=4, contract=None).json()
    assert report["UsedAgenciesByContracts"] == ["AG-B"] and report["UsedAgenciesByAu"] == ["AG-C"]
    db.rollback()
    final = logbook.get(db, 4, refused.headers["X-Request-Id"])["events"][-1]
    assert final["outDetail"] == "IMPORT_AGENCIES.DELETION.KO"
    assert json.loads(final["evDetData"])["agencyCheck"] == refused.json()["description"]
    assert len(search_all(http, 4)) == 4

    renamed = "Identifier,Name,Description\nAG-A,A,\nAG-B,B renommé,\nAG-C,C,\n".encode()
    response = post_csv(http, "/agencies", renamed, tenant=4)
    assert response.status_code == 201
    assert [agency["Identifier"] for agency in search_all(http, 4)] == ["AG-A", "AG-B", "AG-C"]
    agency_b = http.get(f"{ADMIN}/agencies/AG-B", tenant=4, contract=None).json()["$results"][0]
    assert agency_b["Name"] == "B renommé" and agency_b["#version"] == 1
    db.rollback()
    details = [e["outDetail"] for e in logbook.get(db, 4, response.headers["X-Request-Id"])["events"]]
    assert "IMPORT_AGENCIES.USED_CONTRACT.WARNING" in details


def test_agencies_are_isolated_per_tenant(http):
    assert post_csv(http, "/agencies", "Identifier,Name,Description\nAG-ONLY5,Cinq,\n".encode(), tenant=5).status_code == 201
    assert http.get(f"{ADMIN}/agencies/AG-ONLY5", tenant=5, contract=None).status_code == 200
    other = http.get(f"{ADMIN}/agencies/AG-ONLY5", tenant=6, contract=None)
    assert other.status_code == 404 and other.json()["code"] == "020122"
    assert search_all(http, 6) == []


def test_unknown_columns_are_named_before_missing_ones(http, db):
    # A wrong separator leaves one unknown header field; Vitam reports it before any missing column.
    response = post_csv(http, "/agencies", "Identifier;Name;Description\nAG-1;A;x\n".encode(), tenant=5)
    assert response.status_code == 400
    assert response.json()["description"] == "Import agency error > Unknown fields found: Identifier;Name;Description"
    db.rollback()
    event = logbook.get(db, 5, response.headers["X-Request-Id"])["events"][-1]
    assert event["outDetail"] == "IMPORT_AGENCIES.KO"
    assert json.loads(event["evDetData"])["agencyCheck"] == (
        "Import agency error > Unknown fields found: Identifier;Name;Description")
    assert http.get(f"{ADMIN}/agencies/AG-1", tenant=5, contract=None).status_code == 404


def test_duplicated_header_fields_are_refused_first(http):
    response = post_csv(http, "/agencies", "Identifier,Name,Name,Extra\nAG-1,A,A,x\n".encode(), tenant=5)
    assert response.status_code == 400
    assert response.json()["description"] == "Import agency error > Duplicate fields found in the CSV : Name"


def test_optional_isaar_columns_are_stored_and_only_other_columns_are_unknown(http):
    header = "Identifier,Name,Description,EntityType,NameEntryParallel,FromDate,Functions\n"
    row = "AG-ISAAR,Mairie,Service,Collectivité,Ville|Commune,1790-02-04,État civil|Urbanisme\n"
    assert post_csv(http, "/agencies", (header + row).encode(), tenant=7).status_code == 201
    stored = http.get(f"{ADMIN}/agencies/AG-ISAAR", tenant=7, contract=None).json()["$results"][0]
    assert stored["EntityType"] == "Collectivité" and stored["FromDate"] == "1790-02-04"
    assert stored["NameEntryParallel"] == ["Ville", "Commune"] and stored["Functions"] == ["État civil", "Urbanisme"]

    unknown = post_csv(http, "/agencies", (header.replace("EntityType", "Entity-Type") + row).encode(), tenant=7)
    assert unknown.json()["description"] == "Import agency error > Unknown fields found: Entity-Type"
    bad_date = post_csv(http, "/agencies", (header + row.replace("1790-02-04", "1790")).encode(), tenant=7)
    assert bad_date.status_code == 400 and "ligne 2" in bad_date.json()["description"]
    assert "FromDate" in bad_date.json()["description"]
