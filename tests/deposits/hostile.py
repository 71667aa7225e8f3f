"""Hostile uploads, built on the fly (nothing downloaded)."""

import zipfile
from pathlib import Path

MANIFEST = b"""<?xml version="1.0"?>
<ArchiveTransfer xmlns="fr:gouv:culture:archivesdefrance:seda:v2.1"><Comment>x</Comment></ArchiveTransfer>"""

ENTITY_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<ArchiveTransfer xmlns="fr:gouv:culture:archivesdefrance:seda:v2.1"><Comment>&lol4;</Comment></ArchiveTransfer>"""


def traversal_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.xml", MANIFEST)
        archive.writestr("../../etc/evil.txt", b"pwned")
    return path


def bomb_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("manifest.xml", MANIFEST)
        with archive.open("content/zeros.bin", "w", force_zip64=True) as member:
            block = b"\0" * (1024 * 1024)
            for _ in range(64):  # 64 MB of zeros: a ratio of about 1000
                member.write(block)
    return path


def entity_bomb_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.xml", ENTITY_BOMB)
    return path


def symlink_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.xml", MANIFEST)
        info = zipfile.ZipInfo("content/link")
        info.external_attr = (0o120777 << 16)
        archive.writestr(info, "/etc/passwd")
    return path


def not_a_zip(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.4 not a zip at all")
    return path
