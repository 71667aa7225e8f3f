"""ingest-external endpoints: POST /ingests (202, then the workflow in the background), ATR and manifest.

The SIP body is streamed to work/<operation id>/sip.zip in 1 MiB chunks (never held in memory) and is
refused above MAX_SIP_BYTES. The operation id is the request id (X-Request-Id), as in Vitam.
"""

import os
import shutil

from werkzeug import Response

from vitamlite import binaries, logbook, processing
from vitamlite.http import VitamHttpError, endpoint, json_response
from vitamlite.ingest import atr
from vitamlite.ingest.workflow import WORKFLOWS, run_ingest

MAX_SIP_BYTES = int(os.environ.get("VITAMLITE_MAX_SIP_BYTES", str(20 * 1024**3)))
CHUNK = 1024 * 1024
ACTIONS = ("RESUME", "NEXT")


def _stream_to_file(request, path):
    total = 0
    with open(path, "wb") as sink:
        while True:
            chunk = request.stream.read(CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > MAX_SIP_BYTES:
                raise VitamHttpError(413, "040113", f"SIP larger than {MAX_SIP_BYTES} bytes",
                                     message="Request Entity Too Large")
            sink.write(chunk)
    return total


OCTET = "application/octet-stream"
# What Vitam's IngestExternalResource.listResourceEndpoints answers (its SecureEndpointScanner's EndpointInfo:
# "/" + class @Path + "/" + method @Path + "/", the @Secured permission and description, @Consumes/@Produces),
# for the endpoints served here; Vitam also lists its server-side local upload (ingests:local), not served here.
RESOURCE_ENDPOINTS = [
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


@endpoint("OPTIONS", "/ingest-external/v1/")
def list_resource_endpoints(ctx, request):
    """@Unsecured in Vitam: no permission needed, the tenant filter still applies."""
    return json_response(RESOURCE_ENDPOINTS)


@endpoint("POST", "/ingest-external/v1/ingests")
def upload_sip(ctx, request):
    workflow = (request.headers.get("X-Context-Id") or "").strip()
    action = (request.headers.get("X-Action") or "RESUME").strip().upper()
    if workflow not in WORKFLOWS:
        # Vitam answers an unknown workflow with a KO ATR, 503, COMPLETED/FATAL (IngestExternalImpl).
        body = atr.build_atr(operation_id=ctx.request_id, reply_code="KO", events=[{
            "evType": "PROCESS_SIP_UNITARY", "outcome": "KO", "outDetail": "PROCESS_SIP_UNITARY.KO",
            "outMessg": f"Échec du processus d'entrée du SIP : contexte {workflow or '(absent)'} inconnu",
        }])
        return Response(body, status=503, mimetype="application/octet-stream", headers={
            "X-Request-Id": ctx.request_id, "X-Global-Execution-State": "COMPLETED",
            "X-Global-Execution-Status": "FATAL"})
    if action not in ACTIONS:
        raise VitamHttpError(412, "040112", f"X-Action must be RESUME or NEXT, not {action!r}",
                             message="Precondition Failed")
    if (request.mimetype or "").endswith("json"):
        raise VitamHttpError(400, "040111", "Local ingest (JSON path) is not available in vitam-lite",
                             message="Bad Request")
    digest_value = request.headers.get("X-Manifest-Digest-Value")
    digest_algorithm = request.headers.get("X-Manifest-Digest-Algo")
    digest = (digest_value, digest_algorithm) if digest_value else None
    operation_id = ctx.request_id
    work_dir = ctx.store.work_dir / operation_id
    work_dir.mkdir(parents=True, exist_ok=True)
    sip_path = work_dir / "sip.zip"
    try:
        _stream_to_file(request, sip_path)
    except BaseException:
        shutil.rmtree(work_dir, ignore_errors=True)
        raise
    ev_type, ev_type_proc = WORKFLOWS[workflow]
    logbook.start(ctx.db, tenant=ctx.tenant, ev_type=ev_type, ev_type_proc=ev_type_proc, operation_id=operation_id,
                  context_id=ctx.config.context or workflow, application_id=ctx.application_id)
    store, config, tenant = ctx.store, ctx.config, ctx.tenant
    ctx.on_commit(lambda: processing.submit(store, run_ingest, store, config, tenant, operation_id, workflow,
                                            str(sip_path), digest))
    return Response(status=202, headers={"X-Request-Id": operation_id, "X-Global-Execution-State": "PAUSE",
                                         "X-Global-Execution-Status": "UNKNOWN", "X-Context-Id": workflow})


def _report(ctx, operation_id, kind, not_ready_code):
    if logbook.operation_row(ctx.db, ctx.tenant, operation_id) is None:
        raise VitamHttpError(404, not_ready_code, f"Operation {operation_id} not found", message="Not Found")
    path = ctx.store.tenant_reports_dir(ctx.tenant) / f"{operation_id}.{kind}.xml"
    if not path.is_file():
        raise VitamHttpError(404, not_ready_code, f"No {kind} for operation {operation_id} yet", message="Not Found")
    return binaries.file_response(open(path, "rb"), mimetype="application/octet-stream",
                                  filename=f"{kind.upper()}_{operation_id}.xml")


@endpoint("GET", "/ingest-external/v1/ingests/<operation_id>/archivetransferreply")
def download_atr(ctx, request, operation_id):
    return _report(ctx, operation_id, "atr", "040102")


@endpoint("GET", "/ingest-external/v1/ingests/<operation_id>/manifests")
def download_manifest(ctx, request, operation_id):
    return _report(ctx, operation_id, "manifest", "040102")
