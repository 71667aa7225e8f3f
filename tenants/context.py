"""The organisation and tenant a user is working in, kept in the session.

Re-validated against the user's permissions on every request: a stale or forged session value
silently falls back to the first organisation/tenant the user may use.
"""

from django.http import Http404

from tenants.models import Organisation, Tenant
from tenants.permissions import checker_for, is_platform_admin

SESSION_ORGANISATION = "sam_organisation_id"
SESSION_TENANT = "sam_tenant_id"


def _cache(request):
    cache = getattr(request, "_sam_context", None)
    if cache is None or cache.get("user") is not request.user:
        cache = {"user": request.user}
        request._sam_context = cache
    return cache


def available_organisations(request) -> list[Organisation]:
    """Organisations the user may switch to (read with the request checker's one query on the grants)."""
    cache = _cache(request)
    if "organisations" not in cache:
        if is_platform_admin(request.user):
            cache["organisations"] = list(Organisation.objects.filter(is_active=True).order_by("name"))
        else:
            cache["organisations"] = checker_for(request).usable_organisations()
    return cache["organisations"]


def current_organisation(request) -> Organisation | None:
    cache = _cache(request)
    if "organisation" not in cache:
        organisations = available_organisations(request)
        wanted = request.session.get(SESSION_ORGANISATION) if hasattr(request, "session") else None
        chosen = next((o for o in organisations if o.pk == wanted), None)
        cache["organisation"] = chosen or (organisations[0] if organisations else None)
    return cache["organisation"]


def available_tenants(request) -> list[Tenant]:
    """Active tenants of the current organisation (every tenant of it for platform admins)."""
    cache = _cache(request)
    if "tenants" not in cache:
        organisation = current_organisation(request)
        if organisation is None:
            cache["tenants"] = []
        else:
            tenants = organisation.tenants.all()  # each tenant's .organisation is this one: no query to reach it
            if not is_platform_admin(request.user):
                tenants = tenants.filter(is_active=True)
            cache["tenants"] = list(tenants.order_by("vitam_id"))
    return cache["tenants"]


def current_tenant(request) -> Tenant | None:
    cache = _cache(request)
    if "tenant" not in cache:
        tenants = available_tenants(request)
        wanted = request.session.get(SESSION_TENANT) if hasattr(request, "session") else None
        chosen = next((t for t in tenants if t.pk == wanted), None)
        cache["tenant"] = chosen or (tenants[0] if tenants else None)
    return cache["tenant"]


def context_switch(request, *, organisation_id, tenant_id=None) -> bool:
    """Stores the chosen organisation (and tenant) if the user may use them; False otherwise."""
    try:
        organisation_id = int(organisation_id)
        tenant_id = int(tenant_id) if tenant_id not in (None, "") else None
    except (TypeError, ValueError):
        return False
    organisation = next((o for o in available_organisations(request) if o.pk == organisation_id), None)
    if organisation is None:
        return False
    request.session[SESSION_ORGANISATION] = organisation.pk
    request.session.pop(SESSION_TENANT, None)
    request._sam_context = None
    if tenant_id is not None:
        if not any(t.pk == tenant_id for t in available_tenants(request)):
            return False
        request.session[SESSION_TENANT] = tenant_id
        request._sam_context = None
    return True


def current_context_for(request, perm: str, *, tenant_required: bool = True) -> tuple[Organisation, Tenant | None]:
    """The current organisation and tenant, if the user holds ``perm`` on that organisation; Http404 otherwise.

    The one-line guard for screens that work "in the current context" (deposit, search...).
    """
    organisation = current_organisation(request)
    if organisation is None or not checker_for(request).has_perm(perm, organisation):
        raise Http404("Not allowed in the current organisation")
    tenant = current_tenant(request)
    if tenant_required and tenant is None:
        raise Http404("No active tenant in the current organisation")
    return organisation, tenant


def tenant_get_for_request(request, pk, perm: str) -> Tenant:
    """``tenant_get_for_user`` sharing the request's permission checker with the navigation.

    Same answer (Http404 for missing and forbidden alike) but the permissions come from the checker that
    the context processor fills anyway, instead of one more guardian queryset per page. A tenant of the current
    organisation comes from the navigation's list of tenants (no query of its own).
    """
    user = request.user
    try:
        pk = int(pk)
    except (ValueError, TypeError):
        raise Http404("No such tenant") from None
    tenant = next((t for t in available_tenants(request) if t.pk == pk), None)
    if tenant is None:
        try:
            tenant = Tenant.objects.select_related("organisation").get(pk=pk)
        except Tenant.DoesNotExist:
            raise Http404("No such tenant") from None
    if is_platform_admin(user):
        return tenant
    if not tenant.is_active or not checker_for(request).has_perm(perm, tenant.organisation):
        raise Http404("No such tenant")
    return tenant
