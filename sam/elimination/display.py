"""What the rows of an elimination proposal's review page show, computed once per row in Python instead of by a
URL reverse, a translation and several filters for every row of the template; the template filters of
elimination_tags use the same functions."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from sam.lib.display import human_size, row_urls


def codes_label(labels, code) -> str:
    """The label of a code ("Destroy" -> "Détruire"); several codes joined; "—" when empty."""
    codes = [part.strip() for part in str(code or "").split(",") if part.strip()]
    return ", ".join(str(labels.get(part, part)) for part in codes) or "—"


def rules_with_names(rule_ids, names):
    """"APP-PC, APP-X" (or a list of ids) as "Permis de construire APP-PC, …": the rule's name, its id discreetly."""
    ids = rule_ids if isinstance(rule_ids, (list, tuple)) else str(rule_ids or "").split(",")
    ids = [rule_id.strip() for rule_id in ids if rule_id and rule_id.strip()]
    if not ids:
        return "—"
    return format_html_join(", ", "{}", (
        (format_html('{} <span class="muted small">{}</span>', names[rule_id], rule_id) if (names or {}).get(rule_id)
         else rule_id,) for rule_id in ids))


def review_rows(units, *, tenant, agency_labels: dict, rule_names: dict, final_action_labels: dict) -> list:
    """The units of one page of the review with their row's link, labels and size, on the units themselves."""
    unit_url = row_urls("consultation:unit_detail", tenant.pk)
    rows = list(units)
    for unit in rows:
        unit.detail_url = unit_url(unit.unit_id)
        unit.agency_label = codes_label(agency_labels, unit.agency)
        unit.rules_label = rules_with_names(unit.rule_ids, rule_names)
        unit.final_action_label = codes_label(final_action_labels, unit.final_action)
        unit.size_label = human_size(unit.size)
        unit.select_label = _("Select %(title)s") % {"title": unit.title}
    return rows
