"""Reads of the referentials: from Vitam (rules, agencies, their usage) and from SAM (imports, templates).

The rules and agencies of a tenant are read whole (one search, at most 10,000 entries) and filtered,
sorted and paged in SAM: referentials are small, and a search across identifier, title and
description that ignores case and accents is what archivists expect.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from referentials.kinds import AGENCIES, RULES, Kind
from referentials.models import ReferentialImport, ReferentialTemplate, TemplateApplication
from referentials.rules_csv import RULE_TYPES
from referentials.spreadsheets import normalise_name
from sam.vitam import Select, SelectSingle, VitamNotFound, eq, in_, or_
from sam.vitam.errors import VitamError
from tenants.vitam_clients import ACCESS, ADMIN, MissingContract, vitam_client
from tenants.permissions import is_platform_admin

RULE_SORTS = {"id": "RuleId", "title": "RuleValue", "type": "RuleType", "duration": "RuleDuration"}
AGENCY_SORTS = {"id": "Identifier", "name": "Name"}
FIRST_UNITS = 10


@dataclass
class Entry:
    """One rule or agency as Vitam returns it: the row, its #version and last update date."""

    row: dict
    version: int | None
    updated: str = ""


@dataclass
class Usage:
    """How many archive units (and which contracts) use a rule or an agency."""

    total: int
    units: list[dict]
    contracts: list[str]
    complete: bool = True  # False when the tenant has no access contract to count units with

    @property
    def is_used(self):
        return bool(self.total or self.contracts)


def referential_documents(*, tenant, kind: Kind) -> list[dict]:
    return list(kind.search(vitam_client(tenant, contract=ADMIN)).results)


def referential_rows(*, tenant, kind: Kind) -> list[dict]:
    """The tenant's whole referential in canonical row form, sorted by identifier."""
    return kind.from_documents(referential_documents(tenant=tenant, kind=kind))


def _matches(row: dict, words: list[str]) -> bool:
    haystack = normalise_name(" ".join(row.values()))
    return all(word in haystack for word in words)


def entry_list(*, tenant, kind: Kind, search: str = "", rule_type: str = "", sort: str = "id",
               descending: bool = False) -> list[dict]:
    """Rows of the referential matching the search words (id, title, description) and the type."""
    rows = referential_rows(tenant=tenant, kind=kind)
    words = [normalise_name(word) for word in search.split() if normalise_name(word)]
    if words:
        rows = [row for row in rows if _matches(row, words)]
    if rule_type and kind is RULES:
        rows = [row for row in rows if row["RuleType"] == rule_type]
    column = (RULE_SORTS if kind is RULES else AGENCY_SORTS).get(sort, kind.key)

    def sort_key(row):
        value = row.get(column, "")
        if column == "RuleDuration":
            # Compare durations in days; unlimited last, none first.
            factor = {"YEAR": 365, "MONTH": 30, "DAY": 1}.get(row.get("RuleMeasurement", ""), 1)
            number = 10**9 if value == "unlimited" else (int(value) * factor if value.isdigit() else -1)
            return (number, row[kind.key])
        return (normalise_name(value), row[kind.key])

    return sorted(rows, key=sort_key, reverse=descending)


def referential_lacks(*, tenant, kind: Kind, key: str) -> bool:
    """True when the tenant's referential has no entry `key`; False too when Vitam cannot say (the service that
    uses the value answers then, with Vitam's own refusal)."""
    try:
        rows = referential_rows(tenant=tenant, kind=kind)
    except (VitamError, MissingContract):
        return False
    return all(row[kind.key] != key for row in rows)


def entry_get(*, tenant, kind: Kind, key: str) -> Entry:
    """One rule or agency; Http404 when the tenant has none with that identifier."""
    try:
        document = kind.get(vitam_client(tenant, contract=ADMIN), key)
    except VitamNotFound:
        raise Http404("No such entry") from None
    if document.get(kind.key) != key:
        raise Http404("No such entry")
    version = document.get("#version")
    return Entry(row=kind.normalise(document), version=int(version) if version is not None else None,
                 updated=str(document.get("UpdateDate") or document.get("LastUpdate") or ""))


def _units_query(kind: Kind, key: str, limit: int, offset: int = 0) -> Select:
    if kind is RULES:
        condition = or_(*(eq(f"#management.{rule_type}.Rules.Rule", key) for rule_type in RULE_TYPES))
    else:
        condition = eq("#originating_agencies", key)
    return (Select().where(condition).offset(offset).limit(limit)
            .fields("#id", "Title", "DescriptionLevel", "#unitType"))


def entry_usage(*, tenant, kind: Kind, key: str, limit: int = FIRST_UNITS, offset: int = 0) -> Usage:
    """Units (through the tenant's access contract) and access contracts that use the entry."""
    contracts = []
    if kind is AGENCIES:
        admin = vitam_client(tenant, contract=ADMIN)
        found = admin.search_access_contracts(SelectSingle().where(eq("OriginatingAgencies", key))
                                              .fields("Identifier").limit(100).build())
        contracts = sorted(doc.get("Identifier", "") for doc in found.results)
    try:
        client = vitam_client(tenant, contract=ACCESS)
    except MissingContract:
        return Usage(total=0, units=[], contracts=contracts, complete=False)
    response = client.search_units(_units_query(kind, key, limit, offset).build())
    units = [{"id": unit.get("#id", ""), "title": unit.get("Title", ""), "level": unit.get("DescriptionLevel", ""),
              "unit_type": unit.get("#unitType", "")} for unit in response.results]
    return Usage(total=response.total, units=units, contracts=contracts)


# --- SAM's own rows ---------------------------------------------------------------------------


def import_get(*, tenant, kind: Kind, pk) -> ReferentialImport:
    try:
        return ReferentialImport.objects.select_related("job", "created_by").get(pk=int(pk), tenant=tenant,
                                                                                  kind=kind.name)
    except (ReferentialImport.DoesNotExist, ValueError, TypeError):
        raise Http404("No such import") from None


def template_list(*, user):
    if not is_platform_admin(user):
        return ReferentialTemplate.objects.none()
    return ReferentialTemplate.objects.prefetch_related("versions").order_by("name")


def template_get(*, user, pk) -> ReferentialTemplate:
    try:
        return template_list(user=user).get(pk=int(pk))
    except (ReferentialTemplate.DoesNotExist, ValueError, TypeError):
        raise Http404("No such template") from None


def template_applications(template):
    """The latest applications of a template, with their per-tenant results."""
    return (TemplateApplication.objects.filter(version__template=template).select_related("version", "created_by")
            .prefetch_related("results", "results__tenant")[:20])


def application_get(*, user, template, pk) -> TemplateApplication:
    if not is_platform_admin(user):
        raise Http404("No such application")
    try:
        return (TemplateApplication.objects.select_related("version", "version__template")
                .get(pk=int(pk), version__template=template))
    except (TemplateApplication.DoesNotExist, ValueError, TypeError):
        raise Http404("No such application") from None


def rule_names(tenant, rule_ids) -> dict[str, str]:
    """{RuleId: RuleValue} of the given rules of the tenant's referential, in one Vitam query (a page asks once
    for all its rows); empty when Vitam cannot answer, so pages fall back to the identifiers."""
    rule_ids = sorted({rule_id for rule_id in rule_ids if rule_id})
    if not rule_ids:
        return {}
    try:
        response = vitam_client(tenant, contract=ADMIN).search_rules(
            SelectSingle().where(in_("RuleId", rule_ids)).fields("RuleId", "RuleValue").limit(len(rule_ids)))
    except VitamError:
        return {}
    return {rule["RuleId"]: rule.get("RuleValue", "") for rule in response.results}
