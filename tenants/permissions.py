"""SAM's one permission policy. The only module that calls django-guardian.

Rules:
- permissions are object permissions on Organisation, granted only to the guardian group of a
  (organisation, role) pair (RoleGroup) — never to users directly, never globally;
- every guardian lookup passes ``accept_global_perms=False`` and ``with_superuser=False``:
  a model-level permission held by accident must never open every commune;
- platform administrators (``User.is_platform_admin``) are an explicit branch, not a role;
- deactivated users see nothing; deactivated organisations are visible to platform admins only;
- "missing" and "forbidden" look the same (Http404) to the caller.
"""

from functools import partial

from django.db.models import F
from django.http import Http404
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm
from rest_framework import filters as drf_filters
from rest_framework import permissions as drf_permissions

from tenants.models import Organisation, OrganisationGroupObjectPermission, Role, RoleGroup, Tenant, User

# Every codename guarded on Organisation (Organisation.Meta.permissions + the default ones we keep).
ORGANISATION_PERMS = (
    "view_organisation",
    "change_organisation",
    "manage_users",
    "manage_referentials",
    "deposit",
    "search",
    "eliminate",
    "give_visa",
    "consult_communicable",
    "view_audit",
)

# What each role grants on its own organisation.
ROLE_PERMS = {
    Role.REFERENT: (
        "view_organisation", "manage_users", "manage_referentials", "deposit", "search", "eliminate",
        "view_audit",
    ),
    Role.ARCHIVIST: ("view_organisation", "manage_referentials", "deposit", "search", "eliminate"),
    Role.CONTROLLER: ("view_organisation",),
    Role.RESEARCHER: ("view_organisation", "consult_communicable"),
}
# What the controller group of departmental archives holds on each organisation they control.
CONTROLLER_PERMS_ON_CONTROLLED = ("give_visa",)

# Navigation flags of the context processor -> the permission behind each (on the current organisation).
NAV_PERMS = {
    "can_manage_users": "manage_users",
    "can_view_audit": "view_audit",
    "can_manage_referentials": "manage_referentials",
    "can_deposit": "deposit",
    "can_search": "search",
    "can_eliminate": "eliminate",
    "can_give_visa": "give_visa",
    "can_consult": "consult_communicable",
}

_objects_for_user = partial(get_objects_for_user, accept_global_perms=False, with_superuser=False)


def _codename(perm: str) -> str:
    codename = perm.split(".", 1)[1] if "." in perm else perm
    if codename not in ORGANISATION_PERMS:
        raise ValueError(f"Unknown organisation permission: {perm!r}")
    return codename


def is_platform_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_platform_admin)


def _is_usable(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


# --- checks -----------------------------------------------------------------------------------


def can(user, perm: str, organisation: Organisation) -> bool:
    """May ``user`` do ``perm`` on ``organisation``? Answered from the grants the request already read when
    the user comes from a request (checker_for), else one query per call: use a checker for lists."""
    checker = request_checker_of(user)
    if checker is not None:
        return checker.has_perm(perm, organisation)
    codename = _codename(perm)
    if not _is_usable(user) or organisation is None:
        return False
    if user.is_platform_admin:
        return True
    if not organisation.is_active:
        return False
    return codename in ObjectPermissionChecker(user).get_group_perms(organisation)


class PermissionChecker:
    """Request-scoped checker: every grant the user holds, read in one query on first use.

    Use it wherever a page checks permissions on several organisations (navigation, lists, the
    context switcher): one query whatever the number of organisations and checks. It reads the
    grants of the user's role groups only (SAM never grants to users directly nor globally), so
    Guardian's superuser flag and model-level permissions open nothing here.
    """

    def __init__(self, user):
        self.user = user
        self._grants = None  # organisation pk -> codenames held on it (active organisations only)
        self._organisations = None  # organisation pk -> Organisation

    def _load(self):
        if self._grants is None:
            self._grants, self._organisations = {}, {}
            if _is_usable(self.user) and not self.user.is_platform_admin:
                # Read from the organisations' side: one model instance per grant instead of two.
                rows = (Organisation.objects
                        .filter(is_active=True, organisationgroupobjectpermission__group__user=self.user)
                        .annotate(codename=F("organisationgroupobjectpermission__permission__codename")))
                for organisation in rows:
                    self._organisations.setdefault(organisation.pk, organisation)
                    self._grants.setdefault(organisation.pk, set()).add(organisation.codename)
        return self._grants

    def prefetch(self, organisations):
        """Loads the grants now (they cover every organisation); returns ``organisations`` as a list."""
        self._load()
        return list(organisations)

    def usable_organisations(self) -> list[Organisation]:
        """Active organisations where the user holds any permission, by name (not for platform admins)."""
        self._load()
        return sorted(self._organisations.values(), key=lambda organisation: organisation.name)

    def has_perm(self, perm: str, organisation: Organisation) -> bool:
        codename = _codename(perm)
        if not _is_usable(self.user) or organisation is None:
            return False
        if is_platform_admin(self.user):
            return True
        if not organisation.is_active:
            return False
        return codename in self._load().get(organisation.pk, ())


def checker_for(request) -> PermissionChecker:
    """The request's one checker (created on first use). The request's user carries it too, so that the
    selectors handed only the user (access_contract_for) read the same grants instead of querying again."""
    checker = getattr(request, "_sam_permission_checker", None)
    if checker is None or checker.user is not request.user:
        checker = PermissionChecker(request.user)
        request._sam_permission_checker = checker
        request.user._sam_permission_checker = checker
    return checker


def request_checker_of(user) -> PermissionChecker | None:
    """The checker of the request this user object was loaded for (checker_for), if any."""
    checker = getattr(user, "_sam_permission_checker", None)
    return checker if checker is not None and checker.user is user else None


# --- scoped querysets -------------------------------------------------------------------------


def organisations_for(user, perm: str):
    """Organisations on which ``user`` holds ``perm`` (all of them for platform admins)."""
    codename = _codename(perm)
    if not _is_usable(user):
        return Organisation.objects.none()
    if user.is_platform_admin:
        return Organisation.objects.all()
    return _objects_for_user(user, f"tenants.{codename}", klass=Organisation.objects.filter(is_active=True))


def usable_organisations(user):
    """Organisations where ``user`` holds any permission at all: the context switcher's choices."""
    if not _is_usable(user):
        return Organisation.objects.none()
    if user.is_platform_admin:
        return Organisation.objects.filter(is_active=True)
    return _objects_for_user(
        user, [f"tenants.{c}" for c in ORGANISATION_PERMS], klass=Organisation.objects.filter(is_active=True),
        any_perm=True,
    )


def tenants_for(user, perm: str):
    """Tenants of the organisations on which ``user`` holds ``perm`` (active tenants unless admin)."""
    if is_platform_admin(user):
        return Tenant.objects.select_related("organisation")
    organisations = organisations_for(user, perm)
    return Tenant.objects.filter(organisation__in=organisations, is_active=True).select_related("organisation")


def organisation_get_for_user(user, pk, perm: str) -> Organisation:
    """The organisation ``pk`` if ``user`` holds ``perm`` on it; Http404 for missing and forbidden alike."""
    try:
        return organisations_for(user, perm).get(pk=int(pk))
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise Http404("No such organisation") from None


def tenant_get_for_user(user, pk, perm: str) -> Tenant:
    try:
        return tenants_for(user, perm).get(pk=int(pk))
    except (Tenant.DoesNotExist, ValueError, TypeError):
        raise Http404("No such tenant") from None


# --- the visa -----------------------------------------------------------------------------------
# The visa is the departmental archives' act: guardian's give_visa on the commune, which only their
# controller group receives (controller_grants_sync). Platform administrators, whose powers are
# technical, do not hold it: unlike the other permissions there is no platform-admin branch here.


def may_give_visa(user, organisation: Organisation) -> bool:
    if not _is_usable(user) or organisation is None or not organisation.is_active:
        return False
    checker = request_checker_of(user)
    if checker is not None and not user.is_platform_admin:  # the checker reads no grants of administrators
        return checker.has_perm("give_visa", organisation)
    return "give_visa" in ObjectPermissionChecker(user).get_group_perms(organisation)


def visa_organisations(user):
    """Organisations whose elimination proposals ``user`` may give the visa to."""
    if not _is_usable(user):
        return Organisation.objects.none()
    return _objects_for_user(user, "tenants.give_visa", klass=Organisation.objects.filter(is_active=True))


def visa_givers(organisation: Organisation):
    """Active users who may give the visa to this organisation's proposals (to notify them)."""
    groups = OrganisationGroupObjectPermission.objects.filter(
        content_object=organisation, permission__codename="give_visa").values("group")
    return User.objects.filter(is_active=True, groups__in=groups).distinct().order_by("username")


def require_platform_admin(user) -> None:
    """Platform screens: strangers get the same 404 as for a missing page."""
    if not is_platform_admin(user):
        raise Http404("Platform administration")


# --- grants (called by tenants.services only) ---------------------------------------------------


def role_group_sync(role_group: RoleGroup) -> None:
    """Gives the role's group exactly the role's permissions on its organisation."""
    wanted = set(ROLE_PERMS[role_group.role])
    held = set(ObjectPermissionChecker(role_group.group).get_group_perms(role_group.organisation))
    for codename in wanted - held:
        assign_perm(f"tenants.{codename}", role_group.group, role_group.organisation)
    for codename in held - wanted:
        remove_perm(f"tenants.{codename}", role_group.group, role_group.organisation)


def controller_grants_sync(controller_group: RoleGroup, controlled) -> None:
    """The controllers of departmental archives hold give_visa on exactly the organisations they control."""
    controlled_ids = {organisation.pk for organisation in controlled}
    current = OrganisationGroupObjectPermission.objects.filter(
        group=controller_group.group, permission__codename__in=CONTROLLER_PERMS_ON_CONTROLLED
    ).exclude(content_object=controller_group.organisation)
    current_ids = set(current.values_list("content_object_id", flat=True))
    for organisation in Organisation.objects.filter(pk__in=controlled_ids - current_ids):
        for codename in CONTROLLER_PERMS_ON_CONTROLLED:
            assign_perm(f"tenants.{codename}", controller_group.group, organisation)
    current.filter(content_object_id__in=current_ids - controlled_ids).delete()


# --- REST framework: the same policy --------------------------------------------------------------


class OrganisationPolicyPermission(drf_permissions.BasePermission):
    """Object access for the API.

    The view declares ``read_perm`` / ``write_perm`` (organisation codenames, or "platform_admin")
    and ``get_permission_organisations(obj)``. Objects the caller cannot read answer 404.
    """

    def has_permission(self, request, view):
        if not _is_usable(request.user):
            return False
        if request.method not in drf_permissions.SAFE_METHODS and getattr(view, "write_perm", None) == "platform_admin":
            return is_platform_admin(request.user)
        return True

    def has_object_permission(self, request, view, obj):
        organisations = view.get_permission_organisations(obj)
        read_perm = getattr(view, "read_perm", "view_organisation")
        if is_platform_admin(request.user):
            return True
        if read_perm == "platform_admin" or not any(can(request.user, read_perm, o) for o in organisations):
            raise Http404
        if request.method in drf_permissions.SAFE_METHODS:
            return True
        write_perm = getattr(view, "write_perm", read_perm)
        if write_perm == "platform_admin":
            return False
        return any(can(request.user, write_perm, o) for o in organisations)


class OrganisationScopeFilter(drf_filters.BaseFilterBackend):
    """Lists only what the caller may read: ``view.organisation_lookup`` names the path to the organisation."""

    def filter_queryset(self, request, queryset, view):
        read_perm = getattr(view, "read_perm", "view_organisation")
        if read_perm == "platform_admin":
            return queryset if is_platform_admin(request.user) else queryset.none()
        if is_platform_admin(request.user):
            return queryset
        lookup = view.organisation_lookup
        key = f"{lookup}__in" if lookup else "pk__in"
        return queryset.filter(**{key: organisations_for(request.user, read_perm)}).distinct()
