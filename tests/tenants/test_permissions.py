"""The permission policy: object permissions through role groups only, no global leak, one guardian module."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.http import Http404
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from tenants import permissions, services
from tenants.context import context_switch, current_organisation, current_tenant
from tenants.context_processors import sam_context
from tenants.models import Role
from tests.factories import make_organisation, make_tenant, make_user

REPO = Path(__file__).resolve().parents[2]

MATRIX = {
    # role -> permissions held on commune A
    "referent_a": {"view_organisation", "manage_users", "manage_referentials", "deposit", "search", "eliminate",
                   "view_audit"},
    "archivist_a": {"view_organisation", "manage_referentials", "deposit", "search", "eliminate"},
    "researcher_a": {"view_organisation", "consult_communicable"},
    "controller": {"give_visa"},
}


@pytest.mark.parametrize("role", sorted(MATRIX))
def test_role_matrix_on_both_communes(world, role):
    user = getattr(world, role)
    held_a = {p for p in permissions.ORGANISATION_PERMS if permissions.can(user, p, world.org_a)}
    held_b = {p for p in permissions.ORGANISATION_PERMS if permissions.can(user, p, world.org_b)}
    assert (held_a, held_b) == (MATRIX[role], set())


def test_platform_admin_is_an_explicit_branch(world):
    assert all(permissions.can(world.admin, p, world.org_b) for p in permissions.ORGANISATION_PERMS)
    world.admin.is_active = False
    assert not permissions.can(world.admin, "view_organisation", world.org_b)


def test_global_permissions_never_open_a_commune(world):
    """A model-level permission given by mistake (to the user or a group) must not leak commune B."""
    perm = Permission.objects.get(codename="deposit", content_type__app_label="tenants")
    world.archivist_a.user_permissions.add(perm)
    world.org_a.role_groups.get(role=Role.ARCHIVIST).group.permissions.add(perm)
    assert list(permissions.organisations_for(world.archivist_a, "deposit")) == [world.org_a]
    assert not permissions.can(world.archivist_a, "deposit", world.org_b)


def test_superuser_flag_is_not_platform_admin(world):
    world.archivist_a.is_superuser = True
    world.archivist_a.save()
    assert list(permissions.organisations_for(world.archivist_a, "deposit")) == [world.org_a]
    assert not permissions.can(world.archivist_a, "deposit", world.org_b)


def test_accessors_answer_404_for_missing_and_forbidden_alike(world):
    for pk in (world.org_b.pk, 999999, "abc"):
        with pytest.raises(Http404):
            permissions.organisation_get_for_user(world.referent_a, pk, "manage_users")
    with pytest.raises(Http404):
        permissions.tenant_get_for_user(world.referent_a, world.tenant_b.pk, "deposit")
    assert permissions.tenant_get_for_user(world.archivist_a, world.tenant_a.pk, "deposit") == world.tenant_a


def test_unknown_permission_is_a_programming_error(world):
    with pytest.raises(ValueError):
        permissions.can(world.admin, "delete_everything", world.org_a)


def test_only_the_permissions_module_imports_guardian():
    pattern = re.compile(r"^\s*(from guardian|import guardian)", re.MULTILINE)
    allowed = {REPO / "tenants" / "permissions.py", REPO / "tenants" / "models.py"}  # models: the direct-FK bases
    offenders = []
    for package in ("sam", "tenants", "referentials", "vitamlite"):
        for path in (REPO / package).rglob("*.py"):
            if path not in allowed and pattern.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(REPO)))
    assert offenders == []
    assert "guardian.shortcuts" not in (REPO / "tenants" / "models.py").read_text()


def _request(user, session=None):
    request = RequestFactory().get("/")
    request.user = user
    request.session = session if session is not None else {}
    return request


def test_context_defaults_to_the_first_usable_organisation_and_revalidates(world):
    session = {"sam_organisation_id": world.org_b.pk, "sam_tenant_id": world.tenant_b.pk}  # forged/stale
    request = _request(world.archivist_a, session)
    assert current_organisation(request) == world.org_a
    assert current_tenant(request) == world.tenant_a


def test_switch_context_for_a_controller(world):
    request = _request(world.controller)
    assert current_organisation(request) == world.archives  # alphabetical: "Archives…" before "Commune A"
    assert context_switch(_request(world.controller, request.session), organisation_id=world.org_a.pk)
    request = _request(world.controller, request.session)
    assert current_organisation(request) == world.org_a
    assert not context_switch(request, organisation_id=world.org_b.pk)


def test_nav_flags(world):
    nav = sam_context(_request(world.referent_a))["nav"]
    assert nav == {"is_platform_admin": False, "can_manage_users": True, "can_view_audit": True,
                   "can_manage_referentials": True, "can_deposit": True, "can_search": True, "can_eliminate": True,
                   "can_give_visa": False, "can_consult": False}
    nav = sam_context(_request(world.controller))["nav"]
    assert nav["can_give_visa"] and not nav["can_deposit"]
    nav = sam_context(_request(world.researcher_a))["nav"]
    assert nav["can_consult"] and not nav["can_search"]
    assert sam_context(_request(world.admin))["nav"]["is_platform_admin"]


def test_context_processor_query_count_is_independent_of_organisation_count(world):
    user = make_user("multi")
    services.role_grant(actor=None, organisation=world.org_a, user=user, role=Role.ARCHIVIST)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            context = sam_context(_request(user))
            assert context["nav"]["can_deposit"]
        return len(captured), len(context["available_organisations"])

    few, count_few = queries()
    for _ in range(20):
        organisation = make_organisation()
        make_tenant(organisation)
        services.role_grant(actor=None, organisation=organisation, user=user, role=Role.RESEARCHER)
    many, count_many = queries()
    assert (count_few, count_many) == (1, 21)
    assert few == many


def test_request_checker_ignores_the_superuser_flag(world):
    world.archivist_a.is_superuser = True
    checker = permissions.PermissionChecker(world.archivist_a)
    checker.prefetch([world.org_a, world.org_b])
    assert checker.has_perm("deposit", world.org_a) and not checker.has_perm("deposit", world.org_b)
    assert not checker.has_perm("manage_users", world.org_a)


def test_current_context_for_guards_the_current_organisation(world):
    from tenants.context import current_context_for

    assert current_context_for(_request(world.archivist_a), "deposit") == (world.org_a, world.tenant_a)
    with pytest.raises(Http404):
        current_context_for(_request(world.researcher_a), "deposit")
    with pytest.raises(Http404):  # the departmental archives have no tenant
        current_context_for(_request(world.controller), "view_organisation")
    assert current_context_for(_request(world.controller), "view_organisation", tenant_required=False) == (
        world.archives, None)
