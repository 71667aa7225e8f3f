"""Probative value report (EXPORT_PROBATIVE_VALUE) over HTTP, on a SIP of Vitam's corpus ingested by vitam-lite.

Checks the answer of POST /admin-external/v1/probativevalueexport, the logbook of the operation (event types,
outcomes, the catalogue's French messages), the ProbativeReportV2 downloaded from /batchreport/{opId}, and that
a binary changed on disk after ingest turns its digest check KO.
"""

import pytest

from tests.vitamlite.conftest import Http
from tests.vitamlite.test_ingest_corpus import ingest, load_baseline_referentials, logbook_operation, wait_completed
from vitamlite import binaries

EXPORT = "/admin-external/v1/probativevalueexport"
BATCH_REPORT = "/admin-external/v1/batchreport/{}"


@pytest.fixture(scope="module")
def ingested(lite, vitam_reference):
    http = Http(lite.base_url)
    load_baseline_referentials(lite, vitam_reference)
    operation_id, status, _ = ingest(http, vitam_reference / "sip" / "valid" / "4_UNITS_2_GOTS.zip")
    assert status in ("OK", "WARNING")
    return operation_id


def _export(http, query, *, usage="BinaryMaster", version="1", contract="contract"):
    return http.post(EXPORT, json={"dslQuery": query, "usage": usage, "version": version}, contract=contract)


def _run(http, query, **kwargs):
    response = _export(http, query, **kwargs)
    assert response.status_code == 200, response.text
    operation_id = response.headers["X-Request-Id"]
    assert response.json()["$results"][0]["itemId"] == operation_id
    status = wait_completed(http, operation_id)
    return operation_id, status


def _report(http, operation_id):
    response = http.get(BATCH_REPORT.format(operation_id), contract=None)
    assert response.status_code == 200, response.text
    return response.json()


def test_report_of_an_ingest_lists_each_object_with_its_digests_and_operations(http, ingested):
    operation_id, status = _run(http, {"$roots": [], "$query": [{"$eq": {"#opi": ingested}}], "$projection": {}})
    assert status == "OK"

    operation = logbook_operation(http, operation_id)
    assert operation["evType"] == "EXPORT_PROBATIVE_VALUE" and operation["evTypeProc"] == "AUDIT"
    assert operation["outMessg"] == ("Début du processus de création du relevé de valeur probante : "
                                     + operation_id)
    assert [(e["evType"], e["outcome"]) for e in operation["events"]] == [
        ("STP_PROBATIVE_VALUE_PREPARE.STARTED", "OK"),
        ("CHECK_DISTRIBUTION_THRESHOLD", "OK"),
        ("PREPARE_STORAGE_STRATEGIES", "OK"),
        ("PROBATIVE_VALUE_CREATE_DISTRIBUTION_FILE", "OK"),
        ("STP_PROBATIVE_VALUE_PREPARE", "OK"),
        ("STP_PROBATIVE_VALUE_ACTION.STARTED", "OK"),
        ("PROBATIVE_VALUE_CREATE_PROBATIVE_REPORT_ENTRY", "OK"),
        ("STP_PROBATIVE_VALUE_ACTION", "OK"),
        ("STP_PROBATIVE_VALUE_GENERATE_REPORT.STARTED", "OK"),
        ("PROBATIVE_VALUE_CREATE_REPORT", "OK"),
        ("STP_PROBATIVE_VALUE_GENERATE_REPORT", "OK"),
        ("EXPORT_PROBATIVE_VALUE", "OK"),
    ]
    final = operation["events"][-1]
    assert final["outDetail"] == "EXPORT_PROBATIVE_VALUE.OK"
    assert final["outMessg"] == "Succès du processus de création du relevé de valeur probante"

    report = _report(http, operation_id)
    assert report["ReportVersion"] == 2
    assert report["operationSummary"]["evId"] == operation_id
    assert report["operationSummary"]["evType"] == "EXPORT_PROBATIVE_VALUE"
    assert report["operationSummary"]["rightsStatementIdentifier"] == {"AccessContract": "contract"}
    assert report["reportSummary"]["reportType"] == "PROBATIVE_VALUE"
    assert report["context"]["usage"] == "BinaryMaster" and report["context"]["version"] == "1"
    entries = report["reportEntries"]
    assert len(entries) == 2  # the SIP's two object groups
    assert report["reportSummary"]["vitamResults"] == {"OK": 0, "KO": 0, "WARNING": 2}
    for entry in entries:
        assert entry["usageVersion"] == "BinaryMaster_1" and entry["unitIds"]
        [check] = entry["checks"]
        assert check["name"] == "FILE_DIGEST_OFFER_DATABASE_COMPARISON" and check["status"] == "OK"
        assert check["sourceComparable"] == check["destinationComparable"] and len(check["sourceComparable"]) == 128
        assert entry["operations"][0]["id"] == ingested
        assert entry["operations"][0]["evTypeProc"] == "PROCESS_SIP_UNITARY"
        assert entry["operations"][0]["evDateTime"]
        # No secured logbook in vitam-lite: digests agree, the traceability checks are missing.
        assert entry["status"] == "WARNING"


def test_a_binary_changed_on_disk_is_a_ko_check(lite, http, ingested):
    query = {"$roots": [], "$query": [{"$eq": {"#opi": ingested}}], "$projection": {}}
    first, _ = _run(http, query)
    tampered = _report(http, first)["reportEntries"][0]
    path = binaries.resolve(lite.app.store, 0, binaries.object_path(tampered["objectId"]))
    original = path.read_bytes()
    try:
        path.write_bytes(original + b"altered")
        operation_id, _ = _run(http, query)
        entries = {e["objectId"]: e for e in _report(http, operation_id)["reportEntries"]}
    finally:
        path.write_bytes(original)
    entry = entries[tampered["objectId"]]
    [check] = entry["checks"]
    assert check["status"] == "KO" and entry["status"] == "KO"
    assert check["destinationComparable"] == tampered["checks"][0]["destinationComparable"]
    assert check["sourceComparable"] != check["destinationComparable"]
    others = [e for object_id, e in entries.items() if object_id != tampered["objectId"]]
    assert [e["status"] for e in others] == ["WARNING"]
    report = _report(http, operation_id)
    assert report["reportSummary"]["vitamResults"] == {"OK": 0, "KO": 1, "WARNING": 1}
    assert report["operationSummary"]["outcome"] == "WARNING"


def test_a_version_that_does_not_exist_gives_a_ko_entry_without_checks(http, ingested):
    operation_id, status = _run(http, {"$roots": [], "$query": [{"$eq": {"#opi": ingested}}], "$projection": {}},
                                version="9")
    assert status == "KO"
    report = _report(http, operation_id)
    assert all(e["status"] == "KO" and e["checks"] == [] and e["objectId"] == "NO_BINARY_ID"
               for e in report["reportEntries"])
    assert report["operationSummary"]["outcome"] == "KO"
    assert report["operationSummary"]["outMsg"] == "Échec du processus de création du relevé de valeur probante"


def test_threshold_zero_is_ko_like_vitam_itests(http, ingested):
    # audit-probative-value.feature, "Cas KO ($threshold = 0)"
    operation_id, status = _run(http, {"$roots": [], "$query": [{"$eq": {"#opi": ingested}}], "$projection": {},
                                       "$threshold": 0})
    assert status == "KO"
    operation = logbook_operation(http, operation_id)
    assert operation["events"][-1]["outDetail"] == "EXPORT_PROBATIVE_VALUE.KO"
    assert ("CHECK_DISTRIBUTION_THRESHOLD", "KO") in [(e["evType"], e["outcome"]) for e in operation["events"]]
    assert http.get(BATCH_REPORT.format(operation_id), contract=None).status_code == 404


def test_bad_requests(http, ingested):
    empty = _export(http, {"$roots": [], "$query": [], "$projection": {}})
    assert empty.status_code == 403 and empty.json()["code"] == "000300"
    assert _export(http, {"$query": [{"$eq": {"#opi": ingested}}]}, usage="").status_code == 400
    assert _export(http, {"$query": [{"$nope": {}}]}).status_code == 400
    assert _export(http, {"$query": [{"$eq": {"#opi": ingested}}]}, contract=None).status_code == 401


def test_another_tenant_sees_neither_the_units_nor_the_report(http, ingested):
    operation_id, _ = _run(http, {"$roots": [], "$query": [{"$eq": {"#opi": ingested}}], "$projection": {}})
    assert http.get(BATCH_REPORT.format(operation_id), tenant=2, contract=None).status_code == 404
