"""HTTP sessions towards Vitam: one requests.Session per thread, per client certificate and
per retry policy, with mutual TLS, forced (connect, read) timeouts and bounded retries.

Retries (urllib3 Retry with back-off) apply only to idempotent methods (GET, HEAD, PUT,
DELETE, OPTIONS): a POST (ingest, imports) is sent once, never replayed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
# Socket write size: large blocks keep multi-gigabyte uploads fast on loopback and LAN.
SOCKET_BLOCKSIZE = 1024 * 1024
RETRY_BACKOFF = 0.3
RETRY_STATUSES = (502, 503, 504)


@dataclass(frozen=True)
class TlsIdentity:
    """The client certificate presented to Vitam (None for plain HTTP or no client cert)."""

    cert: str | None = None
    key: str | None = None
    ca_bundle: str | None = None

    def requests_cert(self):
        if not self.cert:
            return None
        return (self.cert, self.key) if self.key else self.cert

    def requests_verify(self):
        return self.ca_bundle or True


def identity_for(organisation=None) -> TlsIdentity:
    """Certificate for an organisation: its own (Organisation.vitam_certificate/vitam_key), else
    <SAM_VITAM_CERTS_DIR>/<code>.crt|.key, else the platform certificate. An organisation with its
    own certificate gets its own Vitam context, so a fault in SAM cannot act on another
    commune's tenant through Vitam."""
    vitam = settings.VITAM
    ca_bundle = _as_str(vitam.get("CA_BUNDLE"))
    if organisation is not None:
        if getattr(organisation, "vitam_certificate", ""):
            return TlsIdentity(organisation.vitam_certificate, organisation.vitam_key or None, ca_bundle)
        certs_dir = vitam.get("CERTS_DIR")
        code = getattr(organisation, "code", "")
        if certs_dir and code:
            cert = Path(certs_dir) / f"{code}.crt"
            key = Path(certs_dir) / f"{code}.key"
            if cert.is_file():
                return TlsIdentity(str(cert), str(key) if key.is_file() else None, ca_bundle)
    return TlsIdentity(_as_str(vitam.get("CERT")), _as_str(vitam.get("KEY")), ca_bundle)


def _as_str(value):
    return str(value) if value else None


class TimeoutHTTPAdapter(HTTPAdapter):
    """Forces a (connect, read) timeout on every request and writes large socket blocks."""

    def __init__(self, *, timeout, **kwargs):
        self.timeout = timeout
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs.setdefault("blocksize", SOCKET_BLOCKSIZE)
        super().init_poolmanager(*args, **kwargs)

    def send(self, request, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def default_timeout() -> tuple[float, float]:
    return (float(settings.VITAM.get("CONNECT_TIMEOUT", 3.05)), float(settings.VITAM.get("TIMEOUT", 30.0)))


def retry_policy(retries: int) -> Retry:
    return Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        allowed_methods=IDEMPOTENT_METHODS,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=RETRY_BACKOFF,
        backoff_max=5,
        respect_retry_after_header=False,
        # Give the last response back instead of raising, so the caller maps Vitam's error body.
        raise_on_status=False,
        raise_on_redirect=False,
    )


def _build_session(identity: TlsIdentity, retrying: bool) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy or netrc from the environment: Vitam is reached directly
    session.cert = identity.requests_cert()
    session.verify = identity.requests_verify()
    retries = int(settings.VITAM.get("RETRIES", 2)) if retrying else 0
    # A POST is never retried: Retry(0, ...) still refuses to replay it on any error.
    max_retries = retry_policy(retries) if retrying else Retry(
        total=0, connect=0, read=0, status=0, other=0, allowed_methods=IDEMPOTENT_METHODS, raise_on_status=False,
    )
    adapter = TimeoutHTTPAdapter(timeout=default_timeout(), max_retries=max_retries, pool_maxsize=4)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


_local = threading.local()


def get_session(identity: TlsIdentity, *, method: str) -> requests.Session:
    """The calling thread's session for this certificate and method's retry policy."""
    retrying = method.upper() in IDEMPOTENT_METHODS
    settings_key = (
        settings.VITAM.get("RETRIES"), settings.VITAM.get("CONNECT_TIMEOUT"), settings.VITAM.get("TIMEOUT"),
    )
    sessions = getattr(_local, "sessions", None)
    if sessions is None:
        sessions = _local.sessions = {}
    key = (identity, retrying, settings_key)
    session = sessions.get(key)
    if session is None:
        session = sessions[key] = _build_session(identity, retrying)
    return session


def close_sessions():
    """Close the calling thread's sessions (tests, worker shutdown)."""
    for session in getattr(_local, "sessions", {}).values():
        session.close()
    _local.sessions = {}
