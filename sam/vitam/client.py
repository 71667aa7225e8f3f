"""VitamClient: Vitam's external REST API, called exactly as Vitam defines it.

Paths, verbs and headers follow vitam-api.md sections 2 and 5. Searches are sent as GET with a
JSON body, like Vitam's own Java clients (requests can send a body with GET; Vitam's
X-Http-Method-Override exists only for clients that cannot). Asynchronous operations return the
operation id Vitam puts in X-Request-Id.

    client = VitamClient(VitamContext(tenant=3, access_contract="AC-CERGY"), organisation=org)
    op_id = client.ingest("/path/sip.zip")
    status = client.wait_for_operation(op_id, timeout=600)
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from pathlib import Path
from typing import Any, BinaryIO

import requests
from django.conf import settings
from django.utils.module_loading import import_string

from sam.vitam import errors
from sam.vitam.context import VitamContext
from sam.vitam.dsl import GetById, Select, eq, update_by_id
from sam.vitam.session import TlsIdentity, get_session, identity_for
from sam.vitam.types import BinaryStream, CheckReport, DownloadResult, OperationStatus, UnitStream, VitamResponse

logger = logging.getLogger("sam.vitam")

ACCESS = "/access-external/v1"
ADMIN = "/admin-external/v1"
INGEST = "/ingest-external/v1"
JSON = "application/json"
OCTET = "application/octet-stream"
CHUNK = 1024 * 1024
WORKFLOWS = ("DEFAULT_WORKFLOW", "HOLDING_SCHEME", "FILING_SCHEME", "BLANK_TEST")
DIGEST_ALGORITHMS = ("SHA-512", "SHA-384", "SHA-256")


def access_base_url() -> str:
    url = settings.VITAM.get("URL")
    if not url:
        # Embedded default (demo, development): the settings name the function that starts vitam-lite
        # in this process and gives its loopback address; the client itself knows no back office.
        url = import_string(settings.VITAM["EMBEDDED"])()
    return url.rstrip("/")


def ingest_base_url() -> str:
    url = settings.VITAM.get("INGEST_URL")
    return url.rstrip("/") if url else access_base_url()


def _query_body(query) -> dict:
    """Accept a builder (anything with build()) or an already-built dict."""
    if hasattr(query, "build"):
        return query.build()
    if not isinstance(query, (dict, list)):
        raise TypeError(f"expected a DSL query (dict or builder), not {type(query).__name__}")
    return query


def _projection_body(projection) -> dict:
    if projection is None:
        return GetById().build()
    if isinstance(projection, dict):
        return {"$projection": projection} if "$projection" not in projection else projection
    return GetById().fields(*projection).build()


@contextlib.contextmanager
def _opened(file_or_path, mode="rb"):
    if isinstance(file_or_path, (str, os.PathLike)):
        with open(file_or_path, mode) as handle:
            yield handle
    else:
        yield file_or_path


class VitamClient:
    """One client per (context, organisation); cheap to create, thread-compatible."""

    def __init__(self, context: VitamContext, *, organisation=None, base_url: str | None = None,
                 identity: TlsIdentity | None = None):
        """`base_url` and `identity`: another Vitam than SAM's (a receiving platform of transfers), reached at
        that address with that certificate for every service."""
        if not isinstance(context, VitamContext):
            raise TypeError("VitamClient needs a VitamContext")
        self.context = context
        self.organisation = organisation
        self.base_url = base_url.rstrip("/") if base_url else None
        self.identity = identity or identity_for(organisation)

    def with_context(self, context: VitamContext) -> VitamClient:
        return VitamClient(context, organisation=self.organisation, base_url=self.base_url, identity=self.identity)

    # --- transport -----------------------------------------------------------------------

    def _timeout(self, long: bool = False):
        vitam = settings.VITAM
        read = vitam.get("UPLOAD_TIMEOUT", 600.0) if long else vitam.get("TIMEOUT", 30.0)
        return (float(vitam.get("CONNECT_TIMEOUT", 3.05)), float(read))

    def _request(
        self,
        method: str,
        path: str,
        *,
        service: str = "access",
        json_body: Any = None,
        data: Any = None,
        headers: dict | None = None,
        accept: str = JSON,
        long: bool = False,
        stream: bool = False,
        allowed: tuple[int, ...] = (),
        tenant_header: bool = True,
        timeout: float | None = None,
    ) -> requests.Response:
        base = self.base_url or (ingest_base_url() if service == "ingest" else access_base_url())
        all_headers = self.context.headers() if tenant_header else {"X-Request-Id": self.context.request_id}
        all_headers["Accept"] = accept
        if json_body is not None:
            all_headers["Content-Type"] = JSON
        elif data is not None:
            all_headers["Content-Type"] = OCTET
        all_headers.update(headers or {})
        session = get_session(self.identity, method=method)
        started = time.monotonic()
        try:
            response = session.request(
                method, base + path, headers=all_headers,
                data=json.dumps(json_body).encode() if json_body is not None else data,
                timeout=timeout or self._timeout(long), stream=stream, allow_redirects=False,
            )
        except requests.RequestException as exc:
            self._log(method, path, "-", started, "", failure=type(exc).__name__)
            raise self._transport_error(exc, method, path) from exc
        request_id = response.headers.get("X-Request-Id", "")
        self._log(method, path, response.status_code, started, request_id)
        if response.status_code >= 400 and response.status_code not in allowed:
            raise self._status_error(response, method, path)
        return response

    def _log(self, method, path, status, started, request_id, failure=""):
        duration_ms = (time.monotonic() - started) * 1000
        level = logging.WARNING if failure or (isinstance(status, int) and status >= 500) else logging.INFO
        logger.log(
            level, "vitam %s %s tenant=%s status=%s duration_ms=%.0f request_id=%s%s",
            method, path, self.context.tenant, status, duration_ms, request_id or self.context.request_id,
            f" error={failure}" if failure else "",
        )

    def _transport_error(self, exc, method, path) -> errors.VitamError:
        common = {"method": method, "path": path, "request_id": self.context.request_id}
        if isinstance(exc, requests.exceptions.SSLError):
            return errors.VitamTlsError(str(exc), **common)
        if isinstance(exc, (requests.ConnectTimeout, requests.ReadTimeout)):
            return errors.VitamTimeout(str(exc), **common)
        if isinstance(exc, requests.ConnectionError) and "timed out" in str(exc).lower():
            return errors.VitamTimeout(str(exc), **common)
        return errors.VitamUnavailable(str(exc), **common)

    def _status_error(self, response, method, path) -> errors.VitamError:
        body = _safe_json(response)
        envelope = body if isinstance(body, dict) else {}
        description = envelope.get("description") or envelope.get("Error") or ""
        if not description and not envelope:
            description = (response.text or "")[:500] if not response.raw or not response.raw.closed else ""
        error_class = errors.error_class_for_status(response.status_code)
        return error_class(
            str(description),
            status=response.status_code,
            code=str(envelope.get("code", "")),
            context=str(envelope.get("context", "")),
            state=str(envelope.get("state", "")),
            message=str(envelope.get("message", "")),
            request_id=response.headers.get("X-Request-Id", "") or self.context.request_id,
            method=method,
            path=path,
            body=body,
        )

    def _json(self, response, method, path):
        try:
            return response.json()
        except (ValueError, requests.RequestException) as exc:
            raise errors.VitamUnavailable(
                f"unreadable answer: {exc}", status=response.status_code, method=method, path=path,
                request_id=response.headers.get("X-Request-Id", ""),
            ) from exc

    def _get_json(self, method, path, *, service="access", json_body=None, data=None, headers=None,
                  accept=JSON, long=False, allowed=()):
        response = self._request(method, path, service=service, json_body=json_body, data=data,
                                 headers=headers, accept=accept, long=long, allowed=allowed)
        return response, (self._json(response, method, path) if response.content else None)

    def _select(self, path, query, *, service="access") -> VitamResponse:
        response, body = self._get_json("GET", path, service=service, json_body=_query_body(query))
        return VitamResponse.from_envelope(body or {}, request_id=response.headers.get("X-Request-Id", ""),
                                           status=response.status_code)

    def _one(self, path, json_body=None, *, not_found: str) -> dict:
        response, body = self._get_json("GET", path, json_body=json_body)
        result = VitamResponse.from_envelope(body or {}, request_id=response.headers.get("X-Request-Id", ""))
        if isinstance(body, dict) and "$results" not in body and body:
            return body  # some referential look-ups answer the bare document
        if not result.results:
            raise errors.VitamNotFound(not_found, status=404, method="GET", path=path,
                                       request_id=result.request_id)
        return result.results[0]

    def _stream_to(self, response, dest, method, path, on_chunk=None) -> DownloadResult:
        """Copy a streamed body in 1 MiB chunks; a failed download leaves nothing behind. `on_chunk()` is called
        after each chunk (a background job's heartbeat)."""
        size = 0
        headers = dict(response.headers)
        result_kwargs = {
            "content_type": headers.get("Content-Type", ""),
            "filename": _filename(headers.get("Content-Disposition", "")),
            "request_id": headers.get("X-Request-Id", ""),
            "headers": headers,
        }
        try:
            if isinstance(dest, (str, os.PathLike)):
                target = Path(dest)
                partial = target.with_name(target.name + ".part")
                try:
                    with open(partial, "wb") as handle:
                        for chunk in response.iter_content(CHUNK):
                            handle.write(chunk)
                            size += len(chunk)
                            if on_chunk is not None:
                                on_chunk()
                    os.replace(partial, target)
                except BaseException:
                    partial.unlink(missing_ok=True)
                    raise
            else:
                start = dest.tell() if _seekable(dest) else None
                try:
                    for chunk in response.iter_content(CHUNK):
                        dest.write(chunk)
                        size += len(chunk)
                        if on_chunk is not None:
                            on_chunk()
                except BaseException:
                    if start is not None:
                        dest.seek(start)
                        dest.truncate()
                    raise
        except requests.RequestException as exc:
            self._log(method, path, f"{response.status_code}-interrupted", time.monotonic(), result_kwargs["request_id"],
                      failure=type(exc).__name__)
            raise self._transport_error(exc, method, path) from exc
        finally:
            response.close()
        return DownloadResult(size=size, **result_kwargs)

    def _download(self, path, dest, *, service="access", headers=None, accept=OCTET, on_chunk=None) -> DownloadResult:
        response = self._request("GET", path, service=service, headers=headers, accept=accept, long=True,
                                 stream=True)
        return self._stream_to(response, dest, "GET", path, on_chunk)

    # --- status --------------------------------------------------------------------------

    def status(self, timeout: float | None = None) -> bool:
        """True when access/admin-external and ingest-external both answer their /status.

        timeout (seconds, connect and read) replaces the configured ones: health checks must answer fast."""
        for service, path in (("access", f"{ACCESS}/status"), ("ingest", f"{INGEST}/status")):
            self._request("GET", path, service=service, tenant_header=False, timeout=timeout)
        return True

    # --- ingest and operations -----------------------------------------------------------

    def ingest(self, fileobj_or_path, context_id: str = "DEFAULT_WORKFLOW", action: str = "RESUME",
               manifest_digest: str | None = None, manifest_digest_algo: str = "SHA-512") -> str:
        """Upload a SIP (zip), streamed from disk; returns the operation id. Never retried."""
        if context_id not in WORKFLOWS:
            raise ValueError(f"unknown ingest workflow {context_id!r}")
        if action not in ("RESUME", "NEXT"):
            raise ValueError("action must be RESUME or NEXT")
        headers = {"X-Context-Id": context_id, "X-Action": action}
        if manifest_digest:
            if manifest_digest_algo not in DIGEST_ALGORITHMS:
                raise ValueError(f"unsupported digest algorithm {manifest_digest_algo!r}")
            headers["X-Manifest-Digest-Value"] = manifest_digest
            headers["X-Manifest-Digest-Algo"] = manifest_digest_algo
        with _opened(fileobj_or_path) as body:
            response = self._request("POST", f"{INGEST}/ingests", service="ingest", data=body,
                                     headers=headers, accept=JSON, long=True)
        operation_id = response.headers.get("X-Request-Id", "")
        if not operation_id:
            raise errors.VitamServerError("ingest accepted without an operation id", status=response.status_code,
                                          method="POST", path=f"{INGEST}/ingests")
        return operation_id

    def operation_status(self, operation_id: str) -> OperationStatus:
        """HEAD /operations/{id}: 202 while running, 200 once completed; 204 = unknown."""
        path = f"{ADMIN}/operations/{operation_id}"
        response = self._request("HEAD", path)
        if response.status_code == 204:
            raise errors.VitamNotFound("Operation not found", status=204, method="HEAD", path=path,
                                       request_id=response.headers.get("X-Request-Id", ""))
        return OperationStatus(
            operation_id=operation_id,
            state=response.headers.get("X-Global-Execution-State", ""),
            status=response.headers.get("X-Global-Execution-Status", ""),
            context_id=response.headers.get("X-Context-Id", ""),
            http_code=response.status_code,
        )

    def wait_for_operation(self, operation_id: str, timeout: float = 600.0, poll_interval: float = 0.5,
                           max_interval: float = 10.0, on_poll=None) -> OperationStatus:
        """Poll until COMPLETED (or a FATAL pause); back-off ×1.5 between polls up to max_interval.
        `on_poll()` is called between polls (a background job's heartbeat)."""
        deadline = time.monotonic() + timeout
        interval = poll_interval
        while True:
            status = self.operation_status(operation_id)
            if status.is_completed or (status.state == "PAUSE" and status.is_failed):
                return status
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise errors.VitamTimeout(
                    f"operation {operation_id} still {status.state}/{status.status} after {timeout:.0f} s",
                    method="HEAD", path=f"{ADMIN}/operations/{operation_id}", request_id=operation_id,
                )
            if on_poll is not None:
                on_poll()
            time.sleep(min(interval, remaining))
            interval = min(interval * 1.5, max_interval)

    def download_atr(self, operation_id: str, dest) -> DownloadResult:
        """The ArchiveTransferReply (XML) of an ingest, streamed into dest (path or file)."""
        return self._download(f"{INGEST}/ingests/{operation_id}/archivetransferreply", dest, service="ingest")

    def get_atr(self, operation_id: str) -> bytes:
        response = self._request("GET", f"{INGEST}/ingests/{operation_id}/archivetransferreply",
                                 service="ingest", accept=OCTET, long=True)
        return response.content

    def download_manifest(self, operation_id: str, dest) -> DownloadResult:
        return self._download(f"{INGEST}/ingests/{operation_id}/manifests", dest, service="ingest")

    def get_operation_detail(self, operation_id: str) -> dict:
        """GET /admin-external/v1/operations/{id}: the process ItemStatus (globalState, statusMeter...)."""
        path = f"{ADMIN}/operations/{operation_id}"
        response, body = self._get_json("GET", path, allowed=())
        result = VitamResponse.from_envelope(body or {}, request_id=response.headers.get("X-Request-Id", ""))
        return result.first or (body if isinstance(body, dict) else {})

    def search_operations(self, query) -> VitamResponse:
        """GET /logbookoperations (SELECT_SINGLE); Vitam returns only the last 2 events of each."""
        return self._select(f"{ACCESS}/logbookoperations", query)

    def get_operation(self, operation_id: str) -> dict:
        """One logbook operation with all its events (404 for another tenant's operation)."""
        return self._one(f"{ACCESS}/logbookoperations/{operation_id}", GetById().build(),
                         not_found="Logbook operation not found")

    def get_unit_lifecycle(self, unit_id: str) -> dict:
        return self._one(f"{ACCESS}/logbookunitlifecycles/{unit_id}", GetById().build(),
                         not_found="Unit lifecycle not found")

    def batch_report(self, operation_id: str, dest) -> DownloadResult:
        """JSON-lines report of an elimination, mass update... streamed into dest."""
        return self._download(f"{ADMIN}/batchreport/{operation_id}", dest)

    # --- units and objects ---------------------------------------------------------------

    def search_units(self, query) -> VitamResponse:
        return self._select(f"{ACCESS}/units", query)

    def get_unit(self, unit_id: str, projection=None, *, query=None) -> dict:
        """One unit; projection = list of fields or a $projection dict (or query = a whole
        GET_BY_ID body, sent as is). 404 → VitamNotFound."""
        body = _query_body(query) if query is not None else _projection_body(projection)
        return self._one(f"{ACCESS}/units/{unit_id}", body, not_found="Unit not found")

    def search_units_with_inherited_rules(self, query) -> VitamResponse:
        return self._select(f"{ACCESS}/unitsWithInheritedRules", query)

    def get_object_group(self, unit_id: str, projection=None) -> dict:
        """Metadata of the object group of a unit (GET /units/{id}/objects, JSON)."""
        return self._one(f"{ACCESS}/units/{unit_id}/objects", _projection_body(projection),
                         not_found="Object group not found")

    def search_object_groups(self, query) -> VitamResponse:
        return self._select(f"{ACCESS}/objects", query)

    def download_object(self, unit_id: str | None, qualifier: str, version: int, dest, *,
                        object_group_id: str | None = None) -> DownloadResult:
        """Stream a binary (usage qualifier, version) into dest (a path or a writable file).

        Vitam serves binaries through a unit; given only an object group id, the client looks
        up a unit of that group first."""
        if not unit_id:
            if not object_group_id:
                raise ValueError("download_object needs a unit id or an object group id")
            groups = self.search_object_groups(Select().where(eq("#id", object_group_id))
                                               .fields("#id", "#unitups").limit(1))
            unit_ids = (groups.first or {}).get("#unitups") or []
            if not unit_ids:
                raise errors.VitamNotFound("Object group not found", status=404, method="GET",
                                           path=f"{ACCESS}/objects", request_id=groups.request_id)
            unit_id = unit_ids[0]
        headers = {"X-Qualifier": qualifier, "X-Version": str(int(version))}
        return self._download(f"{ACCESS}/units/{unit_id}/objects", dest, headers=headers)

    def mass_update_units(self, query) -> str:
        """POST /units (MASS_UPDATE DSL): returns the operation id."""
        response = self._request("POST", f"{ACCESS}/units", json_body=_query_body(query))
        return response.headers.get("X-Request-Id", "")

    def update_units_rules(self, dsl_request, rule_actions: dict) -> str:
        """POST /units/rules: add/update/delete management rules; returns the operation id."""
        body = {"dslRequest": _batch(dsl_request), "ruleActions": rule_actions}
        response = self._request("POST", f"{ACCESS}/units/rules", json_body=body)
        return response.headers.get("X-Request-Id", "")

    def update_unit(self, unit_id: str, set_fields: dict | None = None, unset_fields=(), *,
                    expected_version: int | None = None) -> dict:
        """PUT /units/{id} (UPDATE_BY_ID: $set / $unset), synchronous; returns {"operation_id", "diff"}.

        Vitam's UPDATE_BY_ID takes no $query, so the optimistic lock on #version is checked here: the
        unit's current #version is read first and VitamVersionConflict raised when it is not
        expected_version (a change landing between that read and the PUT is not detected)."""
        path = f"{ACCESS}/units/{unit_id}"
        if expected_version is not None:
            current = self.get_unit(unit_id, ["#id", "#version"]).get("#version")
            if current != expected_version:
                raise errors.VitamVersionConflict(
                    f"unit {unit_id} is at version {current}, not {expected_version}", status=409,
                    current_version=current, method="PUT", path=path, request_id=self.context.request_id)
        response, body = self._get_json("PUT", path, json_body=update_by_id(set_fields, unset_fields))
        result = VitamResponse.from_envelope(body or {}, request_id=response.headers.get("X-Request-Id", ""))
        return {"operation_id": response.headers.get("X-Request-Id", ""), "diff": (result.first or {}).get("#diff", "")}

    def elimination_analysis(self, dsl_request, date: str) -> str:
        body = {"dslRequest": _batch(dsl_request), "date": str(date)}
        response = self._request("POST", f"{ACCESS}/elimination/analysis", json_body=body)
        return response.headers.get("X-Request-Id", "")

    def elimination_action(self, dsl_request, date: str) -> str:
        body = {"dslRequest": _batch(dsl_request), "date": str(date)}
        response = self._request("POST", f"{ACCESS}/elimination/action", json_body=body)
        return response.headers.get("X-Request-Id", "")

    # --- referential files (rules, agencies) ---------------------------------------------

    def _check_file(self, path, file_or_path, filename) -> CheckReport:
        headers = {"X-Filename": filename} if filename else {}
        with _opened(file_or_path) as body:
            response = self._request("POST", path, data=body, headers=headers, accept=f"{OCTET}, {JSON}",
                                     long=True, allowed=(400,))
        report = self._json(response, "POST", path) if response.content else {}
        return CheckReport(valid=response.status_code < 400, report=report if isinstance(report, dict) else {},
                           request_id=response.headers.get("X-Request-Id", ""), http_code=response.status_code)

    def _import_file(self, path, file_or_path, filename) -> str:
        headers = {"X-Filename": filename or "import.csv"}
        with _opened(file_or_path) as body:
            response = self._request("POST", path, data=body, headers=headers, long=True)
        return response.headers.get("X-Request-Id", "")

    def check_rules(self, file_or_path, filename: str | None = None) -> CheckReport:
        """Dry run of a rules CSV: the report, both when valid (200) and not (400)."""
        return self._check_file(f"{ADMIN}/rulesfilecheck", file_or_path, filename)

    def import_rules(self, file_or_path, filename: str) -> str:
        """Full-replacement import of the rules CSV; returns the operation id.
        On refusal raises VitamBadRequest whose request_id is the operation id (see rules_report)."""
        return self._import_file(f"{ADMIN}/rules", file_or_path, filename)

    def rules_report(self, operation_id: str) -> dict:
        path = f"{ADMIN}/rulesreport/{operation_id}"
        response = self._request("GET", path, accept=f"{OCTET}, {JSON}")
        return self._json(response, "GET", path)

    def search_rules(self, query) -> VitamResponse:
        return self._select(f"{ADMIN}/rules", query)

    def get_rule(self, rule_id: str) -> dict:
        return self._one(f"{ADMIN}/rules/{rule_id}", not_found="Rule not found")

    def check_agencies(self, file_or_path, filename: str | None = None) -> CheckReport:
        return self._check_file(f"{ADMIN}/agenciesfilecheck", file_or_path, filename)

    def import_agencies(self, file_or_path, filename: str) -> str:
        return self._import_file(f"{ADMIN}/agencies", file_or_path, filename)

    def search_agencies(self, query) -> VitamResponse:
        return self._select(f"{ADMIN}/agencies", query)

    def get_agency(self, identifier: str) -> dict:
        return self._one(f"{ADMIN}/agencies/{identifier}", not_found="Agency not found")

    # --- contracts, profiles, contexts ---------------------------------------------------

    def _import_json(self, path, documents: list) -> str:
        if not isinstance(documents, list):
            raise TypeError("Vitam imports take a JSON array of documents")
        response = self._request("POST", path, json_body=documents)
        return response.headers.get("X-Request-Id", "")

    def _update(self, path, set_fields: dict | None, unset_fields=(), query=None) -> str:
        body = _query_body(query) if query is not None else update_by_id(set_fields, unset_fields)
        response = self._request("PUT", path, json_body=body)
        return response.headers.get("X-Request-Id", "")

    def import_access_contracts(self, contracts: list) -> str:
        return self._import_json(f"{ADMIN}/accesscontracts", contracts)

    def update_access_contract(self, identifier: str, set_fields: dict | None = None, unset_fields=(), *, query=None) -> str:
        """PUT with an UPDATE_BY_ID body built from set_fields/unset_fields (or query, sent as is)."""
        return self._update(f"{ADMIN}/accesscontracts/{identifier}", set_fields, unset_fields, query)

    def search_access_contracts(self, query) -> VitamResponse:
        return self._select(f"{ADMIN}/accesscontracts", query)

    def get_access_contract(self, identifier: str) -> dict:
        return self._one(f"{ADMIN}/accesscontracts/{identifier}", not_found="Access contract not found")

    def import_ingest_contracts(self, contracts: list) -> str:
        return self._import_json(f"{ADMIN}/ingestcontracts", contracts)

    def update_ingest_contract(self, identifier: str, set_fields: dict | None = None, unset_fields=(), *, query=None) -> str:
        return self._update(f"{ADMIN}/ingestcontracts/{identifier}", set_fields, unset_fields, query)

    def search_ingest_contracts(self, query) -> VitamResponse:
        return self._select(f"{ADMIN}/ingestcontracts", query)

    def get_ingest_contract(self, identifier: str) -> dict:
        return self._one(f"{ADMIN}/ingestcontracts/{identifier}", not_found="Ingest contract not found")

    def create_profiles(self, profiles: list) -> str:
        return self._import_json(f"{ADMIN}/profiles", profiles)

    def upload_profile_file(self, identifier: str, file_or_path) -> str:
        """PUT /profiles/{id}: attach the XSD or RNG file of an archival profile."""
        path = f"{ADMIN}/profiles/{identifier}"
        with _opened(file_or_path) as body:
            response = self._request("PUT", path, data=body, long=True)
        return response.headers.get("X-Request-Id", "")

    def update_profile(self, identifier: str, set_fields: dict | None = None, unset_fields=(), *, query=None) -> str:
        """PUT /profiles/{id} with a JSON UPDATE_BY_ID body: the profile's description (not its file)."""
        return self._update(f"{ADMIN}/profiles/{identifier}", set_fields, unset_fields, query)

    def download_profile_file(self, identifier: str, dest) -> DownloadResult:
        return self._download(f"{ADMIN}/profiles/{identifier}", dest)

    def search_profiles(self, query) -> VitamResponse:
        return self._select(f"{ADMIN}/profiles", query)

    def get_profile(self, identifier: str) -> dict:
        return self._one(f"{ADMIN}/profiles/{identifier}", not_found="Profile not found")

    def import_security_profiles(self, profiles: list) -> str:
        """Admin tenant only (use VitamContext.admin())."""
        return self._import_json(f"{ADMIN}/securityprofiles", profiles)

    def search_security_profiles(self, query) -> VitamResponse:
        return self._select(f"{ADMIN}/securityprofiles", query)

    def import_contexts(self, contexts: list) -> str:
        """Admin tenant only (use VitamContext.admin())."""
        return self._import_json(f"{ADMIN}/contexts", contexts)

    def update_context(self, identifier: str, set_fields: dict | None = None, unset_fields=(), *, query=None) -> str:
        return self._update(f"{ADMIN}/contexts/{identifier}", set_fields, unset_fields, query)

    def search_contexts(self, query) -> VitamResponse:
        return self._select(f"{ADMIN}/contexts", query)

    def get_context(self, identifier: str) -> dict:
        return self._one(f"{ADMIN}/contexts/{identifier}", not_found="Context not found")

    # --- accession register --------------------------------------------------------------

    def search_accession_registers(self, query) -> VitamResponse:
        """Summaries per originating agency (needs an access contract)."""
        return self._select(f"{ADMIN}/accessionregisters", query)

    def accession_register_details(self, query, originating_agency: str | None = None) -> VitamResponse:
        """Details per ingest, of one agency or of all agencies."""
        if originating_agency:
            return self._select(f"{ADMIN}/accessionregisters/{originating_agency}/accessionregisterdetails", query)
        return self._select(f"{ADMIN}/accessionregisterdetails", query)

    # --- probative value (relevé de valeur probante) -------------------------------------

    def export_probative_value(self, query, usage: str, version: int | str) -> str:
        """POST /probativevalueexport for the objects (usage_version) of the units of a SELECT_MULTIPLE query;
        returns the operation id. The report (ProbativeReportV2, JSON) comes from batch_report()."""
        body = {"dslQuery": _query_body(query), "usage": usage, "version": str(version)}
        response = self._request("POST", f"{ADMIN}/probativevalueexport", json_body=body)
        return response.headers.get("X-Request-Id", "")

    # --- reclassification ----------------------------------------------------------------

    def reclassification(self, orders: list[dict]) -> str:
        """POST /reclassification (RECLASSIFICATION_QUERY, see reclassification_order): returns the operation id
        of the RECLASSIFICATION workflow; its checks (cycles, unit types, parents) end it KO, not this call."""
        response = self._request("POST", f"{ACCESS}/reclassification", json_body=orders)
        return response.headers.get("X-Request-Id", "")

    # --- communication (DIP) and streams past the 10,000 window ---------------------------

    def export_dip(self, dsl_request, *, usages=None, with_logbook: bool = False, without_objects: bool = False,
                   parameters: dict | None = None) -> str:
        """POST /v2/dipexport (DipRequest): starts EXPORT_DIP, returns the operation id. `usages` lists the
        DataObjectVersion usages to export (None: every usage the contract allows)."""
        body: dict[str, Any] = {"dslRequest": _stream_body(dsl_request), "exportWithLogBookLFC": bool(with_logbook),
                                "exportWithoutObjects": bool(without_objects), "sedaVersion": "2.1",
                                "dipRequestParameters": dict(parameters or {})}
        if usages is not None:
            body["dataObjectVersionToExport"] = {"dataObjectVersions": list(usages)}
        response = self._request("POST", "/access-external/v2/dipexport", json_body=body)
        return response.headers.get("X-Request-Id", "")

    def download_dip(self, operation_id: str, dest) -> DownloadResult:
        """The DIP zip of an export, streamed into dest (path or file)."""
        return self._download(f"{ACCESS}/dipexport/{operation_id}/dip", dest)

    def open_dip(self, operation_id: str) -> BinaryStream:
        """The DIP zip as chunks to relay (e.g. to a browser) without holding it: the answer is read 1 MiB at a
        time, each read bounded by the client's timeout; close() releases the connection."""
        path = f"{ACCESS}/dipexport/{operation_id}/dip"
        response = self._request("GET", path, accept=OCTET, stream=True)
        length = response.headers.get("Content-Length")
        return BinaryStream(chunks=self._chunks(response, "GET", path), response=response,
                            size=int(length) if length and length.isdigit() else None)

    def stream_units(self, query) -> UnitStream:
        """GET /units/stream: every unit the query matches (no 10,000 window), read line by line as Vitam
        sends them. $offset, $limit and $facets are dropped (Vitam refuses them on a stream). VitamStreamRefused
        when Vitam's metadata settings refuse it (docs/vitam.md, 3.1)."""
        path = f"{ACCESS}/units/stream"
        try:
            response = self._request("GET", path, json_body=_stream_body(query), stream=True)
        except (errors.VitamUnauthorized, errors.VitamBadRequest) as error:
            # Vitam's metadata limits on the stream (AccessExternalResource.streamUnits): an empty 401 (no error
            # envelope) past unitsStreamExecutionLimit reads a day, 417 past unitsStreamThreshold units.
            setting = ("unitsStreamThreshold" if error.status == 417 else
                       "unitsStreamExecutionLimit" if error.status == 401 and not error.code else "")
            if not setting:
                raise
            raise errors.VitamStreamRefused(error.description, setting=setting, status=error.status,
                                            request_id=error.request_id, method="GET", path=path) from error
        count = response.headers.get("X-Units-Count", "")
        return UnitStream(count=int(count) if count.isdigit() else None,
                          units=(json.loads(line) for line in self._lines(response, "GET", path)),
                          response=response)

    def open_object(self, unit_id: str, qualifier: str, version: int) -> BinaryStream:
        """One binary (usage qualifier, version) of a unit as chunks to relay without holding it, read 1 MiB at a
        time; close() releases the connection when stopping early."""
        path = f"{ACCESS}/units/{unit_id}/objects"
        response = self._request("GET", path, accept=OCTET, stream=True, long=True,
                                 headers={"X-Qualifier": qualifier, "X-Version": str(int(version))})
        length = response.headers.get("Content-Length")
        return BinaryStream(chunks=self._chunks(response, "GET", path), response=response,
                            size=int(length) if length and length.isdigit() else None)

    def _chunks(self, response, method, path):
        try:
            yield from response.iter_content(CHUNK)
        except requests.RequestException as exc:
            raise self._transport_error(exc, method, path) from exc
        finally:
            response.close()

    def _lines(self, response, method, path):
        try:
            for line in response.iter_lines(chunk_size=64 * 1024):
                if line:
                    yield line
        except requests.RequestException as exc:
            raise self._transport_error(exc, method, path) from exc
        finally:
            response.close()

    # --- transfer to another archival service --------------------------------------------

    def transfer(self, dsl_request, parameters: dict, *, usages=("BinaryMaster",), with_logbook: bool = False,
                 seda_version: str = "2.1") -> str:
        """POST /transfers (ARCHIVE_TRANSFER) on a SELECT_MULTIPLE query; `parameters` is Vitam's
        transferRequestParameters (archivalAgreement, originatingAgencyIdentifier, archivalAgencyIdentifier,
        transferringAgency, comment...). Returns the operation id, which is also the MessageIdentifier of the SIP."""
        body = {"dslRequest": _query_body(dsl_request), "transferWithLogBookLFC": with_logbook,
                "dataObjectVersionToExport": {"dataObjectVersions": list(usages)},
                "transferRequestParameters": parameters, "sedaVersion": seda_version}
        response = self._request("POST", f"{ACCESS}/transfers", json_body=body)
        return response.headers.get("X-Request-Id", "")

    def download_transfer_sip(self, operation_id: str, dest, on_chunk=None) -> DownloadResult:
        """GET /transfers/{id}/sip: the ArchiveTransfer SIP (zip), streamed to a path or a file object;
        `on_chunk()` after each MiB."""
        return self._download(f"{ACCESS}/transfers/{operation_id}/sip", dest, on_chunk=on_chunk)

    def transfer_reply(self, fileobj_or_path) -> str:
        """POST /transfers/reply with the receiving service's ArchiveTransferReply (XML); returns the
        TRANSFER_REPLY operation id."""
        with _opened(fileobj_or_path) as body:
            response = self._request("POST", f"{ACCESS}/transfers/reply", data=body,
                                     headers={"Content-Type": "application/xml"}, long=True)
        return response.headers.get("X-Request-Id", "")

    def search_formats(self, query) -> VitamResponse:
        """GET /admin-external/v1/formats (SELECT_SINGLE): the PRONOM formats referential."""
        return self._select(f"{ADMIN}/formats", query)


def reclassification_order(query: dict, *, add=(), pull=()) -> dict:
    """One entry of a RECLASSIFICATION_QUERY: the units selected by query (one root query, `$roots` optional)
    get the `add` parents and lose the `pull` parents."""
    actions = []
    if add:
        actions.append({"$add": {"#unitups": list(add)}})
    if pull:
        actions.append({"$pull": {"#unitups": list(pull)}})
    return {"$roots": list(query.get("$roots") or []), "$query": list(query["$query"]), "$action": actions}


def _stream_body(query) -> dict:
    """A SELECT_MULTIPLE body without what a stream or an export refuses or ignores (window, facets)."""
    body = dict(_query_body(query))
    body.pop("$facets", None)
    filter_ = {key: value for key, value in (body.get("$filter") or {}).items() if key not in ("$offset", "$limit")}
    if filter_:
        body["$filter"] = filter_
    else:
        body.pop("$filter", None)
    return body


def _batch(query) -> dict:
    if hasattr(query, "build_batch"):
        return query.build_batch()
    return _query_body(query)


def _safe_json(response):
    try:
        return response.json() if response.content else None
    except (ValueError, requests.RequestException):
        return None


def _seekable(fileobj: BinaryIO) -> bool:
    try:
        return fileobj.seekable()
    except (AttributeError, OSError):
        return False


def _filename(content_disposition: str) -> str:
    marker = "filename="
    if marker not in content_disposition:
        return ""
    return content_disposition.split(marker, 1)[1].split(";")[0].strip().strip('"')
