"""The vitam-lite WSGI application and its threaded HTTP server.

    app = create_app(data_dir, tenants="0-9", admin_tenant=1, context=None, faults="")
    server = start_in_thread(data_dir, port=0)      # server.base_url, server.set_faults(...), server.stop()
"""

import importlib
import logging
import sqlite3
import ssl
import threading
import time
from dataclasses import dataclass, field

from werkzeug import Request, Response
from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler, make_server

from vitamlite import dsl, processing, sanity, security
from vitamlite import faults as faults_module
from vitamlite.contracts_filter import restriction_from_contract
from vitamlite.http import ENDPOINTS, Ctx, VitamHttpError, endpoint, json_response, parse_json_body, sanity_refusal
from vitamlite.ids import new_guid
from vitamlite.referentials import contexts
from vitamlite.referentials.documents import parse_external_identifiers
from vitamlite.referentials import store as referentials_store
from vitamlite.store import Store

logger = logging.getLogger(__name__)

ENDPOINT_MODULES = [
    "vitamlite.access",
    "vitamlite.operations",
    "vitamlite.ingest.endpoints",
    "vitamlite.inheritance",
    "vitamlite.register",
    "vitamlite.referentials.endpoints",
    "vitamlite.elimination",
    "vitamlite.mass_update",
    "vitamlite.formats",
    "vitamlite.unit_update",
    "vitamlite.probative_value",
    "vitamlite.reclassification",
    "vitamlite.dip",
    "vitamlite.transfer",
]

TENANT_CHECK_FAILED = {"Error": "X-Tenant-Id check failed!"}


def parse_tenants(spec) -> frozenset[int]:
    """"0-9", "0,1,5-7" or an iterable of ints → set of tenant ids."""
    if not isinstance(spec, str):
        return frozenset(int(t) for t in spec)
    tenants = set()
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        low, sep, high = part.partition("-")
        if sep:
            tenants.update(range(int(low), int(high) + 1))
        else:
            tenants.add(int(part))
    if not tenants:
        raise ValueError(f"no tenant in {spec!r}")
    return frozenset(tenants)


def load_endpoint_modules() -> list[str]:
    """Import every endpoint module; a module not written yet is skipped with a warning."""
    loaded = []
    for name in ENDPOINT_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
                logger.warning("vitam-lite: endpoint module %s not available yet, skipped", name)
                continue
            raise
        loaded.append(name)
    return loaded


@dataclass
class Config:
    data_dir: str
    tenants: frozenset
    admin_tenant: int
    context: str | None = None
    # Serving HTTPS with client certificates: the context comes from the caller's certificate.
    tls: bool = False
    loaded_modules: list = field(default_factory=list)
    # Tenant → Vitam collections whose identifiers the client gives (slave mode, vitam_tenants_usage_external).
    external_identifiers: dict = field(default_factory=dict)
    # Streams of units a tenant may run per day (metadata's unitsStreamExecutionLimit; 0 = unlimited).
    units_stream_execution_limit: int = 0


def _security_error(description: str) -> VitamHttpError:
    return VitamHttpError(401, "000700", description, message="Internal Security Filter Unauthorized",
                          context="Vitam", state="INTERNAL_SECURITY_UNAUTHORIZED")


def _internal_error() -> VitamHttpError:
    # The description never carries the exception text (it may hold paths or data); the log has it.
    return VitamHttpError(500, "000000", "Internal error of vitam-lite", context="Vitam", state="Internal Server Error")


class VitamLiteApp:
    """WSGI callable: faults → routing → tenant → context → admin-only → DSL → contract → handler."""

    def __init__(self, data_dir, *, tenants="0-9", admin_tenant=1, context=None, faults="", tls=False,
                 external_identifiers="", units_stream_execution_limit=0):
        self.config = Config(str(data_dir), parse_tenants(tenants), int(admin_tenant), context or None, tls)
        self.config.units_stream_execution_limit = int(units_stream_execution_limit)
        self.config.external_identifiers = parse_external_identifiers(external_identifiers)
        self.config.loaded_modules = load_endpoint_modules()
        self.store = Store(data_dir)
        self.faults = faults_module.parse(faults)
        self._build_routes()

    # ----- configuration at runtime
    def set_faults(self, spec: str) -> None:
        self.faults = faults_module.parse(spec)

    def set_context(self, identifier: str | None) -> None:
        self.config.context = identifier or None

    def _build_routes(self) -> None:
        self.handlers: dict[str, dict[str, object]] = {}
        rules = []
        for ep in ENDPOINTS:
            methods = self.handlers.setdefault(ep.rule, {})
            if ep.method in methods and methods[ep.method].handler is not ep.handler:
                logger.warning("vitam-lite: %s %s registered twice; last one wins", ep.method, ep.rule)
            methods[ep.method] = ep
        for rule in self.handlers:
            rules.append(Rule(rule, endpoint=rule))
        self.url_map = Map(rules, strict_slashes=False, merge_slashes=False)

    # ----- WSGI
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        for fault in self.faults:
            if not fault.matches(path):
                continue
            if fault.mode == "slow":
                time.sleep(fault.value)
            elif fault.mode == "error":
                error = VitamHttpError(fault.value, "000000", f"Injected fault on {path}",
                                       message="Service Unavailable" if fault.value == 503 else None)
                return error.response()(environ, start_response)
            elif fault.mode == "drop":
                faults_module.close_client_socket(environ)
                raise faults_module.DroppedConnection("connection dropped by fault injection")
            elif fault.mode == "truncate":
                return self._truncated(environ, start_response)
        return self._respond(environ)(environ, start_response)

    def _truncated(self, environ, start_response):
        response = self._respond(environ)
        body = b"".join(response.iter_encoded())
        start_response(response.status, [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
                       + [("Content-Length", str(len(body)))])

        def half_then_close():
            yield body[: len(body) // 2]
            faults_module.close_client_socket(environ)

        return half_then_close()

    def _respond(self, environ) -> Response:
        request = Request(environ)
        request_id = new_guid()
        override = request.headers.get("X-Http-Method-Override", "").upper()
        method = request.method.upper()
        if method == "POST" and override in ("GET", "DELETE"):
            method = override
        try:
            response = self._dispatch(request, method, request_id)
        except VitamHttpError as error:
            response = error.response()
        except faults_module.DroppedConnection:
            raise
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                logger.exception("vitam-lite: database error on %s %s", method, request.path)
                response = _internal_error().response()
            else:
                # Another writer held the database longer than the busy timeout: retryable, like Vitam's 503.
                response = VitamHttpError(503, "000000", "vitam-lite is busy, retry later", context="Vitam",
                                          state="Service Unavailable", headers={"Retry-After": "1"}).response()
        except Exception:
            logger.exception("vitam-lite: unexpected error on %s %s", method, request.path)
            response = _internal_error().response()
        finally:
            self.store.close_thread_connection()
        response.headers.setdefault("X-Request-Id", request_id)
        if method == "HEAD":
            # Headers only (Content-Length kept); a streamed file is closed unread.
            response.close()
            response.response = []
        return response

    def _dispatch(self, request: Request, method: str, request_id: str) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        ep, url_args, by_method = None, {}, {}
        try:
            rule, url_args = adapter.match()
            by_method = self.handlers[rule]
            ep = by_method.get(method) or (by_method.get("GET") if method == "HEAD" else None)
        except NotFound:
            pass

        # The tenant filter is a servlet filter in Vitam: it runs before routing (only /status is exempt).
        tenant = None
        if ep is None or ep.tenant:
            raw = request.headers.get("X-Tenant-Id", "").strip()
            try:
                tenant = int(raw)
            except ValueError:
                return json_response(TENANT_CHECK_FAILED, status=412)
            if tenant not in self.config.tenants:
                return json_response(TENANT_CHECK_FAILED, status=401)
        if ep is None and not by_method:
            raise VitamHttpError(404, "000404", f"No resource at {request.path}", message="Not Found")
        if ep is None:
            raise VitamHttpError(405, "000405", f"Method {method} not allowed on {request.path}",
                                 headers={"Allow": ", ".join(sorted(by_method))})

        db = self.store.connect()
        ctx = Ctx(tenant=tenant, db=db, store=self.store, config=self.config, request=request,
                  request_id=request_id, application_id=request.headers.get("X-Application-Id"))
        try:
            if ep.tenant:
                context = self._check_context(ctx, request)
                if ep.admin_only and tenant != self.config.admin_tenant:
                    raise _security_error("Tenant administration is required")
                if context is not None:
                    try:
                        security.check_permission(db, self.config.admin_tenant, context, method, request.path)
                    except security.Refused as refused:
                        raise _security_error(str(refused))
            # Vitam validates the DSL in access-external (400) before access-internal checks the contract (401).
            if ep.dsl:
                self._validate_dsl(ctx, request, ep.dsl)
            if ep.contract:
                self._load_contract(ctx)
            response = ep.handler(ctx, request, **url_args)
            db.commit()
        except BaseException:
            db.rollback()
            raise
        for callback in ctx._on_commit:
            callback()
        response.headers.setdefault("X-Request-Id", request_id)
        return response

    def _context_id(self, ctx: Ctx, request: Request) -> str | None:
        """Over HTTPS, the context linked to the client certificate (CertUtils + IdentityResource); else the
        context given at start-up."""
        if not self.config.tls:
            return self.config.context
        certificate = request.environ.get("SSL_CLIENT_CERT")
        if not certificate:
            raise _security_error("No client certificate")
        try:
            return security.context_of_certificate(ctx.db, certificate)
        except security.Refused as refused:
            raise _security_error(str(refused))

    def _check_context(self, ctx: Ctx, request: Request) -> dict | None:
        """InternalSecurityFilter: the caller's context must be ACTIVE; with EnableControl, the contract/tenant
        must be allowed by it. Returns the context (None when no context is enforced)."""
        context_id = self._context_id(ctx, request)
        if not context_id:
            return None
        context = contexts.get_context(ctx.db, self.config.admin_tenant, context_id)
        if context is None:
            if self.config.tls:
                raise _security_error(f"Context {context_id} not found")
            return None
        if context.get("Status", "ACTIVE") != "ACTIVE":
            raise _security_error(f"Context {context_id} is not active")
        if not context.get("EnableControl"):
            return context
        permission = contexts.tenant_permission(context, ctx.tenant)
        path = request.path
        if permission is None:
            raise _security_error(f"Tenant {ctx.tenant} not found in the context")
        if path.startswith("/access-external/"):
            contract_id = ctx.access_contract_id()
            if contract_id not in (permission.get("AccessContracts") or []):
                raise _security_error(f"Access contract {contract_id} not found in the context for the tenant id :{ctx.tenant}")
        elif path.startswith("/ingest-external/") and not permission.get("IngestContracts"):
            raise _security_error(f"No ingest contract in the context for the tenant id :{ctx.tenant}")
        return context

    def _load_contract(self, ctx: Ctx) -> None:
        contract_id = ctx.access_contract_id()
        if not contract_id:
            raise VitamHttpError(401, "020106", "No contract chosen: X-Access-Contract-Id is missing",
                                 message="Access contract not found")
        contract = referentials_store.get(ctx.db, ctx.tenant, "access_contracts", contract_id)
        if contract is None:
            raise VitamHttpError(401, "020106", f"Access contract {contract_id} not found for tenant {ctx.tenant}",
                                 message="Access contract not found")
        if contract.get("Status") != "ACTIVE":
            raise VitamHttpError(401, "020106", f"Access contract {contract_id} is inactive",
                                 message="Access contract not found")
        ctx.contract = contract
        ctx.restriction = restriction_from_contract(contract)

    def _validate_dsl(self, ctx: Ctx, request: Request, kind: str) -> None:
        try:
            body = parse_json_body(request)
        except OverflowError:
            raise VitamHttpError(413, "000413", "Request body exceeds the maximum JSON size")
        except ValueError as exc:
            raise VitamHttpError(400, "000601", f"Invalid JSON: {exc}", message="Dsl query is not valid.",
                                 context="Vitam", state="Business")
        try:
            sanity.check_json(body)
        except sanity.Insane as exc:
            raise sanity_refusal(exc)
        if body is None:
            # A GET by id without body (binary downloads, HEAD) means "no projection".
            body = {"$projection": {}} if kind == "get_by_id" else {}
        try:
            dsl.validate(body, kind)
        except dsl.DslInvalid as exc:
            raise VitamHttpError(400, "000601", str(exc), message="Dsl query is not valid.", context="Vitam",
                                 state="Business")
        ctx.query = body
        ctx._body_cache, ctx._body_read = body, True


def create_app(data_dir, *, tenants="0-9", admin_tenant=1, context=None, faults="", tls=False,
               external_identifiers="", units_stream_execution_limit=0) -> VitamLiteApp:
    """Build the WSGI application over a data directory (created if missing)."""
    return VitamLiteApp(data_dir, tenants=tenants, admin_tenant=admin_tenant, context=context, faults=faults,
                        tls=tls, external_identifiers=external_identifiers,
                        units_stream_execution_limit=units_stream_execution_limit)


class _QuietHandler(WSGIRequestHandler):
    """Request lines go to the logger at DEBUG rather than to stderr.

    A connection silent for IDLE_TIMEOUT seconds (stalled upload, idle client) is closed so that it cannot
    hold a server thread forever; a slow but progressing upload is not affected (the timeout is per read)."""

    IDLE_TIMEOUT = 300
    timeout = IDLE_TIMEOUT

    def log_request(self, code="-", size="-"):
        logger.debug("%s %s %s", self.command, self.path, code)

    def log_error(self, format, *args):
        logger.debug(format, *args)

    def log(self, type, message, *args):
        logger.debug(message, *args)


class RunningServer:
    """A vitam-lite server serving in a daemon thread."""

    def __init__(self, app: VitamLiteApp, host: str, port: int, ssl_context: ssl.SSLContext | None = None):
        self.app = app
        self._server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler,
                                   ssl_context=ssl_context)
        self._server.daemon_threads = True
        self.host = host
        self.port = self._server.server_port
        self.base_url = f"{'https' if ssl_context else 'http'}://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="vitamlite-http", daemon=True)
        self._thread.start()

    def set_faults(self, spec: str) -> None:
        self.app.set_faults(spec)

    def set_context(self, identifier: str | None) -> None:
        self.app.set_context(identifier)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        processing.shutdown(self.app.store)
        self.app.store.close_idle_connections()


def tls_context(cert: str, key: str, ca: str) -> ssl.SSLContext:
    """HTTPS with client certificates checked against `ca`, as Vitam's external services.

    The certificate is optional at the TLS level so that /status answers without one (Vitam's status
    endpoints are not secured); every tenant endpoint then refuses a call without certificate (401)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    context.load_verify_locations(ca)
    context.verify_mode = ssl.CERT_OPTIONAL
    return context


def start_in_thread(data_dir, *, host="127.0.0.1", port=0, tenants="0-9", admin_tenant=1, context=None,
                    faults="", ssl_context: ssl.SSLContext | None = None, external_identifiers="",
                    units_stream_execution_limit=0) -> RunningServer:
    """Serve vitam-lite over HTTP (HTTPS with `ssl_context`, see tls_context) in a background thread; port 0
    picks a free port (see .base_url)."""
    app = create_app(data_dir, tenants=tenants, admin_tenant=admin_tenant, context=context, faults=faults,
                     tls=ssl_context is not None, external_identifiers=external_identifiers,
                     units_stream_execution_limit=units_stream_execution_limit)
    return RunningServer(app, host, port, ssl_context)


@endpoint("GET", "/status", tenant=False)
@endpoint("GET", "/access-external/v1/status", tenant=False)
@endpoint("GET", "/admin-external/v1/status", tenant=False)
@endpoint("GET", "/ingest-external/v1/status", tenant=False)
def status(ctx, request):
    """Vitam answers 204 on /status."""
    return Response(status=204)
