"""Every operation of SAM's Vitam client against vitam-lite over HTTP, on this module's tenant."""

import hashlib
import io
import json
import uuid

import pytest
from django.test import override_settings
from lxml import etree

from sam.lib.seda.sip import SipObject, SipPackage, SipRule, SipUnit, write_sip
from sam.vitam import (
    GetById,
    Select,
    SelectSingle,
    VitamBadRequest,
    VitamClient,
    VitamContext,
    VitamNotFound,
    VitamUnavailable,
    eq,
    exists,
    match,
)
from sam.vitam.session import close_sessions

TENANT = 41
CONTRACT = "AC-SAM-41"
AGENCY = "FRAN_NP_009913"
AGENCIES_CSV = f"Identifier,Name,Description\n{AGENCY},Archives de test,\nSAM_VERSANT,Service versant,\n"
RULES_CSV = ("RuleId,RuleType,RuleValue,RuleDescription,RuleDuration,RuleMeasurement\n"
             "ACC-SAM-1,AccessRule,Communicable après 25 ans,,25,YEAR\n"
             "APP-SAM-1,AppraisalRule,DUA 10 ans,,10,YEAR\n")
XSD = (b'<?xml version="1.0"?><xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
       b'<xs:element name="ArchiveTransfer"/></xs:schema>')
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@pytest.fixture(scope="module")
def world(vitamlite_server, tmp_path_factory):
    """Tenant 41 with agencies, rules, contracts and one ingested SIP (two units, one binary)."""
    from django.conf import settings

    tmp = tmp_path_factory.mktemp("operations")
    with override_settings(VITAM={**settings.VITAM, "URL": vitamlite_server.base_url,
                                  "INGEST_URL": vitamlite_server.base_url, "RETRIES": 1}):
        client = VitamClient(VitamContext(tenant=TENANT, access_contract=CONTRACT))
        client.import_agencies(io.BytesIO(AGENCIES_CSV.encode()), "agencies.csv")
        client.import_rules(io.BytesIO(RULES_CSV.encode()), "rules.csv")
        client.import_ingest_contracts([{"Identifier": "IC-SAM-41", "Name": "Versements", "Status": "ACTIVE"}])
        client.import_access_contracts([{"Identifier": CONTRACT, "Name": "Tout voir", "Status": "ACTIVE",
                                         "EveryOriginatingAgency": True, "EveryDataObjectVersion": True}])
        binary = tmp / "deliberation.pdf"
        binary.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 4096 + b"\n%%EOF\n")  # a PDF Siegfried identifies
        sip = write_sip(SipPackage(
            message_identifier="SIP-SAM-41", archival_agency="SAM_VERSANT", transferring_agency="SAM_VERSANT",
            originating_agency=AGENCY, archival_agreement="IC-SAM-41",
            units=[SipUnit(title="Délibérations du conseil municipal", description_level="Series",
                           rules=[SipRule("AppraisalRule", "APP-SAM-1", start_date=__import__("datetime").date(2000, 1, 1),
                                          final_action="Destroy")],
                           children=[SipUnit(title="Délibération du 3 mars 2001", description_level="Item",
                                             rules=[SipRule("AccessRule", "ACC-SAM-1",
                                                            start_date=__import__("datetime").date(2001, 3, 3))],
                                             objects=[SipObject(binary, mime_type="application/pdf")])])],
        ), tmp / "sip.zip")
        operation_id = client.ingest(sip.path)
        status = client.wait_for_operation(operation_id, timeout=60, poll_interval=0.1)
        units = client.search_units(Select().where(eq("#opi", operation_id)).fields("#id", "Title", "#object"))
    close_sessions()
    return {"operation_id": operation_id, "status": status, "sip": sip, "binary": binary,
            "units": {u["Title"]: u for u in units.results}}


@pytest.fixture
def client(vitam_url):
    return VitamClient(VitamContext(tenant=TENANT, access_contract=CONTRACT))


def test_status(client):
    assert client.status() is True


def test_ingest_and_operation_follow_up(client, world, tmp_path):
    operation_id = world["operation_id"]
    assert world["status"].is_completed and world["status"].status == "OK"
    assert client.operation_status(operation_id).status == "OK"
    atr = tmp_path / "atr.xml"
    result = client.download_atr(operation_id, atr)
    assert result.size == atr.stat().st_size > 0
    root = etree.fromstring(atr.read_bytes(), _SAFE_XML)
    assert root.findtext("{fr:gouv:culture:archivesdefrance:seda:v2.1}ReplyCode") == "OK"
    assert client.get_atr(operation_id) == atr.read_bytes()
    manifest = io.BytesIO()
    client.download_manifest(operation_id, manifest)
    assert hashlib.sha512(manifest.getvalue()).hexdigest() == world["sip"].manifest_sha512
    operation = client.get_operation(operation_id)
    assert operation["evType"] == "PROCESS_SIP_UNITARY" and operation["events"][-1]["outcome"] == "OK"
    detail = client.get_operation_detail(operation_id)
    assert detail["globalState"] == "COMPLETED" and detail["globalStatus"] == "OK"
    found = client.search_operations(SelectSingle().where(eq("#id", operation_id)))
    assert [op["#id"] if "#id" in op else op["evId"] for op in found.results] == [operation_id]


def test_units_search_facets_and_get(client, world):
    series = world["units"]["Délibérations du conseil municipal"]
    item = world["units"]["Délibération du 3 mars 2001"]
    page = client.search_units(Select().where(match("Title", "délibération")).fields("Title")
                               .order_by("Title").facet_terms("levels", "DescriptionLevel", size=5))
    assert page.total == 2
    assert page.facet("levels") == {"Series": 1, "Item": 1}
    under = client.search_units(Select().roots([series["#id"]]).depth(1).fields("#id", "Title"))
    assert [u["#id"] for u in under.results] == [item["#id"]]
    unit = client.get_unit(item["#id"], ["Title", "#management"])
    assert unit["Title"] == "Délibération du 3 mars 2001"
    assert unit["#management"]["AccessRule"]["Rules"][0]["EndDate"] == "2026-03-03"
    with pytest.raises(VitamNotFound):
        client.get_unit("aeaqaaaaaagdmvr3abnwoak7fzjq75qaaaca")


def test_inherited_rules(client, world):
    item = world["units"]["Délibération du 3 mars 2001"]
    page = client.search_units_with_inherited_rules(Select().where(eq("#id", item["#id"])))
    inherited = page.first["InheritedRules"]
    assert {r["Rule"] for r in inherited["AppraisalRule"]["Rules"]} == {"APP-SAM-1"}
    assert {r["Rule"] for r in inherited["AccessRule"]["Rules"]} == {"ACC-SAM-1"}


def test_object_group_and_binary_download(client, world, tmp_path):
    item = world["units"]["Délibération du 3 mars 2001"]
    group = client.get_object_group(item["#id"])
    assert group["#id"] == item["#object"]
    assert client.search_object_groups(Select().where(eq("#id", item["#object"]))).total == 1
    expected = hashlib.sha512(world["binary"].read_bytes()).hexdigest()
    target = tmp_path / "copy.pdf"
    result = client.download_object(item["#id"], "BinaryMaster", 1, target)
    assert result.size == world["binary"].stat().st_size
    assert hashlib.sha512(target.read_bytes()).hexdigest() == expected
    by_group = io.BytesIO()
    client.download_object(None, "BinaryMaster", 1, by_group, object_group_id=item["#object"])
    assert hashlib.sha512(by_group.getvalue()).hexdigest() == expected
    with pytest.raises(VitamNotFound):
        client.download_object(item["#id"], "Dissemination", 1, io.BytesIO())


def test_truncated_download_leaves_nothing(client, world, tmp_path, faults):
    item = world["units"]["Délibération du 3 mars 2001"]
    faults(f"truncate:/access-external/v1/units/{item['#id']}/objects")
    target = tmp_path / "broken.pdf"
    with pytest.raises(VitamUnavailable):
        client.download_object(item["#id"], "BinaryMaster", 1, target)
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_rules_and_agencies(client):
    check = client.check_rules(io.BytesIO(RULES_CSV.encode()), "rules.csv")
    assert check.valid and not check.line_errors()
    bad = client.check_rules(io.BytesIO(RULES_CSV.replace("25,YEAR", "-3,YEAR").encode()), "bad.csv")
    assert not bad.valid and bad.line_errors()["line 2"][0]["Code"] == "STP_IMPORT_RULES_WRONG_RULEDURATION.KO"
    with pytest.raises(VitamBadRequest) as raised:
        client.import_rules(io.BytesIO(RULES_CSV.replace("25,YEAR", "-3,YEAR").encode()), "bad.csv")
    assert client.rules_report(raised.value.request_id)["error"]["line 2"]
    assert client.get_rule("ACC-SAM-1")["RuleDuration"] == "25"
    assert client.search_rules(SelectSingle().where(eq("RuleType", "AppraisalRule"))).total == 1
    assert client.check_agencies(io.BytesIO(AGENCIES_CSV.encode()), "a.csv").valid
    assert client.get_agency(AGENCY)["Name"] == "Archives de test"
    assert client.search_agencies(SelectSingle().fields("Identifier")).total == 2


def test_contracts(client):
    identifier = f"IC-{uuid.uuid4().hex[:8]}"
    client.import_ingest_contracts([{"Identifier": identifier, "Name": "Temp", "Status": "ACTIVE"}])
    client.update_ingest_contract(identifier, {"Status": "INACTIVE"})
    assert client.get_ingest_contract(identifier)["Status"] == "INACTIVE"
    assert client.search_ingest_contracts(SelectSingle().where(eq("Identifier", identifier))).total == 1
    access = f"AC-{uuid.uuid4().hex[:8]}"
    client.import_access_contracts([{"Identifier": access, "Name": "Lecteurs", "Status": "ACTIVE",
                                     "OriginatingAgencies": [AGENCY]}])
    client.update_access_contract(access, {"Description": "Chercheurs"})
    assert client.get_access_contract(access)["Description"] == "Chercheurs"
    assert client.search_access_contracts(SelectSingle().where(eq("Identifier", access))).first["Name"] == "Lecteurs"
    with pytest.raises(VitamNotFound):
        client.get_access_contract("NO-SUCH-CONTRACT")


def test_profiles(client, tmp_path):
    name = f"Profil {uuid.uuid4().hex[:6]}"
    client.create_profiles([{"Name": name, "Format": "XSD", "Status": "ACTIVE"}])
    profile = client.search_profiles(SelectSingle().where(eq("Name", name))).first
    client.upload_profile_file(profile["Identifier"], io.BytesIO(XSD))
    target = tmp_path / "profile.xsd"
    client.download_profile_file(profile["Identifier"], target)
    assert target.read_bytes() == XSD
    assert client.get_profile(profile["Identifier"])["Name"] == name


def test_security_profiles_and_contexts_on_the_admin_tenant(vitam_url):
    admin = VitamClient(VitamContext.admin())
    suffix = uuid.uuid4().hex[:8]
    admin.import_security_profiles([{"Identifier": f"SP-{suffix}", "Name": f"SP-{suffix}", "FullAccess": False,
                                     "Permissions": ["units:read", "units:id:read:json"]}])
    assert admin.search_security_profiles(SelectSingle().where(eq("Identifier", f"SP-{suffix}"))).total == 1
    admin.import_contexts([{"Identifier": f"CTX-{suffix}", "Name": f"CTX-{suffix}", "Status": "ACTIVE",
                            "EnableControl": False, "SecurityProfile": f"SP-{suffix}",
                            "Permissions": [{"tenant": TENANT, "AccessContracts": [], "IngestContracts": []}]}])
    admin.update_context(f"CTX-{suffix}", {"Status": "INACTIVE"})
    assert admin.get_context(f"CTX-{suffix}")["Status"] == "INACTIVE"
    assert admin.search_contexts(SelectSingle().where(eq("Identifier", f"CTX-{suffix}"))).total == 1


def test_accession_register(client, world):
    summaries = client.search_accession_registers(SelectSingle().where(eq("OriginatingAgency", AGENCY)))
    assert summaries.first["TotalUnits"]["ingested"] >= 2
    details = client.accession_register_details(SelectSingle(), originating_agency=AGENCY)
    assert world["operation_id"] in json.dumps(details.results)
    assert client.accession_register_details(SelectSingle().where(exists("Opi"))).total >= 1


def test_batch_report_of_unknown_operation_is_not_found(client):
    with pytest.raises(VitamNotFound):
        client.batch_report("aeaqaaaaaagdmvr3abnwoak7fzjq75qaaaca", io.BytesIO())


def test_get_by_id_builder_projection(client, world):
    item = world["units"]["Délibération du 3 mars 2001"]
    unit = client.get_unit(item["#id"], query=GetById().fields("Title"))
    assert set(unit) <= {"Title", "#id"}


def test_dip_export_streamed_download(client, world, tmp_path):
    series = world["units"]["Délibérations du conseil municipal"]
    query = Select().where(exists("#id")).roots([series["#id"]]).limit(5).offset(0)  # window dropped for an export
    operation_id = client.export_dip(query, usages=["BinaryMaster"],
                                     parameters={"requesterIdentifier": "Mairie", "comment": "recherche"})
    assert client.wait_for_operation(operation_id, timeout=60, poll_interval=0.1).status == "OK"
    stream = client.open_dip(operation_id)
    target = tmp_path / "dip.zip"
    with open(target, "wb") as handle:
        for chunk in stream:
            assert len(chunk) <= 1024 * 1024
            handle.write(chunk)
    assert stream.size == target.stat().st_size
    import zipfile

    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        assert "manifest.xml" in names
        binaries = [name for name in names if name.startswith("Content/")]
        assert [archive.read(name) for name in binaries] == [world["binary"].read_bytes()]
    assert client.download_dip(operation_id, tmp_path / "again.zip").size == target.stat().st_size
    with pytest.raises(VitamNotFound):
        client.open_dip("aeeaaaaaaghduohdabjwealqxxxxxxaaaaaq")


def test_units_stream_reads_every_unit_line_by_line(client, world):
    stream = client.stream_units(Select().where(eq("#opi", world["operation_id"])).fields("Title")
                                 .order_by("Title").limit(1).facet_terms("levels", "DescriptionLevel", size=5))
    assert stream.count == 2
    assert [unit["Title"] for unit in stream] == ["Délibération du 3 mars 2001", "Délibérations du conseil municipal"]


def test_open_object_relays_a_binary_in_chunks(client, world, faults):
    """The selection's zip reads each binary as chunks (never whole): same bytes, a missing usage is 404 at
    once, an answer cut by Vitam is an error while reading, not a short file."""
    item = world["units"]["Délibération du 3 mars 2001"]
    binary = client.open_object(item["#id"], "BinaryMaster", 1)
    assert binary.size == world["binary"].stat().st_size
    assert hashlib.sha512(b"".join(binary)).hexdigest() == hashlib.sha512(world["binary"].read_bytes()).hexdigest()
    with pytest.raises(VitamNotFound):
        client.open_object(item["#id"], "Dissemination", 1)
    faults(f"truncate:/access-external/v1/units/{item['#id']}/objects")
    cut = client.open_object(item["#id"], "BinaryMaster", 1)
    with pytest.raises(VitamUnavailable):
        b"".join(cut)
