"""Writes of selections: the user's working selection filled from search results and unit pages, kept under a
name, emptied; actions on a selection hand its Vitam query to the services that already do the work (mass rule
updates and elimination proposals of sam.elimination, CSV export of sam.consultation)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from sam.consultation.seda_labels import level_label
from sam.consultation.services import search_parameters
from sam.elimination import services as elimination_services
from sam.selection import selectors
from sam.selection.models import Selection, SelectionEntry
from tenants.audit import audit_record

UNIT_ID = re.compile(r"[A-Za-z0-9_.\-]{1,100}")
MAX_UNITS_PER_ADD = 1000  # ticked on one page at most (per_page ≤ 100); more is a whole search


def selection_working(*, user, tenant) -> Selection:
    """The user's working selection on the tenant, created on first use."""
    selection = selectors.working_selection(user, tenant)
    if selection is not None:
        return selection
    try:
        with transaction.atomic():
            return Selection.objects.create(user=user, tenant=tenant, organisation=tenant.organisation)
    except IntegrityError:  # created meanwhile by another request of the same user
        return selectors.working_selection(user, tenant)


def _touch(selection: Selection) -> None:
    selection.save(update_fields=["updated_at"])


def selection_units_add(*, selection: Selection, units, with_descendants: bool = False) -> int:
    """Add units (id → title); a unit already there takes the new “with the units below” choice. Returns how
    many entries were added or changed."""
    units = dict(units)
    bad = [unit_id for unit_id in units if not UNIT_ID.fullmatch(str(unit_id))]
    if bad:
        raise ValidationError(_("“%(value)s” is not an archive unit identifier.") % {"value": str(bad[0])[:100]})
    if len(units) > MAX_UNITS_PER_ADD:
        raise ValidationError(_("At most %(max)s units at a time: select all the results of the search instead.")
                              % {"max": MAX_UNITS_PER_ADD})
    with transaction.atomic():
        existing = {entry.unit_id: entry for entry in selection.entries.filter(
            kind=SelectionEntry.Kind.UNIT, unit_id__in=list(units))}
        changed = [entry for entry in existing.values() if entry.with_descendants != with_descendants]
        for entry in changed:
            entry.with_descendants = with_descendants
        SelectionEntry.objects.bulk_update(changed, ["with_descendants"])
        SelectionEntry.objects.bulk_create([
            SelectionEntry(selection=selection, kind=SelectionEntry.Kind.UNIT, unit_id=unit_id,
                           label=str(title or "")[:500], with_descendants=with_descendants)
            for unit_id, title in units.items() if unit_id not in existing])
        _touch(selection)
    return len(units) - len(existing) + len(changed)


def selection_search_add(*, selection: Selection, query_dict, label: str = "") -> SelectionEntry:
    """Add every result of a search: its parameters are kept (not its ids), so it scales past any page."""
    parameters = {name: str(value)[:300] for name, value in search_parameters(query_dict).items()
                  if name not in ("sort", "per_page", "page")}
    if not selectors.search_conditions(parameters):
        # Every unit of the tenant: no action on a selection may sweep the whole tenant (mass updates refuse it).
        raise ValidationError(_("Give at least one search criterion before selecting all its results."))
    with transaction.atomic():
        entry = selection.entries.filter(kind=SelectionEntry.Kind.SEARCH, parameters=parameters).first()
        if entry is None:
            entry = SelectionEntry.objects.create(selection=selection, kind=SelectionEntry.Kind.SEARCH,
                                                  parameters=parameters, label=label[:500])
        _touch(selection)
    return entry


def selection_entries_remove(*, selection: Selection, entry_ids) -> int:
    ids = [int(value) for value in entry_ids if str(value).isdigit()]
    with transaction.atomic():
        removed, _detail = selection.entries.filter(pk__in=ids).delete()
        _touch(selection)
    return removed


def selection_clear(*, selection: Selection) -> None:
    with transaction.atomic():
        selection.entries.all().delete()
        _touch(selection)


def selection_keep(*, actor, selection: Selection, name: str, request=None) -> Selection:
    """Keep the selection under a name (the user's next ticks start a new working selection)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the selection a name.")})
    if len(name) > 200:
        raise ValidationError({"name": _("The name is limited to 200 characters.")})
    if selectors.kept_selections(selection.user, selection.tenant).filter(name=name).exclude(pk=selection.pk).exists():
        raise ValidationError({"name": _("You already keep a selection named “%(name)s”.") % {"name": name}})
    with transaction.atomic():
        before = {"name": selection.name, "kept": selection.kept}
        selection.name, selection.kept = name, True
        selection.save(update_fields=["name", "kept", "updated_at"])
        audit_record(actor=actor, action="selection.keep", organisation=selection.organisation,
                     tenant=selection.tenant, target=selection, before=before, after={"name": name, "kept": True},
                     request=request)
    return selection


def selection_delete(*, actor, selection: Selection, request=None) -> None:
    with transaction.atomic():
        audit_record(actor=actor, action="selection.delete", organisation=selection.organisation,
                     tenant=selection.tenant, target=selection, before={"name": selection.name}, request=request)
        selection.delete()


def selection_criteria(selection: Selection) -> dict:
    """The criteria the elimination and export services take for a selection: its one DSL condition, and its
    name for the pages and the audit trail. Refused when the selection is empty."""
    condition = selectors.selection_condition(selection)
    if condition is None:
        raise ValidationError(_("The selection is empty: tick units in the search results first."))
    return {"selection": str(selection), "conditions": [condition]}


def selection_analysis_start(*, actor, selection: Selection, title: str, mode: str, date, confirmed: bool,
                             request=None):
    """An elimination analysis of the selection (a proposal in the visa workflow); above the threshold of the
    mass actions the archivist confirms first, having seen Vitam's count."""
    criteria = selection_criteria(selection)
    count = selectors.selection_count(selection, user=actor)
    threshold = elimination_services._threshold()
    if count > threshold and not confirmed:
        raise ValidationError(_("The selection holds %(count)s units, more than %(threshold)s: tick the "
                                "confirmation to go on.") % {"count": count, "threshold": threshold})
    return elimination_services.analysis_start(actor=actor, tenant=selection.tenant, title=title, mode=mode,
                                               criteria=criteria, date=date, request=request)


def java_replacement(text: str) -> str:
    """A literal text as the replacement of Vitam's $setregex (Java's Matcher: `\\` and `$` are special)."""
    return text.replace("\\", "\\\\").replace("$", "\\$")


def description_actions_for(change: dict) -> tuple[list[dict], str]:
    """Vitam's MASS_UPDATE $action list for the form's change, and its description in French."""
    action = change["action"]
    if action == "set_description":
        return [{"$set": {"Description": change["description"]}}], _("Set the description to “%(text)s”") % {
            "text": Truncator(change["description"]).chars(80)}
    if action == "clear_description":
        return [{"$unset": ["Description"]}], _("Clear the description")
    if action == "replace_text":
        # The archivist gives a literal text: escaped for Vitam's (Java) regular expression and replacement.
        actions = [{"$setregex": {"$target": change["target"], "$controlPattern": re.escape(change["search_text"]),
                                  "$updatePattern": java_replacement(change["replacement"])}}]
        where = _("titles") if change["target"] == "Title" else _("descriptions")
        if not change["replacement"]:
            return actions, _("Remove “%(old)s” from the %(where)s") % {
                "old": change["search_text"], "where": where}
        return actions, _("Replace “%(old)s” by “%(new)s” in the %(where)s") % {
            "old": change["search_text"], "new": change["replacement"], "where": where}
    if action in ("add_keyword", "remove_keyword"):
        # No $action: Vitam's mass update has no array action, the run groups the units by their keywords.
        if action == "add_keyword":
            return [], _("Add the keyword “%(keyword)s”") % {"keyword": change["keyword"]}
        return [], _("Remove the keyword “%(keyword)s”") % {"keyword": change["keyword"]}
    if action == "set_level":
        return [{"$set": {"DescriptionLevel": change["level"]}}], _("Set the description level to %(level)s") % {
            "level": level_label(change["level"])}
    if action == "set_dates":
        dates = {name: change[key].isoformat() for name, key in (("StartDate", "start_date"), ("EndDate", "end_date"))
                 if change.get(key)}
        shown = " – ".join(formats.date_format(change[key], "SHORT_DATE_FORMAT")
                           for key in ("start_date", "end_date") if change.get(key))
        return [{"$set": dates}], _("Set the dates to %(dates)s") % {"dates": shown}
    raise ValidationError(_("Unknown change."))


def selection_description_update_start(*, actor, selection: Selection, change: dict, expected_count: int,
                                       confirmed: bool, request=None):
    """A change of descriptive metadata on every unit of the selection, sent in the background."""
    actions, description = description_actions_for(change)
    return elimination_services.description_update_start(
        actor=actor, tenant=selection.tenant, criteria=selection_criteria(selection), actions=actions,
        description=description, expected_count=expected_count, confirmed=confirmed,
        keyword_change=keyword_change_for(change), request=request)


def keyword_change_for(change: dict) -> dict | None:
    """The keyword added or removed, as SEDA writes it (its type only when one is chosen)."""
    if change["action"] not in ("add_keyword", "remove_keyword"):
        return None
    keyword = {"KeywordContent": change["keyword"]}
    if change.get("keyword_type"):
        keyword["KeywordType"] = change["keyword_type"]
    return {"op": "add" if change["action"] == "add_keyword" else "remove", "keyword": keyword}
