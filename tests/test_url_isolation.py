"""The permission matrix, walked from the URL resolver: every URL of the portal and of the API.

Cases live in tests/url_cases_<app>.py (see tests/url_cases.py). A URL pattern without a case fails here.
"""

import json

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tenants.models import AuditEntry, Organisation, OrganisationGroupObjectPermission, RoleGroup, Tenant, User
from tenants.serializers import Membership
from tests.url_cases import AUTHENTICATED, ORGANISATION, PLATFORM, PUBLIC, commune_b_markers, load_all

CASES = load_all()
# Tables a refused request may legitimately touch: the session itself, and the login throttling log.
IGNORED_TABLES = {"sessions.session", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}
WATCHED_ROWS = (Organisation, Tenant, User, RoleGroup, Membership, OrganisationGroupObjectPermission)


def walk(patterns, namespace=""):
    """(name, route) of every pattern; an unnamed one yields name None."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            yield from walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield (f"{namespace}{pattern.name}" if pattern.name else None), str(pattern.pattern)


def url_names():
    return list(walk(get_resolver().url_patterns))


def test_every_url_pattern_has_a_case():
    patterns = url_names()
    unnamed = [route for name, route in patterns if name is None]
    missing = sorted({name for name, _route in patterns if name and name not in CASES})
    assert not unnamed, f"URL patterns without a name (name them, then add a case): {unnamed}"
    assert not missing, (
        f"URL patterns without an isolation case: {missing}. Add them to tests/url_cases_<app>.py "
        "(see tests/url_cases.py)."
    )


def test_every_case_names_an_existing_url():
    names = {name for name, _route in url_names()}
    assert sorted(set(CASES) - names) == [], "stale URL cases: remove them or fix their names"


def test_the_matrix_covers_portal_and_api():
    access = {case.access for case in CASES.values()}
    assert {PUBLIC, AUTHENTICATED, PLATFORM, ORGANISATION} <= access
    assert sum(case.api for case in CASES.values()) >= 10


def _counted_tables():
    existing = set(connection.introspection.table_names())  # a model still without its migration has no rows
    return sorted({
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and model._meta.label_lower not in IGNORED_TABLES
        and model._meta.db_table in existing
    })


def db_fingerprint(tables=None):
    """Row counts of every table (one query) and the full rows of the tenants tables."""
    tables = tables if tables is not None else _counted_tables()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(
            f"SELECT '{table}', COUNT(*) FROM {quote(table)}" for table in tables
        ))
        counts = dict(cursor.fetchall())
    rows = {model._meta.label_lower: list(model._default_manager.order_by("pk").values()) for model in WATCHED_ROWS}
    return counts, rows


def test_fingerprint_sees_an_update_and_an_insert(world):
    """The matrix's "no database change" check is not vacuous."""
    from tenants import services

    before = db_fingerprint()
    services.user_update(actor=world.admin, organisation=None, user=world.archivist_b, first_name="Changed")
    after = db_fingerprint()
    assert before[1] != after[1]  # the row changed
    assert before[0]["tenants_auditentry"] + 1 == after[0]["tenants_auditentry"]  # the audit row counted


def request(client, case, method, url, world):
    data = case.data(world) if case.data else {}
    if method == "get":
        return client.get(url, case.query(world) if case.query else {})
    if case.api:
        return getattr(client, method)(url, json.dumps(data), content_type="application/json")
    return getattr(client, method)(url, data)


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", "replace")


@pytest.mark.parametrize("name", sorted(CASES))
def test_url_isolation(name, world, client, vitam_url):
    case = CASES[name]
    url = reverse(name, kwargs=case.kwargs(world))
    markers = commune_b_markers(world) + (case.markers(world) if case.markers else [])
    login_url = reverse("login") if "login" in CASES else settings.LOGIN_URL
    tables = _counted_tables()

    for method in case.methods:
        # Anonymous visitors.
        client.logout()
        response = request(client, case, method, url, world)
        if case.access != PUBLIC:
            if case.api:
                assert response.status_code in (401, 403), (method, response.status_code)
            else:
                assert response.status_code == 302, (method, response.status_code)
                assert response["Location"].startswith(login_url), response["Location"]
        else:
            assert response.status_code < 500, (method, response.status_code)
            continue

        # Everyone on commune A's side.
        for role, user in world.roles_a.items():
            client.force_login(user)
            before = db_fingerprint(tables)
            last_entry = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            response = request(client, case, method, url, world)
            where = f"{method.upper()} {url} as {role}"
            if case.access in (ORGANISATION, PLATFORM):
                assert response.status_code in (403, 404), f"{where}: {response.status_code}"
            else:
                assert response.status_code < 500, f"{where}: {response.status_code}"
            text = body(response)
            leaked = [marker for marker in markers if marker in text]
            assert not leaked, f"{where}: commune B's data in the response: {leaked}"
            after = db_fingerprint(tables)
            if case.audited_reading:
                # A reading on the record (an export of one's own audit trail): the reader's own entries only.
                recorded = AuditEntry.objects.filter(pk__gt=last_entry)
                assert all(e.actor_id == user.pk and e.organisation_id != world.org_b.pk for e in recorded), where
                after[0]["tenants_auditentry"] -= recorded.count()
            assert after == before, f"{where} changed the database"
            client.logout()

        # Platform administrators reach everything.
        client.force_login(world.admin)
        response = request(client, case, method, url, world)
        assert response.status_code not in (403, 404) and response.status_code < 500, (
            f"{method.upper()} {url} as platform admin: {response.status_code}"
        )
        body(response)
        client.logout()
