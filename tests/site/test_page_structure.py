"""RGAA-minded structure of every site page: language, landmarks, one h1, labelled fields, table headers."""

from html.parser import HTMLParser

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import path, reverse

pytestmark = pytest.mark.django_db


class PageStructure(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.ids, self.label_targets, self.fields, self.tables_without_headers = [], set(), set(), [], 0
        self._table_has_th = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "label" and attrs.get("for"):
            self.label_targets.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit"):
            self.fields.append(attrs)
        if tag == "table":
            self._table_has_th.append(False)
        if tag == "th" and self._table_has_th:
            self._table_has_th[-1] = True

    def handle_endtag(self, tag):
        if tag == "table" and not self._table_has_th.pop():
            self.tables_without_headers += 1

    def count(self, tag, **wanted):
        return sum(1 for name, attrs in self.tags if name == tag and all(attrs.get(k) == v for k, v in wanted.items()))


def _structure(html):
    parser = PageStructure()
    parser.feed(html)
    return parser


def _assert_accessible(html):
    page = _structure(html)
    assert page.count("html", lang="fr") == 1
    assert page.count("main", id="main") == 1
    assert page.count("a", href="#main") == 1  # skip link
    assert page.count("header") == 1 and page.count("footer") == 1
    assert page.count("h1") == 1
    ids = [attrs["id"] for _, attrs in page.tags if "id" in attrs]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for field in page.fields:
        labelled = field.get("id") in page.label_targets or field.get("aria-label") or field.get("aria-labelledby")
        assert labelled, f"field without label: {field}"
    assert page.tables_without_headers == 0


ANONYMOUS_PAGES = ["login", "password_reset", "password_reset_done", "password_reset_complete"]
USER_PAGES = ["home", "profile", "password_change", "password_change_done"]


@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_public_pages_are_structured_for_assistive_technologies(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    _assert_accessible(response.content.decode())


@pytest.mark.parametrize("name", USER_PAGES)
@pytest.mark.parametrize("role", ["admin", "referent_a", "archivist_a", "controller", "researcher_a"])
def test_user_pages_are_structured_for_assistive_technologies(client, world, name, role):
    client.force_login(getattr(world, role))
    response = client.get(reverse(name))
    assert response.status_code == 200
    _assert_accessible(response.content.decode())


def test_main_menu_marks_the_current_page(client, world):
    client.force_login(world.referent_a)
    page = _structure(client.get(reverse("home")).content.decode())
    assert page.count("nav", **{"aria-label": "Menu principal"}) == 1
    assert page.count("a", href=reverse("home"), **{"aria-current": "page"}) == 1


def test_permission_denied_gets_the_french_403_page(client, world, settings):
    import sam.urls

    def forbidden(request):
        raise PermissionDenied

    class Urls:
        urlpatterns = [path("forbidden/", forbidden), *sam.urls.urlpatterns]

    settings.ROOT_URLCONF = Urls
    client.force_login(world.archivist_a)
    response = client.get("/forbidden/")
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()
    _assert_accessible(response.content.decode())


def _app_pages(world):
    org, user = world.org_a, world.archivist_a
    return [
        reverse("tenants:organisation_list"), reverse("tenants:organisation_create"),
        reverse("tenants:organisation_detail", args=[org.pk]), reverse("tenants:organisation_update", args=[org.pk]),
        reverse("tenants:tenant_create", args=[org.pk]), reverse("tenants:referent_appoint", args=[org.pk]),
        reverse("tenants:user_list", args=[org.pk]), reverse("tenants:user_create", args=[org.pk]),
        reverse("tenants:user_detail", args=[org.pk, user.pk]), reverse("tenants:user_update", args=[org.pk, user.pk]),
        reverse("tenants:user_deactivate", args=[org.pk, user.pk]),
        reverse("tenants:user_anonymise", args=[org.pk, user.pk]),
        reverse("tenants:audit_list"),
    ]


def test_administration_pages_share_the_accessible_structure(client, world):
    """The tenants screens rendered in the site shell: same landmarks, labels and table headers."""
    client.force_login(world.admin)
    for url in _app_pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        try:
            _assert_accessible(response.content.decode())
        except AssertionError as problem:
            raise AssertionError(f"{url}: {problem}") from None
