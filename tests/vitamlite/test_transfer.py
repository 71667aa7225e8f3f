"""Transfer to another archival service over HTTP: POST /transfers, GET /transfers/{id}/sip, POST /transfers/reply
(Vitam's TransferUnitWorkflow and TransferReplyWorkflow, events and outcomes as Vitam writes them)."""

import io
import zipfile

import pytest
from lxml import etree

from tests.vitamlite.test_elimination_analysis import wait_status
from tests.vitamlite.test_elimination_corpus import batch_report, operation, register_details, units
from tests.vitamlite.test_ingest_corpus import ingest, load_baseline_referentials

TRANSFERS = "/access-external/v1/transfers"
SEDA = "fr:gouv:culture:archivesdefrance:seda:v2.1"
NS = {"s": SEDA}


@pytest.fixture(scope="module")
def corpus(lite, vitam_reference):
    load_baseline_referentials(lite, vitam_reference)
    load_baseline_referentials(lite, vitam_reference, tenant=2)
    return vitam_reference


def transfer_request(query, **overrides):
    body = {"dslRequest": {"$roots": [], "$query": [query], "$projection": {}}, "transferWithLogBookLFC": False,
            "dataObjectVersionToExport": {"dataObjectVersions": ["BinaryMaster"]},
            "transferRequestParameters": {"archivalAgreement": "ArchivalAgreement0",
                                          "originatingAgencyIdentifier": "FRAN_NP_009913",
                                          "archivalAgencyIdentifier": "Vitam", "transferringAgency": "Vitam",
                                          "comment": "Transfert aux archives définitives"},
            "sedaVersion": "2.1"}
    body.update(overrides)
    return body


def start_transfer(http, opi, tenant=0):
    response = http.post(TRANSFERS, tenant=tenant, contract="contract", json=transfer_request({"$eq": {"#opi": opi}}))
    assert response.status_code == 202, response.text
    operation_id = response.headers["X-Request-Id"]
    assert response.json()["$results"][0]["itemId"] == operation_id
    assert wait_status(http, operation_id, tenant=tenant) == "OK"
    return operation_id


def reply(message_request_id, unit_ids, code="OK") -> bytes:
    units = "".join(f"<ArchiveUnit id='U{n}'><Content><SystemId>{unit_id}</SystemId></Content></ArchiveUnit>"
                    for n, unit_id in enumerate(unit_ids))
    return (f"<?xml version='1.0' encoding='UTF-8'?><ArchiveTransferReply xmlns='{SEDA}'>"
            f"<Date>2026-01-01T00:00:00</Date><MessageIdentifier>ATR-1</MessageIdentifier>"
            f"<ArchivalAgreement>ArchivalAgreement0</ArchivalAgreement><CodeListVersions/>"
            f"<DataObjectPackage><DescriptiveMetadata>{units}</DescriptiveMetadata><ManagementMetadata/>"
            f"</DataObjectPackage><ReplyCode>{code}</ReplyCode>"
            f"<MessageRequestIdentifier>{message_request_id}</MessageRequestIdentifier>"
            f"<ArchivalAgency><Identifier>Vitam</Identifier></ArchivalAgency>"
            f"<TransferringAgency><Identifier>Vitam</Identifier></TransferringAgency>"
            f"</ArchiveTransferReply>").encode()


def send_reply(http, body, tenant=0):
    response = http.post(TRANSFERS + "/reply", tenant=tenant, contract="contract", data=body,
                         headers={"Content-Type": "application/xml"})
    assert response.status_code == 202, response.text
    operation_id = response.headers["X-Request-Id"]
    return operation_id, wait_status(http, operation_id, tenant=tenant)


def events(http, operation_id, tenant=0):
    return [(event["evType"], event["outcome"]) for event in operation(http, operation_id, tenant)["events"]]


def test_transfer_sip_is_ingestible_and_a_reply_listing_some_units_purges_them_all(http, corpus):
    """As Vitam's TransferReplyUnitPreparationHandler: the units purged are the transfer report's, whatever the
    reply lists."""
    opi, status, _ = ingest(http, corpus / "sip/valid/4_UNITS_2_GOTS.zip")
    assert status == "OK"
    stored = units(http, {"$eq": {"#opi": opi}}, fields=("#id", "Title", "#object", "#operations"))
    assert len(stored) == 4
    transfer_id = start_transfer(http, opi)
    assert events(http, transfer_id)[-1] == ("ARCHIVE_TRANSFER", "OK")
    assert ("CREATE_MANIFEST", "OK") in events(http, transfer_id)
    root = operation(http, transfer_id)
    assert root["evTypeProc"] == "ARCHIVE_TRANSFER"
    assert root["events"][-1]["outMessg"] == ("Succès du transfert des unités archivistiques et des groupes"
                                              " d'objets")
    marked = units(http, {"$eq": {"#opi": opi}}, fields=("#id", "#operations"))
    assert all(transfer_id in unit["#operations"] for unit in marked)

    sip = http.get(f"{TRANSFERS}/{transfer_id}/sip", tenant=0, contract="contract")
    assert sip.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(sip.content))
    manifest = etree.fromstring(archive.read("manifest.xml"))
    assert manifest.findtext("s:MessageIdentifier", namespaces=NS) == transfer_id
    system_ids = manifest.xpath("//s:ArchiveUnit/s:Content/s:SystemId/text()", namespaces=NS)
    assert sorted(system_ids) == sorted(unit["#id"] for unit in stored)
    uris = manifest.xpath("//s:BinaryDataObject/s:Uri/text()", namespaces=NS)
    assert uris and all(uri in archive.namelist() for uri in uris)

    # The receiving side (here tenant 2 of the same vitam-lite) ingests the transfer SIP as it is.
    _, received_status, _ = ingest(http, sip.content, tenant=2)
    assert received_status in ("OK", "WARNING")
    assert len(units(http, {"$eq": {"Title": stored[0]["Title"]}}, tenant=2)) == 1

    before = {d["Opi"]: d["TotalUnits"]["remained"] for d in register_details(http)}
    leaves = [unit for unit in stored if not any(unit["#id"] in other.get("#unitups", []) for other in stored)]
    accepted = [unit["#id"] for unit in stored if unit["#id"] != leaves[0]["#id"]]
    reply_id, reply_status = send_reply(http, reply(transfer_id, accepted))
    assert reply_status == "OK"
    reply_events = events(http, reply_id)
    assert ("VERIFY_ARCHIVAL_TRANSFER_REPLY", "OK") in reply_events
    assert ("TRANSFER_REPLY_DELETE_UNIT", "OK") in reply_events
    assert reply_events[-1] == ("TRANSFER_REPLY", "OK")
    # The unit the reply leaves out is purged too.
    assert units(http, {"$eq": {"#opi": opi}}) == []
    after = {d["Opi"]: d["TotalUnits"]["remained"] for d in register_details(http)}
    assert after[opi] == before[opi] - len(stored)


def test_the_receiving_vitams_own_atr_is_a_reply_accepting_every_unit(http, corpus):
    """The SIP ingested by another Vitam (tenant 2 here): its ATR names the units by the SIP's ids, with its own
    new SystemIds, and answers the transfer's MessageIdentifier; as a reply, it purges everything transferred."""
    opi, _, _ = ingest(http, corpus / "sip/valid/4_UNITS_2_GOTS.zip")
    transfer_id = start_transfer(http, opi)
    sip = http.get(f"{TRANSFERS}/{transfer_id}/sip", tenant=0, contract="contract").content
    received_id, received_status, _ = ingest(http, sip, tenant=2)
    assert received_status in ("OK", "WARNING")
    atr = http.get(f"/ingest-external/v1/ingests/{received_id}/archivetransferreply", tenant=2, contract=None)
    assert atr.status_code == 200, atr.text
    assert etree.fromstring(atr.content).findtext("s:MessageRequestIdentifier", namespaces=NS) == transfer_id
    _, status = send_reply(http, atr.content)
    assert status == "OK"
    assert units(http, {"$eq": {"#opi": opi}}) == []


def test_a_transferred_unit_that_still_has_children_stays_with_a_warning(http, corpus):
    """PurgeUnitPlugin's own check, the only one on the units of the transfer: a unit with a child left (here one
    outside the transfer) is not purged, NON_DESTROYABLE_HAS_CHILD_UNITS, and the reply ends WARNING."""
    opi, _, _ = ingest(http, corpus / "sip/valid/4_UNITS_2_GOTS.zip")
    stored = units(http, {"$eq": {"#opi": opi}}, fields=("#id", "#unitups"))
    parent = next(unit["#id"] for unit in stored if any(unit["#id"] in other["#unitups"] for other in stored))
    response = http.post(TRANSFERS, tenant=0, contract="contract", json=transfer_request({"$eq": {"#id": parent}}))
    assert response.status_code == 202, response.text
    transfer_id = response.headers["X-Request-Id"]
    assert wait_status(http, transfer_id) == "OK"
    reply_id, status = send_reply(http, reply(transfer_id, [parent]))
    assert status == "WARNING"
    assert ("TRANSFER_REPLY_DELETE_UNIT", "WARNING") in events(http, reply_id)
    assert len(units(http, {"$eq": {"#opi": opi}})) == len(stored)
    lines = batch_report(http, reply_id)
    assert {"id": parent, "status": "NON_DESTROYABLE_HAS_CHILD_UNITS"}.items() <= next(
        line for line in lines[1:] if line.get("id") == parent).items()


def test_reply_for_an_unknown_transfer_is_ko_and_purges_nothing(http, corpus):
    opi, _, _ = ingest(http, corpus / "sip/valid/4_UNITS_2_GOTS.zip")
    ids = [unit["#id"] for unit in units(http, {"$eq": {"#opi": opi}})]
    # The ingest operation exists but is no ARCHIVE_TRANSFER.
    reply_id, status = send_reply(http, reply(opi, ids))
    assert status == "KO"
    assert ("VERIFY_ARCHIVAL_TRANSFER_REPLY", "KO") in events(http, reply_id)
    assert operation(http, reply_id)["events"][-1]["outMessg"] == "Échec de l'acquittement du transfert"
    assert len(units(http, {"$eq": {"#opi": opi}})) == 4


def test_reply_code_ko_stops_before_the_purge(http, corpus):
    opi, _, _ = ingest(http, corpus / "sip/valid/4_UNITS_2_GOTS.zip")
    transfer_id = start_transfer(http, opi)
    reply_id, status = send_reply(http, reply(transfer_id, [], code="KO"))
    assert status == "KO"
    # VerifyAtrPlugin refuses a KO ReplyCode itself, before CHECK_ATR_AND_ADD_IT_TO_WORKSPACE.
    assert ("VERIFY_ARCHIVAL_TRANSFER_REPLY", "KO") in events(http, reply_id)
    assert ("CHECK_ATR_AND_ADD_IT_TO_WORKSPACE", "KO") not in events(http, reply_id)
    assert len(units(http, {"$eq": {"#opi": opi}})) == 4


@pytest.mark.parametrize("body", [
    b"<ArchiveTransferReply",
    b"<?xml version='1.0'?><!DOCTYPE r [<!ENTITY a 'aaaa'>]><ArchiveTransferReply>&a;</ArchiveTransferReply>",
    b"<?xml version='1.0'?><Other xmlns='fr:gouv:culture:archivesdefrance:seda:v2.1'/>",
])
def test_malformed_or_hostile_reply_is_ko(http, corpus, body):
    reply_id, status = send_reply(http, body)
    assert status == "KO"
    assert ("VERIFY_ARCHIVAL_TRANSFER_REPLY", "KO") in events(http, reply_id)


def test_bad_seda_version_is_412_and_a_bad_dsl_500_as_access_external_answers(http, corpus):
    response = http.post(TRANSFERS, tenant=0, contract="contract",
                         json=transfer_request({"$match_all": {"Title": "x"}}, sedaVersion="3.0"))
    assert response.status_code == 412, response.text
    assert response.json()["description"] == "The Seda version is invalid!"
    response = http.post(TRANSFERS, tenant=0, contract="contract", json=transfer_request({}, dslRequest="not a query"))
    assert response.status_code == 500, response.text
    assert response.json()["context"] == "ACCESS_EXTERNAL"


def test_missing_transfer_parameters_make_the_manifest_ko(http, corpus):
    opi, _, _ = ingest(http, corpus / "sip/valid/4_UNITS_2_GOTS.zip")
    body = transfer_request({"$eq": {"#opi": opi}}, transferRequestParameters={"archivalAgreement": "IC-1"})
    response = http.post(TRANSFERS, tenant=0, contract="contract", json=body)
    assert response.status_code == 202, response.text
    operation_id = response.headers["X-Request-Id"]
    assert wait_status(http, operation_id) == "KO"
    assert ("CREATE_MANIFEST", "KO") in events(http, operation_id)
    assert http.get(f"{TRANSFERS}/{operation_id}/sip", tenant=0, contract="contract").status_code == 404


def test_sip_of_another_tenant_is_not_found(http, corpus):
    opi, _, _ = ingest(http, corpus / "sip/valid/4_UNITS_2_GOTS.zip")
    transfer_id = start_transfer(http, opi)
    response = http.get(f"{TRANSFERS}/{transfer_id}/sip", tenant=2, contract="contract")
    assert response.status_code == 404
