"""DIP export (POST /v2/dipexport, POST /v1/dipexport, GET /dipexport/{id}/dip) and GET /units/stream over HTTP,
on units of an ingested SIP with one binary object."""

import hashlib
import io
import json
import zipfile

import pytest
import requests
from lxml import etree

from vitamlite.ingest import seda

from tests.vitamlite.test_elimination_analysis import wait_status
from tests.vitamlite.test_ingest_corpus import failing_details, ingest, load_baseline_referentials, make_sip, unit_manifest

DIP_V2 = "/access-external/v2/dipexport"
DIP_V1 = "/access-external/v1/dipexport"
STREAM = "/access-external/v1/units/stream"
SEDA = "{fr:gouv:culture:archivesdefrance:seda:v2.1}"
CONTENT = "Permis de construire 2008, plan de masse.\n".encode() * 20

OBJECTS = f"""
      <BinaryDataObject id="o1"><DataObjectGroupId>g1</DataObjectGroupId><DataObjectVersion>BinaryMaster_1</DataObjectVersion>
        <Uri>content/permis.txt</Uri><MessageDigest algorithm="SHA-512">{hashlib.sha512(CONTENT).hexdigest()}</MessageDigest>
        <Size>{len(CONTENT)}</Size><FileInfo><Filename>permis.txt</Filename></FileInfo></BinaryDataObject>"""
UNITS = """
      <ArchiveUnit id="folder"><Content><DescriptionLevel>File</DescriptionLevel><Title>Permis 2008</Title></Content>
        <ArchiveUnit id="item"><Content><DescriptionLevel>Item</DescriptionLevel><Title>Permis n°1 &amp; plan</Title></Content>
          <DataObjectReference><DataObjectGroupReferenceId>g1</DataObjectGroupReferenceId></DataObjectReference></ArchiveUnit>
      </ArchiveUnit>"""


@pytest.fixture(scope="module")
def deposited(lite, vitam_reference):
    load_baseline_referentials(lite, vitam_reference)
    response = requests.post(lite.base_url + "/admin-external/v1/accesscontracts", headers={"X-Tenant-Id": "0"},
                             timeout=30, json=[
                                 {"Identifier": "AC-NO-MASTER", "Name": "AC-NO-MASTER", "Status": "ACTIVE",
                                  "EveryOriginatingAgency": True, "EveryDataObjectVersion": False,
                                  "DataObjectVersion": ["Dissemination"]},
                                 {"Identifier": "AC-OTHER", "Name": "AC-OTHER", "Status": "ACTIVE",
                                  "EveryOriginatingAgency": False, "OriginatingAgencies": ["FRAN_NP_009913"]}])
    assert response.status_code == 201, response.text
    from tests.vitamlite.conftest import Http

    http = Http(lite.base_url)
    operation_id, status, operation = ingest(http, make_sip(unit_manifest(UNITS, objects_xml=OBJECTS),
                                                    {"content/permis.txt": CONTENT}))
    assert status in ("OK", "WARNING"), failing_details(operation)
    return operation_id


def export(http, body, *, path=DIP_V2, contract="contract"):
    response = http.post(path, json=body, contract=contract)
    assert response.status_code == 202, response.text
    operation_id = response.headers["X-Request-Id"]
    assert response.json()["$results"][0]["itemId"] == operation_id
    return operation_id, wait_status(http, operation_id)


def dip_of(http, operation_id, contract="contract"):
    response = http.get(f"{DIP_V1}/{operation_id}/dip", contract=contract)
    assert response.status_code == 200, response.text
    return zipfile.ZipFile(io.BytesIO(response.content))


def by_opi(opi):
    return {"$roots": [], "$query": [{"$eq": {"#opi": opi}}], "$projection": {}}


def test_dip_v2_exports_manifest_and_binaries_with_vitam_steps(http, deposited):
    operation_id, status = export(http, {"dslRequest": by_opi(deposited),
                                         "dataObjectVersionToExport": {"dataObjectVersions": ["BinaryMaster"]},
                                         "exportWithLogBookLFC": False, "sedaVersion": "2.1",
                                         "dipRequestParameters": {"requesterIdentifier": "Mairie de Cergy",
                                                                  "comment": "communication administrative"}})
    assert status == "OK"
    archive = dip_of(http, operation_id)
    names = archive.namelist()
    assert names[0] == "manifest.xml"
    binaries = [name for name in names if name.startswith("Content/")]
    assert len(binaries) == 1 and binaries[0].endswith(".txt")
    assert archive.read(binaries[0]) == CONTENT
    manifest = etree.fromstring(archive.read("manifest.xml"))
    assert manifest.tag == SEDA + "ArchiveDeliveryRequestReply"
    titles = sorted(node.text for node in manifest.iter(SEDA + "Title"))
    assert titles == ["Permis 2008", "Permis n°1 & plan"]
    assert manifest.find(f"{SEDA}Requester/{SEDA}Identifier").text == "Mairie de Cergy"
    assert manifest.find(f".//{SEDA}BinaryDataObject/{SEDA}Uri").text == binaries[0]

    operation = http.get(f"/access-external/v1/logbookoperations/{operation_id}", contract="contract").json()
    operation = operation["$results"][0]
    assert operation["evType"] == "EXPORT_DIP"
    types = [event["outDetail"] for event in operation["events"]]
    for expected in ("STP_CREATE_MANIFEST.STARTED.STARTED", "CHECK_DISTRIBUTION_THRESHOLD.OK", "CREATE_MANIFEST.OK",
                     "STP_PUT_BINARY_ON_WORKSPACE.OK", "EXPORT_CHECK_RESOURCE_AVAILABILITY.OK",
                     "PUT_BINARY_ON_WORKSPACE.OK", "STORE_MANIFEST.OK", "STP_STORE_MANIFEST.OK", "EXPORT_DIP.OK"):
        assert expected in types, (expected, types)
    last = operation["events"][-1]
    assert last["outMessg"] == "Succès du processus de l'export du DIP"


def test_usages_the_contract_refuses_and_units_it_hides_are_not_exported(http, deposited):
    operation_id, status = export(http, {"dslRequest": by_opi(deposited)}, contract="AC-NO-MASTER")
    assert status == "OK"
    archive = dip_of(http, operation_id, contract="AC-NO-MASTER")
    assert archive.namelist() == ["manifest.xml"]  # units exported, BinaryMaster withheld

    operation_id, status = export(http, {"dslRequest": by_opi(deposited)}, contract="AC-OTHER")
    manifest = etree.fromstring(dip_of(http, operation_id, contract="AC-OTHER").read("manifest.xml"))
    assert list(manifest.iter(SEDA + "ArchiveUnit")) == []


def test_legacy_v1_export_and_errors(http, deposited):
    operation_id, status = export(http, by_opi(deposited), path=DIP_V1)
    assert status == "OK" and len(dip_of(http, operation_id).namelist()) == 2

    missing = http.get(f"{DIP_V1}/aeeaaaaaaghduohdabjwealqxxxxxxaaaaaq/dip", contract="contract")
    assert missing.status_code == 404 and missing.json()["httpCode"] == 404
    wrong_seda = http.post(DIP_V2, json={"dslRequest": by_opi(deposited), "sedaVersion": "1.0"}, contract="contract")
    assert wrong_seda.status_code == 412 and wrong_seda.json()["description"] == "The Seda version is invalid!"
    other_tenant = http.with_(tenant=2).get(f"{DIP_V1}/{operation_id}/dip", contract="contract")
    assert other_tenant.status_code in (401, 404)


def test_units_stream_gives_every_unit_as_json_lines(http, deposited):
    response = http.get(STREAM, contract="contract", stream=True,
                        json={"$roots": [], "$query": [{"$eq": {"#opi": deposited}}],
                              "$filter": {"$orderby": {"Title": 1}}, "$projection": {"$fields": {"Title": 1, "#id": 1}}})
    assert response.status_code == 200
    assert response.headers["X-Units-Count"] == "2"
    rows = [json.loads(line) for line in response.iter_lines() if line]
    assert [row["Title"] for row in rows] == ["Permis 2008", "Permis n°1 & plan"]
    assert set(rows[0]) == {"Title", "#id"}


@pytest.mark.parametrize("extra", [{"$filter": {"$limit": 10}}, {"$filter": {"$offset": 1}},
                                   {"$facets": [{"$name": "f", "$terms": {"$field": "#opi", "$size": 5,
                                                                         "$order": "ASC"}}]}])
def test_units_stream_refuses_window_and_facets_as_vitam(http, deposited, extra):
    query = {"$roots": [], "$query": [{"$eq": {"#opi": deposited}}], "$projection": {}, **extra}
    response = http.get(STREAM, contract="contract", json=query)
    assert response.status_code == 401 and response.content == b""


def test_units_stream_hides_what_the_contract_cannot_see(http, deposited):
    response = http.get(STREAM, contract="AC-OTHER", json=by_opi(deposited))
    assert response.status_code == 200 and response.headers["X-Units-Count"] == "0" and response.content == b""


@pytest.mark.parametrize("with_logbook", [False, True])
def test_dip_manifest_is_valid_seda_2_1(http, deposited, with_logbook):
    operation_id, _ = export(http, {"dslRequest": by_opi(deposited), "exportWithLogBookLFC": with_logbook})
    manifest = etree.ElementTree(etree.fromstring(dip_of(http, operation_id).read("manifest.xml")))
    assert seda.validation_errors(manifest) == []
    events = manifest.findall(f".//{SEDA}Management/{SEDA}LogBook/{SEDA}Event")
    if with_logbook:  # each unit's ingest, from its lifecycle
        assert len(events) == 2 and {event.findtext(f"{SEDA}EventIdentifier") for event in events} == {deposited}
        assert events[0].findtext(f"{SEDA}Outcome") == "OK"
    else:
        assert events == []


def _reference_body(vitam_reference, name: str, request_title: str) -> dict:
    """The JSON body of one request of Vitam's http-examples file (the one whose title starts so)."""
    text = (vitam_reference / "http-examples" / name).read_text(encoding="utf-8")
    block = text.split("### " + request_title, 1)[1].split("\n###", 1)[0]
    return json.loads(block[block.index("\n{"):].strip())


def test_reference_examples_of_stream_and_v2_export_are_accepted(http, deposited, vitam_reference):
    stream_body = _reference_body(vitam_reference, "units_search.http", "Recherche des unités archivestique en mode scroll")
    assert stream_body["$facets"] == [] and stream_body["$filter"] == {}
    response = http.get(STREAM, contract="contract", json={**stream_body, "$query": [{"$eq": {"#opi": deposited}}]})
    assert response.status_code == 200 and response.headers["X-Units-Count"] == "2"

    dip_body = _reference_body(vitam_reference, "dip_action.http", "Lancement du workflow de création de DIP complet")
    dip_body["dslRequest"]["$query"] = [{"$eq": {"#opi": deposited}}]
    operation_id, status = export(http, dip_body)
    assert status == "OK"
    manifest = etree.fromstring(dip_of(http, operation_id).read("manifest.xml"))
    assert manifest.findtext(f"{SEDA}MessageRequestIdentifier") == "tot"
    assert manifest.findall(f".//{SEDA}LogBook")  # exportWithLogBookLFC: true
