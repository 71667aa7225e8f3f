"""Who is calling, and may they call this endpoint: Vitam's certificate → identity → context → security profile.

Vitam's external services authenticate the application by its TLS client certificate
(CertUtils), find the certificate in the identity referential (internal-security's IdentityResource),
which links it to a context (InternalSecurityFilter: the context must exist and be ACTIVE), and let the
context's security profile decide, per endpoint, whether the call is allowed
(EndpointPermissionAuthorizationFilter: FullAccess, or the endpoint's @Secured permission in Permissions).
A refusal is a 401 VitamError 000700 "Internal Security Filter Unauthorized".

The permission of each endpoint comes from Vitam's own resources (resources/security/endpoint-permissions.json,
rebuilt by scripts/extract_vitam_permissions.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import ssl
from functools import cache
from pathlib import Path

from vitamlite.referentials import store as ref_store
from vitamlite.store import register_schema

PERMISSIONS_FILE = Path(__file__).parent / "resources" / "security" / "endpoint-permissions.json"

register_schema(
    """
    CREATE TABLE IF NOT EXISTS identities (
        fingerprint TEXT PRIMARY KEY,
        context_id TEXT,
        certificate TEXT NOT NULL
    );
    """
)


class Refused(Exception):
    """The call is not allowed; the text is Vitam's description."""


def _pattern(template: str) -> re.Pattern:
    """A JAX-RS path ("/units/{id}", "/formats/{id_document:.+}") as a regular expression."""
    regex, position = "", 0
    for match in re.finditer(r"\{[^}:]+(?::([^}]+))?\}", template):
        regex += re.escape(template[position:match.start()]) + f"(?:{match.group(1) or '[^/]+'})"
        position = match.end()
    return re.compile(regex + re.escape(template[position:]) + "/?")


@cache
def _endpoint_permissions() -> list[tuple[str, re.Pattern, str]]:
    rows = json.loads(PERMISSIONS_FILE.read_text(encoding="utf-8"))["endpoints"]
    return [(method, _pattern(path), permission) for method, path, permission in rows]


def permissions_for(method: str, path: str) -> set[str]:
    """The permissions Vitam accepts for this call (empty: the endpoint is not secured by a permission)."""
    method = "GET" if method == "HEAD" else method
    return {permission for verb, pattern, permission in _endpoint_permissions()
            if verb == method and pattern.fullmatch(path)}


def fingerprint(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def certificate_der(pem_or_der: bytes | str) -> bytes:
    if isinstance(pem_or_der, str) or pem_or_der.lstrip().startswith(b"-----BEGIN"):
        text = pem_or_der if isinstance(pem_or_der, str) else pem_or_der.decode("ascii")
        return ssl.PEM_cert_to_DER_cert(text.strip())
    return pem_or_der


def link_identity(db, certificate: bytes | str, context_id: str | None) -> None:
    """IdentityResource create + linkContextToIdentity: this certificate speaks for this context."""
    der = certificate_der(certificate)
    db.execute("INSERT INTO identities (fingerprint, context_id, certificate) VALUES (?, ?, ?) "
               "ON CONFLICT (fingerprint) DO UPDATE SET context_id = excluded.context_id",
               (fingerprint(der), context_id, base64.b64encode(der).decode("ascii")))


def context_of_certificate(db, certificate_pem: str) -> str:
    """The context linked to the client certificate; Refused when the certificate is unknown or unlinked."""
    row = db.execute("SELECT context_id FROM identities WHERE fingerprint = ?",
                     (fingerprint(certificate_der(certificate_pem)),)).fetchone()
    if row is None or not row[0]:
        raise Refused("Certificate not found in the identity referential")
    return row[0]


def check_permission(db, admin_tenant: int, context: dict, method: str, path: str) -> None:
    """EndpointPermissionAuthorizationFilter: the context's security profile must allow the endpoint."""
    needed = permissions_for(method, path)
    if not needed:
        return
    profile = ref_store.get(db, admin_tenant, "security_profiles", context.get("SecurityProfile") or "")
    if profile is None:
        raise Refused("Access denied.")
    if profile.get("FullAccess") or needed & set(profile.get("Permissions") or []):
        return
    raise Refused("Access denied.")
