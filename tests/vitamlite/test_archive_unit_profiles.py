"""Archive unit profiles (profils d'unité archivistique): the referential and the ingest check
CHECK_ARCHIVE_UNIT_PROFILE, over HTTP with real SIPs, as Vitam's CheckArchiveUnitProfileActionPlugin."""

import json

import pytest

from tests.vitamlite.conftest import Http
from tests.vitamlite.test_ingest_corpus import (
    atr_of,
    failing_details,
    ingest,
    load_baseline_referentials,
    make_sip,
    unit_manifest,
)

ADMIN = "/admin-external/v1"
# Vitam's archive unit profiles write their ControlSchema as a JSON string (draft-04 schemas in its tests).
TITLE_IS_A_DELIBERATION = json.dumps({
    "$schema": "http://json-schema.org/draft-04/schema", "type": "object",
    "properties": {"Title": {"type": "string", "pattern": "^Délibération"}}, "required": ["Title", "DescriptionLevel"],
})


def unit(title: str, profile: str | None) -> str:
    declared = f"<ArchiveUnitProfile>{profile}</ArchiveUnitProfile>" if profile else ""
    return (f'<ArchiveUnit id="u1">{declared}<Content><DescriptionLevel>File</DescriptionLevel>'
            f"<Title>{title}</Title></Content></ArchiveUnit>")


@pytest.fixture(scope="module")
def profiles(lite, vitam_reference):
    load_baseline_referentials(lite, vitam_reference)
    created = Http(lite.base_url).post(ADMIN + "/archiveunitprofiles", contract=None, json=[
        {"Identifier": "AUP-DELIB", "Name": "Délibération", "Status": "ACTIVE", "ControlSchema": TITLE_IS_A_DELIBERATION},
        {"Identifier": "AUP-OFF", "Name": "Inactif", "ControlSchema": TITLE_IS_A_DELIBERATION},
        {"Identifier": "AUP-EMPTY", "Name": "Sans schéma", "Status": "ACTIVE", "ControlSchema": "{}"},
    ])
    assert created.status_code == 201, created.text


def test_import_search_and_invalid_control_schema(http, profiles):
    found = http.get(ADMIN + "/archiveunitprofiles/AUP-OFF", contract=None).json()["$results"][0]
    assert found["Status"] == "INACTIVE" and found["ControlSchema"] == TITLE_IS_A_DELIBERATION

    invalid = http.post(ADMIN + "/archiveunitprofiles", contract=None,
                        json=[{"Name": "Faux", "ControlSchema": json.dumps({"type": 12})}])
    assert invalid.status_code == 400
    operation = http.get(f"/access-external/v1/logbookoperations/{invalid.headers['X-Request-Id']}",
                         contract="contract").json()["$results"][0]
    assert operation["events"][-1]["outDetail"] == "IMPORT_ARCHIVEUNITPROFILE.INVALID_JSON_SCHEMA.KO"
    assert "schéma JSON non valide" in operation["events"][-1]["outMessg"]


@pytest.mark.parametrize(("title", "profile", "expected"), [
    ("Délibération du conseil", "AUP-DELIB", None),
    ("Permis de construire", "AUP-DELIB", "CHECK_ARCHIVE_UNIT_PROFILE.NOT_AU_JSON_VALID.KO"),
    ("Délibération du conseil", "AUP-UNKNOWN", "CHECK_ARCHIVE_UNIT_PROFILE.NOT_FOUND.KO"),
    ("Délibération du conseil", "AUP-OFF", "CHECK_ARCHIVE_UNIT_PROFILE.INACTIVE_STATUS.KO"),
    ("Délibération du conseil", "AUP-EMPTY", "CHECK_ARCHIVE_UNIT_PROFILE.EMPTY_CONTROL_SCHEMA.KO"),
])
def test_ingest_checks_each_unit_against_its_profile(http, profiles, title, profile, expected):
    operation_id, status, operation = ingest(http, make_sip(unit_manifest(unit(title, profile))))
    if expected is None:
        assert status in ("OK", "WARNING")  # WARNING: a SIP without objects
        assert "CHECK_ARCHIVE_UNIT_PROFILE.OK" in [e["outDetail"] for e in operation["events"]]
        return
    assert status == "KO"
    assert expected in failing_details(operation)
    [event] = [e for e in operation["events"] if e["evType"] == "CHECK_ARCHIVE_UNIT_PROFILE"]
    assert json.loads(event["evDetData"])["ArchiveUnitProfile"] == profile
    # NOBLOCKING in Vitam's workflow: the step's next checks still ran.
    assert "UNITS_RULES_COMPUTE" in [e["evType"] for e in operation["events"]]
    details = [element.text for element in atr_of(http, operation_id).iter("{*}OutcomeDetail")]
    assert expected in details and "LFC.CHECK_ARCHIVE_UNIT_PROFILE.KO" in details
