"""Reads, always scoped by what the caller may see."""

from django.db.models import Count, Q
from django.http import Http404

from tenants import permissions
from tenants.models import ApiToken, AuditEntry, Organisation, RoleGroup, User


def organisation_list(*, search: str = ""):
    organisations = Organisation.objects.annotate(tenant_count=Count("tenants", distinct=True))
    if search:
        organisations = organisations.filter(Q(name__icontains=search) | Q(code__icontains=search))
    return organisations.order_by("name")


def organisation_referents(*, organisation: Organisation):
    return User.objects.filter(
        groups__role_group__organisation=organisation, groups__role_group__role="referent"
    ).order_by("username")


def organisation_users(*, organisation: Organisation, search: str = "", role: str = ""):
    """Members of ``organisation`` (pair with user_roles_map for a page of them)."""
    users = User.objects.filter(groups__role_group__organisation=organisation)
    if role:
        users = users.filter(groups__role_group__role=role)
    if search:
        users = users.filter(
            Q(username__icontains=search) | Q(first_name__icontains=search) | Q(last_name__icontains=search)
            | Q(email__icontains=search)
        )
    return users.distinct().order_by("username")


def user_roles_map(users, organisation: Organisation) -> dict[int, list[str]]:
    """{user id: [role, ...]} in ``organisation`` for a page of users: one query."""
    rows = RoleGroup.objects.filter(organisation=organisation, group__user__in=[u.pk for u in users]).values_list(
        "group__user", "role"
    )
    roles: dict[int, list[str]] = {}
    for user_id, role in rows:
        roles.setdefault(user_id, []).append(role)
    return {user_id: sorted(values) for user_id, values in roles.items()}


def user_get_for_organisation(*, actor, organisation: Organisation, pk) -> User:
    """A member of ``organisation`` (any user for platform admins); Http404 otherwise."""
    users = User.objects.all()
    if not permissions.is_platform_admin(actor):
        users = users.filter(groups__role_group__organisation=organisation).distinct()
    try:
        return users.get(pk=int(pk))
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("No such user") from None


def audit_entries_for(user):
    """Platform admins: everything; others: entries of the organisations whose audit they may read."""
    entries = AuditEntry.objects.select_related("actor", "organisation", "tenant")
    if permissions.is_platform_admin(user):
        return entries
    return entries.filter(organisation__in=permissions.organisations_for(user, "view_audit"))


def api_tokens_of(*, user):
    """The user's API tokens, newest first (revoked and expired ones stay listed, greyed)."""
    return ApiToken.objects.filter(user=user).select_related("created_by")


def api_token_of(*, user, pk) -> ApiToken | None:
    """One of ``user``'s tokens, or None for anyone else's (or a malformed id)."""
    if not str(pk or "").isdigit():
        return None
    return ApiToken.objects.select_related("user").filter(user=user, pk=pk).first()


def service_account_get(*, pk) -> User:
    """An account whose tokens a platform administrator manages (a connector's service account)."""
    account = User.objects.filter(pk=pk, anonymised_at__isnull=True).first()
    if account is None:
        raise Http404("No such account")
    return account
