"""The audit trail: one call per privileged action, inside the action's own transaction."""

import ipaddress

from django.conf import settings
from django.db import models

from sam.lib.request_id import current_request_id
from tenants.models import AuditEntry


def _client_ip(request):
    """REMOTE_ADDR; behind SAM's reverse proxy (SAM_BEHIND_PROXY), the address that proxy appended.

    Only the right-most X-Forwarded-For entry is trusted: the ones before it come from the client.
    """
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR") or None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and forwarded:
        candidate = forwarded.split(",")[-1].strip()
        try:
            address = str(ipaddress.ip_address(candidate))
        except ValueError:
            pass
    return address


def audit_record(*, actor, action, organisation=None, tenant=None, target=None, before=None, after=None,
                 request=None) -> AuditEntry:
    """Appends one audit entry. ``target`` is any model instance (its type, id and text are kept)."""
    if tenant is not None and organisation is None:
        organisation = tenant.organisation
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
    if target is not None:
        entry.target_type = target._meta.label_lower if isinstance(target, models.Model) else type(target).__name__
        entry.target_id = str(getattr(target, "pk", "") or "")
        entry.target_repr = str(target)[:300]
    entry.save()
    return entry
