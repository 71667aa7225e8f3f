"""Template helpers of the SAM theme: accessible field rendering and small formatting filters."""

from functools import lru_cache

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.formats import number_format
from django.utils.translation import get_language
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


@lru_cache(maxsize=1024)
def _menu_entries(flags: frozenset, tenant_pk, organisation_pk, language, urlconf) -> tuple:
    """((group label or None, ((label, url), ...)), ...): what the menu holds depends on these arguments only,
    so its URLs are reversed and its labels translated once per process and combination."""
    scopes = {"tenant": tenant_pk, "organisation": organisation_pk}
    groups = []
    for group_label, entries in MAIN_MENU:
        items = []
        for label, names, scope, needed in entries:
            if flags.isdisjoint(needed) or (scope is not None and scopes[scope] is None):
                continue
            url = _first_url(names, [scopes[scope]] if scope else [])
            if url:
                items.append((str(label), url))
        if items:
            groups.append((str(group_label) if group_label else None, tuple(items)))
    return tuple(groups)


@register.simple_tag(takes_context=True)
def main_menu(context):
    """The menu the user may see: {"home_url", "home_current", "groups": [{"label", "items": [{"label", "url",
    "current"}], "current"}], "key"}. `key` names everything the menu's HTML depends on (the nav flags, the
    working context, the language, the current entries): components/main_nav.html is cached under it."""
    request = context.get("request")
    path = getattr(request, "path", "")
    nav = context.get("nav") or {}
    tenant, organisation = context.get("current_tenant"), context.get("current_organisation")
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    flags = frozenset(flag for flag, allowed in nav.items() if allowed)
    entries = _menu_entries(flags, tenant.pk if tenant else None, organisation.pk if organisation else None,
                            get_language(), urlconf)
    home_url = reverse("home")
    groups, current_urls = [], [home_url] if in_section(path, home_url) else []
    for label, items in entries:
        shown = [{"label": item_label, "url": url, "current": in_section(path, url)} for item_label, url in items]
        current_urls += [item["url"] for item in shown if item["current"]]
        groups.append({"label": label, "items": shown, "current": any(item["current"] for item in shown)})
    key = (sorted(flags), tenant.pk if tenant else None, organisation.pk if organisation else None, get_language(),
           get_script_prefix(), str(urlconf), current_urls)
    return {"home_url": home_url, "home_current": bool(current_urls and current_urls[0] == home_url),
            "groups": groups, "key": repr(key)}


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
    return display.vitam_total(total)
