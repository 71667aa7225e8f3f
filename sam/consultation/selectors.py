"""Reads of search and consultation: Vitam queries built with sam.vitam.dsl, never in views.

Every function that reads archives takes a Tenant already checked by the caller (tenant_get_for_user) and
the user: the access contract comes from them (tenants.vitam_clients.access_contract_for), so that no caller
can hand a researcher the archivists' contract.
Failures of Vitam come back as VitamError (views turn them into French messages) or Http404.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import CharField, F, Value
from django.http import Http404
from django.utils.translation import gettext as _

from sam.lib import vitam_messages
from sam.consultation.seda_labels import (
    DESCRIPTION_LEVELS,
    FINAL_ACTIONS,
    OPERATION_TYPES,
    RULE_CATEGORIES,
    USAGES,
    level_label,
    outcome_label,
)
from sam.vitam.dsl import (
    MAX_RESULT_WINDOW,
    Select,
    SelectSingle,
    eq,
    exists,
    gte,
    in_,
    lt,
    lte,
    match,
    not_,
    or_,
    range_,
)
from sam.vitam.types import final_outcome
from referentials.models import ReferentialImport
from referentials.selectors import rule_names
from referentials.trees.models import TreeKind, TreePublication
from sam.communication.models import CommunicationPart
from sam.deposits.models import Deposit
from sam.elimination.models import MassUpdate, Proposal, VitamBatch
from sam.proof.models import ProofRequest
from sam.reclassification.models import PublishedChange
from sam.transfers.models import Transfer
from sam.lib.display import vitam_datetime
from sam.vitam import limits
from sam.vitam.errors import VitamError, VitamNotFound
from tenants.vitam_clients import ADMIN, RESEARCHER, MissingContract, access_contract_for, vitam_client

RESULT_FIELDS = ("#id", "Title", "Description", "DescriptionLevel", "StartDate", "EndDate", "#originating_agency",
                 "#opi", "#unitups", "#object", "ArchivalAgencyArchiveUnitIdentifier", "#unitType")
# Researchers never see management metadata (#management, #opi, services' internal identifiers...).
RESEARCHER_FIELDS = ("#id", "Title", "Description", "DescriptionLevel", "StartDate", "EndDate", "#object",
                     "#unitups")
SORT_FIELDS = {"title": ("Title", False), "-title": ("Title", True), "start": ("StartDate", False),
               "-start": ("StartDate", True)}
CHILDREN_PER_PAGE = 20
COMPUTED_RULES = "#computedInheritedRules"
OPERATIONS_PER_PAGE = 25
# Object usages a researcher may be offered (what the researchers' contract lets Vitam serve decides).
RESEARCHER_USAGES = ("Dissemination", "BinaryMaster", "TextContent", "Thumbnail")
# Types shown inline by the browser; anything else is offered as a download. No SVG or HTML (scripts).
PREVIEW_TYPES = {
    "application/pdf": "application/pdf",
    "image/png": "image/png",
    "image/jpeg": "image/jpeg",
    "image/gif": "image/gif",
    "image/webp": "image/webp",
    "text/plain": "text/plain; charset=utf-8",
    "text/csv": "text/plain; charset=utf-8",
}


class ConsultationUnavailable(Exception):
    """The tenant cannot be searched (no contract configured): the message says what to do."""


def client_for(tenant, *, user):
    """The Vitam client of the tenant with the access contract the user reads its archives with."""
    contract = access_contract_for(user, tenant)
    try:
        return vitam_client(tenant, contract=contract)
    except MissingContract:
        if contract == RESEARCHER:
            raise ConsultationUnavailable(_(
                "No researchers' access contract is set for %(tenant)s: ask the platform administrator to set one."
            ) % {"tenant": tenant.label}) from None
        raise ConsultationUnavailable(_(
            "No access contract is set for %(tenant)s: ask the platform administrator to set one."
        ) % {"tenant": tenant.label}) from None


# --- producing services --------------------------------------------------------------------------


AGENCIES_CACHE_SECONDS = 300


def agencies_for(tenant) -> list[tuple[str, str]]:
    """(identifier, name) of the tenant's services, for the search form; empty when Vitam is unreachable.
    Cached a few minutes: the services referential changes rarely and every search page shows it."""
    key = f"consultation:agencies:{tenant.vitam_id}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    try:
        response = vitam_client(tenant, contract=ADMIN).search_agencies(
            SelectSingle().fields("Identifier", "Name").order_by("Name").limit(1000))
    except VitamError:
        return []
    agencies = [(agency.get("Identifier", ""), agency.get("Name", "")) for agency in response.results
                if agency.get("Identifier")]
    cache.set(key, agencies, AGENCIES_CACHE_SECONDS)
    return agencies


# --- units search ----------------------------------------------------------------------------------


def year_buckets(criteria: dict) -> list[tuple[int, int]]:
    """Year ranges of the date facet: by year within a short filtered period, else by decade."""
    start, end = criteria.get("date_from"), criteria.get("date_to")
    this_year = date.today().year
    if start and end and end.year - start.year <= 40:
        return [(year, year + 1) for year in range(start.year, end.year + 1)]
    first = (start.year if start else 1700) // 10 * 10
    last = (end.year if end else this_year) // 10 * 10
    return [(decade, decade + 10) for decade in range(first, last + 1, 10)]


def unit_conditions(criteria: dict) -> list[dict]:
    conditions = []
    if criteria.get("q"):
        conditions.append(or_(match("Title", criteria["q"]), match("Description", criteria["q"])))
    if criteria.get("title"):
        conditions.append(match("Title", criteria["title"]))
    if criteria.get("description"):
        conditions.append(match("Description", criteria["description"]))
    # A unit matches a period when its own dates overlap it.
    if criteria.get("date_from"):
        conditions.append(gte("EndDate", criteria["date_from"].isoformat()))
    if criteria.get("date_to"):
        conditions.append(lte("StartDate", criteria["date_to"].isoformat()))
    if criteria.get("agency"):
        conditions.append(eq("#originating_agency", criteria["agency"]))
    if criteria.get("level"):
        conditions.append(eq("DescriptionLevel", criteria["level"]))
    if criteria.get("opi"):
        conditions.append(eq("#opi", criteria["opi"]))
    # A selection of units (sam.selection) comes as its query's conditions, built by SAM, never typed.
    conditions.extend(criteria.get("conditions") or [])
    # Rules are searched as the unit page shows them: inherited ones included, from the rules Vitam
    # computes for each unit (#computedInheritedRules; the ingest contract asks for them at ingest).
    if criteria.get("final_action"):
        conditions.append(eq(f"{COMPUTED_RULES}.AppraisalRule.FinalAction", criteria["final_action"]))
    rule_type = criteria.get("rule_type")
    if rule_type:
        before, after = criteria.get("rule_end_before"), criteria.get("rule_end_after")
        if before or after:
            conditions.append(range_(f"{COMPUTED_RULES}.{rule_type}.MaxEndDate",
                                     gte=after.isoformat() if after else None,
                                     lt=before.isoformat() if before else None))
        else:
            conditions.append(exists(f"{COMPUTED_RULES}.{rule_type}.InheritedRuleIds"))
    return conditions


def unit_query(criteria: dict, *, fields=RESULT_FIELDS) -> Select:
    """The SELECT_MULTIPLE query of a search form's criteria (no paging, no facets)."""
    query = Select()
    conditions = unit_conditions(criteria)
    if criteria.get("node"):
        query = query.roots([criteria["node"]])
    if conditions:
        query = query.where(*conditions)
    elif criteria.get("node"):
        query = query.depth(100)
    if criteria.get("sort") in SORT_FIELDS:
        name, desc = SORT_FIELDS[criteria["sort"]]
        query = query.order_by(name, desc=desc)
    elif not conditions and not criteria.get("node"):
        # Nothing asked: the latest entries first (Vitam has no relevance to order by).
        query = query.order_by("#approximate_creation_date", desc=True)
    return query.fields(*fields)


@dataclass
class Facet:
    name: str
    label: str
    parameter: str
    buckets: list = field(default_factory=list)  # [(value, label, count, selected)]


@dataclass
class SearchPage:
    results: list
    total: int
    page: int
    per_page: int
    facets: list = field(default_factory=list)

    @property
    def window_reached(self) -> bool:
        return self.total >= MAX_RESULT_WINDOW

    @property
    def num_pages(self) -> int:
        reachable = min(self.total, MAX_RESULT_WINDOW)
        return max(1, math.ceil(reachable / self.per_page))

    @property
    def has_previous(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.num_pages

    # The pagination component's interface (Django's Page).
    @property
    def number(self):
        return self.page

    @property
    def paginator(self):
        return self

    @property
    def has_other_pages(self):
        return self.num_pages > 1

    def previous_page_number(self):
        return self.page - 1

    def next_page_number(self):
        return self.page + 1

    @property
    def first_index(self):
        return (self.page - 1) * self.per_page + 1 if self.results else 0

    @property
    def last_index(self):
        return (self.page - 1) * self.per_page + len(self.results)


def _shortened(text: str, length: int) -> str:
    """The text cut to `length` characters, the last one an ellipsis (as the truncatechars filter)."""
    return text if len(text) <= length else text[:length - 1] + "…"


def _decorate(unit: dict, agency_names: dict[str, str] | None = None) -> dict:
    """Vitam's unit (freshly parsed, changed in place, not copied) with what its row shows, computed once
    here in Python rather than by filters for every row of a page; the service producteur by its name when
    agency_names ({identifier: name}) knows it."""
    title = str(unit.get("Title") or "")
    start, end = str(unit.get("StartDate") or "")[:10], str(unit.get("EndDate") or "")[:10]
    unit["level_label"] = level_label(unit.get("DescriptionLevel", ""))
    unit["id"] = unit.get("#id", "")
    agency = unit.get("#originating_agency", "")
    unit["agency"] = (agency_names or {}).get(agency) or agency
    unit["title_shown"] = title or _("(untitled)")
    unit["title_short"] = _shortened(title, 300)
    unit["description_short"] = _shortened(str(unit.get("Description") or ""), 160)
    unit["dates_shown"] = f"{start} – {end}" if end else start
    unit["select_label"] = _("Select “%(title)s”") % {"title": title}
    # Every key added here is listed in seda_labels.ROW_DISPLAY_KEYS, so the unit page never shows it as metadata.
    return unit


def _facets(response, criteria, agency_names: dict[str, str]) -> list[Facet]:
    agency = Facet("agency", _("Producing service"), "agency")
    for value, count in response.facet("agency").items():
        agency.buckets.append((value, agency_names.get(value) or value, count, criteria.get("agency") == value))
    level = Facet("level", _("Description level"), "level")
    for value, count in response.facet("level").items():
        level.buckets.append((value, DESCRIPTION_LEVELS.get(value, value), count, criteria.get("level") == value))
    final = Facet("final_action", _("Final action"), "final_action")
    for value, count in response.facet("final_action").items():
        final.buckets.append((value, FINAL_ACTIONS.get(value, value), count, criteria.get("final_action") == value))
    years = Facet("year", _("Period"), "period")
    counts = list(response.facet("year").values())
    for (start, end), count in zip(year_buckets(criteria), counts):
        if count:
            label = str(start) if end - start == 1 else f"{start}–{end - 1}"
            years.buckets.append((f"{start}-{end - 1}", label, count, False))
    return [facet for facet in (agency, level, years, final) if facet.buckets]


def search_query(criteria: dict, *, fields=RESULT_FIELDS, page: int = 1, per_page: int = 25,
                 facets: bool = True) -> Select:
    """The one query of a search page: its units and, for the archivists' page, its facets."""
    query = unit_query(criteria, fields=fields).offset((page - 1) * per_page).limit(per_page)
    if facets:
        query = (query.facet_terms("agency", "#originating_agency", size=30)
                 .facet_terms("level", "DescriptionLevel", size=len(DESCRIPTION_LEVELS))
                 .facet_terms("final_action", f"{COMPUTED_RULES}.AppraisalRule.FinalAction", size=10))
        buckets = year_buckets(criteria)
        query = query.facet_date_range("year", "StartDate", [(start, end) for start, end in buckets])
    return query


def search_units(tenant, criteria: dict, *, user, page: int = 1, per_page: int = 25,
                 facets: bool = True) -> SearchPage:
    contract = access_contract_for(user, tenant)
    researcher = contract == RESEARCHER
    query = search_query(criteria, fields=RESEARCHER_FIELDS if researcher else RESULT_FIELDS, page=page,
                         per_page=per_page, facets=facets and not researcher)
    response = client_for(tenant, user=user).search_units(query)
    names = dict(agencies_for(tenant))
    return SearchPage(results=[_decorate(unit, names) for unit in response.results], total=response.total,
                      page=page, per_page=per_page, facets=_facets(response, criteria, names) if facets else [])


def units_for_export(tenant, criteria: dict, *, user, fields=None):
    """(total, iterator over every unit the criteria select), read page by page or from Vitam's /units/stream
    past 10,000 (limits.units_all): no 10,000 window, nothing held in memory."""
    client = client_for(tenant, user=user)
    query = unit_query(criteria, fields=fields or RESULT_FIELDS)
    if not criteria.get("sort"):
        query = query.order_by("StartDate")
    return limits.units_all(client, query)


# --- one unit --------------------------------------------------------------------------------------


def get_unit(tenant, unit_id: str, *, user) -> dict:
    """The unit, or Http404 when it does not exist, belongs elsewhere or the contract hides it."""
    client = client_for(tenant, user=user)
    try:
        return _decorate(client.get_unit(unit_id))
    except VitamNotFound:
        raise Http404("No such unit") from None


def _titles(client, unit_ids) -> dict[str, dict]:
    unit_ids = [unit_id for unit_id in dict.fromkeys(unit_ids) if unit_id]
    if not unit_ids:
        return {}
    response = client.search_units(Select().where(in_("#id", unit_ids))
                                   .fields("#id", "Title", "#unitups", "DescriptionLevel").limit(len(unit_ids)))
    return {unit["#id"]: unit for unit in response.results}


def ancestry_of(tenant, unit: dict, *, user) -> dict[str, dict]:
    """Title, parents and level of each of the unit's ancestors, by id, in one search: the breadcrumb and the
    origins of the inherited rules (always ancestors) are both read from it."""
    return _titles(client_for(tenant, user=user), unit.get("#allunitups") or [])


def ancestors_of(tenant, unit: dict, *, user, ancestry: dict | None = None) -> list[dict]:
    """The unit's ancestors from the top of the tree down to its parent (first parent at each level)."""
    known = ancestry_of(tenant, unit, user=user) if ancestry is None else ancestry
    chain, seen = [], set()
    parents = unit.get("#unitups") or []
    while parents and parents[0] in known and parents[0] not in seen:
        seen.add(parents[0])
        ancestor = known[parents[0]]
        chain.append(_decorate(ancestor))
        parents = ancestor.get("#unitups") or []
    return list(reversed(chain))


def children_of(tenant, unit_id: str, *, user, page: int = 1) -> SearchPage:
    fields = RESEARCHER_FIELDS if access_contract_for(user, tenant) == RESEARCHER else RESULT_FIELDS
    query = (Select().roots([unit_id]).depth(1).order_by("Title").fields(*fields)
             .offset((page - 1) * CHILDREN_PER_PAGE).limit(CHILDREN_PER_PAGE))
    response = client_for(tenant, user=user).search_units(query)
    return SearchPage(results=[_decorate(unit) for unit in response.results], total=response.total, page=page,
                      per_page=CHILDREN_PER_PAGE)


@dataclass
class RuleLine:
    rule_id: str
    name: str
    start: str
    end: str
    origin_id: str
    origin_title: str
    inherited: bool
    running: bool


@dataclass
class RuleCategory:
    code: str
    label: str
    rules: list
    properties: list  # [(name, value)]

    @property
    def max_end(self) -> str:
        ends = [rule.end for rule in self.rules if rule.end]
        return max(ends) if ends else ""


def rules_of(tenant, unit: dict, *, user, ancestry: dict | None = None) -> list[RuleCategory]:
    """The unit's management rules, its own and the inherited ones with the unit they come from (titles from
    `ancestry` when the page already read it)."""
    client = client_for(tenant, user=user)
    unit_id = unit["#id"]
    response = client.search_units_with_inherited_rules(Select().where(eq("#id", unit_id)).fields("#id"))
    inherited = (response.first or {}).get("InheritedRules") or {}
    origins = set()
    for category in inherited.values():
        if isinstance(category, dict):
            origins.update(item.get("UnitId") for item in category.get("Rules", []) + category.get("Properties", []))
    known = ancestry or {}
    titles = {**known, **_titles(client, [origin for origin in origins if origin != unit_id and origin not in known])}
    names = rule_names(tenant, {rule.get("Rule") for category in inherited.values() if isinstance(category, dict)
                                 for rule in category.get("Rules", [])})
    today = date.today().isoformat()
    categories = []
    for code, label in RULE_CATEGORIES.items():
        category = inherited.get(code) or {}
        lines = []
        for rule in category.get("Rules", []):
            origin = rule.get("UnitId", "")
            lines.append(RuleLine(
                rule_id=rule.get("Rule", ""), name=names.get(rule.get("Rule", ""), ""),
                start=rule.get("StartDate", "") or "", end=rule.get("EndDate", "") or "",
                origin_id=origin, origin_title=(titles.get(origin) or {}).get("Title", "") if origin != unit_id
                else unit.get("Title", ""),
                inherited=origin != unit_id, running=not rule.get("EndDate") or rule["EndDate"] > today,
            ))
        properties = [(item.get("PropertyName", ""), FINAL_ACTIONS.get(item.get("PropertyValue"),
                                                                       item.get("PropertyValue")))
                      for item in category.get("Properties", [])]
        if lines or properties:
            categories.append(RuleCategory(code, label, lines, properties))
    return categories


@dataclass
class ObjectVersion:
    usage: str
    usage_label: str
    version: int
    name: str
    filename: str
    mime_type: str
    format_label: str
    format_id: str
    size: int | None
    digest: str
    algorithm: str

    @property
    def previewable(self) -> bool:
        return self.mime_type in PREVIEW_TYPES


def objects_of(tenant, unit: dict, *, user) -> list[ObjectVersion]:
    """The binary versions of the unit's object group (none when the unit has no objects)."""
    if not unit.get("#object"):
        return []
    contract = access_contract_for(user, tenant)
    try:
        group = client_for(tenant, user=user).get_object_group(unit["#id"])
    except VitamNotFound:
        return []
    versions = []
    for qualifier in group.get("#qualifiers") or []:
        usage = qualifier.get("qualifier", "")
        if contract == RESEARCHER and usage not in RESEARCHER_USAGES:
            continue
        for item in qualifier.get("versions") or []:
            name = item.get("DataObjectVersion", "")
            try:
                number = int(name.rsplit("_", 1)[1])
            except (IndexError, ValueError):
                continue
            file_format = item.get("FormatIdentification") or {}
            versions.append(ObjectVersion(
                usage=usage, usage_label=str(USAGES.get(usage, usage)), version=number, name=name,
                filename=(item.get("FileInfo") or {}).get("Filename") or item.get("Uri", "") or name,
                mime_type=(file_format.get("MimeType") or "").lower(),
                format_label=file_format.get("FormatLitteral", ""), format_id=file_format.get("FormatId", ""),
                size=item.get("Size"), digest=item.get("MessageDigest", ""), algorithm=item.get("Algorithm", ""),
            ))
    return versions


def find_object_version(tenant, unit: dict, usage: str, version: int, *, user) -> ObjectVersion:
    for candidate in objects_of(tenant, unit, user=user):
        if candidate.usage == usage and candidate.version == version:
            return candidate
    raise Http404("No such object version")


def lifecycle_of(tenant, unit_id: str, *, user) -> list[dict]:
    """Events of the unit's lifecycle, oldest first, with readable outcomes."""
    try:
        lifecycle = client_for(tenant, user=user).get_unit_lifecycle(unit_id)
    except VitamNotFound:
        return []
    events = [lifecycle] + list(lifecycle.get("events") or [])
    return [_event(event) for event in events]


def _event(event: dict) -> dict:
    label, tone = outcome_label(event.get("outcome", ""))
    return {**event, "outcome_label": label, "outcome_tone": tone,
            "label": vitam_messages.describe(event.get("outDetail") or event.get("evType"),
                                             fallback=event.get("outMessg") or ""),
            "at": vitam_datetime(event.get("evDateTime"))}


# --- journal des opérations ------------------------------------------------------------------------


def operation_query(filters: dict) -> SelectSingle:
    conditions = []
    if filters.get("type"):
        conditions.append(eq("evTypeProc", filters["type"]))
    status = filters.get("status")
    if status in ("KO", "FATAL", "WARNING"):
        conditions.append(eq("events.outcome", status))
    elif status == "OK":
        conditions.append(eq("events.outcome", "OK"))
        conditions.append(not_(in_("events.outcome", ["KO", "FATAL", "WARNING"])))
    elif status == "STARTED":
        conditions.append(not_(in_("events.outcome", ["OK", "KO", "FATAL", "WARNING"])))
    if filters.get("date_from"):
        conditions.append(gte("evDateTime", filters["date_from"].isoformat()))
    if filters.get("date_to"):
        conditions.append(lt("evDateTime", date.fromordinal(filters["date_to"].toordinal() + 1).isoformat()))
    query = SelectSingle()
    if conditions:
        query = query.where(*conditions)
    return query.order_by("evDateTime", desc=True)


def decorate_operation(operation: dict) -> dict:
    outcome = final_outcome(operation)
    label, tone = outcome_label(outcome)
    events = operation.get("events") or []
    return {
        **operation, "id": operation.get("evId") or operation.get("#id", ""), "final_outcome": outcome,
        "outcome_label": label, "outcome_tone": tone,
        "type_label": OPERATION_TYPES.get(operation.get("evTypeProc", ""), operation.get("evTypeProc", "")),
        "label": vitam_messages.describe((events[-1] if events else operation).get("outDetail"),
                                         fallback=(events[-1].get("outMessg") if events else "")
                                         or operation.get("outMessg", "")),
        "started_at": vitam_datetime(operation.get("evDateTime")),
    }


def search_operations(tenant, filters: dict, *, user, page: int = 1) -> SearchPage:
    query = operation_query(filters).offset((page - 1) * OPERATIONS_PER_PAGE).limit(OPERATIONS_PER_PAGE)
    response = client_for(tenant, user=user).search_operations(query)
    operations = [decorate_operation(op) for op in response.results]
    subjects = operation_subjects(tenant, [op["id"] for op in operations],
                                  processes={op.get("evTypeProc") or "" for op in operations})
    for operation in operations:
        operation["subject"] = subjects.get(operation["id"])
    return SearchPage(results=operations, total=response.total, page=page, per_page=OPERATIONS_PER_PAGE)


class _SubjectSource(NamedTuple):
    """Where SAM keeps one kind of operation it asked Vitam for: the model, the path from it to the tenant and
    to the operation id, and the fields that say what it is about and who asked."""

    model: type
    tenant: str
    operation: str
    title: str
    detail: str
    person: str
    pk: str = "pk"
    filters: tuple = ()

    def rows(self, kind: str, tenant, ids):
        """One branch of operation_subjects' UNION: the same columns, in the same order, for every source."""
        text = CharField()
        queryset = self.model.objects.filter(**{self.tenant: tenant, f"{self.operation}__in": ids},
                                             **dict(self.filters))
        return queryset.annotate(
            subject_kind=Value(kind, output_field=text), subject_pk=F(self.pk),
            subject_operation=F(self.operation), subject_title=F(self.title),
            subject_detail=F(self.detail) if self.detail else Value("", output_field=text),
            person_first=F(f"{self.person}__first_name"), person_last=F(f"{self.person}__last_name"),
            person_login=F(f"{self.person}__username"),
        ).values("subject_kind", "subject_pk", "subject_operation", "subject_title", "subject_detail",
                 "person_first", "person_last", "person_login").order_by()


# Each kind of SAM record a journal line can be about, and where it is kept. A proposal or mass update past one
# Vitam operation has one operation per VitamBatch: each links to it.
_SUBJECT_SOURCES = {
    "deposit": (_SubjectSource(Deposit, "tenant", "operation_id", "title", "originating_agency", "created_by"),),
    "import": (_SubjectSource(ReferentialImport, "tenant", "operation_id", "filename", "kind", "created_by"),),
    "analysis": (
        _SubjectSource(Proposal, "tenant", "analysis_operation_id", "title", "reference", "created_by"),
        _SubjectSource(VitamBatch, "proposal__tenant", "operation_id", "proposal__title", "proposal__reference",
                       "proposal__created_by", pk="proposal", filters=(("kind", VitamBatch.Kind.ANALYSIS),))),
    "elimination": (
        _SubjectSource(Proposal, "tenant", "action_operation_id", "title", "reference", "executed_by"),
        _SubjectSource(VitamBatch, "proposal__tenant", "operation_id", "proposal__title", "proposal__reference",
                       "proposal__executed_by", pk="proposal", filters=(("kind", VitamBatch.Kind.ELIMINATION),))),
    "mass_update": (
        _SubjectSource(MassUpdate, "tenant", "operation_id", "description", "", "created_by"),
        _SubjectSource(VitamBatch, "mass_update__tenant", "operation_id", "mass_update__description", "",
                       "mass_update__created_by", pk="mass_update")),
    "publication": (_SubjectSource(TreePublication, "draft__tenant", "operation_id", "draft__title", "draft__kind",
                                   "started_by"),),
    "proof": (_SubjectSource(ProofRequest, "tenant", "operation_id", "unit_title", "usage", "requested_by"),),
    "communication": (_SubjectSource(CommunicationPart, "communication__tenant", "operation_id",
                                     "communication__title", "communication__requester_name",
                                     "communication__created_by", pk="communication"),),
    "transfer": (_SubjectSource(Transfer, "tenant", "operation_id", "reference", "archival_agency", "created_by"),),
    "transfer_regularisation": (_SubjectSource(Transfer, "tenant", "regularisation_operation_id", "reference",
                                               "archival_agency", "created_by"),),
    "transfer_reply": (_SubjectSource(Transfer, "tenant", "reply_operation_id", "reference", "archival_agency",
                                      "created_by"),),
    "published_change": (_SubjectSource(PublishedChange, "tenant", "operation_id", "label", "kind", "created_by"),),
}
# Which of those each kind of Vitam operation (its evTypeProc) can be about: a page of the journal looks only
# where its operations can be found. A process missing here is looked for everywhere.
SUBJECT_KINDS_BY_PROCESS = {
    "INGEST": ("deposit", "publication"),
    "MASTERDATA": ("import",),
    "ELIMINATION": ("analysis", "elimination", "published_change"),
    "MASS_UPDATE": ("mass_update", "published_change"),
    "UPDATE": ("mass_update", "published_change"),
    "AUDIT": ("proof",),
    "EXPORT_PROBATIVE_VALUE": ("proof",),
    "EXPORT_DIP": ("communication",),
    "ARCHIVE_TRANSFER": ("transfer", "transfer_regularisation"),
    "TRANSFER_REPLY": ("transfer_reply",),
    "RECLASSIFICATION": ("published_change",),
    "TRACEABILITY": (),
    "INTERNAL_OPERATING_OP": (),
}


def operation_subjects(tenant, operation_ids, processes=None) -> dict[str, dict]:
    """What each Vitam operation is about in SAM (the deposit, the rule import, the elimination proposal, the mass
    update, the publication of a tree, the communication, the transfer, the change of published units...) and
    who asked for it, by operation id: one UNION query for a page of the journal, over the kinds of records the
    page's `processes` (the operations' evTypeProc; None: every kind) can be about."""
    ids = [i for i in operation_ids if i]
    if processes is None or not set(processes) <= SUBJECT_KINDS_BY_PROCESS.keys():
        kinds = list(_SUBJECT_SOURCES)
    else:
        kinds = [kind for kind in _SUBJECT_SOURCES
                 if any(kind in SUBJECT_KINDS_BY_PROCESS[process] for process in processes)]
    if not ids or not kinds:
        return {}
    branches = [source.rows(kind, tenant, ids) for kind in kinds for source in _SUBJECT_SOURCES[kind]]
    rows = branches[0].union(*branches[1:], all=True)
    subjects = {}
    for row in rows:
        person = " ".join(p for p in (row["person_first"], row["person_last"]) if p) or row["person_login"] or ""
        detail = row["subject_detail"]
        if row["subject_kind"] == "publication":  # the kind of tree, as archivists name it
            detail = TreeKind(detail).label if detail in TreeKind.values else detail
        elif row["subject_kind"] == "published_change":
            detail = PublishedChange.Kind(detail).label if detail in PublishedChange.Kind.values else detail
        subjects.setdefault(row["subject_operation"], {
            "kind": row["subject_kind"], "pk": row["subject_pk"], "title": row["subject_title"],
            "detail": detail, "person": person})
    return subjects


def get_operation(tenant, operation_id: str, *, user) -> dict:
    try:
        operation = client_for(tenant, user=user).get_operation(operation_id)
    except VitamNotFound:
        raise Http404("No such operation") from None
    decorated = decorate_operation(operation)
    decorated["subject"] = operation_subjects(tenant, [decorated["id"]],
                                             processes={decorated.get("evTypeProc") or ""}).get(decorated["id"])
    decorated["event_rows"] = [_event(event) for event in operation.get("events") or []]
    return decorated


# --- registre des fonds ----------------------------------------------------------------------------


def register_summary(tenant, *, user) -> list[dict]:
    response = client_for(tenant, user=user).search_accession_registers(
        SelectSingle().order_by("OriginatingAgency").limit(1000))
    return response.results


def register_details(tenant, agency: str, *, user, page: int = 1) -> SearchPage:
    query = (SelectSingle().where(eq("OriginatingAgency", agency)).order_by("EndDate", desc=True)
             .offset((page - 1) * OPERATIONS_PER_PAGE).limit(OPERATIONS_PER_PAGE))
    response = client_for(tenant, user=user).accession_register_details(query)
    return SearchPage(results=response.results, total=response.total, page=page, per_page=OPERATIONS_PER_PAGE)


def agency_names(tenant) -> dict[str, str]:
    return dict(agencies_for(tenant))



# --- editing a unit's description -------------------------------------------------------------------


def editable_rules(tenant) -> list[dict]:
    """The rules an archivist may pick for a unit (RuleId, RuleType, RuleValue), from the tenant's referential."""
    client = vitam_client(tenant, contract=ADMIN)
    query = SelectSingle().limit(10_000).fields("RuleId", "RuleType", "RuleValue").order_by("RuleValue")
    return [rule for rule in client.search_rules(query).results if rule.get("RuleId")]


def keywords_of(unit: dict) -> list[str]:
    return [str(keyword.get("KeywordContent", "")).strip() for keyword in unit.get("Keyword") or []
            if isinstance(keyword, dict) and str(keyword.get("KeywordContent", "")).strip()]


def own_rules_of(unit: dict) -> dict[str, list[tuple[str, str]]]:
    """{category: [(rule, start date)]} the unit carries itself (#management), in the form's terms."""
    rules = {}
    for category, content in (unit.get("#management") or {}).items():
        if category in RULE_CATEGORIES and isinstance(content, dict) and content.get("Rules"):
            rules[category] = [(rule.get("Rule", ""), (rule.get("StartDate") or "")[:10]) for rule in content["Rules"]]
    return rules


def editable_values(unit: dict) -> dict:
    """The unit's values as the edit form shows and compares them (dates as YYYY-MM-DD, empty when absent)."""
    management = unit.get("#management") or {}
    return {
        "title": unit.get("Title") or "",
        "description": unit.get("Description") or "",
        "level": unit.get("DescriptionLevel") or "",
        "start_date": (unit.get("StartDate") or "")[:10],
        "end_date": (unit.get("EndDate") or "")[:10],
        "keywords": keywords_of(unit),
        "appraisal_final_action": (management.get("AppraisalRule") or {}).get("FinalAction") or "",
        "storage_final_action": (management.get("StorageRule") or {}).get("FinalAction") or "",
        "rules": own_rules_of(unit),
    }


# What the edit form's values are called on screen, in the form's order.
EDIT_LABELS = {
    "title": _("Title"), "description": _("Description"), "level": _("Description level"),
    "start_date": _("Start date"), "end_date": _("End date"), "keywords": _("Keywords"),
    "rules": _("Management rules"), "appraisal_final_action": _("Final action of the appraisal rules (DUA)"),
    "storage_final_action": _("Final action of the storage rules"),
}


def edit_texts(values: dict, rule_labels: dict[str, str]) -> dict[str, str]:
    """Each edit value as an archivist reads it (labels, never codes alone), to compare two versions."""
    rules = "; ".join(
        f"{RULE_CATEGORIES.get(category, category)}\u00a0: {rule_labels.get(rule_id) or rule_id} ({rule_id})"
        + (f" — {start}" if start else "")
        for category, lines in values["rules"].items() for rule_id, start in lines)
    return {
        "title": values["title"], "description": values["description"],
        "level": DESCRIPTION_LEVELS.get(values["level"], values["level"]),
        "start_date": values["start_date"], "end_date": values["end_date"],
        "keywords": ", ".join(values["keywords"]), "rules": rules,
        "appraisal_final_action": FINAL_ACTIONS.get(values["appraisal_final_action"], values["appraisal_final_action"]),
        "storage_final_action": FINAL_ACTIONS.get(values["storage_final_action"], values["storage_final_action"]),
    }
