"""Reads of a tenant's contracts and archival profiles, always from Vitam (SAM stores none of them).

A tenant has tens of contracts at most: they are read whole (one search) then filtered, sorted and
paged in SAM, with a search that ignores case and accents across identifier, name and description.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from referentials.contracts import domain
from referentials.contracts.domain import ContractKind
from referentials.spreadsheets import normalise_name
from sam.vitam import Select, SelectSingle, VitamError, VitamNotFound, in_
from tenants.vitam_clients import ACCESS, ADMIN, MissingContract, vitam_client
from tenants.models import Tenant

MAX_DOCUMENTS = 10_000
TREE_UNIT_TYPES = ("HOLDING_UNIT", "FILING_UNIT")


def _admin(tenant):
    return vitam_client(tenant, contract=ADMIN)


def _all(search, client) -> list[dict]:
    return list(search(client, SelectSingle().limit(MAX_DOCUMENTS).build()).results)


def _filtered(documents, search: str, status: str) -> list[dict]:
    words = [normalise_name(word) for word in (search or "").split() if normalise_name(word)]
    if words:
        def haystack(doc):
            return normalise_name(" ".join(str(doc.get(k) or "") for k in ("Identifier", "Name", "Description")))
        documents = [doc for doc in documents if all(word in haystack(doc) for word in words)]
    if status:
        documents = [doc for doc in documents if doc.get("Status") == status]
    return sorted(documents, key=lambda doc: (normalise_name(doc.get("Name") or ""), doc.get("Identifier") or ""))


def contract_list(*, tenant, kind: ContractKind, search: str = "", status: str = "") -> list[dict]:
    return _filtered(_all(kind.search, _admin(tenant)), search, status)


def contract_get(*, tenant, kind: ContractKind, identifier: str) -> dict:
    """The contract as Vitam has it now; Http404 when unknown on this tenant."""
    try:
        return kind.get(_admin(tenant), identifier)
    except VitamNotFound:
        raise Http404("No such contract") from None


def contract_exists(*, tenant, kind: ContractKind, identifier: str) -> bool:
    try:
        kind.get(_admin(tenant), identifier)
    except VitamNotFound:
        return False
    return True


def contract_identifiers(*, tenant, kind: ContractKind) -> set[str]:
    client = _admin(tenant)
    query = SelectSingle().limit(MAX_DOCUMENTS).fields("Identifier").build()
    return {doc.get("Identifier") for doc in kind.search(client, query).results}


@dataclass(frozen=True)
class TenantUse:
    """A SAM tenant that uses the contract by default, and what stops working without it."""

    tenant: Tenant
    role: str  # Tenant attribute name
    consequence: str


def contract_usage(*, tenant, kind: ContractKind, identifier: str) -> list[TenantUse]:
    """SAM's tenants (sharing this Vitam tenant) whose default contract of this kind is `identifier`."""
    uses = []
    for attribute, consequence in kind.tenant_fields:
        for row in Tenant.objects.filter(vitam_id=tenant.vitam_id, **{attribute: identifier}):
            uses.append(TenantUse(tenant=row, role=attribute, consequence=str(consequence)))
    return uses


# --- choices for the forms -------------------------------------------------------------------

def agency_choices(*, tenant) -> list[tuple[str, str]]:
    client = _admin(tenant)
    query = SelectSingle().limit(MAX_DOCUMENTS).fields("Identifier", "Name").build()
    agencies = client.search_agencies(query).results
    return sorted(((a["Identifier"], f"{a['Identifier']} — {a.get('Name') or ''}") for a in agencies),
                  key=lambda pair: pair[0])


def profile_choices(*, tenant) -> list[tuple[str, str]]:
    return [(p["Identifier"], f"{p['Identifier']} — {p.get('Name') or ''}") for p in profile_list(tenant=tenant)]


@dataclass(frozen=True)
class UnitChoices:
    choices: list[tuple[str, str]]
    available: bool  # False when the tenant's units could not be read (no access contract...)


def tree_unit_choices(*, tenant) -> UnitChoices:
    """Holding and filing units of the tenant's published trees, labelled with their type and title."""
    try:
        client = vitam_client(tenant, contract=ACCESS)
        query = (Select().where(in_("#unitType", list(TREE_UNIT_TYPES))).limit(MAX_DOCUMENTS)
                 .fields("#id", "Title", "#unitType", "DescriptionLevel").build())
        units = client.search_units(query).results
    except (MissingContract, VitamError):
        return UnitChoices([], False)
    labels = {"HOLDING_UNIT": "⌂", "FILING_UNIT": "§"}
    choices = [(u["#id"], f"{labels.get(u.get('#unitType'), '')} {u.get('Title') or u['#id']} ({u['#id']})")
               for u in units]
    return UnitChoices(sorted(choices, key=lambda pair: normalise_name(pair[1])), True)


# --- archival profiles -----------------------------------------------------------------------

def profile_list(*, tenant, search: str = "", status: str = "") -> list[dict]:
    return _filtered(_all(lambda client, q: client.search_profiles(q), _admin(tenant)), search, status)


def profile_get(*, tenant, identifier: str) -> dict:
    try:
        return _admin(tenant).get_profile(identifier)
    except VitamNotFound:
        raise Http404("No such profile") from None


def profile_exists(*, tenant, identifier: str) -> bool:
    try:
        _admin(tenant).get_profile(identifier)
    except VitamNotFound:
        return False
    return True


def profile_file(*, tenant, identifier: str, dest) -> str:
    """Writes the profile's attached file into `dest`; returns the file name Vitam gives."""
    result = _admin(tenant).download_profile_file(identifier, dest)
    return result.filename


# --- detail page -----------------------------------------------------------------------------

UNIT_FIELDS = ("LinkParentId", "CheckParentId", "RootUnits", "ExcludedRootUnits")


def _as_list(value) -> list:
    if value in (None, "", []):
        return []
    return list(value) if isinstance(value, list) else [value]


def _unit_titles(tenant, unit_ids) -> dict[str, str]:
    if not unit_ids:
        return {}
    try:
        client = vitam_client(tenant, contract=ACCESS)
        query = Select().where(in_("#id", sorted(unit_ids))).limit(len(unit_ids)).fields("#id", "Title").build()
        return {unit["#id"]: unit.get("Title") or unit["#id"] for unit in client.search_units(query).results}
    except (MissingContract, VitamError):
        return {}


def _names(search, tenant, identifiers) -> dict[str, str]:
    if not identifiers:
        return {}
    query = SelectSingle().where(in_("Identifier", sorted(identifiers))).limit(len(identifiers)).fields(
        "Identifier", "Name").build()
    return {doc["Identifier"]: doc.get("Name") or "" for doc in search(_admin(tenant), query).results}


def contract_rows(*, tenant, kind: ContractKind, document: dict) -> list[tuple[str, str]]:
    """(field label, readable value) for the detail page: units by title, agencies and profiles by name."""
    units = {u for name in UNIT_FIELDS for u in _as_list(document.get(name))}
    titles = _unit_titles(tenant, units)
    agencies = _names(lambda c, q: c.search_agencies(q), tenant, set(_as_list(document.get("OriginatingAgencies"))))
    profiles = _names(lambda c, q: c.search_profiles(q), tenant, set(_as_list(document.get("ArchiveProfiles"))))
    rows = []
    for name in kind.fields:
        if name in ("Name", "Description", "Status"):
            continue
        values = _as_list(document.get(name))
        if name in UNIT_FIELDS:
            text = [f"{titles[v]} ({v})" if v in titles else v for v in values]
        elif name == "OriginatingAgencies":
            text = [f"{v} — {agencies[v]}" if agencies.get(v) else v for v in values]
        elif name == "ArchiveProfiles":
            text = [f"{v} — {profiles[v]}" if profiles.get(v) else v for v in values]
        elif name in domain.VALUE_LABELS:
            text = [str(domain.VALUE_LABELS[name].get(v, v)) for v in values]
        else:
            rows.append((domain.field_label(name), domain.display_value(domain.normalised(document.get(name)))))
            continue
        rows.append((domain.field_label(name), ", ".join(text) if text else "—"))
    return rows
