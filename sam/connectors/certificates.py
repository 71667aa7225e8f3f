"""Client certificates of connectors: PEM read with `cryptography`, known by their SHA-256 fingerprint."""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_PEM_BYTES = 64 * 1024


@dataclass(frozen=True)
class CertificateFacts:
    sha256: str
    subject: str
    not_after: datetime


def read_pem(data: bytes | str) -> CertificateFacts:
    """The fingerprint, subject and expiry of one PEM certificate; ValidationError in French otherwise."""
    if isinstance(data, str):
        data = data.encode("ascii", "replace")
    if len(data) > MAX_PEM_BYTES:
        raise ValidationError(_("The certificate file is too large for a PEM certificate."))
    try:
        certificate = x509.load_pem_x509_certificate(data)
    except ValueError:
        raise ValidationError(_("The file is not a PEM certificate (-----BEGIN CERTIFICATE-----).")) from None
    return CertificateFacts(sha256=certificate.fingerprint(hashes.SHA256()).hex(),
                            subject=certificate.subject.rfc4514_string()[:500],
                            not_after=certificate.not_valid_after_utc)


def fingerprint_of_header(value: str) -> str | None:
    """The fingerprint of the certificate nginx passes ($ssl_client_escaped_cert: URL-encoded PEM)."""
    if not value:
        return None
    try:
        return read_pem(unquote(value)).sha256
    except ValidationError:
        return None
