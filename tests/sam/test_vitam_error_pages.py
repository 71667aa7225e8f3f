"""A Vitam failure that escapes a view becomes a clear page (503/502/404), never a 500."""

import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture
def logged_in(client, django_user_model, settings):
    settings.ROOT_URLCONF = "tests.sam.vitam_error_urls"
    user = django_user_model.objects.create_user("agent", password="x" * 16)
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_outage_gives_503_page_with_request_id_and_next_step(logged_in):
    logged_in.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        response = logged_in.get("/test/unavailable/")
    assert response.status_code == 503
    assert response["Retry-After"]
    body = response.content.decode()
    assert "req-unavailable-1" in body
    assert "unavailable at the moment" in body or "not answering" in body


@pytest.mark.django_db
def test_unexpected_refusal_gives_502_page(logged_in):
    response = logged_in.get("/test/refused/")
    assert response.status_code == 502
    assert "req-refused-1" in response.content.decode()


@pytest.mark.django_db
def test_not_found_in_vitam_is_a_404(logged_in):
    assert logged_in.get("/test/missing/").status_code == 404


@pytest.mark.django_db
def test_api_gets_json(logged_in):
    response = logged_in.get("/api/test/unavailable/")
    assert response.status_code == 503
    assert response.json()["request_id"] == "req-unavailable-1"


@pytest.mark.django_db
def test_french_whatever_the_browser_says(logged_in):
    """French is the interface language unless the user chose English; the browser header does not count."""
    response = logged_in.get("/test/unavailable/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 503
    assert 'lang="fr"' in response.content.decode()
