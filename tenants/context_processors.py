"""Template variables every page needs: the working context and what the navigation may show."""

from tenants.context import available_organisations, available_tenants, current_organisation, current_tenant
from tenants.permissions import NAV_PERMS, checker_for, is_platform_admin

_EMPTY_NAV = {"is_platform_admin": False, **{flag: False for flag in NAV_PERMS}}


def sam_context(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return {
            "current_organisation": None, "current_tenant": None,
            "available_organisations": [], "available_tenants": [], "nav": dict(_EMPTY_NAV),
        }
    organisations = available_organisations(request)
    organisation = current_organisation(request)
    checker = checker_for(request)  # already holds every organisation's permissions: no query per flag
    nav = {"is_platform_admin": is_platform_admin(user)}
    for flag, perm in NAV_PERMS.items():
        nav[flag] = organisation is not None and checker.has_perm(perm, organisation)
    # Visas are given on the controlled communes, not on the controller's own organisation.
    nav["can_give_visa"] = any(checker.has_perm("give_visa", o) for o in organisations)
    return {
        "current_organisation": organisation,
        "current_tenant": current_tenant(request),
        "available_organisations": organisations,
        "available_tenants": available_tenants(request),
        "nav": nav,
    }
