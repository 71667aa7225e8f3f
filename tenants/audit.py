"""The audit trail: one call per privileged action or consultation, inside the action's own transaction."""

import contextlib
import contextvars
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.db import models

from sam.lib.jobs.recovery import job_abandoned
from sam.lib.proxies import is_trusted_proxy
from sam.lib.request_id import current_request_id
from tenants.models import AuditEntry, User



@dataclass(frozen=True)
class VitamTarget:
    """What a consultation entry points at: a record of Vitam's (unit, operation) that SAM does not store."""

    kind: str
    id: str
    title: str = ""

    def __str__(self):
        return self.title or self.id


def _client_ip(request):
    """REMOTE_ADDR; behind SAM's reverse proxy (SAM_BEHIND_PROXY), the address that proxy appended.

    Only the right-most X-Forwarded-For entry is trusted, and only when the request comes from a
    trusted proxy (SAM_TRUSTED_PROXIES): the entries before it, or the header from anyone else,
    come from the client.
    """
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR") or None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and forwarded and is_trusted_proxy(address):
        candidate = forwarded.split(",")[-1].strip()
        try:
            address = str(ipaddress.ip_address(candidate))
        except ValueError:
            pass
    return address


def audit_record(*, actor, action, organisation=None, tenant=None, target=None, before=None, after=None,
                 request=None) -> AuditEntry:
    """Appends one audit entry. ``target`` is any model instance (its type, id and text are kept)."""
    request_id = getattr(request, "request_id", None) or current_request_id()
    entry = AuditEntry(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        organisation=organisation,
        tenant=tenant,
        before=before,
        after=after,
        ip_address=_client_ip(request),
        request_id="" if request_id == "-" else request_id,
    )
    if tenant is not None and organisation is None:
        # The id only: loading the organisation would cost a SELECT on every consultation.
        entry.organisation_id = tenant.organisation_id
    if isinstance(target, VitamTarget):
        entry.target_type = f"vitam.{target.kind}"
        entry.target_id = target.id
        entry.target_repr = str(target)[:300]
    elif target is not None:
        entry.target_type = target._meta.label_lower if isinstance(target, models.Model) else type(target).__name__
        entry.target_id = str(getattr(target, "pk", "") or "")
        entry.target_repr = str(target)[:300]
    entry.save()
    return entry


# --- append-only on SQLite (migration 0004) ------------------------------------------------------------

_flush_allowed = contextvars.ContextVar("sam_audit_flush_allowed", default=False)


@contextlib.contextmanager
def audit_trail_flush():
    """Lets the SQLite trigger accept DELETE: for the test suite emptying its database, nothing else.

    On SQLite the process owns the file and could drop the trigger anyway; what the trigger stops is
    a QuerySet.update() or .delete() that slipped into the code.
    """
    token = _flush_allowed.set(True)
    try:
        yield
    finally:
        _flush_allowed.reset(token)


def register_sqlite_functions(sender, connection, **kwargs):
    """connection_created receiver: the function the SQLite DELETE trigger asks."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("sam_audit_flush_allowed", 0, lambda: int(_flush_allowed.get()))


# --- sign-ins (user_logged_in / user_login_failed receivers, connected in TenantsConfig.ready) -----------


def record_login(sender, request, user, **kwargs):
    """Every sign-in, whatever the way: a password, or single sign-on (the backend Django says it used)."""
    method = "oidc" if getattr(user, "backend", "").endswith("OIDCBackend") else "password"
    audit_record(actor=user, action="auth.login", target=user, after={"method": method}, request=request)


def record_job_recovery(sender, job, signal, **kwargs):
    """jobs_recover queued again (or abandoned) work whose worker stopped: done by the system, no one's act."""
    action = "job.abandoned" if signal is job_abandoned else "job.recovered"
    audit_record(actor=None, action=action, organisation=job.organisation, tenant=job.tenant, target=job,
                 after={"kind": job.kind, "attempt": job.attempt, "message": job.error or job.message})


def record_login_failure(sender, credentials, request=None, **kwargs):
    """Django hands over the credentials with the password already masked; only the login is kept."""
    username = str(credentials.get("username", ""))[:150]
    account = User.objects.filter(username=username).first()
    audit_record(actor=None, action="auth.login_failed", target=account, after={"username": username},
                 request=request)
