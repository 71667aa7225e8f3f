"""What the pickers suggest (sam/lib/pickers.py): labels of the tenant's services producteurs, rules, archive
units, deposits (ingest operations) and file formats, read from Vitam through the tenant's clients and from SAM's deposit
records, at most MAX_SUGGESTIONS per answer."""

from __future__ import annotations

import json

from django.utils import timezone
from django.utils.translation import gettext as _

from referentials.kinds import AGENCIES, RULE_TYPE_LABELS, RULES
from referentials.selectors import entry_list
from sam.consultation.selectors import client_for
from sam.deposits.models import Deposit
from sam.lib.display import vitam_datetime
from sam.lib.pickers import MAX_SUGGESTIONS
from sam.vitam.dsl import Select, SelectSingle, eq, match_phrase_prefix, or_
from sam.vitam.errors import VitamNotFound

# Ingest operations of the logbook looked through for deposits made outside SAM (most recent first).
LOGBOOK_INGESTS = 100


def _agency(row: dict) -> dict:
    name = row.get("Name") or row["Identifier"]
    return {"value": row["Identifier"], "label": f"{name} ({row['Identifier']})"}


def _rule(row: dict) -> dict:
    category = RULE_TYPE_LABELS.get(row.get("RuleType", ""), row.get("RuleType", ""))
    return {"value": row["RuleId"], "label": f"{row.get('RuleValue') or row['RuleId']} ({row['RuleId']})",
            "detail": str(category)}


def _unit(unit: dict) -> dict:
    return {"value": unit["#id"], "label": str(unit.get("Title") or unit["#id"]),
            "detail": " – ".join(str(date)[:10] for date in (unit.get("StartDate"), unit.get("EndDate")) if date)}


def _agency_names(tenant) -> dict[str, str]:
    return {row["Identifier"]: row.get("Name") or row["Identifier"]
            for row in entry_list(tenant=tenant, kind=AGENCIES, search="", sort="name")}


def _deposit_detail(when, transferring: str, names: dict[str, str]) -> str:
    parts = [timezone.localtime(when).strftime("%d/%m/%Y") if when else ""]
    if transferring:
        parts.append(_("transferring service: %(name)s") % {"name": names.get(transferring, transferring)})
    return " – ".join(part for part in parts if part)


def _json_field(operation: dict, name: str) -> dict:
    value = operation.get(name) or {}
    if isinstance(value, str):  # Vitam keeps agIdExt and evDetData as JSON strings
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _logbook_label(operation: dict) -> str:
    """The bordereau's comment (EvDetailReq) when the logbook holds it, else its message identifier."""
    return str(_json_field(operation, "evDetData").get("EvDetailReq") or operation.get("obIdIn") or "")


def _logbook_ingest(operation: dict, names: dict[str, str]) -> dict:
    """A deposit made outside SAM, as Vitam's logbook knows it: its bordereau's comment or message identifier,
    date and service versant."""
    agencies = _json_field(operation, "agIdExt")
    when = vitam_datetime(operation.get("evDateTime"))
    label = _logbook_label(operation) or _("Deposit of %(date)s") % {
        "date": timezone.localtime(when).strftime("%d/%m/%Y") if when else ""}
    return {"value": operation["evId"], "label": str(label),
            "detail": _deposit_detail(when, agencies.get("TransferringAgency", ""), names)}


def _deposits(*, user, tenant, text: str, value: str) -> list[dict]:
    """The tenant's successful deposits: SAM's records (title of the bordereau), then ingests of Vitam's logbook
    not made through SAM."""
    names = _agency_names(tenant)
    records = Deposit.objects.filter(tenant=tenant, operation_status__in=("OK", "WARNING")).exclude(operation_id="")
    if value:
        records = records.filter(operation_id=value)
    elif text.strip():
        records = records.filter(title__icontains=text.strip()) | records.filter(file_name__icontains=text.strip())
    else:
        return []
    found = [{"value": deposit.operation_id, "label": deposit.title or deposit.file_name,
              "detail": _deposit_detail(deposit.created_at, deposit.transferring_agency, names)}
             for deposit in records.order_by("-created_at")[:MAX_SUGGESTIONS]]
    if found and value:
        return found
    client = client_for(tenant, user=user)
    if value:
        try:
            operation = client.get_operation(value)
        except VitamNotFound:
            return []
        return [_logbook_ingest(operation, names)] if operation.get("evTypeProc") == "INGEST" else []
    known = set(Deposit.objects.filter(tenant=tenant).exclude(operation_id="").values_list("operation_id", flat=True))
    query = SelectSingle().where(eq("evTypeProc", "INGEST")).order_by("evDateTime", desc=True).limit(LOGBOOK_INGESTS)
    wanted = text.strip().casefold()
    for operation in client.search_operations(query).results:
        if len(found) >= MAX_SUGGESTIONS:
            break
        words = f"{_logbook_label(operation)} {operation.get('obIdIn') or ''}".casefold()
        if operation.get("evId") in known or wanted not in words:
            continue
        found.append(_logbook_ingest(operation, names))
    return found


def _formats(*, user, tenant, text: str, value: str) -> list[dict]:
    """PRONOM formats of Vitam's referential by name or identifier (fmt/18), for the formats of a contract."""
    if value:
        condition = eq("PUID", value)
    elif text.strip():
        condition = or_(match_phrase_prefix("Name", text.strip()), eq("PUID", text.strip()))
    else:
        return []
    query = SelectSingle().where(condition).limit(MAX_SUGGESTIONS)
    return [{"value": row["PUID"], "label": f"{row.get('Name') or row['PUID']} ({row['PUID']})",
             "detail": str(row.get("Version") or "")}
            for row in client_for(tenant, user=user).search_formats(query).results]


def suggestions(*, user, tenant, kind: str, text: str = "", value: str = "", rule_type: str = "") -> list[dict]:
    """[{value, label, detail?}] matching the typed text (or the one entry whose identifier is `value`); rules of
    one category only when `rule_type` names one (the category chosen beside the field)."""
    if kind in ("agencies", "rules"):
        referential = AGENCIES if kind == "agencies" else RULES
        rows = entry_list(tenant=tenant, kind=referential, search="" if value else text,
                          rule_type=rule_type if rule_type in RULE_TYPE_LABELS else "",
                          sort="name" if kind == "agencies" else "id")
        if value:
            rows = [row for row in rows if row[referential.key] == value]
        return [(_agency if kind == "agencies" else _rule)(row) for row in rows[:MAX_SUGGESTIONS]]
    if kind == "units":
        if value:
            condition = eq("#id", value)
        elif text.strip():
            condition = match_phrase_prefix("Title", text.strip())
        else:
            return []
        query = Select().where(condition).fields("#id", "Title", "StartDate", "EndDate").limit(MAX_SUGGESTIONS)
        return [_unit(unit) for unit in client_for(tenant, user=user).search_units(query.build()).results]
    if kind == "deposits":
        return _deposits(user=user, tenant=tenant, text=text, value=value)
    if kind == "formats":
        return _formats(user=user, tenant=tenant, text=text, value=value)
    raise ValueError(f"unknown picker kind {kind!r}")
