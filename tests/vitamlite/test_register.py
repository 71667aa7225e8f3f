"""Accession register bookkeeping: an ingest then an elimination, checked against Vitam's own register
documents after the elimination of TEST_ELIMINATION_V2 (elimination/action/*accession_register*)."""

import json

from vitamlite import register
from vitamlite.store import Store

COUNTERS = ("TotalUnits", "TotalObjectGroups", "TotalObjects", "ObjectSize")


def test_ingest_then_elimination_matches_vitam_register(tmp_path, vitam_reference):
    expected_detail = json.loads(
        (vitam_reference / "elimination/action/TEST_ELIMINATION_V2_accession_register_detail_after.json").read_text())[0]
    expected_summary = json.loads(
        (vitam_reference / "elimination/action/TEST_ELIMINATION_V2_accession_register_summary_after.json").read_text())[0]
    db = Store(tmp_path).new_connection()

    register.record_ingest(db, tenant=0, operation_id="ingest-op", originating_agency="RATP", submission_agency="RATP",
                           archival_agreement="ArchivalAgreement0", units=8, object_groups=3, objects=4, size=18,
                           acquisition_information="Versement", legal_status="Public Archive")
    detail = register.record_event(db, tenant=0, opi="ingest-op", originating_agency="RATP",
                                   operation_id="elimination-op", op_type="ELIMINATION",
                                   units=-3, object_groups=-1, objects=-1, size=-6)
    [summary] = register.list_summaries(db, 0)

    for counter in COUNTERS:
        assert detail[counter] == expected_detail[counter]
        assert summary[counter] == expected_summary[counter]
    assert detail["Status"] == expected_detail["Status"] == "STORED_AND_UPDATED"
    assert [(e["OpType"], e["Units"], e["Gots"], e["Objects"], e["ObjSize"]) for e in detail["Events"]] == [
        (e["OpType"], e["Units"], e["Gots"], e["Objects"], e["ObjSize"]) for e in expected_detail["Events"]]
    for key in ("OriginatingAgency", "SubmissionAgency", "ArchivalAgreement", "AcquisitionInformation", "LegalStatus"):
        assert detail[key] == expected_detail[key]
    assert register.list_details(db, 0, "RATP") == [detail]
    assert register.list_details(db, 1) == [] and register.list_summaries(db, 1) == []


def test_event_on_an_unregistered_ingest_is_ignored(tmp_path):
    db = Store(tmp_path).new_connection()
    assert register.record_event(db, tenant=0, opi="holding-op", originating_agency="X", operation_id="op",
                                 op_type="ELIMINATION", units=-1) is None
