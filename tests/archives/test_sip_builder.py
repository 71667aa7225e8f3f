"""The SIP builder writes manifests valid against SEDA 2.1 and Vitam's own schema."""

import hashlib
import zipfile
from datetime import date

import pytest
import xmlschema
from lxml import etree

from sam.lib.seda.sip import SipObject, SipPackage, SipRule, SipUnit, write_sip

NS = {"s": "fr:gouv:culture:archivesdefrance:seda:v2.1"}


@pytest.fixture(scope="module")
def vitam_schema(vitam_reference):
    xsd = vitam_reference / "xsd"
    return xmlschema.XMLSchema10(
        str(xsd / "seda-2.1" / "vitam-validation" / "seda-vitam-main.xsd"),
        locations=[
            ("http://www.w3.org/XML/1998/namespace", str(xsd / "w3c" / "xml.xsd")),
            ("http://www.w3.org/1999/xlink", str(xsd / "w3c" / "xlink.xsd")),
        ],
        allow="local", defuse="always", validation="lax",
    )


@pytest.fixture
def package(tmp_path):
    deliberation = tmp_path / "deliberation-2015-03.pdf"
    deliberation.write_bytes(b"%PDF-1.4 deliberation du conseil municipal\n" * 100)
    arrete = tmp_path / "arrete.txt"
    arrete.write_text("Arrêté du maire n° 2015-12", encoding="utf-8")
    return SipPackage(
        message_identifier="VERSEMENT-2026-0001",
        archival_agreement="IC-CERGY-01",
        archival_agency="FRAD095",
        transferring_agency="CERGY-SG",
        originating_agency="CERGY-SG",
        comment="Délibérations 2015",
        units=[
            SipUnit(
                title="Délibérations du conseil municipal 2015",
                description_level="RecordGrp",
                start_date=date(2015, 1, 1),
                end_date=date(2015, 12, 31),
                attach_to="aeaqaaaaaahmtusqabktwaldc34sm6aaaaaq",
                rules=[
                    SipRule("AppraisalRule", "APP-00001", date(2016, 1, 1), final_action="Keep"),
                    SipRule("AccessRule", "ACC-00002", date(2015, 12, 31)),
                ],
                children=[
                    SipUnit(title="Séance du 12 mars 2015", description_level="Item",
                            objects=[SipObject(deliberation)]),
                    SipUnit(title="Arrêté 2015-12", description_level="Item",
                            objects=[SipObject(arrete, mime_type="text/plain")],
                            rules=[SipRule("HoldRule", "HOL-00001", date(2020, 1, 1))]),
                ],
            )
        ],
    )


def test_manifest_is_valid_against_vitam_schema(tmp_path, package, vitam_schema):
    built = write_sip(package, tmp_path / "sip.zip")
    with zipfile.ZipFile(built.path) as archive:
        manifest = archive.read("manifest.xml")
    errors = list(vitam_schema.iter_errors(manifest.decode("utf-8")))
    assert errors == []
    assert built.unit_count == 3 and built.object_count == 2
    assert built.manifest_sha512 == hashlib.sha512(manifest).hexdigest()


def test_manifest_is_valid_against_standard_seda_without_vitam_extensions(tmp_path, package, vitam_reference):
    for unit in package.all_units():
        unit.rules = [rule for rule in unit.rules if rule.category != "HoldRule"]
        unit.attach_to = None
    built = write_sip(package, tmp_path / "sip.zip")
    xsd = vitam_reference / "xsd"

    class LocalOnly(etree.Resolver):
        def resolve(self, url, pubid, context):
            name = url.rsplit("/", 1)[-1]
            if name in ("xml.xsd", "xlink.xsd"):
                return self.resolve_filename(str(xsd / "w3c" / name), context)
            return None

    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(LocalOnly())
    schema = etree.XMLSchema(etree.parse(str(xsd / "seda-2.1" / "seda-2.1-main.xsd"), parser))
    with zipfile.ZipFile(built.path) as archive:
        document = etree.fromstring(archive.read("manifest.xml"), parser)
    assert schema.validate(document), schema.error_log


def test_digests_sizes_and_uris_match_the_zipped_files(tmp_path, package):
    built = write_sip(package, tmp_path / "sip.zip")
    with zipfile.ZipFile(built.path) as archive:
        document = etree.fromstring(archive.read("manifest.xml"))
        binaries = document.findall(".//s:BinaryDataObject", NS)
        assert len(binaries) == 2
        for binary in binaries:
            uri = binary.findtext("s:Uri", namespaces=NS)
            data = archive.read(uri)
            assert binary.findtext("s:MessageDigest", namespaces=NS) == hashlib.sha512(data).hexdigest()
            assert int(binary.findtext("s:Size", namespaces=NS)) == len(data)
        names = [info.filename for info in archive.infolist()]
    assert all(not name.startswith("/") and ".." not in name for name in names)
    assert document.findtext(".//s:UpdateOperation/s:SystemId", namespaces=NS) == "aeaqaaaaaahmtusqabktwaldc34sm6aaaaaq"
    assert document.findtext(".//s:AppraisalRule/s:FinalAction", namespaces=NS) == "Keep"


def test_unknown_description_level_is_refused():
    with pytest.raises(ValueError, match="description level"):
        SipUnit(title="x", description_level="Dossier")
