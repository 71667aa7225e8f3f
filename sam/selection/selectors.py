"""Reads of selections: the user's own selections only, and what a selection stands for in Vitam's DSL.

A selection resolves to ONE query condition: explicit units by `$in` on `#id` (with what lies below them through
`#allunitups`, which Vitam indexes for every unit), each whole search by its own criteria. Vitam counts and pages
it, so a selection of a whole search scales past any page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext as _

from sam.consultation import selectors as consultation_selectors
from sam.consultation.forms import SearchForm
from sam.consultation.seda_labels import level_label
from sam.selection.models import Selection, SelectionEntry
from sam.vitam.dsl import MAX_RESULT_WINDOW, Select, and_, exists, in_, match_phrase, or_
from tenants.permissions import is_platform_admin, tenant_get_for_user

SELECT = "search"  # archivists and referents: researchers hold consult_communicable only
PER_PAGE = 25
EXAMPLES_READ = 50  # units read to find the examples of a replacement (full-text matches the text loosely)
PAGE_FIELDS = ("#id", "Title", "DescriptionLevel", "StartDate", "EndDate", "#originating_agency")


def selection_tenant_for_user(user, tenant_pk):
    return tenant_get_for_user(user, tenant_pk, SELECT)


def selection_get_for_user(user, tenant_pk, pk) -> Selection:
    """The user's own selection on a tenant they may search (a platform administrator, who reaches everything,
    any selection): 404 alike for missing and forbidden."""
    tenant = selection_tenant_for_user(user, tenant_pk)
    selections = Selection.objects.filter(pk=pk, tenant=tenant)
    if not is_platform_admin(user):
        selections = selections.filter(user=user)
    selection = selections.select_related("tenant").first()
    if selection is None:
        raise Http404("No such selection")
    return selection


def working_selection(user, tenant) -> Selection | None:
    return Selection.objects.filter(user=user, tenant=tenant, kept=False).first()


def kept_selections(user, tenant):
    return Selection.objects.filter(user=user, tenant=tenant, kept=True)


def search_criteria(parameters: dict) -> dict:
    """The criteria of a search page's parameters, read by the search form itself (same meaning as the page)."""
    form = SearchForm(parameters, agencies=())
    return form.criteria() if form.is_valid() else {}


def search_conditions(parameters: dict) -> list[dict]:
    """The conditions of a search page's parameters; none when it has no criterion."""
    criteria = search_criteria(parameters)
    conditions = consultation_selectors.unit_conditions(criteria)
    if criteria.get("node"):
        # The search page looks below the node ($roots); in one combined query that is #allunitups.
        conditions.append(in_("#allunitups", [criteria["node"]]))
    return conditions


def search_condition(parameters: dict) -> dict:
    conditions = search_conditions(parameters)
    if not conditions:
        # A search without criteria lists every unit of the tenant.
        return exists("#id")
    return conditions[0] if len(conditions) == 1 else and_(*conditions)


def selection_condition(selection: Selection) -> dict | None:
    """The one DSL condition of everything the selection holds; None when it is empty."""
    alone, with_below, parts = [], [], []
    for entry in selection.entries.all():
        if entry.kind == SelectionEntry.Kind.UNIT:
            (with_below if entry.with_descendants else alone).append(entry.unit_id)
        else:
            parts.append(search_condition(entry.parameters))
    if alone or with_below:
        parts.insert(0, in_("#id", alone + with_below))
    if with_below:
        parts.append(in_("#allunitups", with_below))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else or_(*parts)


def selection_query(selection: Selection) -> Select | None:
    condition = selection_condition(selection)
    return None if condition is None else Select().where(condition)


def selection_count(selection: Selection, *, user) -> int:
    """How many units the selection stands for now, counted by Vitam."""
    query = selection_query(selection)
    if query is None:
        return 0
    client = consultation_selectors.client_for(selection.tenant, user=user)
    return client.search_units(query.limit(1).fields("#id")).total


@dataclass
class SelectionPage:
    units: list
    total: int
    page: int
    per_page: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < min(self.total, MAX_RESULT_WINDOW)


def selection_units(selection: Selection, *, user, page: int = 1, per_page: int = PER_PAGE) -> SelectionPage:
    """One page of the units the selection stands for, paged by Vitam (within its result window)."""
    query = selection_query(selection)
    if query is None:
        return SelectionPage(units=[], total=0, page=1, per_page=per_page)
    page = max(1, min(page, MAX_RESULT_WINDOW // per_page))
    query = query.order_by("Title").fields(*PAGE_FIELDS).offset((page - 1) * per_page).limit(per_page)
    response = consultation_selectors.client_for(selection.tenant, user=user).search_units(query)
    names = dict(consultation_selectors.agencies_for(selection.tenant))  # the service producteur by its name
    units = [{"id": unit.get("#id", ""), "title": unit.get("Title", ""),
              "level": level_label(unit.get("DescriptionLevel", "")),
              "start": unit.get("StartDate", ""), "end": unit.get("EndDate", ""),
              "agency": names.get(unit.get("#originating_agency", "")) or unit.get("#originating_agency", "")}
             for unit in response.results]
    return SelectionPage(units=units, total=response.total, page=page, per_page=per_page)


def search_label(parameters: dict) -> str:
    """A whole search as the archivist reads it: “label: value” of each criterion, with the form's labels."""
    fields = SearchForm.base_fields
    parts = [f"{fields[name].label} : {value}" for name, value in parameters.items()
             if name in fields and name not in ("sort", "per_page", "page") and value]
    return " · ".join(parts) or str(_("Every archive unit"))


def replacement_examples(selection: Selection, *, user, target: str, text: str, replacement: str,
                         limit: int = 5) -> list[dict]:
    """Up to `limit` units of the selection whose title or description holds the text, read from Vitam, with
    the text before and after the replacement. Vitam's full-text phrase match finds them across the selection
    when the text is made of whole words; the first units of the selection are looked at too (a part of a word)."""
    condition = selection_condition(selection)
    if condition is None or not text:
        return []
    client = consultation_selectors.client_for(selection.tenant, user=user)
    examples = {}
    for where in (and_(condition, match_phrase(target, text)), condition):
        query = Select().where(where).fields("#id", "Title", target).limit(EXAMPLES_READ)
        for unit in client.search_units(query).results:
            before = unit.get(target)
            if isinstance(before, str) and text in before and len(examples) < limit:
                examples.setdefault(unit.get("#id", ""), {
                    "id": unit.get("#id", ""), "title": unit.get("Title", ""), "before": before,
                    "after": before.replace(text, replacement)})
    return list(examples.values())
