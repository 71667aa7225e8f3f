"""Typed failures of Vitam calls.

Every exception carries the HTTP status, the fields of Vitam's error envelope (VitamError:
httpCode, code, context, state, message, description) and the request id, and offers a
user_message() telling the user, in the interface language, what to do next.
"""

from __future__ import annotations

from django.utils.translation import gettext


class VitamError(Exception):
    """Base class: Vitam answered with an error, or could not be reached."""

    def __init__(
        self,
        description: str = "",
        *,
        status: int | None = None,
        code: str = "",
        context: str = "",
        state: str = "",
        message: str = "",
        request_id: str = "",
        method: str = "",
        path: str = "",
        body: dict | list | None = None,
    ):
        self.status = status
        self.http_code = status
        self.code = code
        self.context = context
        self.state = state
        self.message = message
        self.description = description
        self.request_id = request_id
        self.method = method
        self.path = path
        # The decoded JSON body when Vitam sent one (a report for rules checks, for example).
        self.body = body
        super().__init__(self._summary())

    def _summary(self) -> str:
        parts = [f"{self.method} {self.path}".strip()]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code:
            parts.append(f"code {self.code}")
        if self.description or self.message:
            parts.append(self.description or self.message)
        if self.request_id:
            parts.append(f"request id {self.request_id}")
        return " — ".join(p for p in parts if p)

    @property
    def errors(self) -> list:
        return (self.body or {}).get("errors", []) if isinstance(self.body, dict) else []

    def _next_step(self) -> str:
        return gettext("The archive system refused the request. Contact your administrator.")

    def user_message(self) -> str:
        text = self._next_step()
        if self.request_id:
            text += " " + gettext("Request reference: %(request_id)s.") % {"request_id": self.request_id}
        return text


class VitamUnavailable(VitamError):
    """Vitam cannot be reached: connection refused or dropped, 502/503/504."""

    def _next_step(self):
        return gettext("The archive system is unavailable at the moment. Try again in a few minutes.")


class VitamTimeout(VitamUnavailable):
    """Vitam did not answer in time (connect or read timeout)."""

    def _next_step(self):
        return gettext(
            "The archive system took too long to answer. Try again later, or narrow your search."
        )


class VitamTlsError(VitamUnavailable):
    """The TLS handshake failed: certificate refused, unknown CA, expired certificate."""

    def _next_step(self):
        return gettext(
            "The secure connection to the archive system failed. An administrator must check "
            "SAM's Vitam certificates."
        )


class VitamServerError(VitamError):
    """Vitam answered 500 or another unexpected status."""

    def _next_step(self):
        return gettext(
            "The archive system met an internal error. Try again later; if it persists, "
            "give the reference below to your administrator."
        )


class VitamBadRequest(VitamError):
    """400 or 412: the request (query, file, headers) is not valid for Vitam."""

    def _next_step(self):
        return gettext("The archive system rejected the request as invalid: %(detail)s") % {
            "detail": self.description or self.message or gettext("no detail given")
        }


class VitamUnauthorized(VitamError):
    """401: tenant, certificate, context or access contract not allowed."""

    def _next_step(self):
        return gettext(
            "SAM is not allowed to do this in the archive system (tenant, contract or "
            "certificate). Ask your administrator to check the access contract."
        )


class VitamStreamRefused(VitamError):
    """GET /units/stream refused by Vitam's metadata configuration: an empty 401 once the tenant's stream reads
    of the day are spent (unitsStreamExecutionLimit), 417 above unitsStreamThreshold units. `setting` names it."""

    def __init__(self, description: str = "", *, setting: str, **kwargs):
        self.setting = setting
        super().__init__(description, **kwargs)

    def _next_step(self):
        if self.setting == "unitsStreamThreshold":
            return gettext(
                "The archive system refuses to list this many units in one read (its setting "
                "unitsStreamThreshold): narrow the selection, or ask the Vitam operator to raise unitsStreamThreshold.")
        return gettext(
            "The archive system refuses to list more units today: this tenant has used its reads of long lists for "
            "the day (its setting unitsStreamExecutionLimit). Nothing was changed; try again tomorrow, or ask the "
            "Vitam operator to set unitsStreamExecutionLimit to 0 (no limit) or higher.")


class VitamForbidden(VitamError):
    """403: refused in the current state (for example another import is running)."""

    def _next_step(self):
        return gettext("The archive system refused this action for now. Try again once the running operation ends.")


class VitamNotFound(VitamError):
    """404 (or 204 on an operation status): unknown, of another tenant, or outside the contract."""

    def _next_step(self):
        return gettext("This item does not exist in the archive system, or you may not see it.")


class VitamConflict(VitamError):
    """409: the action is not allowed in the current state of the item or operation."""

    def _next_step(self):
        return gettext("This action conflicts with the current state of the item. Reload the page and try again.")


class VitamVersionConflict(VitamConflict):
    """The unit changed since it was read: its #version is no longer the one the update was built on.

    Vitam's single-unit update takes no condition, so the client raises this itself after reading
    the unit's current #version (`current_version`)."""

    def __init__(self, description: str = "", *, current_version: int | None = None, **kwargs):
        self.current_version = current_version
        super().__init__(description, **kwargs)

    def _next_step(self):
        return gettext("Someone else changed this item meanwhile. Review their changes and submit again.")


STATUS_ERRORS: dict[int, type[VitamError]] = {
    400: VitamBadRequest,
    401: VitamUnauthorized,
    403: VitamForbidden,
    404: VitamNotFound,
    409: VitamConflict,
    412: VitamBadRequest,
    502: VitamUnavailable,
    503: VitamUnavailable,
    504: VitamUnavailable,
    # Binary stored on a cold (tape) offer: not readable right now.
    460: VitamUnavailable,
}


def error_class_for_status(status: int) -> type[VitamError]:
    if status in STATUS_ERRORS:
        return STATUS_ERRORS[status]
    if status >= 500:
        return VitamServerError
    if status >= 400:
        return VitamBadRequest
    return VitamServerError
