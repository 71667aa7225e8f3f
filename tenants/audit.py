"""The audit trail: one call per privileged action, inside the action's own transaction."""

from django.db import models

from sam.middleware import current_request_id
from tenants.models import AuditEntry


def _client_ip(request):
    # REMOTE_ADDR only: X-Forwarded-For is forgeable unless a trusted proxy rewrites it.
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


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
