"""Accession register (registre des fonds): written at ingest, read through admin-external.

A *detail* per ingest operation and originating agency (Opi, SubmissionAgency, ArchivalAgreement,
counters, Events) and a *summary* per originating agency (totals over its details). Counters are
{ingested, deleted, remained}. Later operations (elimination...) call `record_event` with negative
amounts, which appends an event to the detail of the original ingest and updates both documents.

Endpoints (vitam-api.md §5.3): GET /admin-external/v1/accessionregisters,
/accessionregisterdetails and /accessionregisters/{OriginatingAgency}/accessionregisterdetails (also
the singular ".../accessionregisterdetail"). They require X-Access-Contract-Id (401 "No contract
chosen") and only show the contract's originating agencies unless it has EveryOriginatingAgency.
"""

import json

from vitamlite.dsl import search_documents
from vitamlite.http import VitamHttpError, endpoint, json_ok
from vitamlite.ids import new_guid
from vitamlite.logbook import now_iso
from vitamlite.referentials import store as referentials
from vitamlite.store import register_schema

register_schema(
    """
    CREATE TABLE IF NOT EXISTS accession_register_details (
        tenant INTEGER NOT NULL,
        id TEXT NOT NULL,
        opi TEXT NOT NULL,
        originating_agency TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (tenant, id)
    );
    CREATE UNIQUE INDEX IF NOT EXISTS accession_register_details_by_opi
        ON accession_register_details (tenant, opi, originating_agency);
    CREATE TABLE IF NOT EXISTS accession_register_summaries (
        tenant INTEGER NOT NULL,
        originating_agency TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (tenant, originating_agency)
    );
    """
)

COUNTERS = (("TotalUnits", "Units"), ("TotalObjectGroups", "Gots"), ("TotalObjects", "Objects"), ("ObjectSize", "ObjSize"))


def _counter(ingested=0):
    return {"ingested": ingested, "deleted": 0, "remained": ingested}


def _apply(counter: dict, amount: int) -> None:
    if amount >= 0:
        counter["ingested"] += amount
    else:
        counter["deleted"] += -amount
    counter["remained"] = counter["ingested"] - counter["deleted"]


def _save_summary(db, tenant, agency, amounts: dict, now: str) -> None:
    row = db.execute(
        "SELECT doc FROM accession_register_summaries WHERE tenant = ? AND originating_agency = ?", (tenant, agency)
    ).fetchone()
    if row is None:
        summary = {"#id": new_guid(tenant), "#tenant": tenant, "#version": 0, "OriginatingAgency": agency,
                   "CreationDate": now}
        summary.update({name: _counter() for name, _ in COUNTERS})
    else:
        summary = json.loads(row["doc"])
        summary["#version"] = summary.get("#version", 0) + 1
    for name, event_name in COUNTERS:
        _apply(summary[name], amounts[event_name])
    db.execute(
        "INSERT INTO accession_register_summaries (tenant, originating_agency, doc) VALUES (?, ?, ?)"
        " ON CONFLICT (tenant, originating_agency) DO UPDATE SET doc = excluded.doc",
        (tenant, agency, json.dumps(summary, ensure_ascii=False)),
    )


def record_ingest(db, *, tenant: int, operation_id: str, originating_agency: str, submission_agency: str | None,
                  archival_agreement: str | None, units: int, object_groups: int, objects: int, size: int,
                  acquisition_information: str | None = None, legal_status: str | None = None,
                  archival_profile: str | None = None, comment: str | None = None) -> dict:
    """Write the detail of an ingest and add it to the agency's summary; returns the detail document."""
    now = now_iso()
    amounts = {"Units": units, "Gots": object_groups, "Objects": objects, "ObjSize": size}
    detail = {
        "#id": new_guid(tenant),
        "#tenant": tenant,
        "#version": 0,
        "OriginatingAgency": originating_agency,
        "SubmissionAgency": submission_agency or originating_agency,
        "ArchivalAgreement": archival_agreement,
        "EndDate": now,
        "StartDate": now,
        "LastUpdate": now,
        "Status": "STORED_AND_COMPLETED",
        "Opc": operation_id,
        "Opi": operation_id,
        "OpType": "INGEST",
        "Events": [{"Opc": operation_id, "OpType": "INGEST", "Gots": object_groups, "Units": units,
                    "Objects": objects, "ObjSize": size, "CreationDate": now}],
        "OperationIds": [operation_id],
    }
    for name, event_name in COUNTERS:
        detail[name] = _counter(amounts[event_name])
    for key, value in (("AcquisitionInformation", acquisition_information), ("LegalStatus", legal_status),
                       ("ArchivalProfile", archival_profile)):
        if value:
            detail[key] = value
    if comment:
        detail["Comment"] = [comment]
    db.execute(
        "INSERT INTO accession_register_details (tenant, id, opi, originating_agency, doc) VALUES (?, ?, ?, ?, ?)",
        (tenant, detail["#id"], operation_id, originating_agency, json.dumps(detail, ensure_ascii=False)),
    )
    _save_summary(db, tenant, originating_agency, amounts, now)
    return detail


def record_event(db, *, tenant: int, opi: str, originating_agency: str, operation_id: str, op_type: str,
                 units: int = 0, object_groups: int = 0, objects: int = 0, size: int = 0) -> dict | None:
    """Apply a later operation (negative amounts for ELIMINATION...) to the detail of ingest `opi`.

    Returns the updated detail, or None when that ingest has no register entry (e.g. holding scheme)."""
    row = db.execute(
        "SELECT id, doc FROM accession_register_details WHERE tenant = ? AND opi = ? AND originating_agency = ?",
        (tenant, opi, originating_agency),
    ).fetchone()
    if row is None:
        return None
    now = now_iso()
    amounts = {"Units": units, "Gots": object_groups, "Objects": objects, "ObjSize": size}
    detail = json.loads(row["doc"])
    for name, event_name in COUNTERS:
        _apply(detail[name], amounts[event_name])
    detail["Events"].append({"Opc": operation_id, "OpType": op_type, "Gots": object_groups, "Units": units,
                             "Objects": objects, "ObjSize": size, "CreationDate": now})
    detail["LastUpdate"] = now
    detail["Status"] = "STORED_AND_UPDATED"
    detail["#version"] = detail.get("#version", 0) + 1
    db.execute(
        "UPDATE accession_register_details SET doc = ? WHERE tenant = ? AND id = ?",
        (json.dumps(detail, ensure_ascii=False), tenant, row["id"]),
    )
    _save_summary(db, tenant, originating_agency, amounts, now)
    return detail


def list_summaries(db, tenant: int) -> list[dict]:
    rows = db.execute(
        "SELECT doc FROM accession_register_summaries WHERE tenant = ? ORDER BY originating_agency", (tenant,)
    ).fetchall()
    return [json.loads(row["doc"]) for row in rows]


def list_details(db, tenant: int, originating_agency: str | None = None) -> list[dict]:
    if originating_agency is None:
        rows = db.execute(
            "SELECT doc FROM accession_register_details WHERE tenant = ? ORDER BY rowid", (tenant,)
        ).fetchall()
    else:
        rows = db.execute(
            "SELECT doc FROM accession_register_details WHERE tenant = ? AND originating_agency = ? ORDER BY rowid",
            (tenant, originating_agency),
        ).fetchall()
    return [json.loads(row["doc"]) for row in rows]


def _contract_agencies(ctx):
    """The access contract's agency filter (None = every agency); 401 without an active contract."""
    contract_id = ctx.access_contract_id()
    if not contract_id:
        raise VitamHttpError(401, "020150", "No contract chosen", message="Unauthorized")
    contract = ctx.contract or referentials.get(ctx.db, ctx.tenant, "access_contracts", contract_id)
    if contract is None or contract.get("Status") != "ACTIVE":
        raise VitamHttpError(401, "020150", f"Access contract {contract_id} not found or inactive", message="Unauthorized")
    if contract.get("EveryOriginatingAgency"):
        return None
    return set(contract.get("OriginatingAgencies") or [])


def _search(ctx, docs):
    query = ctx.query if ctx.query is not None else {"$query": {}, "$filter": {}, "$projection": {}}
    result = search_documents(docs, query, kind="select_single")
    return json_ok(result.results, hits=result.hits, facets=result.facets, context=query)


def _visible(docs, agencies):
    return [doc for doc in docs if agencies is None or doc.get("OriginatingAgency") in agencies]


@endpoint("GET", "/admin-external/v1/accessionregisters", dsl="select_single")
def get_accession_registers(ctx, request):
    agencies = _contract_agencies(ctx)
    return _search(ctx, _visible(list_summaries(ctx.db, ctx.tenant), agencies))


@endpoint("GET", "/admin-external/v1/accessionregisterdetails", dsl="select_single")
def get_accession_register_details(ctx, request):
    agencies = _contract_agencies(ctx)
    return _search(ctx, _visible(list_details(ctx.db, ctx.tenant), agencies))


@endpoint("GET", "/admin-external/v1/accessionregisters/<agency>/accessionregisterdetails", dsl="select_single")
def get_agency_register_details(ctx, request, agency):
    agencies = _contract_agencies(ctx)
    return _search(ctx, _visible(list_details(ctx.db, ctx.tenant, agency), agencies))


@endpoint("GET", "/admin-external/v1/accessionregisters/<agency>/accessionregisterdetail", dsl="select_single")
def get_agency_register_detail(ctx, request, agency):
    return get_agency_register_details(ctx, request, agency)
