"""Error pages in French: 404, 500, CSRF failure, and the 503 page shown when Vitam does not answer."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from sam.site import views
from sam.vitam.errors import VitamTimeout, VitamUnavailable

pytestmark = pytest.mark.django_db


def test_unknown_pages_get_the_french_404_inside_the_site_frame(client, world):
    client.force_login(world.referent_a)
    response = client.get("/cette-page-n-existe-pas/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Page introuvable" in page
    assert 'class="main-nav"' in page  # the user keeps the menu
    assert f'href="{reverse("home")}"' in page


def test_server_errors_get_a_standalone_page_with_the_request_id(rf):
    request = rf.get("/")
    response = views.server_error(request)
    page = response.content.decode()
    assert response.status_code == 500
    assert "Erreur du serveur" in page
    assert "sam/css/sam.css" in page


def test_a_crashing_view_answers_500_with_the_request_reference(client, settings):
    """A real crash through the middleware stack: the page shows the request id of the response header."""
    from django.urls import path

    def crash(request):
        raise RuntimeError("boom")

    import sam.urls

    class CrashingUrls:
        urlpatterns = [path("crash/", crash), *sam.urls.urlpatterns]
        handler500 = sam.urls.handler500
        handler404 = sam.urls.handler404

    settings.ROOT_URLCONF = CrashingUrls
    client.raise_request_exception = False
    response = client.get("/crash/", HTTP_X_REQUEST_ID="req-0123456789")
    assert response.status_code == 500
    assert response["X-Request-Id"] == "req-0123456789"
    assert "req-0123456789" in response.content.decode()


def test_vitam_unavailable_page_shows_the_request_id_and_what_to_do(world):
    request = RequestFactory().get("/archives/search/")
    request.user = world.archivist_a
    request.session = {}
    request.request_id = "sam-request-42"
    error = VitamUnavailable("connection refused", request_id="vitam-req-77", method="GET", path="/access-external/v1/units")
    response = views.vitam_unavailable_response(request, error)
    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "Le système d’archivage ne répond pas" in page
    assert "vitam-req-77" in page
    assert "Réessayer" in page and 'href="/archives/search/"' in page


def test_vitam_unavailable_page_falls_back_to_the_portal_request_id(world):
    request = RequestFactory().get("/")
    request.user = world.archivist_a
    request.session = {}
    request.request_id = "sam-request-43"
    response = views.vitam_unavailable_response(request, VitamTimeout("read timeout"))
    assert "sam-request-43" in response.content.decode()
    assert response.status_code == 503


def test_unexpected_vitam_refusals_get_a_502_page_without_retry_advice(world):
    from sam.vitam.errors import VitamBadRequest

    request = RequestFactory().post("/referentials/rules/import/")
    request.user = world.archivist_a
    request.session = {}
    request.request_id = "sam-request-44"
    error = VitamBadRequest("Invalid DSL", status=400, request_id="vitam-req-88")
    response = views.vitam_unavailable_response(request, error, status=502)
    page = response.content.decode()
    assert response.status_code == 502
    assert "Retry-After" not in response
    assert "Le système d’archivage a refusé la demande" in page
    assert "Invalid DSL" in page and "vitam-req-88" in page
    assert "Réessayer" not in page


def test_vitam_errors_escaping_a_view_render_the_page_through_the_middleware(client, world, settings):
    """A real VitamUnavailable raised in a view reaches the user as the French 503 page."""
    settings.ROOT_URLCONF = "tests.sam.vitam_error_urls"
    client.force_login(world.archivist_a)
    response = client.get("/test/unavailable/")
    assert response.status_code == 503
    page = response.content.decode()
    assert "Le système d’archivage ne répond pas" in page and "req-unavailable-1" in page
