"""{% load elimination_tags %}{% notifications_badge %}: a link to the notifications with the unread count
(for the header; one COUNT query on an indexed column)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sam.elimination import display
from sam.elimination.forms import CriteriaForm
from sam.elimination.selectors import unread_notification_count

register = template.Library()


@register.simple_tag(takes_context=True)
def notifications_badge(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    count = unread_notification_count(user)
    url = reverse("elimination:notification_list")
    if not count:
        return format_html('<a class="notifications-link" href="{}">{}</a>', url, _("Notifications"))
    label = ngettext("%(count)s unread notification", "%(count)s unread notifications", count) % {"count": count}
    return format_html('<a class="notifications-link" href="{}">{} <span class="badge badge-info" '
                       'aria-label="{}">{}</span></a>', url, _("Notifications"), label, count)


@register.filter
def criteria_lines(criteria):
    """A selection's criteria as “label: value” lines, labels of the criteria form (no field names on screen)."""
    fields = CriteriaForm.base_fields
    lines = []
    for key, value in (criteria or {}).items():
        if value in (None, "", [], {}) or key == "conditions" or key.endswith("_label"):
            continue  # a selection's query: its name says it; labels stand for their identifier below
        if key == "selection":
            lines.append(_("Selection: %(name)s") % {"name": value})
            continue
        label = fields[key].label if key in fields else key
        text = ", ".join(str(item) for item in value) if isinstance(value, (list, tuple)) else str(value)
        text = criteria.get(f"{key}_label") or text
        lines.append(f"{label} : {text}")
    return lines


@register.filter
def with_rule_names(rule_ids, names):
    return display.rules_with_names(rule_ids, names)


@register.filter
def group_by_folder(units, grouped=True):
    """A page of units as [{"path": folder, "units": [...]}]: consecutive units of one folder together (the page
    is ordered by folder when grouped); one group holding the whole page otherwise."""
    if not grouped:
        return [{"path": "", "units": list(units)}]
    groups = []
    for unit in units:
        if not groups or groups[-1]["parent_id"] != unit.parent_id:
            groups.append({"path": unit.parent_path, "parent_id": unit.parent_id, "units": []})
        groups[-1]["units"].append(unit)
    return groups


@register.filter
def label_of(labels, code):
    return display.codes_label(labels, code)
