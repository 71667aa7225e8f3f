"""Hostile SIPs: XML entity tricks, path traversal, symlinks, zip bombs, non-zip bodies. Each must end KO
at the right step, write nothing outside the operation's work directory and never expand an entity."""

import io
import stat
import zipfile

import pytest

from tests.vitamlite.test_ingest_corpus import (
    failing_details,
    ingest,
    load_baseline_referentials,
    make_sip,
    unit_manifest,
    units_of,
)
from vitamlite.ingest import safezip

ONE_UNIT = '<ArchiveUnit id="u1"><Content><DescriptionLevel>Item</DescriptionLevel><Title>&lol9;</Title></Content></ArchiveUnit>'


@pytest.fixture(scope="module")
def baseline(lite, vitam_reference):
    load_baseline_referentials(lite, vitam_reference)
    return vitam_reference


def test_billion_laughs_is_refused_without_expansion(http, baseline):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % ("" if i == 1 else i - 1)) * 10}">' for i in range(1, 10))
    manifest = unit_manifest(ONE_UNIT).replace("<ArchiveTransfer", f"<!DOCTYPE ArchiveTransfer [{entities}]>\n<ArchiveTransfer", 1)
    operation_id, status, operation = ingest(http, make_sip(manifest))

    assert status == "KO"
    assert "CHECK_SEDA.NOT_XML_FILE.KO" in failing_details(operation)
    assert units_of(http, operation_id) == []


def test_external_entity_is_never_read(http, baseline, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    manifest = unit_manifest(ONE_UNIT.replace("&lol9;", "&xxe;")).replace(
        "<ArchiveTransfer", f'<!DOCTYPE ArchiveTransfer [<!ENTITY xxe SYSTEM "file://{secret}">]>\n<ArchiveTransfer', 1)
    operation_id, status, operation = ingest(http, make_sip(manifest))

    assert status == "KO"
    assert "CHECK_SEDA.NOT_XML_FILE.KO" in failing_details(operation)
    assert "TOP-SECRET" not in str(operation)


def _zip_with(name, content=b"x", *, symlink=False):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.xml", unit_manifest(ONE_UNIT.replace("&lol9;", "t")))
        info = zipfile.ZipInfo(name)
        if symlink:
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, content)
    return buffer.getvalue()


@pytest.mark.parametrize("name, symlink", [("../evil.txt", False), ("/tmp/evil.txt", False),
                                           ("content/../../evil.txt", False), ("content/link", True)])
def test_dangerous_entries_fail_the_container_check(http, baseline, lite, name, symlink):
    operation_id, status, operation = ingest(http, _zip_with(name, b"/etc/passwd" if symlink else b"x", symlink=symlink))

    assert status == "KO"
    assert "CHECK_CONTAINER.KO" in failing_details(operation)
    assert not (lite.app.store.work_dir.parent / "evil.txt").exists()
    assert not (lite.app.store.work_dir / "evil.txt").exists()


def test_zip_bomb_fails_the_container_check(http, baseline):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.xml", unit_manifest(ONE_UNIT.replace("&lol9;", "t")))
        archive.writestr("content/zeros.bin", b"\0" * (64 * 1024 * 1024))
    assert len(buffer.getvalue()) < 200_000
    _, status, operation = ingest(http, buffer.getvalue())

    assert status == "KO" and "CHECK_CONTAINER.KO" in failing_details(operation)


def test_body_that_is_not_a_zip_fails_the_container_check(http, baseline):
    _, status, operation = ingest(http, b"this is not an archive at all")
    assert status == "KO" and "CHECK_CONTAINER.KO" in failing_details(operation)


def test_object_uri_escaping_the_sip_is_refused(http, baseline):
    objects = """
      <BinaryDataObject id="o1"><DataObjectGroupId>g1</DataObjectGroupId><DataObjectVersion>BinaryMaster</DataObjectVersion>
        <Uri>../../etc/passwd</Uri><MessageDigest algorithm="SHA-512">00</MessageDigest><Size>1</Size></BinaryDataObject>"""
    units = ('<ArchiveUnit id="u1"><Content><DescriptionLevel>Item</DescriptionLevel><Title>t</Title></Content>'
             '<DataObjectReference><DataObjectGroupReferenceId>g1</DataObjectGroupReferenceId></DataObjectReference></ArchiveUnit>')
    _, status, operation = ingest(http, make_sip(unit_manifest(units, objects_xml=objects)))
    assert status == "KO"
    assert "CHECK_DATAOBJECTPACKAGE.CHECK_MANIFEST_OBJECTNUMBER.KO" in failing_details(operation)


def test_safezip_limits_entry_count_and_total_size(tmp_path):
    archive_path = tmp_path / "many.zip"
    with zipfile.ZipFile(archive_path, "w") as archive:
        for index in range(5):
            archive.writestr(f"f{index}.txt", b"12345")
    with pytest.raises(safezip.UnsafeArchive, match="trop d'entrées"):
        safezip.extract(archive_path, tmp_path / "out1", safezip.ZipLimits(max_entries=4))
    with pytest.raises(safezip.UnsafeArchive, match="taille autorisée"):
        safezip.extract(archive_path, tmp_path / "out2", safezip.ZipLimits(max_total_bytes=20))
    assert sorted(safezip.extract(archive_path, tmp_path / "out3")) == [f"f{i}.txt" for i in range(5)]


def _tar(members, mode="w:gz"):
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for info, content in members:
            archive.addfile(info, io.BytesIO(content) if content is not None else None)
    return buffer.getvalue()


def _file(name, content):
    import tarfile

    info = tarfile.TarInfo(name)
    info.size = len(content)
    return info, content


def test_tar_gz_sip_is_accepted(http, baseline):
    manifest = unit_manifest(ONE_UNIT.replace("&lol9;", "Versement en tar.gz")).encode()
    operation_id, status, _ = ingest(http, _tar([_file("manifest.xml", manifest)]))
    assert status == "WARNING"  # no object: OBJECTS_LIST_EMPTY
    assert [u["Title"] for u in units_of(http, operation_id)] == ["Versement en tar.gz"]


def test_plain_tar_carrying_a_zip_member_is_read_as_a_tar(http, baseline):
    # An uncompressed tar holding an .odt (a zip) has a zip central directory inside it: still a tar.
    odt = io.BytesIO()
    with zipfile.ZipFile(odt, "w") as inner:
        inner.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    manifest = unit_manifest(ONE_UNIT.replace("&lol9;", "Versement en tar")).encode()
    sip = _tar([_file("manifest.xml", manifest), _file("content/note.odt", odt.getvalue())], mode="w")
    assert zipfile.is_zipfile(io.BytesIO(sip))
    _, status, operation = ingest(http, sip)
    # Container and manifest found; the .odt was extracted as a file of the SIP, one the manifest does not declare.
    assert status == "KO"
    assert "CHECK_CONTAINER.KO" not in failing_details(operation)
    assert "MANIFEST_FILE_NAME_CHECK.KO" not in failing_details(operation)
    assert "CHECK_DATAOBJECTPACKAGE.CHECK_MANIFEST_OBJECTNUMBER.KO" in failing_details(operation)


@pytest.mark.parametrize("name", ["content/note.txt#", "content/été.txt", "content/a b.txt", "dossier 1/a.txt"])
def test_entry_name_outside_vitams_pattern_fails_the_upload(http, baseline, name):
    manifest = unit_manifest(ONE_UNIT.replace("&lol9;", "t"))
    _, status, operation = ingest(http, make_sip(manifest, {name: b"x"}))
    assert status == "KO"
    assert {"CHECK_CONTAINER.OK", "STP_UPLOAD_SIP.KO"} <= {e["outDetail"] for e in operation["events"]}
    upload = next(e for e in operation["events"] if e["outDetail"] == "STP_UPLOAD_SIP.KO")
    assert "caractère non autorisé" in upload["outMessg"]


@pytest.mark.parametrize("kind", ["traversal", "symlink", "hardlink"])
def test_dangerous_tar_members_fail_the_container_check(http, baseline, kind):
    import tarfile

    manifest = _file("manifest.xml", unit_manifest(ONE_UNIT.replace("&lol9;", "t")).encode())
    if kind == "traversal":
        member = _file("../../evil.txt", b"x")
    else:
        info = tarfile.TarInfo("content/link")
        info.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
        info.linkname = "/etc/passwd"
        member = (info, None)
    _, status, operation = ingest(http, _tar([manifest, member], mode="w"))
    assert status == "KO" and "CHECK_CONTAINER.KO" in failing_details(operation)
