"""admin-external referential endpoints of vitam-lite (vitam-api.md §5.3): thin HTTP layer over the services.

Failed imports answer a VitamError *response* (not an exception) so that the framework commits the
logbook operation and report that explain the refusal.
"""

from __future__ import annotations

from werkzeug import Request, Response

from vitamlite import dsl, reports
from vitamlite.binaries import file_response
from vitamlite.http import Ctx, VitamHttpError, endpoint, json_ok, json_response
from vitamlite.referentials import agencies, common, contexts, contracts, documents, profiles, rules, unit_profiles
from vitamlite.referentials import store as ref_store

ADMIN = "/admin-external/v1"


def _read_body(request: Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise VitamHttpError(413, "000413", f"Le fichier dépasse la taille maximale autorisée ({limit} octets).")
    content = request.stream.read(limit + 1)
    if len(content) > limit:
        raise VitamHttpError(413, "000413", f"Le fichier dépasse la taille maximale autorisée ({limit} octets).")
    return content


def _filename(request: Request) -> str | None:
    return request.headers.get("X-Filename") or None


def _search_response(ctx: Ctx, tenant: int, kind: str) -> Response:
    result = common.search(ctx.db, tenant, kind, ctx.query)
    return json_ok(result.results, hits=result.hits, facets=result.facets, context=ctx.query)


def _report_download(ctx: Ctx, operation_id: str, kind: str, filename: str) -> Response:
    response = reports.response(ctx.store, ctx.tenant, operation_id, kind, filename=filename)
    if response is None:
        raise common.not_found(f"Aucun rapport pour l'opération {operation_id} sur ce tenant.")
    return response


# -- management rules ----------------------------------------------------------------------------

@endpoint("POST", f"{ADMIN}/rulesfilecheck")
def rules_file_check(ctx: Ctx, request: Request) -> Response:
    result = rules.check(ctx.db, ctx.tenant, _read_body(request, rules.MAX_CSV_BYTES))
    return json_response(result.report, status=200 if result.ok else 400,
                         headers={"Content-Disposition": "attachment; filename=rapport.json"})


@endpoint("POST", f"{ADMIN}/rules")
def rules_import(ctx: Ctx, request: Request) -> Response:
    content = _read_body(request, rules.MAX_CSV_BYTES)
    try:
        result = rules.import_file(ctx.db, ctx.store, ctx.tenant, content, filename=_filename(request),
                                   operation_id=ctx.request_id, application_id=ctx.application_id)
    except common.ImportInProgress:
        return VitamHttpError(403, common.FORBIDDEN, "Un import du référentiel des règles de gestion est déjà en "
                              "cours sur ce tenant.", message="Forbidden").response()
    if not result.ok:
        return common.bad_request(
            "Le référentiel des règles de gestion n'a pas été importé : voir le rapport "
            f"{ADMIN}/rulesreport/{ctx.request_id}."
        ).response()
    return Response(status=201)


@endpoint("GET", f"{ADMIN}/rules", dsl="select_single")
def rules_search(ctx: Ctx, request: Request) -> Response:
    return _search_response(ctx, ctx.tenant, rules.KIND)


@endpoint("GET", f"{ADMIN}/rules/<rule_id>")
def rules_get(ctx: Ctx, request: Request, rule_id: str) -> Response:
    rule = rules.get(ctx.db, ctx.tenant, rule_id)
    if rule is None:
        raise common.not_found(f"Règle de gestion {rule_id} introuvable.")
    return json_ok([rule])


@endpoint("GET", f"{ADMIN}/rulesreport/<operation_id>")
def rules_report(ctx: Ctx, request: Request, operation_id: str) -> Response:
    return _report_download(ctx, operation_id, rules.REPORT_KIND, "rapport.json")


@endpoint("GET", f"{ADMIN}/rulesreferential/<operation_id>")
def rules_referential_csv(ctx: Ctx, request: Request, operation_id: str) -> Response:
    return _report_download(ctx, operation_id, rules.CSV_KIND, f"{operation_id}.csv")


# -- agencies ------------------------------------------------------------------------------------

@endpoint("POST", f"{ADMIN}/agenciesfilecheck")
def agencies_file_check(ctx: Ctx, request: Request) -> Response:
    try:
        result = agencies.check(ctx.db, ctx.tenant, _read_body(request, agencies.MAX_CSV_BYTES))
    except agencies.AgenciesFileInvalid as exc:
        raise common.bad_request(str(exc)) from None
    return json_response(result.report, status=200 if result.ok else 400,
                         headers={"Content-Disposition": "attachment; filename=rapport.json"})


@endpoint("POST", f"{ADMIN}/agencies")
def agencies_import(ctx: Ctx, request: Request) -> Response:
    content = _read_body(request, agencies.MAX_CSV_BYTES)
    try:
        result = agencies.import_file(ctx.db, ctx.store, ctx.tenant, content, filename=_filename(request),
                                      operation_id=ctx.request_id, application_id=ctx.application_id)
    except agencies.AgenciesFileInvalid as exc:
        return common.bad_request(f"Import agency error > {exc}").response()
    except common.ImportInProgress:
        return common.bad_request("There is already another agencies import in progress").response()
    if not result.ok:
        return common.bad_request(result.description).response()
    return Response(status=201)


@endpoint("GET", f"{ADMIN}/agencies", dsl="select_single")
def agencies_search(ctx: Ctx, request: Request) -> Response:
    return _search_response(ctx, ctx.tenant, agencies.KIND)


@endpoint("GET", f"{ADMIN}/agencies/<identifier>")
def agencies_get(ctx: Ctx, request: Request, identifier: str) -> Response:
    agency = agencies.get(ctx.db, ctx.tenant, identifier)
    if agency is None:
        raise common.not_found(f"Service agent {identifier} introuvable.")
    return json_ok([agency])


@endpoint("GET", f"{ADMIN}/agenciesreferential/<operation_id>")
def agencies_referential_csv(ctx: Ctx, request: Request, operation_id: str) -> Response:
    return _report_download(ctx, operation_id, agencies.CSV_KIND, f"{operation_id}.csv")


@endpoint("GET", f"{ADMIN}/agenciesreport/<operation_id>")
def agencies_report(ctx: Ctx, request: Request, operation_id: str) -> Response:
    return _report_download(ctx, operation_id, agencies.REPORT_KIND, "rapport.json")


# -- JSON referentials: contracts, archival profiles, security profiles, contexts -----------------

def _rejected_response(spec: documents.Spec, exc: documents.Rejected) -> Response:
    code = common.NOT_FOUND if exc.status == 404 else common.BAD_REQUEST
    detail = {"httpCode": exc.status, "code": code, "context": "External Access", "state": "KO",
              "message": f"{spec.service_label} service error", "description": exc.description}
    return VitamHttpError(exc.status, code, exc.description, message=f"{spec.service_label} service error",
                          errors=[detail]).response()


def _storage_tenant(ctx: Ctx, spec: documents.Spec) -> int:
    return ctx.admin_tenant if spec.platform_wide else ctx.tenant


def _register_json_referential(path: str, spec: documents.Spec) -> None:
    admin_only = spec.platform_wide

    @endpoint("POST", f"{ADMIN}/{path}", admin_only=admin_only)
    def import_documents(ctx: Ctx, request: Request) -> Response:
        try:
            stored = documents.import_documents(
                ctx.db, spec, _storage_tenant(ctx, spec), ctx.json(), operation_id=ctx.request_id,
                application_id=ctx.application_id,
                identifier_required=documents.identifier_required(ctx.config.external_identifiers, ctx.tenant, spec))
        except documents.Rejected as exc:
            return _rejected_response(spec, exc)
        return json_ok(stored, status=201)

    @endpoint("GET", f"{ADMIN}/{path}", dsl="select_single")
    def search_documents(ctx: Ctx, request: Request) -> Response:
        return _search_response(ctx, _storage_tenant(ctx, spec), spec.kind)

    @endpoint("GET", f"{ADMIN}/{path}/<identifier>")
    def get_document(ctx: Ctx, request: Request, identifier: str) -> Response:
        doc = ref_store.get(ctx.db, _storage_tenant(ctx, spec), spec.kind, identifier)
        if doc is None:
            raise common.not_found(f"{spec.label} {identifier} introuvable.")
        if spec is profiles.PROFILE and "application/octet-stream" in request.headers.get("Accept", ""):
            return _profile_file(ctx, doc)
        return json_ok([doc])

    @endpoint("PUT", f"{ADMIN}/{path}/<identifier>", admin_only=admin_only)
    def update_document(ctx: Ctx, request: Request, identifier: str) -> Response:
        tenant = _storage_tenant(ctx, spec)
        if spec is profiles.PROFILE and not (request.mimetype or "").endswith("json"):
            return _upload_profile(ctx, request, identifier)
        query = ctx.json()
        try:
            dsl.validate(query, "update_by_id")
        except dsl.DslInvalid as exc:
            raise VitamHttpError(400, "000601", str(exc), message="Dsl query is not valid.", context="Vitam",
                                 state="Business") from None
        try:
            stored = documents.update_document(ctx.db, spec, tenant, identifier, query, operation_id=ctx.request_id,
                                               application_id=ctx.application_id)
        except documents.Rejected as exc:
            return _rejected_response(spec, exc)
        return json_ok([stored])

    # Distinct names keep Werkzeug's endpoint registry readable in tracebacks.
    for handler, verb in ((import_documents, "import"), (search_documents, "search"), (get_document, "get"),
                          (update_document, "update")):
        handler.__name__ = f"{path}_{verb}"


def _upload_profile(ctx: Ctx, request: Request, identifier: str) -> Response:
    content = _read_body(request, profiles.MAX_PROFILE_BYTES)
    try:
        stored = profiles.upload_file(ctx.db, ctx.store, ctx.tenant, identifier, content,
                                      operation_id=ctx.request_id, application_id=ctx.application_id)
    except documents.Rejected as exc:
        return _rejected_response(profiles.PROFILE, exc)
    return json_ok([stored])


def _profile_file(ctx: Ctx, profile: dict) -> Response:
    path = profiles.file_path(ctx.store, ctx.tenant, profile)
    if path is None:
        raise common.not_found(f"Aucun fichier n'est associé au profil d'archivage {profile['Identifier']}.")
    return file_response(open(path, "rb"), mimetype="application/octet-stream", filename=path.name)


for _path, _spec in {**contracts.SPECS, **profiles.SPECS, **contexts.SPECS, **unit_profiles.SPECS}.items():
    _register_json_referential(_path, _spec)
