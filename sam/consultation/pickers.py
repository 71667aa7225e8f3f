"""What the pickers suggest (sam/lib/pickers.py): labels of the tenant's services producteurs, rules and archive
units, read from Vitam through the tenant's clients, at most MAX_SUGGESTIONS per answer."""

from __future__ import annotations

from referentials.kinds import AGENCIES, RULE_TYPE_LABELS, RULES
from referentials.selectors import entry_list
from sam.consultation.selectors import client_for
from sam.lib.pickers import MAX_SUGGESTIONS
from sam.vitam.dsl import Select, eq, match_phrase_prefix


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
    raise ValueError(f"unknown picker kind {kind!r}")
