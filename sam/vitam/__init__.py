"""SAM's one Vitam client: the only code in SAM that speaks HTTP to Vitam (or vitam-lite).

    from sam.vitam import VitamClient, VitamContext, Select, eq
    client = VitamClient(VitamContext(tenant=3, access_contract="AC-CERGY"))
    page = client.search_units(Select().where(eq("Title", "Délibérations")).limit(20).build())

See docs/vitam.md for the configuration (settings.VITAM) and the permissions SAM needs.
"""

from sam.vitam.client import VitamClient
from sam.vitam.context import VitamContext
from sam.vitam.dsl import (
    GetById,
    Select,
    SelectSingle,
    and_,
    eq,
    exists,
    gt,
    gte,
    in_,
    lt,
    lte,
    match,
    match_all,
    match_phrase,
    match_phrase_prefix,
    missing,
    ne,
    nin,
    not_,
    or_,
    range_,
    regex,
    search,
    wildcard,
)
from sam.vitam.errors import (
    VitamBadRequest,
    VitamConflict,
    VitamError,
    VitamForbidden,
    VitamNotFound,
    VitamServerError,
    VitamTimeout,
    VitamTlsError,
    VitamUnauthorized,
    VitamUnavailable,
)
from sam.vitam.types import CheckReport, OperationStatus, VitamResponse, final_outcome

__all__ = [
    "CheckReport", "GetById", "OperationStatus", "Select", "SelectSingle", "VitamBadRequest",
    "VitamClient", "VitamConflict", "VitamContext", "VitamError", "VitamForbidden", "VitamNotFound",
    "VitamResponse", "VitamServerError", "VitamTimeout", "VitamTlsError", "VitamUnauthorized", "VitamUnavailable",
    "and_", "eq", "exists", "final_outcome", "gt", "gte", "in_", "lt", "lte", "match", "match_all", "match_phrase",
    "match_phrase_prefix", "missing", "ne", "nin", "not_", "or_", "range_", "regex", "search", "wildcard",
]
