"""The connectors' door: SAM answering as Vitam's ingest-external, under /vitam/ingest-external/v1/.

Pastell's Vitam connector (and any Vitam client) deposits here unchanged: OPTIONS for its connection
test, POST /ingests (202 and an X-Request-Id at once), then GET .../archivetransferreply until the
ATR comes. Every deposit is an ordinary SAM deposit: SAM's check, the send to Vitam, its follow-up and
retries run in the background (sam.deposits). Status codes and envelopes are Vitam's.
"""

import json
import tempfile
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from sam.connectors import services
from sam.connectors.atr import refusal_atr
from sam.connectors.door_auth import DoorRefused, door_connector
from sam.connectors.models import ConnectorDeposit
from sam.deposits.models import Deposit
from sam.deposits.services import deposits_dir
from sam.vitam import VitamError
from tenants.vitam_clients import ADMIN, vitam_client

CHUNK = 1024 * 1024
OCTET = "application/octet-stream"
TENANT_CHECK_FAILED = {"Error": "X-Tenant-Id check failed!"}
# What OPTIONS lists: Vitam's listResourceEndpoints answer (EndpointInfo of its SecureEndpointScanner), entry for
# entry, for the endpoints the door serves; vitam-lite answers the same (tests/connectors/test_door_options.py).
# Written in both on purpose: vitam-lite stands for Vitam and imports nothing of the portal.
ENDPOINTS = [
    {"permission": "ingests:create", "verb": "POST", "endpoint": "/ingest-external/v1/ingests/",
     "consumedMediaTypes": [OCTET], "producedMediaTypes": [],
     "description": "Envoyer un SIP à Vitam afin qu'il en réalise l'entrée"},
    {"permission": "ingests:id:archivetransfertreply:read", "verb": "GET",
     "endpoint": "/ingest-external/v1/ingests/{objectId}/archivetransferreply/",
     "consumedMediaTypes": [], "producedMediaTypes": [OCTET],
     "description": "Récupérer l'accusé de récéption pour une opération d'entrée donnée"},
    {"permission": "ingests:id:manifests:read", "verb": "GET",
     "endpoint": "/ingest-external/v1/ingests/{objectId}/manifests/",
     "consumedMediaTypes": [], "producedMediaTypes": [OCTET],
     "description": "Récupérer le bordereau de versement pour une opération d'entrée donnée"},
]


def vitam_error(status: int, code: str, description: str, *, message: str, context: str = "Vitam",
                state: str = "Unknown") -> JsonResponse:
    return JsonResponse({"httpCode": status, "code": code, "context": context, "state": state, "message": message,
                         "description": description}, status=status)


def _security_refusal(description: str, status: int = 401) -> JsonResponse:
    return vitam_error(status, "000700", description, message="Internal Security Filter Unauthorized",
                       state="INTERNAL_SECURITY_UNAUTHORIZED")


def _not_found(operation_id: str) -> JsonResponse:
    return vitam_error(404, "040102", f"No archive transfer reply for operation {operation_id} yet",
                       message="Not Found", context="External Ingest", state="Not Found")


def _authenticated(view):
    """Connector and tenant of the call, or Vitam's refusal (TenantFilter, then the security filter)."""

    def wrapper(request, *args, **kwargs):
        number = (request.headers.get("X-Tenant-Id") or "").strip()
        if not number.isdigit():
            return HttpResponse(json.dumps(TENANT_CHECK_FAILED), status=412, content_type="application/json")
        try:
            connector = door_connector(request)
        except DoorRefused as refused:
            return _security_refusal(refused.description, refused.status)
        # Only the connector's own organisation's tenants it is allowed on: any other is refused alike.
        tenant = connector.tenants.filter(vitam_id=int(number), is_active=True,
                                          organisation=connector.organisation).first()
        if tenant is None:
            return _security_refusal(f"Tenant {number} is not allowed for this context")
        return view(request, connector, tenant, *args, **kwargs)

    return wrapper


@csrf_exempt
@require_http_methods(["OPTIONS"])
@_authenticated
def door_endpoints(request, connector, tenant):
    return JsonResponse(ENDPOINTS, safe=False)


def _stream_body(request, destination: Path) -> int | None:
    """The body written to `destination` in chunks; None when it exceeds the upload limit."""
    limit = settings.UPLOAD_MAX_BYTES
    declared = request.headers.get("Content-Length") or ""
    if declared.isdigit() and int(declared) > limit:
        return None
    total = 0
    with open(destination, "wb") as sink:
        while chunk := request.read(CHUNK):
            total += len(chunk)
            if total > limit:
                return None
            sink.write(chunk)
    return total


@csrf_exempt
@require_http_methods(["POST"])
@_authenticated
def door_ingest(request, connector, tenant):
    context_id = (request.headers.get("X-Context-Id") or "").strip()
    action = (request.headers.get("X-Action") or "RESUME").strip().upper()
    if context_id not in services.CONTEXTS:
        return vitam_error(412, "040112", f"X-Context-Id must be one of {', '.join(services.CONTEXTS)}",
                           message="Precondition Failed", context="External Ingest", state="Argument")
    if action != "RESUME":
        return vitam_error(412, "040112", "X-Action must be RESUME", message="Precondition Failed",
                           context="External Ingest", state="Argument")
    folder = deposits_dir() / "door"
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=folder, suffix=".sip")
    path = Path(name)
    try:
        with open(handle, "wb"):
            pass
        size = _stream_body(request, path)
        if size is None:
            return vitam_error(413, "040113", f"SIP larger than {settings.UPLOAD_MAX_BYTES} bytes",
                               message="Request Entity Too Large", context="External Ingest", state="Argument")
        if size == 0:
            return vitam_error(400, "040111", "Empty SIP", message="Bad Request", context="External Ingest",
                               state="Argument")
        link = services.door_deposit(connector=connector, tenant=tenant, sip_path=path, context_id=context_id,
                                     request=request)
    finally:
        path.unlink(missing_ok=True)  # moved into the deposit's keeping unless refused
    return HttpResponse(status=202, headers={"X-Request-Id": link.request_id, "X-Global-Execution-State": "PAUSE",
                                             "X-Global-Execution-Status": "UNKNOWN", "X-Context-Id": context_id})


def _door_deposit(connector, tenant, operation_id) -> Deposit | None:
    link = (ConnectorDeposit.objects.select_related("deposit").filter(
        request_id=operation_id, connector=connector, deposit__tenant=tenant).first())
    return link.deposit if link else None


@csrf_exempt
@require_http_methods(["GET"])
@_authenticated
def door_atr(request, connector, tenant, operation_id):
    deposit = _door_deposit(connector, tenant, operation_id)
    if deposit is None:
        return _not_found(operation_id)
    if deposit.atr_path and Path(deposit.atr_path).is_file():
        # Vitam's reply, unchanged (its SystemIds are what the connector keeps).
        return FileResponse(open(deposit.atr_path, "rb"), content_type=OCTET, as_attachment=True,
                            filename=f"ATR_{operation_id}.xml")
    if deposit.is_refused:
        return HttpResponse(refusal_atr(deposit=deposit, request_id=operation_id), content_type=OCTET)
    return _not_found(operation_id)


@csrf_exempt
@require_http_methods(["GET"])
@_authenticated
def door_manifest(request, connector, tenant, operation_id):
    deposit = _door_deposit(connector, tenant, operation_id)
    if deposit is None or not deposit.operation_id:
        return _not_found(operation_id)
    spool = tempfile.SpooledTemporaryFile(max_size=CHUNK)
    try:
        vitam_client(tenant, contract=ADMIN).download_manifest(deposit.operation_id, spool)
    except VitamError:
        spool.close()
        return _not_found(operation_id)
    spool.seek(0)
    return FileResponse(spool, content_type=OCTET, as_attachment=True, filename=f"manifest_{operation_id}.xml")
