"""The consultation screens load their tenant with the request's permission checker
(tenants.context.tenant_get_for_request): the same answers as tenant_get_for_user, fewer queries."""

import pytest
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from tenants.context import tenant_get_for_request
from tenants.models import Organisation
from tenants.permissions import tenant_get_for_user


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    request.session = {}
    return request


def _answer(getter, *args):
    try:
        return getter(*args).pk
    except Http404:
        return 404


@pytest.mark.django_db
@pytest.mark.parametrize("perm", ["search", "consult_communicable", "eliminate", "give_visa"])
def test_same_answer_as_tenant_get_for_user(world, perm):
    world.tenant_b.is_active = False
    world.tenant_b.save()
    users = [world.admin, world.referent_a, world.archivist_a, world.referent_b, world.archivist_b,
             world.controller, world.researcher_a]
    answers = []
    for user in users:
        for tenant_pk in (world.tenant_a.pk, world.tenant_b.pk, 999999, "x"):
            expected = _answer(tenant_get_for_user, user, tenant_pk, perm)
            assert _answer(tenant_get_for_request, _request(user), tenant_pk, perm) == expected, (user, tenant_pk)
            answers.append(expected)
    assert 404 in answers and world.tenant_a.pk in answers and world.tenant_b.pk in answers  # admin only for B


@pytest.mark.django_db
def test_deactivated_organisation_and_user_see_nothing(world):
    Organisation.objects.filter(pk=world.org_a.pk).update(is_active=False)
    with pytest.raises(Http404):
        tenant_get_for_request(_request(world.archivist_a), world.tenant_a.pk, "search")
    assert tenant_get_for_request(_request(world.admin), world.tenant_a.pk, "search").pk == world.tenant_a.pk
    world.archivist_b.is_active = False
    world.archivist_b.save()
    with pytest.raises(Http404):
        tenant_get_for_request(_request(world.archivist_b), world.tenant_b.pk, "search")


@pytest.mark.django_db
def test_search_page_permissions_cost_a_constant_number_of_queries(world, client, django_assert_max_num_queries):
    client.force_login(world.archivist_a)
    url = reverse("consultation:search", args=[world.tenant_a.pk])
    client.get(url)
    # Session, user, tenant, the user's organisations and their permissions (shared with the navigation),
    # saved searches, notifications, session save, the tenant's Vitam client for the latest entries an
    # empty search lists (issue 14): no second permission lookup for the tenant.
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert response.status_code == 200
    other = reverse("consultation:search", args=[world.tenant_b.pk])
    assert client.get(other).status_code == 404
