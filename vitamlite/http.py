"""vitam-lite's HTTP framework: endpoint registration, request context, Vitam envelopes and errors.

    from vitamlite.http import endpoint, json_ok, VitamHttpError

    @endpoint("GET", "/access-external/v1/units/<unit_id>", contract=True, dsl="get_by_id")
    def get_unit(ctx, request, unit_id):
        ...
        return json_ok([unit], context=ctx.query)

The server (vitamlite.server) applies, in Vitam's order: tenant filter (412/401), context permissions,
admin-only check, DSL validation (400 000601), access contract check (401), then calls the handler with a
Ctx whose `db` it commits on success and rolls back on exception.
"""

import json
import logging
from dataclasses import dataclass, field

from werkzeug import Request, Response

from vitamlite import sanity

logger = logging.getLogger(__name__)

MAX_JSON_BODY = 10 * 1024 * 1024

# Filled by @endpoint at import time of the endpoint modules: (method, rule, handler, options).
ENDPOINTS: list["Endpoint"] = []

DSL_KINDS = ("select_multiple", "select_single", "get_by_id", "update_by_id", "update_mass", "batch_processing")

# VitamCodeHelper: code = service(2) + domain(2) + item(2); context/state come from the first two pairs.
_SERVICES = {"00": "Vitam", "01": "Logbook", "02": "External Access", "03": "Internal Access",
             "04": "External Ingest", "05": "Internal Ingest", "08": "Administration", "09": "Storage"}
_DOMAINS = {"00": "Unknown", "01": "Input / Output", "02": "Network", "03": "Illegal", "04": "Argument",
            "05": "Not Found", "06": "Business", "07": "Security", "08": "Syntax"}
_DEFAULT_MESSAGES = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    409: "Conflict", 412: "Precondition Failed", 413: "Request Entity Too Large", 500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    rule: str
    handler: object
    contract: bool = False
    dsl: str | None = None
    admin_only: bool = False
    tenant: bool = True


def endpoint(method: str, rule: str, *, contract: bool = False, dsl: str | None = None, admin_only: bool = False,
             tenant: bool = True):
    """Register `handler(ctx, request, **url_args) -> Response` for METHOD + Werkzeug rule."""
    if dsl is not None and dsl not in DSL_KINDS:
        raise ValueError(f"unknown DSL kind {dsl!r}")

    def register(handler):
        ENDPOINTS.append(Endpoint(method.upper(), rule, handler, contract, dsl, admin_only, tenant))
        return handler

    return register


class VitamHttpError(Exception):
    """Raised anywhere in a handler: becomes a VitamError envelope with this HTTP status."""

    def __init__(self, status: int, code: str, description: str, *, message: str | None = None,
                 context: str | None = None, state: str | None = None, errors: list | None = None,
                 headers: dict | None = None):
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description
        self.message = message
        self.context = context
        self.state = state
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> dict:
        code = str(self.code)
        body = {
            "httpCode": self.status,
            "code": code,
            "context": self.context or _SERVICES.get(code[:2], "Vitam"),
            "state": self.state or _DOMAINS.get(code[2:4], "Unknown"),
            "message": self.message or _DEFAULT_MESSAGES.get(self.status, "Error"),
            "description": self.description,
        }
        if self.errors:
            body["errors"] = self.errors
        return body

    def response(self) -> Response:
        return json_response(self.body(), status=self.status, headers=self.headers)


def json_response(obj, status: int = 200, headers: dict | None = None) -> Response:
    """A JSON response (UTF-8, non-ASCII kept)."""
    payload = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    response = Response(payload, status=status, mimetype="application/json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def json_ok(results, *, hits: dict | None = None, facets: list | None = None, context=None, status: int = 200,
            headers: dict | None = None) -> Response:
    """RequestResponseOK envelope: {httpCode, $hits, $results, $facetResults, $context}."""
    results = list(results)
    if hits is None:
        hits = {"total": len(results), "offset": 0, "limit": len(results), "size": len(results)}
    body = {
        "httpCode": status,
        "$hits": hits,
        "$results": results,
        "$facetResults": facets or [],
        "$context": context if context is not None else {},
    }
    return json_response(body, status=status, headers=headers)


def sanity_refusal(exc: Exception) -> VitamHttpError:
    """Vitam's SanityCheckerJsonFilter answer, given before any resource code runs."""
    return VitamHttpError(412, "PRECONDITION_FAILED", str(exc), message="Precondition Failed",
                          context="CHECK_SANITY", state="code_vitam")


def parse_json_body(request: Request, *, limit: int = MAX_JSON_BODY):
    """The request body as JSON, or None when empty. Raises ValueError (bad JSON) or OverflowError (too big)."""
    if request.content_length is not None and request.content_length > limit:
        raise OverflowError("body too large")
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise OverflowError("body too large")
    if not raw.strip():
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(str(exc)) from exc


@dataclass
class Ctx:
    """What a handler knows about the request besides the Werkzeug Request."""

    tenant: int | None
    db: object
    store: object
    config: object
    request: Request
    request_id: str
    application_id: str | None = None
    contract: dict | None = None
    restriction: object = None
    query: object = None
    _body_cache: object = field(default=None, repr=False)
    _body_read: bool = field(default=False, repr=False)
    _on_commit: list = field(default_factory=list, repr=False)

    def json(self, *, required: bool = True):
        """Parsed JSON body: 412 on invalid JSON, on a body failing Vitam's sanity check (HTML, control
        characters) or empty when required; 413 above MAX_JSON_BODY."""
        if not self._body_read:
            try:
                self._body_cache = parse_json_body(self.request)
            except OverflowError:
                raise VitamHttpError(413, "000413", "Request body exceeds the maximum JSON size")
            except ValueError as exc:
                raise VitamHttpError(412, "000412", f"Invalid JSON body: {exc}", message="Precondition Failed")
            try:
                sanity.check_json(self._body_cache)
            except sanity.Insane as exc:
                raise sanity_refusal(exc)
            self._body_read = True
        if self._body_cache is None and required:
            raise VitamHttpError(412, "000412", "A JSON body is required", message="Precondition Failed")
        return self._body_cache

    def on_commit(self, callback) -> None:
        """Run callback() after the framework committed this request's transaction (e.g. processing.submit)."""
        self._on_commit.append(callback)

    @property
    def admin_tenant(self) -> int:
        return self.config.admin_tenant

    def access_contract_id(self) -> str | None:
        value = self.request.headers.get("X-Access-Contract-Id")
        return value.split(",")[0].strip() if value else None
