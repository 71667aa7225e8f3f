"""Client certificates and tar SIPs for the connectors' tests."""

import io
import tarfile
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def make_certificate(common_name: str) -> bytes:
    """A self-signed client certificate (PEM), as a connector's."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
                   .not_valid_after(now + timedelta(days=365)).sign(key, hashes.SHA256()))
    return certificate.public_bytes(serialization.Encoding.PEM)


def certificate_header(pem: bytes) -> dict:
    """The header nginx sets from $ssl_client_escaped_cert."""
    return {"X-SSL-Client-Cert": quote(pem.decode("ascii"), safe="")}


def zip_to_tar(zip_path: Path, destination: Path, mode: str = "w:gz") -> Path:
    """The same SIP as a tar (Pastell sends a tar.gz of manifest.xml and the files)."""
    with zipfile.ZipFile(zip_path) as source, tarfile.open(destination, mode) as tar:
        for info in source.infolist():
            if info.is_dir():
                continue
            data = source.read(info)
            member = tarfile.TarInfo(info.filename)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    return destination


def hostile_tar(destination: Path, *, traversal: bool = False, bomb: bool = False) -> Path:
    with tarfile.open(destination, "w:gz") as tar:
        manifest = b"<ArchiveTransfer xmlns='fr:gouv:culture:archivesdefrance:seda:v2.1'/>"
        member = tarfile.TarInfo("manifest.xml")
        member.size = len(manifest)
        tar.addfile(member, io.BytesIO(manifest))
        if traversal:
            evil = tarfile.TarInfo("../../evil.txt")
            evil.size = 4
            tar.addfile(evil, io.BytesIO(b"evil"))
        if bomb:
            zeros = tarfile.TarInfo("zeros.bin")
            zeros.size = 64 * 1024 * 1024
            tar.addfile(zeros, io.BytesIO(bytes(zeros.size)))
    return destination
