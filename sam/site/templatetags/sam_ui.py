"""Template helpers of the SAM theme: accessible field rendering and small formatting filters."""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sam.lib import display, form_fields, vitam_messages
from sam.elimination.selectors import unread_notification_count
from sam.vitam.types import HITS_TOTAL_CAP

register = template.Library()

register.filter("field_kind", form_fields.field_kind)
register.filter("described_widget", form_fields.described_widget)


@register.filter
def vitam_message(code):
    """Vitam's French text for a detailed code (outDetail, evType); the code itself when the catalogue lacks it."""
    return vitam_messages.describe(code)


@register.filter
def human_size(size):
    """A size in bytes as sam.lib.display writes it everywhere (1,5 Ko)."""
    return display.human_size(size)


@register.filter
def minutes(delta):
    """A timedelta as a French/English count of minutes ("15 minutes"), rounded up."""
    if delta is None:
        return ""
    total = int(delta.total_seconds() + 59) // 60
    return ngettext("%(count)d minute", "%(count)d minutes", total) % {"count": total}


@register.filter
def in_section(path, url):
    """True when the current path is the page `url` or below it (the home page matches itself only)."""
    if not url:
        return False
    if url == "/":
        return path == "/"
    return path == url or path.startswith(url.rstrip("/") + "/")


# The main menu: (group label or None for top-level entries, entries). An entry is
# (label, URL names tried in order, scope of the URL arguments, nav flags of which one suffices).
# A screen appears as soon as one of its URL names exists, for the users one of its flags allows.
MAIN_MENU = [
    (_("Archives"), [
        (_("Deposits"), ["deposits:deposit_list", "deposits:index"], "tenant", ["can_deposit"]),
        (_("Search"), ["consultation:search", "consultation:index"], "tenant", ["can_search"]),
        (_("My selections"), ["selection:list"], "tenant", ["can_search"]),
        (_("Journal of operations"), ["consultation:operation_list"], "tenant", ["can_search"]),
        (_("Holdings register"), ["consultation:register"], "tenant", ["can_search"]),
        (_("Eliminations"), ["elimination:proposal_list", "elimination:index"], "tenant", ["can_eliminate"]),
        (_("Mass updates of rules"), ["elimination:mass_update_list"], "tenant", ["can_eliminate"]),
        (_("Transfers"), ["transfers:list"], "tenant", ["can_eliminate"]),
    ]),
    (_("Referentials"), [
        (_("Management rules"), ["referentials:rule_list", "referentials:index"], "tenant", ["can_manage_referentials"]),
        (_("Services (agencies)"), ["referentials:agency_list"], "tenant", ["can_manage_referentials"]),
        (_("Ingest contracts"), ["contracts:ingest_contract_list"], "tenant", ["can_manage_referentials"]),
        (_("Access contracts"), ["contracts:access_contract_list"], "tenant", ["can_manage_referentials"]),
        (_("Archival profiles"), ["contracts:profile_list"], "tenant", ["can_manage_referentials"]),
        (_("Filing trees"), ["trees:tree_browser", "trees:index"], "tenant", ["can_manage_referentials"]),
    ]),
    (None, [
        (_("Elimination visas"), ["elimination:visa_list"], None, ["can_give_visa"]),
        (_("Researchers' portal"), ["consultation:researcher_home"], None, ["can_consult"]),
    ]),
    (_("Administration"), [
        (_("Organisations"), ["tenants:organisation_list"], None, ["is_platform_admin"]),
        (_("Common nomenclature"), ["referentials:nomenclature_list"], None, ["is_platform_admin"]),
        (_("Users"), ["tenants:user_list"], "organisation", ["can_manage_users"]),
        (_("Connectors"), ["connectors:connector_list"], "organisation", ["can_manage_users"]),
        (_("Audit trail"), ["tenants:audit_list"], None, ["can_view_audit", "is_platform_admin"]),
    ]),
]


def _first_url(names, args):
    for name in names:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return None


@register.simple_tag(takes_context=True)
def main_menu(context):
    """The menu groups the user may see: [{"label", "items": [{"label", "url", "current"}], "current"}]."""
    request = context.get("request")
    path = getattr(request, "path", "")
    nav = context.get("nav") or {}
    scopes = {"tenant": context.get("current_tenant"), "organisation": context.get("current_organisation")}
    groups = []
    for group_label, entries in MAIN_MENU:
        items = []
        for label, names, scope, flags in entries:
            if not any(nav.get(flag) for flag in flags):
                continue
            if scope is not None and scopes[scope] is None:
                continue
            url = _first_url(names, [scopes[scope].pk] if scope else [])
            if url:
                items.append({"label": label, "url": url, "current": in_section(path, url)})
        if items:
            groups.append({"label": group_label, "items": items, "current": any(i["current"] for i in items)})
    return groups


@register.simple_tag(takes_context=True)
def unread_notifications(context):
    """How many notifications (visa requests, decisions...) the user has not read; None without their page."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return None
    try:
        reverse("elimination:notification_list")
    except NoReverseMatch:  # a URLconf without the elimination pages (error pages' tests)
        return None
    return unread_notification_count(user)


@register.filter
def vitam_total(total):
    """A count Vitam answered: "au moins 10 000" once Vitam stopped counting (it caps $hits.total at 10,000),
    the number itself otherwise; both with the thousands separator of the language."""
    try:
        number = int(total)
    except (TypeError, ValueError):
        return total
    shown = number_format(min(number, HITS_TOTAL_CAP), force_grouping=True)
    return _("at least %(count)s") % {"count": shown} if number >= HITS_TOTAL_CAP else shown
