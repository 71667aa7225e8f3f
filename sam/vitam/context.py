"""Who is calling Vitam: tenant, access contract, application id and request id."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.conf import settings

from sam.lib.request_id import current_request_id


def _default_request_id() -> str:
    # Reuse the id of the SAM request being served, so one id links SAM's and Vitam's logs.
    current = current_request_id()
    return current if current and current != "-" else uuid.uuid4().hex


def _default_application_id() -> str:
    return settings.VITAM.get("APPLICATION_ID") or "SAM"


@dataclass(frozen=True)
class VitamContext:
    """The headers that identify a call (Vitam's Java client has a class of the same name).

    tenant -> X-Tenant-Id, access_contract -> X-Access-Contract-Id,
    application_id -> X-Application-Id, request_id -> X-Request-Id.
    """

    tenant: int
    access_contract: str | None = None
    application_id: str = field(default_factory=_default_application_id)
    request_id: str = field(default_factory=_default_request_id)

    def __post_init__(self):
        if isinstance(self.tenant, bool) or not isinstance(self.tenant, int) or self.tenant < 0:
            raise ValueError(f"Vitam tenant must be a non-negative integer, not {self.tenant!r}")

    @classmethod
    def admin(cls, **kwargs) -> VitamContext:
        """A context on Vitam's administration tenant (contexts, security profiles, formats)."""
        return cls(tenant=settings.VITAM.get("ADMIN_TENANT", 1), **kwargs)

    def headers(self) -> dict[str, str]:
        headers = {"X-Tenant-Id": str(self.tenant), "X-Request-Id": self.request_id}
        if self.application_id:
            headers["X-Application-Id"] = self.application_id
        if self.access_contract:
            headers["X-Access-Contract-Id"] = self.access_contract
        return headers
