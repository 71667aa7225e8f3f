"""The permission matrix inside one commune: every URL tried as each role of commune B.

tests/test_url_isolation.py proves that another commune's users get nothing; this test proves that, inside
the commune that owns the objects, each role gets exactly what it may: the roles a case declares
(tests/url_cases.py, ``roles``) reach it, the others get 403/404 and change nothing in the database.
"""

import pytest
from django.db import transaction
from django.urls import reverse

from tenants import services as tenant_services
from tenants.models import Organisation, Role
from tests.factories import make_organisation, make_user
from tests.test_url_isolation import _counted_tables, body, db_fingerprint, request
from tests.url_cases import ARCHIVIST, CONTROLLER, ORGANISATION, REFERENT, RESEARCHER, ROLES, load_all

CASES = load_all()
ORGANISATION_CASES = sorted(name for name, case in CASES.items() if case.access == ORGANISATION)


def test_every_organisation_case_declares_its_roles():
    missing = [name for name in ORGANISATION_CASES if CASES[name].roles is None]
    assert not missing, (
        f"URL cases without the roles allowed inside the commune: {missing}. Give them roles= in "
        "tests/url_cases_<app>.py (see tests/url_cases.py).")


@pytest.fixture
def commune_b_roles(world):
    """One user per role of commune B, the controller belonging to departmental archives controlling B.
    Users of their own: the cases deactivate or edit world.archivist_b."""
    archives = make_organisation("Archives départementales du Sud", kind=Organisation.Kind.DEPARTMENTAL_ARCHIVES)
    tenant_services.controlled_organisations_set(actor=world.admin, organisation=archives, controlled=[world.org_b])
    return {
        REFERENT: make_user("referent.b2", organisation=world.org_b, role=Role.REFERENT),
        ARCHIVIST: make_user("archivist.b2", organisation=world.org_b, role=Role.ARCHIVIST),
        RESEARCHER: make_user("researcher.b", organisation=world.org_b, role=Role.RESEARCHER),
        CONTROLLER: make_user("controller.sud", organisation=archives, role=Role.CONTROLLER),
    }


def test_the_roles_hold_what_the_matrix_assumes(world, commune_b_roles):
    from tenants.permissions import can, may_give_visa

    assert may_give_visa(commune_b_roles[CONTROLLER], world.org_b)
    assert not may_give_visa(commune_b_roles[CONTROLLER], world.org_a)
    assert can(commune_b_roles[RESEARCHER], "consult_communicable", world.org_b)
    assert not can(commune_b_roles[RESEARCHER], "search", world.org_b)


@pytest.mark.parametrize("name", ORGANISATION_CASES)
def test_role_matrix(name, world, commune_b_roles, client, vitam_url):
    case = CASES[name]
    assert case.roles is not None, f"{name}: declare its roles"
    url = reverse(name, kwargs=case.kwargs(world))
    tables = _counted_tables()
    for method in case.methods:
        allowed = case.roles_for(method)
        request(client, case, method, url, world)  # anonymous: builds the case's data once, changes nothing
        # Refused roles first; an allowed request is rolled back so that each allowed role finds the object.
        for role in sorted(ROLES, key=lambda role: role in allowed):
            client.force_login(commune_b_roles[role])
            before = db_fingerprint(tables)
            with transaction.atomic():
                response = request(client, case, method, url, world)
                body(response)
                transaction.set_rollback(True)
            where = f"{method.upper()} {url} as the {role} of the commune: {response.status_code}"
            if role in allowed:
                assert response.status_code not in (403, 404) and response.status_code < 500, where
            else:
                assert response.status_code in (403, 404), where
                assert db_fingerprint(tables) == before, f"{where}, and the database changed"
            client.logout()
