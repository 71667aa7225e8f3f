"""The request id: one id per request, reused in logs, in Vitam calls, in the audit trail and on error pages.

The site's RequestIdMiddleware sets it for the request being served; the Vitam client and the audit
trail read it here, so neither depends on the web layer.
"""

import contextlib
import contextvars
import logging
import re
import uuid

_current_request_id = contextvars.ContextVar("sam_request_id", default="-")
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str:
    return _current_request_id.get()


def new_request_id(incoming: str = "") -> str:
    """The id to use for a request: the caller's when well formed, else a fresh one."""
    return incoming if _VALID.match(incoming or "") else uuid.uuid4().hex


@contextlib.contextmanager
def request_id_scope(request_id: str):
    token = _current_request_id.set(request_id)
    try:
        yield request_id
    finally:
        _current_request_id.reset(token)


class RequestIdLogFilter(logging.Filter):
    def filter(self, record):
        record.request_id = _current_request_id.get()
        return True
