"""vitam-lite ingest against Vitam's conformance corpus, over HTTP (shared/vitam-reference/sip)."""

import datetime
import io
import json
import time
import zipfile

import jsonschema
import pytest
import requests
from lxml import etree

from vitamlite.ingest import seda


INGESTS = "/ingest-external/v1/ingests"
SEDA = "{fr:gouv:culture:archivesdefrance:seda:v2.1}"
MANIFEST_4_UNITS_SHA512 = (
    "3112e4f4f66c70f0565b95ea270c7488f074ace3ab28f74feaa975751b424619ff429490416f1c4b630361ab16f0bb5f16d92f5a867e6f94c8"
    "86464e95f82ca5"
)


# ----- helpers shared with test_ingest_security.py

def load_baseline_referentials(server, reference, tenant=0):
    """The referentials Vitam's DataLoader loads before the SIP tests (reference README), imported into
    `tenant` through vitam-lite's admin-external endpoints, in DataLoader's order."""
    fixtures = reference / "referentials" / "fixtures"
    admin = server.app.config.admin_tenant

    def post(path, body, *, on_tenant=tenant, csv_name=None, allowed=(201,)):
        headers = {"X-Tenant-Id": str(on_tenant)}
        if csv_name:
            headers.update({"Content-Type": "application/octet-stream", "X-Filename": csv_name})
            response = requests.post(server.base_url + path, data=body, headers=headers, timeout=30)
        else:
            response = requests.post(server.base_url + path, json=body, headers=headers, timeout=30)
        assert response.status_code in allowed, (path, response.status_code, response.text)
        return response

    def fixture_json(name):
        return json.loads((fixtures / name).read_text(encoding="utf-8"))

    post("/admin-external/v1/agencies", (fixtures / "agencies_fixture.csv").read_bytes(), csv_name="agencies.csv")
    post("/admin-external/v1/rules", (fixtures / "rules_fixture_57_rules.csv").read_bytes(), csv_name="rules.csv")
    # IC_WITH_PROFILE of the next fixture names PR-000001, which must exist (IngestContractImpl).
    post("/admin-external/v1/profiles", [{"Identifier": "PR-000001", "Name": "Profil", "Format": "RNG"}])
    # AC-000001 of this fixture carries access-contract fields that the strict import refuses.
    post("/admin-external/v1/ingestcontracts",
         [c for c in fixture_json("referential_contracts_ok.json") if c["Identifier"] != "AC-000001"])
    post("/admin-external/v1/accesscontracts", fixture_json("access_contracts.json"))
    # Platform-wide documents: imported once on the admin tenant (400 = already there).
    post("/admin-external/v1/securityprofiles", fixture_json("security_profile_ok.json"), on_tenant=admin,
         allowed=(201, 400))
    post("/admin-external/v1/contexts", fixture_json("contexts.json"), on_tenant=admin, allowed=(201, 400))


def wait_completed(http, operation_id, *, tenant=0, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = http.head(f"/admin-external/v1/operations/{operation_id}", tenant=tenant, contract=None)
        if response.headers.get("X-Global-Execution-State") == "COMPLETED":
            return response.headers["X-Global-Execution-Status"]
        time.sleep(0.05)
    raise AssertionError(f"operation {operation_id} not completed after {timeout} s")


def ingest(http, body, *, workflow="DEFAULT_WORKFLOW", tenant=0, headers=None):
    """POST the SIP (bytes or path), wait for the end; returns (operation id, final status, logbook operation)."""
    data = body.read_bytes() if hasattr(body, "read_bytes") else body
    response = http.post(INGESTS, data=data, tenant=tenant, contract=None, headers={
        "X-Context-Id": workflow, "X-Action": "RESUME", "Content-Type": "application/octet-stream", **(headers or {})})
    assert response.status_code == 202, response.text
    assert response.content == b""
    operation_id = response.headers["X-Request-Id"]
    status = wait_completed(http, operation_id, tenant=tenant)
    operation = logbook_operation(http, operation_id, tenant=tenant)
    return operation_id, status, operation


def logbook_operation(http, operation_id, tenant=0):
    response = http.get(f"/access-external/v1/logbookoperations/{operation_id}", tenant=tenant, contract="contract")
    assert response.status_code == 200, response.text
    return response.json()["$results"][0]


def failing_details(operation):
    return [event["outDetail"] for event in operation["events"] if event["outcome"] in ("KO", "FATAL", "WARNING")]


def make_sip(manifest: str | bytes, files: dict | None = None, manifest_name="manifest.xml") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(manifest_name, manifest)
        for name, content in (files or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def unit_manifest(units_xml: str, *, agency="RATP", contract="ArchivalAgreement0", objects_xml="") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ArchiveTransfer xmlns="fr:gouv:culture:archivesdefrance:seda:v2.1">
  <Date>2024-01-01T00:00:00</Date>
  <MessageIdentifier>test-sip</MessageIdentifier>
  <ArchivalAgreement>{contract}</ArchivalAgreement>
  <CodeListVersions><ReplyCodeListVersion>r</ReplyCodeListVersion></CodeListVersions>
  <DataObjectPackage>{objects_xml}
    <DescriptiveMetadata>{units_xml}</DescriptiveMetadata>
    <ManagementMetadata><OriginatingAgencyIdentifier>{agency}</OriginatingAgencyIdentifier></ManagementMetadata>
  </DataObjectPackage>
  <ArchivalAgency><Identifier>AA</Identifier></ArchivalAgency>
  <TransferringAgency><Identifier>TA</Identifier></TransferringAgency>
</ArchiveTransfer>"""


def search_units(http, query, *, tenant=0, contract="contract"):
    response = http.get("/access-external/v1/units", json=query, tenant=tenant, contract=contract)
    assert response.status_code == 200, response.text
    return response.json()["$results"]


def units_of(http, operation_id, tenant=0):
    return search_units(http, {"$roots": [], "$query": [{"$eq": {"#opi": operation_id}}],
                               "$filter": {"$limit": 1000}, "$projection": {}}, tenant=tenant)


def atr_of(http, operation_id, tenant=0):
    response = http.get(f"{INGESTS}/{operation_id}/archivetransferreply", tenant=tenant, contract=None)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/octet-stream"
    return etree.fromstring(response.content)


@pytest.fixture(scope="module")
def baseline(lite, vitam_reference):
    load_baseline_referentials(lite, vitam_reference)
    return vitam_reference


# ----- the corpus: every SIP ends as the reference README says

CORPUS = [
    ("valid/3062_arbre_holding-scheme.zip", "HOLDING_SCHEME", "OK", None),
    ("valid/4_UNITS_2_GOTS.zip", "DEFAULT_WORKFLOW", "OK", None),
    ("valid/OK_RULES_COMPLEXE_COMPLETE_V2.zip", "DEFAULT_WORKFLOW", "OK", None),
    ("valid/RATP-base_filing-scheme.zip", "FILING_SCHEME", "OK", None),
    ("valid/SIP_TREE_holding-scheme.zip", "HOLDING_SCHEME", "OK", None),
    ("valid/TEST_ELIMINATION_V2_seda2.3.zip", "DEFAULT_WORKFLOW", "KO", "CHECK_SEDA.UNSUPPORTED_SEDA_VERSION.KO"),
    ("warning/KO_SIP_INCORRECT_OBJECT_SIZE.zip", "DEFAULT_WORKFLOW", "WARNING", "CHECK_OBJECT_SIZE.WARNING"),
    ("warning/SIP_OK_HoldRules.zip", "DEFAULT_WORKFLOW", "WARNING", "OBJECTS_LIST_EMPTY.WARNING"),
    ("invalid/KO_Reference_Unexisting.zip", "DEFAULT_WORKFLOW", "KO", "CHECK_SEDA.NOT_XSD_VALID.KO"),
    ("invalid/KO_manifest-name-with-dollar.zip", "DEFAULT_WORKFLOW", "KO", "MANIFEST_FILE_NAME_CHECK.KO"),
    ("invalid/SIP_Conformity_KO.zip", "DEFAULT_WORKFLOW", "KO", "CHECK_DIGEST.KO"),
    ("invalid/SIP_INGEST_CONTRACT_UNKNOW.zip", "DEFAULT_WORKFLOW", "KO",
     "CHECK_HEADER.CHECK_CONTRACT_INGEST.CONTRACT_UNKNOWN.KO"),
    # A rule StartDate in the year 9090 breaks archive-unit-schema.json's date pattern: CHECK_UNIT_SCHEMA
    # refuses it before rule computation (vitam-itests KO_1791_SIP_RG-STARTDATE_AN9000 asserts INVALID_UNIT).
    ("invalid/SIP_INGEST_WRONG_DATE.zip", "DEFAULT_WORKFLOW", "KO", "CHECK_UNIT_SCHEMA.INVALID_UNIT.KO"),
    ("invalid/SIP_KO_HoldRules_HoldEndDateBeforeStartDate.zip", "DEFAULT_WORKFLOW", "KO",
     "UNITS_RULES_COMPUTE.CONSISTENCY.KO"),
    ("invalid/SIP_no_manifest.zip", "DEFAULT_WORKFLOW", "KO", "MANIFEST_FILE_NAME_CHECK.KO"),
]


@pytest.mark.parametrize("sip, workflow, expected_status, expected_event", CORPUS, ids=[c[0] for c in CORPUS])
def test_corpus_sip_ends_as_vitam_says(http, baseline, sip, workflow, expected_status, expected_event):
    operation_id, status, operation = ingest(http, baseline / "sip" / sip, workflow=workflow)

    assert status == expected_status
    assert operation["events"][-1]["outcome"] == expected_status
    if expected_event:
        assert expected_event in failing_details(operation)
    if expected_status == "OK":
        assert failing_details(operation) == []
    reply = atr_of(http, operation_id)
    assert reply.findtext(f"{SEDA}ReplyCode") == expected_status
    assert reply.findtext(f"{SEDA}MessageIdentifier") == operation_id
    assert seda.validation_errors(etree.ElementTree(reply)) == []  # a valid SEDA 2.1 ArchiveTransferReply
    created = units_of(http, operation_id)
    if expected_status == "KO":
        assert created == []  # nothing half-written
        assert reply.find(f"{SEDA}Operation") is not None
    else:
        system_ids = {e.text for e in reply.iter(f"{SEDA}SystemId")}
        assert system_ids == {unit["#id"] for unit in created}


def test_contract_not_in_context_is_refused_when_the_context_controls(http, lite, baseline):
    lite.set_context("Context_IT")
    try:
        response = http.post(INGESTS, data=(baseline / "sip/invalid/SIP_INGEST_CONTRACT_NOT_IN_CONTEXT.zip").read_bytes(),
                             contract=None, headers={"X-Context-Id": "DEFAULT_WORKFLOW", "X-Action": "RESUME"})
        assert response.status_code == 202
        operation_id = response.headers["X-Request-Id"]
        status = wait_completed(http, operation_id)
    finally:
        lite.set_context(None)
    assert status == "KO"
    assert "CHECK_HEADER.CHECK_CONTRACT_INGEST.CONTRACT_NOT_IN_CONTEXT.KO" in failing_details(
        logbook_operation(http, operation_id))


def test_logbook_of_4_units_2_gots_matches_vitam_step_by_step(http, baseline):
    operation_id, status, operation = ingest(http, baseline / "sip/valid/4_UNITS_2_GOTS.zip")
    expected = json.loads((baseline / "logbook/expected-logbook-ingest-4_UNITS_2_GOTS.json").read_text())

    assert status == "OK"
    assert (operation["evType"], operation["evTypeProc"]) == ("PROCESS_SIP_UNITARY", "INGEST")
    assert operation["obIdIn"] == expected["obIdIn"]
    assert json.loads(operation["agIdExt"]) == json.loads(expected["agIdExt"])
    assert json.loads(operation["rightsStatementIdentifier"]) == {"ArchivalAgreement": "ArchivalAgreement0"}
    assert [(e["evType"], e["outcome"], e["outDetail"]) for e in operation["events"]] == [
        (e["evType"], e["outcome"], e["outDetail"]) for e in expected["events"]]
    messages = {e["evType"]: e["outMessg"] for e in operation["events"]}
    assert messages["CHECK_SEDA"] == "Succès de la vérification globale du SIP Detail=  OK:1"
    assert messages["STP_SANITY_CHECK_SIP.STARTED"] == "Succès du début du processus des contrôles préalables à l'entrée"


def test_4_units_2_gots_creates_units_object_groups_binaries_and_register(http, baseline):
    operation_id, status, _ = ingest(http, baseline / "sip/valid/4_UNITS_2_GOTS.zip")
    units = {unit["Title"]: unit for unit in units_of(http, operation_id)}

    assert sorted(units) == ["UnitA", "UnitB", "UnitC", "UnitD"]
    unit_a, unit_b, unit_c, unit_d = (units[t] for t in ("UnitA", "UnitB", "UnitC", "UnitD"))
    assert unit_a["#unitups"] == [] and unit_b["#unitups"] == [unit_a["#id"]]
    assert unit_d["#unitups"] == [unit_c["#id"]]
    assert set(unit_d["#allunitups"]) == {unit_a["#id"], unit_c["#id"]}
    assert unit_b["#unitType"] == "INGEST" and unit_b["#originating_agency"] == "FRAN_NP_009913"
    assert unit_b["#opi"] == operation_id and unit_b["#sedaVersion"] == "2.1"
    assert unit_a["DescriptionLevel"] == "RecordGrp" and unit_a["StartDate"] == "2016-06-03T15:28:00"
    assert "#object" not in unit_a and "#object" not in unit_d

    group = http.get(f"/access-external/v1/units/{unit_b['#id']}/objects", json={"$projection": {}},
                     contract="contract").json()["$results"][0]
    version = group["#qualifiers"][0]["versions"][0]
    assert group["#id"] == unit_b["#object"] and group["#unitups"] == [unit_b["#id"]]
    assert (version["DataObjectVersion"], version["Size"], version["Algorithm"]) == ("BinaryMaster_1", 6, "SHA-512")
    assert version["FileInfo"]["Filename"] == "Montparnasse.txt"
    binary = http.get(f"/access-external/v1/units/{unit_b['#id']}/objects", contract="contract",
                      headers={"Accept": "application/octet-stream", "X-Qualifier": "BinaryMaster", "X-Version": "1"})
    assert binary.status_code == 200 and len(binary.content) == 6

    details = http.get(f"/admin-external/v1/accessionregisters/FRAN_NP_009913/accessionregisterdetails",
                       json={"$query": {"$eq": {"Opi": operation_id}}, "$filter": {}, "$projection": {}},
                       contract="contract").json()["$results"]
    assert len(details) == 1
    detail = details[0]
    assert (detail["OriginatingAgency"], detail["SubmissionAgency"], detail["ArchivalAgreement"]) == (
        "FRAN_NP_009913", "FRAN_NP_009913", "ArchivalAgreement0")
    assert detail["TotalUnits"] == {"ingested": 4, "deleted": 0, "remained": 4}
    assert detail["TotalObjectGroups"]["ingested"] == 2 and detail["TotalObjects"]["ingested"] == 2
    assert detail["ObjectSize"] == {"ingested": 12, "deleted": 0, "remained": 12}
    assert detail["Status"] == "STORED_AND_COMPLETED" and detail["Events"][0]["OpType"] == "INGEST"
    summary = http.get("/admin-external/v1/accessionregisters", contract="contract", json={
        "$query": {"$eq": {"OriginatingAgency": "FRAN_NP_009913"}}, "$filter": {}, "$projection": {}}).json()["$results"][0]
    schemas = baseline / "referentials" / "json-schema"
    for document, schema in ((detail, "accession-register-detail-schema.json"),
                             (summary, "accession-register-summary-schema.json")):
        stored_form = {{"#id": "_id", "#tenant": "_tenant", "#version": "_v"}.get(k, k): v for k, v in document.items()}
        jsonschema.validate(stored_form, json.loads((schemas / schema).read_text()))


def test_register_summary_adds_up_ingests_and_needs_a_contract(http, baseline):
    before = http.get("/admin-external/v1/accessionregisters", json={"$query": {"$eq": {"OriginatingAgency": "FRAN_NP_009913"}},
                      "$filter": {}, "$projection": {}}, contract="contract").json()["$results"]
    ingest(http, baseline / "sip/valid/4_UNITS_2_GOTS.zip")
    after = http.get("/admin-external/v1/accessionregisters", json={"$query": {"$eq": {"OriginatingAgency": "FRAN_NP_009913"}},
                     "$filter": {}, "$projection": {}}, contract="contract").json()["$results"]
    units_before = before[0]["TotalUnits"]["ingested"] if before else 0

    assert after[0]["TotalUnits"]["ingested"] == units_before + 4
    assert after[0]["ObjectSize"]["remained"] == (before[0]["ObjectSize"]["remained"] if before else 0) + 12
    refused = http.get("/admin-external/v1/accessionregisters", contract=None,
                       json={"$query": {}, "$filter": {}, "$projection": {}})
    assert refused.status_code == 401 and refused.json()["description"] == "No contract chosen"


def test_register_is_filtered_by_the_contract_agencies(http, baseline):
    _put_contract(http, 0, {"Identifier": "only-vitam", "EveryOriginatingAgency": False,
                            "OriginatingAgencies": ["Vitam"]}, kind="accesscontracts")
    ingest(http, baseline / "sip/valid/4_UNITS_2_GOTS.zip")  # FRAN_NP_009913
    ingest(http, baseline / "sip/warning/SIP_OK_HoldRules.zip")  # Vitam
    every = {"$query": {}, "$filter": {}, "$projection": {}}

    details = http.get("/admin-external/v1/accessionregisterdetails", contract="only-vitam", json=every).json()
    summaries = http.get("/admin-external/v1/accessionregisters", contract="only-vitam", json=every).json()
    other = http.get("/admin-external/v1/accessionregisters/FRAN_NP_009913/accessionregisterdetails",
                     contract="only-vitam", json=every).json()

    assert details["$results"] and {d["OriginatingAgency"] for d in details["$results"]} == {"Vitam"}
    assert [s["OriginatingAgency"] for s in summaries["$results"]] == ["Vitam"]
    assert other["$results"] == []


def test_manifest_digest_header_is_checked(http, baseline):
    sip = baseline / "sip/valid/4_UNITS_2_GOTS.zip"
    _, good, operation = ingest(http, sip, headers={"X-Manifest-Digest-Value": MANIFEST_4_UNITS_SHA512,
                                                  "X-Manifest-Digest-Algo": "SHA-512"})
    _, bad, bad_operation = ingest(http, sip, headers={"X-Manifest-Digest-Value": "BAD_DIGEST",
                                                     "X-Manifest-Digest-Algo": "SHA-512"})
    assert good == "OK" and "MANIFEST_DIGEST_CHECK" in [e["evType"] for e in operation["events"]]
    assert bad == "KO" and "MANIFEST_DIGEST_CHECK.KO" in failing_details(bad_operation)


def test_manifest_is_downloadable_and_tenant_isolated(http, baseline):
    _put_contract(http, 2, {"Identifier": "contract", "EveryOriginatingAgency": True}, kind="accesscontracts")
    sip = baseline / "sip/valid/4_UNITS_2_GOTS.zip"
    operation_id, _, _ = ingest(http, sip)
    manifest = http.get(f"{INGESTS}/{operation_id}/manifests", contract=None)
    with zipfile.ZipFile(sip) as archive:
        assert manifest.status_code == 200 and manifest.content == archive.read("manifest.xml")
    assert http.get(f"{INGESTS}/{operation_id}/manifests", tenant=2, contract=None).status_code == 404
    assert http.get(f"{INGESTS}/{operation_id}/archivetransferreply", tenant=2, contract=None).status_code == 404
    assert units_of(http, operation_id, tenant=2) == []


def test_hold_rules_units_get_vitam_management(http, baseline):
    operation_id, status, _ = ingest(http, baseline / "sip/warning/SIP_OK_HoldRules.zip")
    expected = json.loads((baseline / "sip/warning/SIP_OK_HoldRules.expected-management.json").read_text())

    got = sorted(({"Title": u["Title"], "#management": u["#management"]} for u in units_of(http, operation_id)),
                 key=lambda u: u["Title"])
    assert status == "WARNING"
    assert got == sorted(expected, key=lambda u: u["Title"])


def test_rules_of_the_complex_sip_get_end_dates_and_global_rules(http, baseline):
    operation_id, status, _ = ingest(http, baseline / "sip/valid/OK_RULES_COMPLEXE_COMPLETE_V2.zip")
    created = units_of(http, operation_id)
    units = {unit["Title"]: unit for unit in created}

    # 53 ArchiveUnit elements, 25 of which are ArchiveUnitRefId references: 28 units.
    assert status == "OK" and len(created) == 28
    pleyel = units["Carrefour Pleyel"]["#management"]
    assert pleyel["StorageRule"] == {"Rules": [{"Rule": "STO-00001", "StartDate": "2000-01-01", "EndDate": "2001-01-01"}],
                                     "FinalAction": "Copy"}
    # Root units receive ManagementMetadata's ACC-00002 unless they redeclare it (3_Gallieni keeps its own).
    assert units["1_Saint Denis Université"]["#management"]["AccessRule"]["Rules"] == [
        {"Rule": "ACC-00002", "StartDate": "2000-01-01", "EndDate": "2025-01-01"}]
    assert units["3_Gallieni"]["#management"]["AccessRule"]["Rules"] == [
        {"Rule": "ACC-00002", "StartDate": "2002-01-01", "EndDate": "2027-01-01"}]
    assert units["Saint-Lazare"]["#management"]["StorageRule"]["Inheritance"] == {"PreventRulesId": ["STO-00001"]}


def test_units_with_inherited_rules_endpoint(http, baseline):
    operation_id, _, _ = ingest(http, baseline / "sip/valid/OK_RULES_COMPLEXE_COMPLETE_V2.zip")
    response = http.get("/access-external/v1/unitsWithInheritedRules", contract="contract", json={
        "$roots": [], "$query": [{"$and": [{"$eq": {"#opi": operation_id}}, {"$eq": {"Title": "Marx Dormoy"}}]}],
        "$filter": {}, "$projection": {"$fields": {"Title": 1}}})
    assert response.status_code == 200, response.text
    [unit] = response.json()["$results"]
    access = unit["InheritedRules"]["AccessRule"]["Rules"]

    assert set(unit) == {"Title", "InheritedRules"}
    # Inherits ACC-00002 (2002) from Porte de la Chapelle, refuses ACC-00003 (RefNonRuleId).
    assert [(r["Rule"], r["StartDate"]) for r in access] == [("ACC-00002", "2002-01-01")]
    assert len(access[0]["Paths"][0]) == 2
    assert unit["InheritedRules"]["DisseminationRule"]["Rules"][0]["Rule"] == "DIS-00002"
    [final_action] = unit["InheritedRules"]["AppraisalRule"]["Properties"]
    assert (final_action["PropertyName"], final_action["PropertyValue"]) == ("FinalAction", "Keep")
    no_contract = http.get("/access-external/v1/unitsWithInheritedRules", contract=None,
                           json={"$roots": [], "$query": [], "$filter": {}, "$projection": {}})
    assert no_contract.status_code == 401


def test_holding_and_filing_schemes_and_their_attachment_rules(http, baseline):
    holding_op, holding_status, holding = ingest(http, baseline / "sip/valid/SIP_TREE_holding-scheme.zip",
                                                 workflow="HOLDING_SCHEME")
    filing_op, filing_status, filing = ingest(http, baseline / "sip/valid/RATP-base_filing-scheme.zip",
                                              workflow="FILING_SCHEME")
    holding_units = units_of(http, holding_op)
    filing_units = {u["Title"]: u for u in units_of(http, filing_op)}

    assert (holding["evType"], holding["evTypeProc"], holding_status) == ("HOLDINGSCHEME", "MASTERDATA", "OK")
    assert len(holding_units) == 8 and {u["#unitType"] for u in holding_units} == {"HOLDING_UNIT"}
    assert all("#originating_agency" not in u for u in holding_units)
    assert (filing["evType"], filing["evTypeProc"], filing_status) == ("FILINGSCHEME", "INGEST", "OK")
    assert sorted(filing_units) == ["RATP 1", "RATP 2", "RATP 3"]
    assert {u["#unitType"] for u in filing_units.values()} == {"FILING_UNIT"}

    # A holding tree may not go under filing units.
    under_filing = unit_manifest(f"""
      <ArchiveUnit id="parent">
        <Management><UpdateOperation><SystemId>{filing_units['RATP 3']['#id']}</SystemId></UpdateOperation></Management>
        <Content><DescriptionLevel>Series</DescriptionLevel><Title>Rattachement</Title></Content>
        <ArchiveUnit id="ref"><ArchiveUnitRefId>u1</ArchiveUnitRefId></ArchiveUnit>
      </ArchiveUnit>
      <ArchiveUnit id="u1"><Content><DescriptionLevel>Series</DescriptionLevel><Title>Sous-arbre</Title></Content></ArchiveUnit>""")
    _, refused_status, refused = ingest(http, make_sip(under_filing), workflow="HOLDING_SCHEME")
    assert refused_status == "KO"
    assert "CHECK_DATAOBJECTPACKAGE.CHECK_MANIFEST.UNAUTHORIZED_ATTACHMENT.KO" in failing_details(refused)

    # An ordinary SIP may go under a holding unit: its root gets the holding unit as parent.
    holding_root = next(u for u in holding_units if u["Title"] == "Unit 1")
    attached = unit_manifest(f"""
      <ArchiveUnit id="parent">
        <Management><UpdateOperation><SystemId>{holding_root['#id']}</SystemId></UpdateOperation></Management>
        <Content><DescriptionLevel>Series</DescriptionLevel><Title>Rattachement</Title></Content>
        <ArchiveUnit id="ref"><ArchiveUnitRefId>u1</ArchiveUnitRefId></ArchiveUnit>
      </ArchiveUnit>
      <ArchiveUnit id="u1"><Content><DescriptionLevel>File</DescriptionLevel><Title>Dossier rattaché</Title></Content></ArchiveUnit>""")
    attached_op, attached_status, _ = ingest(http, make_sip(attached))
    [unit] = units_of(http, attached_op)
    assert attached_status == "WARNING"  # no object at all: OBJECTS_LIST_EMPTY, as in Vitam
    assert unit["#unitups"] == [holding_root["#id"]] and holding_root["#id"] in unit["#allunitups"]

    unknown = attached.replace(holding_root["#id"], "aeaqaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
    _, unknown_status, unknown_op = ingest(http, make_sip(unknown))
    assert unknown_status == "KO" and "CHECK_DATAOBJECTPACKAGE.CHECK_MANIFEST.KO" in failing_details(unknown_op)


def test_blank_test_runs_the_checks_and_stores_nothing(http, baseline):
    operation_id, status, operation = ingest(http, baseline / "sip/valid/4_UNITS_2_GOTS.zip", workflow="BLANK_TEST")
    assert (status, operation["evTypeProc"]) == ("OK", "INGEST_TEST")
    assert "STP_OBJ_STORING" not in [e["evType"] for e in operation["events"]]
    assert units_of(http, operation_id) == []


def test_unknown_agency_is_reported_in_the_atr(http, baseline):
    manifest = unit_manifest('<ArchiveUnit id="u1"><Content><DescriptionLevel>Item</DescriptionLevel>'
                             '<Title>t</Title></Content></ArchiveUnit>', agency="NOT_AN_AGENCY")
    operation_id, status, operation = ingest(http, make_sip(manifest))
    reply = atr_of(http, operation_id)
    details = [e.text for e in reply.iter(f"{SEDA}OutcomeDetail")]

    assert status == "KO"
    assert ["CHECK_HEADER.UNKNOWN.KO", "CHECK_HEADER.CHECK_AGENT.UNKNOWN.KO"] == [
        d for d in details if d.startswith("CHECK_HEADER")]
    assert reply.findtext(f"{SEDA}MessageRequestIdentifier") == "test-sip"
    event_types = [e.text for e in reply.iter(f"{SEDA}EventType")]
    assert "Vérification générale du bordereau de transfert" in event_types


def test_unknown_workflow_answers_503_with_a_ko_atr(http, baseline):
    response = http.post(INGESTS, data=b"PK", contract=None,
                         headers={"X-Context-Id": "NOT_A_WORKFLOW", "X-Action": "RESUME"})
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert (response.headers["X-Global-Execution-State"], response.headers["X-Global-Execution-Status"]) == (
        "COMPLETED", "FATAL")
    reply = etree.fromstring(response.content)
    assert reply.findtext(f"{SEDA}ReplyCode") == "KO"
    assert seda.validation_errors(etree.ElementTree(reply)) == []


def _put_contract(http, tenant, doc, kind="ingestcontracts"):
    response = http.post(f"/admin-external/v1/{kind}", tenant=tenant, contract=None,
                         json=[{"Name": doc["Identifier"], "Status": "ACTIVE", **doc}])
    assert response.status_code == 201, response.text


def _holding_root(http, reference):
    operation_id, _, _ = ingest(http, reference / "sip/valid/SIP_TREE_holding-scheme.zip", workflow="HOLDING_SCHEME")
    return next(u for u in units_of(http, operation_id) if u["Title"] == "Unit 1")

ONE_ITEM = '<ArchiveUnit id="u1"><Content><DescriptionLevel>File</DescriptionLevel><Title>Dossier</Title></Content></ArchiveUnit>'


def test_contract_link_parent_attaches_the_sip_roots(http, lite, baseline):
    holding_root = _holding_root(http, baseline)
    _put_contract(http, 0, {"Identifier": "IC-LINK", "LinkParentId": holding_root["#id"]})
    _put_contract(http, 0, {"Identifier": "IC-REQUIRED", "CheckParentLink": "REQUIRED"})

    operation_id, status, _ = ingest(http, make_sip(unit_manifest(ONE_ITEM, contract="IC-LINK")))
    [unit] = units_of(http, operation_id)
    _, required_status, required = ingest(http, make_sip(unit_manifest(ONE_ITEM, contract="IC-REQUIRED")))

    assert status == "WARNING" and unit["#unitups"] == [holding_root["#id"]]
    assert required_status == "KO"
    assert "CHECK_DATAOBJECTPACKAGE.CHECK_MANIFEST.UNAUTHORIZED_ATTACHMENT.KO" in failing_details(required)

    # CheckParentId: attachments only under the listed units or their descendants.
    other_root = _holding_root(http, baseline)
    _put_contract(http, 0, {"Identifier": "IC-UNDER-ROOT", "CheckParentId": [holding_root["#id"]]})
    for target, expected in ((holding_root["#id"], "WARNING"), (other_root["#id"], "KO")):
        manifest = unit_manifest(f"""
          <ArchiveUnit id="parent">
            <Management><UpdateOperation><SystemId>{target}</SystemId></UpdateOperation></Management>
            <Content><DescriptionLevel>Series</DescriptionLevel><Title>Rattachement</Title></Content>
            <ArchiveUnit id="ref"><ArchiveUnitRefId>u1</ArchiveUnitRefId></ArchiveUnit>
          </ArchiveUnit>{ONE_ITEM}""", contract="IC-UNDER-ROOT")
        _, checked_status, checked = ingest(http, make_sip(manifest))
        assert checked_status == expected, failing_details(checked)


def test_attachment_to_a_unit_of_another_tenant_is_refused(http, lite, baseline, vitam_reference):
    holding_root = _holding_root(http, baseline)
    load_baseline_referentials(lite, vitam_reference, tenant=3)
    manifest = unit_manifest(f"""
      <ArchiveUnit id="parent">
        <Management><UpdateOperation><SystemId>{holding_root['#id']}</SystemId></UpdateOperation></Management>
        <Content><DescriptionLevel>Series</DescriptionLevel><Title>Rattachement</Title></Content>
        <ArchiveUnit id="ref"><ArchiveUnitRefId>u1</ArchiveUnitRefId></ArchiveUnit>
      </ArchiveUnit>{ONE_ITEM}""")
    operation_id, status, operation = ingest(http, make_sip(manifest), tenant=3)

    assert status == "KO" and "CHECK_DATAOBJECTPACKAGE.CHECK_MANIFEST.KO" in failing_details(operation)


def test_contract_usage_and_format_restrictions(http, lite, baseline):
    _put_contract(http, 0, {"Identifier": "IC-DISSEMINATION-ONLY", "EveryDataObjectVersion": False,
                            "DataObjectVersion": ["Dissemination"]})
    _put_contract(http, 0, {"Identifier": "IC-PDF-ONLY", "EveryFormatType": False, "FormatType": ["fmt/18"]})
    sip = (baseline / "sip/valid/4_UNITS_2_GOTS.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(sip)) as archive:
        files = {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}
    manifest = files.pop("manifest.xml").decode()

    _, usage_status, usage = ingest(http, make_sip(
        manifest.replace("ArchivalAgreement0", "IC-DISSEMINATION-ONLY"), files))
    _, format_status, formats = ingest(http, make_sip(manifest.replace("ArchivalAgreement0", "IC-PDF-ONLY"), files))

    assert usage_status == "KO"
    assert "CHECK_DATAOBJECTPACKAGE.CHECK_MANIFEST_DATAOBJECT_VERSION.KO" in failing_details(usage)
    assert format_status == "KO" and "OG_OBJECTS_FORMAT_CHECK.REJECTED_FORMAT.KO" in failing_details(formats)


def test_storage_failure_is_fatal_and_leaves_nothing_behind(http, lite, baseline, vitam_reference):
    load_baseline_referentials(lite, vitam_reference, tenant=4)
    blocker = lite.app.store.tenant_objects_dir(4)
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("a file where the tenant's binaries directory should be")
    try:
        operation_id, status, operation = ingest(http, baseline / "sip/valid/4_UNITS_2_GOTS.zip", tenant=4)
    finally:
        blocker.unlink()

    assert status == "FATAL" and operation["events"][-1]["outcome"] == "FATAL"
    assert units_of(http, operation_id, tenant=4) == []
    registers = http.get("/admin-external/v1/accessionregisterdetails", tenant=4, contract="contract",
                         json={"$query": {}, "$filter": {}, "$projection": {}}).json()["$results"]
    assert registers == []
    assert atr_of(http, operation_id, tenant=4).findtext(f"{SEDA}ReplyCode") == "KO"


def test_parallel_ingests_all_complete(http, baseline):
    import concurrent.futures

    sip = (baseline / "sip/valid/4_UNITS_2_GOTS.zip").read_bytes()
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: ingest(http, sip), range(4)))

    assert [status for _, status, _ in results] == ["OK"] * 4
    assert all(len(units_of(http, operation_id)) == 4 for operation_id, _, _ in results)


ANY_TRANSFER_RNG = b"""<grammar xmlns="http://relaxng.org/ns/structure/1.0" ns="fr:gouv:culture:archivesdefrance:seda:v2.1">
  <start><element name="ArchiveTransfer"><ref name="any"/></element></start>
  <define name="any"><zeroOrMore><choice><attribute><anyName/></attribute><text/>
    <element><anyName/><ref name="any"/></element></choice></zeroOrMore></define>
</grammar>"""
OTHER_ROOT_RNG = ANY_TRANSFER_RNG.replace(b'name="ArchiveTransfer"', b'name="ArchiveDeliveryRequest"')


def test_archival_profile_of_the_sip_is_checked(http, baseline):
    profiles = [{"Identifier": "PR-ANY", "Name": "Tout transfert", "Format": "RNG", "Status": "ACTIVE"},
                {"Identifier": "PR-STRICT", "Name": "Autre racine", "Format": "RNG", "Status": "ACTIVE"},
                {"Identifier": "PR-OFF", "Name": "Inactif", "Format": "RNG", "Status": "INACTIVE"}]
    assert http.post("/admin-external/v1/profiles", json=profiles, contract=None).status_code == 201
    for identifier, grammar in (("PR-ANY", ANY_TRANSFER_RNG), ("PR-STRICT", OTHER_ROOT_RNG), ("PR-OFF", ANY_TRANSFER_RNG)):
        uploaded = http.put(f"/admin-external/v1/profiles/{identifier}", data=grammar, contract=None,
                            headers={"Content-Type": "application/octet-stream"})
        assert uploaded.status_code == 200, uploaded.text
    _put_contract(http, 0, {"Identifier": "IC-PROFILES", "ArchiveProfiles": ["PR-ANY", "PR-STRICT", "PR-OFF"]})

    def with_profile(profile):
        manifest = unit_manifest(ONE_ITEM, contract="IC-PROFILES").replace(
            "<ManagementMetadata>", f"<ManagementMetadata><ArchivalProfile>{profile}</ArchivalProfile>")
        return ingest(http, make_sip(manifest))

    _, conform, conform_op = with_profile("PR-ANY")
    _, strict, strict_op = with_profile("PR-STRICT")
    _, inactive, inactive_op = with_profile("PR-OFF")
    _, other, other_op = with_profile("PR-NOT-IN-CONTRACT")

    assert conform == "WARNING" and "CHECK_HEADER.CHECK_ARCHIVEPROFILE" in [e["evType"] for e in conform_op["events"]]
    assert strict == "KO" and "CHECK_HEADER.CHECK_ARCHIVEPROFILE.KO" in failing_details(strict_op)
    assert inactive == "KO" and "CHECK_HEADER.CHECK_IC_AP_RELATION.INACTIVE.KO" in failing_details(inactive_op)
    assert other == "KO" and "CHECK_HEADER.CHECK_IC_AP_RELATION.DIFF.KO" in failing_details(other_op)


def test_sip_built_by_sam_is_ingested_under_a_holding_unit(http, baseline, tmp_path):
    from sam.lib.seda.sip import SipObject, SipPackage, SipRule, SipUnit, write_sip

    holding_root = _holding_root(http, baseline)
    pdf = tmp_path / "deliberation.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + b"% deliberation du conseil municipal\n" * 50 + b"%%EOF\n")
    package = SipPackage(
        message_identifier="VERSEMENT-TEST", archival_agreement="ArchivalAgreement0", archival_agency="Identifier4",
        transferring_agency="Identifier5", originating_agency="FRAN_NP_009913", comment="Délibérations",
        units=[SipUnit(title="Rattachement", description_level="Series", attach_to=holding_root["#id"], children=[
            SipUnit(title="Délibérations 2015", description_level="RecordGrp",
                    rules=[SipRule("AppraisalRule", "APP-00002", datetime.date(2016, 1, 1), final_action="Destroy")],
                    children=[SipUnit(title="Séance du 12 mars 2015", description_level="Item",
                                      objects=[SipObject(pdf, mime_type="application/pdf")])])])],
    )
    built = write_sip(package, tmp_path / "sip.zip")

    operation_id, status, _ = ingest(http, built.path, headers={
        "X-Manifest-Digest-Value": built.manifest_sha512, "X-Manifest-Digest-Algo": "SHA-512"})
    units = {unit["Title"]: unit for unit in units_of(http, operation_id)}

    assert status == "OK"
    assert sorted(units) == ["Délibérations 2015", "Séance du 12 mars 2015"]
    series = units["Délibérations 2015"]
    assert series["#unitups"] == [holding_root["#id"]]
    assert series["#management"]["AppraisalRule"]["Rules"][0]["EndDate"] == "2021-01-01"
    assert "#object" in units["Séance du 12 mars 2015"]


def test_attachment_by_identifier_key(http, baseline):
    tree = unit_manifest('<ArchiveUnit id="h1"><Content><DescriptionLevel>Series</DescriptionLevel><Title>Voirie</Title>'
                         '<OriginatingAgencyArchiveUnitIdentifier>KEY-VOIRIE-77</OriginatingAgencyArchiveUnitIdentifier>'
                         '</Content></ArchiveUnit>')
    tree_op, tree_status, _ = ingest(http, make_sip(tree), workflow="HOLDING_SCHEME")
    [holding] = units_of(http, tree_op)

    def attached_by(value):
        return ingest(http, make_sip(unit_manifest(f"""
          <ArchiveUnit id="parent">
            <Management><UpdateOperation><ArchiveUnitIdentifierKey>
              <MetadataName>OriginatingAgencyArchiveUnitIdentifier</MetadataName><MetadataValue>{value}</MetadataValue>
            </ArchiveUnitIdentifierKey></UpdateOperation></Management>
            <Content><DescriptionLevel>Series</DescriptionLevel><Title>Rattachement</Title></Content>
            <ArchiveUnit id="ref"><ArchiveUnitRefId>u1</ArchiveUnitRefId></ArchiveUnit>
          </ArchiveUnit>{ONE_ITEM}""")))

    found_op, found_status, _ = attached_by("KEY-VOIRIE-77")
    _, missing_status, missing = attached_by("KEY-NOWHERE")
    [unit] = units_of(http, found_op)

    assert tree_status == "OK" and found_status == "WARNING"
    assert unit["#unitups"] == [holding["#id"]]
    assert missing_status == "KO" and "CHECK_DATAOBJECTPACKAGE.CHECK_MANIFEST.KO" in failing_details(missing)
