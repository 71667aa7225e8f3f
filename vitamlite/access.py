"""access-external endpoints on archive units and object groups (search, get by id, binary download).

Every call needs an ACTIVE access contract (X-Access-Contract-Id); the contract's restriction is passed to
the DSL engine so that units and object groups outside the contract simply do not exist for the caller.
Binaries live under objects/<tenant>/ named after the object version's `#id` (binaries.object_path).
"""

from werkzeug import Request

from vitamlite import binaries, dsl
from vitamlite.contracts_filter import UNRESTRICTED
from vitamlite.http import VitamHttpError, endpoint, json_ok

ACCESS = "/access-external/v1"

UNIT_NOT_FOUND_MESSAGE = "Access external client error in selectUnitbyId method."
OBJECT_NOT_FOUND_MESSAGE = "Access external client error in selectObjectById method."


def _wants_binary(request: Request) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/octet-stream" in accept and "application/json" not in accept


def _precondition_failed(description: str) -> VitamHttpError:
    # AER's getErrorEntity form, used for missing headers on binary downloads.
    return VitamHttpError(412, "PRECONDITION_FAILED", description, message="Precondition Failed",
                          context="ACCESS_EXTERNAL", state="code_vitam")


# What access-external relays (unchanged, 400) when Elasticsearch refuses the search: access-internal's
# getErrorEntity(BAD_REQUEST, message) with message = description = the exception text that came up from
# metadata. For units, MetaDataClientRest.selectUnits re-throws metadata's description, which is
# BadRequestException(ElasticsearchStatusException).getMessage(), i.e. the cause's toString(); for object
# groups and unitsWithInheritedRules the client's check() throws "Invalid Parse Operation" instead.
ES_SEARCH_REFUSED = ("org.elasticsearch.ElasticsearchStatusException: Elasticsearch exception "
                     "[type=search_phase_execution_exception, reason=all shards failed]")
METADATA_CLIENT_INVALID_PARSE = "Invalid Parse Operation"


def search_refused(description: str) -> VitamHttpError:
    """The 400 envelope of a search Elasticsearch refused (a comparison or a range on #id)."""
    return VitamHttpError(400, "BAD_REQUEST", description, message=description, context="ACCESS",
                          state="code_vitam")


def _check_track_total_hits(query: dict) -> None:
    """Vitam refuses $track_total_hits unless authorizeTrackTotalHits is set (it is not, by default)."""
    if isinstance(query.get("$filter"), dict) and query["$filter"].get("$track_total_hits") is True:
        raise VitamHttpError(401, "020100", "$track_total_hits is not authorized on this platform",
                             message="Unauthorized")


def _search_response(ctx, result):
    return json_ok(result.results, hits=result.hits, facets=result.facets, context=ctx.query)


@endpoint("GET", ACCESS + "/units", contract=True, dsl="select_multiple")
def search_units(ctx, request):
    _check_track_total_hits(ctx.query)
    try:
        return _search_response(ctx, dsl.search_units(ctx.db, ctx.tenant, ctx.query, ctx.restriction))
    except dsl.IdRangeUnsupported:
        raise search_refused(ES_SEARCH_REFUSED)


@endpoint("GET", ACCESS + "/objects", contract=True, dsl="select_multiple")
def search_objects(ctx, request):
    _check_track_total_hits(ctx.query)
    try:
        return _search_response(ctx, dsl.search_object_groups(ctx.db, ctx.tenant, ctx.query, ctx.restriction))
    except dsl.IdRangeUnsupported:
        raise search_refused(METADATA_CLIENT_INVALID_PARSE)


def _visible_unit(ctx, unit_id: str, projection=None) -> dict:
    unit = dsl.get_unit(ctx.db, ctx.tenant, unit_id, ctx.restriction, projection=projection)
    if unit is None:
        raise VitamHttpError(404, "020101", "Unit not found", message=UNIT_NOT_FOUND_MESSAGE)
    return unit


def _object_group_of_unit(ctx, unit_id: str, projection=None) -> dict:
    unit = _visible_unit(ctx, unit_id)
    group_id = unit.get("#object")
    if not group_id:
        raise VitamHttpError(404, "020102", "No object group for this unit", message=OBJECT_NOT_FOUND_MESSAGE)
    # The unit is visible under the contract: its object group is readable (Vitam reads it through the unit).
    group = dsl.get_object_group(ctx.db, ctx.tenant, group_id, UNRESTRICTED, projection=projection)
    if group is None:
        raise VitamHttpError(404, "020102", "Object group not found", message=OBJECT_NOT_FOUND_MESSAGE)
    return group


def _projection(ctx):
    projection = ctx.query.get("$projection") if isinstance(ctx.query, dict) else None
    return projection or None


@endpoint("GET", ACCESS + "/units/<unit_id>", contract=True, dsl="get_by_id")
def get_unit(ctx, request, unit_id):
    if _wants_binary(request):
        return _download(ctx, request, _object_group_of_unit(ctx, unit_id))
    unit = _visible_unit(ctx, unit_id, projection=_projection(ctx))
    return json_ok([unit], context=ctx.query)


@endpoint("GET", ACCESS + "/units/<unit_id>/objects", contract=True, dsl="get_by_id")
def get_unit_objects(ctx, request, unit_id):
    if _wants_binary(request):
        return _download(ctx, request, _object_group_of_unit(ctx, unit_id))
    group = _object_group_of_unit(ctx, unit_id, projection=_projection(ctx))
    return json_ok([group], context=ctx.query)


@endpoint("GET", ACCESS + "/objects/<group_id>", contract=True, dsl="get_by_id")
def get_object_group(ctx, request, group_id):
    binary = _wants_binary(request)
    group = dsl.get_object_group(ctx.db, ctx.tenant, group_id, ctx.restriction,
                                    projection=None if binary else _projection(ctx))
    if group is None:
        raise VitamHttpError(404, "020102", "Object group not found", message=OBJECT_NOT_FOUND_MESSAGE)
    if binary:
        return _download(ctx, request, group)
    return json_ok([group], context=ctx.query)


def find_version(group: dict, qualifier: str, version: int) -> dict | None:
    """The object version "<qualifier>_<version>" of an object group document, or None."""
    wanted = f"{qualifier}_{version}"
    for entry in group.get("#qualifiers") or []:
        if entry.get("qualifier") != qualifier:
            continue
        for candidate in entry.get("versions") or []:
            if candidate.get("DataObjectVersion") == wanted:
                return candidate
    return None


def _download(ctx, request, group: dict):
    """Stream the binary chosen by X-Qualifier / X-Version (both mandatory, as in AER asyncObjectStream)."""
    qualifier = request.headers.get("X-Qualifier", "").strip()
    raw_version = request.headers.get("X-Version", "").strip()
    if not qualifier or not raw_version:
        raise _precondition_failed("X-Qualifier and X-Version headers are required to download a binary")
    try:
        version = int(raw_version)
    except ValueError:
        raise _precondition_failed(f"X-Version must be an integer, not {raw_version!r}")
    if ctx.restriction is not None and not ctx.restriction.usage_allowed(qualifier):
        raise VitamHttpError(401, "020103", f"The access contract does not allow the usage {qualifier}",
                             message="Unauthorized")
    found = find_version(group, qualifier, version)
    if found is None or not found.get("#id"):
        raise VitamHttpError(404, "020102", f"No binary object {qualifier}_{version} in this object group",
                             message=OBJECT_NOT_FOUND_MESSAGE)
    try:
        handle = binaries.open_binary(ctx.store, ctx.tenant, binaries.object_path(found["#id"]))
    except (FileNotFoundError, ValueError):
        raise VitamHttpError(404, "020102", "Binary object not found in storage", message=OBJECT_NOT_FOUND_MESSAGE)
    filename = (found.get("FileInfo") or {}).get("Filename") or found["#id"]
    return binaries.file_response(handle, filename=filename, headers={
        "X-Qualifier": qualifier, "X-Version": str(version),
    })


__all__ = ["METADATA_CLIENT_INVALID_PARSE", "find_version", "search_refused"]
