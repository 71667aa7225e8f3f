"""sam/lib/archive_safety.py: hostile zips and tars are refused before anything is written (messages in French)."""

import io
import tarfile
import zipfile

import pytest

from sam.lib.archive_safety import UnsafeArchive, extract_zip, tar_files, zip_files
from tests.deposits import hostile


def _zip(path, entries):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(("maker", "words"), [
    (hostile.traversal_zip, ".."),
    (hostile.symlink_zip, "lien symbolique"),
    (hostile.bomb_zip, "bombe"),
])
def test_hostile_zips_are_refused(tmp_path, maker, words):
    with zipfile.ZipFile(maker(tmp_path / "hostile.zip")) as archive, pytest.raises(UnsafeArchive) as refused:
        zip_files(archive)
    assert words in str(refused.value)


@pytest.mark.parametrize(("name", "words"), [("/etc/passwd", "chemin absolu"), ("C:/x.txt", "chemin absolu"),
                                             ("a\\b.txt", "barre oblique inverse")])
def test_absolute_and_windows_paths_are_refused(tmp_path, name, words):
    with zipfile.ZipFile(_zip(tmp_path / "bad.zip", [(name, b"x")])) as archive, pytest.raises(UnsafeArchive) as refused:
        zip_files(archive)
    assert words in str(refused.value)


def test_entry_count_and_volume_limits(tmp_path, settings):
    path = _zip(tmp_path / "many.zip", [(f"f{n}.txt", b"0123456789") for n in range(5)])
    settings.SIP_MAX_ENTRIES = 4
    with zipfile.ZipFile(path) as archive, pytest.raises(UnsafeArchive, match="5 entrées"):
        zip_files(archive)
    settings.SIP_MAX_ENTRIES = 10
    settings.SIP_MAX_UNCOMPRESSED_BYTES = 45
    with zipfile.ZipFile(path) as archive, pytest.raises(UnsafeArchive, match="45 octets"):
        zip_files(archive)


def test_a_safe_zip_is_extracted_without_the_skipped_files(tmp_path):
    path = _zip(tmp_path / "ok.zip", [("dossier/a.txt", b"a"), ("dossier/.DS_Store", b"junk")])
    with zipfile.ZipFile(path) as archive:
        extract_zip(archive, tmp_path / "out", skip=lambda name: name.endswith(".DS_Store"))
    assert sorted(p.name for p in (tmp_path / "out").rglob("*")) == ["a.txt", "dossier"]


def _tar(path, members, mode="w"):
    with tarfile.open(path, mode) as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _file(name, data=b"x"):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _tar_files(path):
    with tarfile.open(path) as archive:
        return tar_files(archive, archive_bytes=path.stat().st_size)


def test_hostile_tars_are_refused(tmp_path):
    link = tarfile.TarInfo("content/link")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    hard = tarfile.TarInfo("content/hard")
    hard.type, hard.linkname = tarfile.LNKTYPE, "manifest.xml"
    cases = [([_file("../../etc/evil.txt")], ".."), ([_file("/etc/evil.txt")], "chemin absolu"),
             ([_file("manifest.xml"), (link, None)], "lien"), ([_file("manifest.xml"), (hard, None)], "lien"),
             ([_file("a.txt"), _file("a.txt")], "deux fois")]
    for number, (members, words) in enumerate(cases):
        with pytest.raises(UnsafeArchive) as refused:
            _tar_files(_tar(tmp_path / f"bad{number}.tar", members))
        assert words in str(refused.value)


def test_a_compressed_tar_bomb_is_refused(tmp_path):
    path = _tar(tmp_path / "bomb.tar.gz", [_file("zeros.bin", b"\0" * (8 * 1024 * 1024))], mode="w:gz")
    with pytest.raises(UnsafeArchive, match="bombe"):
        _tar_files(path)


def test_a_safe_tar_lists_its_files(tmp_path):
    folder = tarfile.TarInfo("dossier")
    folder.type = tarfile.DIRTYPE
    path = _tar(tmp_path / "ok.tar", [(folder, None), _file("dossier/a.txt", b"abc")])
    assert [member.name for member in _tar_files(path)] == ["dossier/a.txt"]
