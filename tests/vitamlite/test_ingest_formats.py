"""vitam-lite identifies formats as Vitam: Siegfried + PRONOM at OG_OBJECTS_FORMAT_CHECK, the formats
referential behind /admin-external/v1/formats, and Vitam's WARNING/KO rules, over HTTP with real files."""

import datetime
import gzip
import json

import pytest

from sam.lib.seda.sip import SipObject, SipPackage, SipRule, SipUnit, write_sip
from tests import format_samples
from tests.vitamlite.test_ingest_corpus import (
    _put_contract, failing_details, ingest, load_baseline_referentials, units_of,
)
from vitamlite.formats import DEFAULT_SIGNATURE_FILE

FORMATS = "/admin-external/v1/formats"
PDF = b"%PDF-1.4\n" + b"% deliberation\n" * 20 + b"%%EOF\n"


@pytest.fixture(scope="module")
def baseline(lite, vitam_reference):
    load_baseline_referentials(lite, vitam_reference)
    return vitam_reference


def _sip(tmp_path, files, *, contract="ArchivalAgreement0"):
    """files: [(name, content, declared FormatId or None, declared MimeType or None)]."""
    items = []
    for name, content, puid, mime in files:
        path = format_samples.write(tmp_path, name, content)
        items.append(SipUnit(title=name, description_level="Item",
                             objects=[SipObject(path, filename=name, format_id=puid, mime_type=mime)]))
    package = SipPackage(
        message_identifier="FORMATS", archival_agreement=contract, archival_agency="Identifier4",
        transferring_agency="Identifier5", originating_agency="FRAN_NP_009913",
        units=[SipUnit(title="Formats", description_level="RecordGrp", children=items,
                       rules=[SipRule("AppraisalRule", "APP-00002", datetime.date(2016, 1, 1), final_action="Keep")])],
    )
    return write_sip(package, tmp_path / "sip.zip").path


def _stored_formats(http, operation_id):
    found = {}
    for unit in units_of(http, operation_id):
        if unit.get("#object"):
            response = http.get(f"/access-external/v1/units/{unit['#id']}/objects", contract="contract",
                                json={"$projection": {}})
            version = response.json()["$results"][0]["#qualifiers"][0]["versions"][0]
            found[unit["Title"]] = version["FormatIdentification"]
    return found


def _format_event(operation):
    return next(e for e in operation["events"] if e["evType"] == "OG_OBJECTS_FORMAT_CHECK")


def test_well_declared_formats_pass_and_keep_their_puids(http, baseline, tmp_path):
    files = [("plan.png", format_samples.png_bytes(), "fmt/11", "image/png"),
             ("rapport.odt", format_samples.odt_bytes(), "fmt/291", "application/vnd.oasis.opendocument.text"),
             ("cr.txt", format_samples.text_bytes(), "x-fmt/111", "text/plain"),
             ("deliberation.pdf", PDF, "fmt/18", "application/pdf")]
    operation_id, status, operation = ingest(http, _sip(tmp_path, files))

    stored = _stored_formats(http, operation_id)
    assert {name: value["FormatId"] for name, value in stored.items()} == {
        "plan.png": "fmt/11", "rapport.odt": "fmt/291", "cr.txt": "x-fmt/111", "deliberation.pdf": "fmt/18"}
    assert stored["rapport.odt"]["FormatLitteral"] == "OpenDocument Text"
    # The missing FormatLitteral is completed silently (only a different declared PUID warns), its diff kept.
    assert status == "OK" and _format_event(operation)["outcome"] == "OK"
    details = json.loads(_format_event(operation)["evDetData"])
    assert any(d["diff"].get("+ FormatLitteral") == "OpenDocument Text" for d in details.values())


def test_wrong_declaration_and_wrong_extension_are_corrected_with_a_warning(http, baseline, tmp_path):
    files = [("photo.pdf", format_samples.png_bytes(), "fmt/18", "application/pdf"),
             ("registre.xml", format_samples.xml_bytes(), "fmt/101", "application/xml")]
    operation_id, status, operation = ingest(http, _sip(tmp_path, files))

    stored = _stored_formats(http, operation_id)
    event = _format_event(operation)
    details = json.loads(event["evDetData"])
    assert status == "WARNING" and event["outDetail"] == "OG_OBJECTS_FORMAT_CHECK.WARNING"
    assert stored["photo.pdf"]["FormatId"] == "fmt/11" and stored["photo.pdf"]["MimeType"] == "image/png"
    assert stored["registre.xml"]["FormatId"] == "fmt/101"
    # PRONOM gives XML two MIME types; Vitam's referential keeps them as one string.
    assert stored["registre.xml"]["MimeType"] == "application/xml; text/xml"
    photo = next(d for d in details.values() if d["diff"].get("+ PUID") == "fmt/11")
    assert photo["diff"]["- PUID"] == "fmt/18" and photo["subStatus"] == "UPDATED_FORMAT"
    # The XML's MIME type is completed without a warning of its own: only the PNG declared as PDF warns.
    xml = next(d for d in details.values() if d["diff"].get("+ MimeType") == "application/xml; text/xml")
    assert xml["outcome"] == "OK"


def test_unknown_format_is_refused_unless_the_contract_authorises_it(http, baseline, tmp_path):
    _put_contract(http, 0, {"Identifier": "IC-UNIDENTIFIED-OK", "FormatUnidentifiedAuthorized": True})
    unknown = [("donnees.qqq", bytes(range(256)) * 8, None, "application/octet-stream")]

    (tmp_path / "refused").mkdir()
    (tmp_path / "accepted").mkdir()
    _, refused, refused_op = ingest(http, _sip(tmp_path / "refused", unknown))
    operation_id, accepted, accepted_op = ingest(http, _sip(tmp_path / "accepted", unknown,
                                                            contract="IC-UNIDENTIFIED-OK"))

    assert refused == "KO" and "OG_OBJECTS_FORMAT_CHECK.KO" in failing_details(refused_op)
    assert "UNKNOWN" in _format_event(refused_op)["evDetData"]
    assert accepted == "WARNING" and _format_event(accepted_op)["outcome"] == "WARNING"
    assert _stored_formats(http, operation_id)["donnees.qqq"]["FormatId"] == "unknown"


def test_formats_referential_search_get_and_admin_only_import(http, lite, baseline, tmp_path):
    admin = lite.app.config.admin_tenant
    pdf = http.get(f"{FORMATS}/fmt/18", contract=None)
    search = http.get(FORMATS, contract=None, json={"$query": {"$eq": {"MimeType": "image/png"}},
                                                    "$projection": {"$fields": {"PUID": 1, "Name": 1}}})
    refused = http.post(FORMATS, tenant=0, contract=None, data=b"<x/>",
                        headers={"Content-Type": "application/octet-stream", "X-Filename": "droid.xml"})
    not_droid = http.post(FORMATS, tenant=admin, contract=None, data=b"<x/>",
                          headers={"Content-Type": "application/octet-stream", "X-Filename": "droid.xml"})

    assert pdf.status_code == 200
    document = pdf.json()["$results"][0]
    assert (document["PUID"], document["MimeType"], document["Name"]) == (
        "fmt/18", "application/pdf", "Acrobat PDF 1.4 - Portable Document Format")
    assert "fmt/11" in {doc["PUID"] for doc in search.json()["$results"]}
    assert refused.status_code == 401  # import is admin-only (EndpointAdminOnlyAuthorizationFilter)
    assert not_droid.status_code == 400 and "DROID" in not_droid.json()["description"]


def test_identified_format_missing_from_the_referential_is_uncharted(http, lite, baseline, tmp_path):
    admin = lite.app.config.admin_tenant
    full = gzip.decompress(DEFAULT_SIGNATURE_FILE.read_bytes())
    without_png = full.replace(b'PUID="fmt/11"', b'PUID="fmt/11-removed"')
    try:
        imported = http.post(FORMATS, tenant=admin, contract=None, data=without_png,
                             headers={"Content-Type": "application/octet-stream", "X-Filename": "droid.xml"})
        assert imported.status_code == 201, imported.text
        _, status, operation = ingest(http, _sip(tmp_path, [("plan.png", format_samples.png_bytes(), "fmt/11",
                                                             "image/png")]))
    finally:
        restored = http.post(FORMATS, tenant=admin, contract=None, data=full,
                             headers={"Content-Type": "application/octet-stream", "X-Filename": "droid.xml"})
    assert restored.status_code == 201
    assert status == "KO" and "UNCHARTED" in _format_event(operation)["evDetData"]
    assert _format_event(operation)["outDetail"] == "OG_OBJECTS_FORMAT_CHECK.KO"
