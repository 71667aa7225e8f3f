"""The menus kept in the fragment cache (components/main_nav.html, user_menu.html, language_switch.html) are
keyed on all they depend on: a role granted or revoked, another user, another page, a new notification or
another language shows at once."""

from django.urls import reverse
from lxml import html as lxml_html

from sam.elimination.models import Notification
from tenants import services
from tenants.models import Role


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return lxml_html.fromstring(response.content.decode())


def _menu_links(client, url):
    return set(_page(client, url).xpath('//nav[@class="main-nav"]//a/@href'))


def _current_links(client, url):
    return _page(client, url).xpath('//nav[@class="main-nav"]//a[@aria-current="page"]/@href')


def test_each_user_sees_their_own_menu_and_a_role_change_shows_on_the_next_page(client, world):
    users_url = reverse("tenants:user_list", args=[world.org_a.pk])
    client.force_login(world.referent_a)
    assert users_url in _menu_links(client, reverse("home"))
    client.force_login(world.archivist_a)
    archivist_links = _menu_links(client, reverse("home"))
    assert users_url not in archivist_links

    services.role_grant(actor=world.admin, organisation=world.org_a, user=world.archivist_a, role=Role.REFERENT)
    assert users_url in _menu_links(client, reverse("home"))
    services.role_revoke(actor=world.admin, organisation=world.org_a, user=world.archivist_a, role=Role.REFERENT)
    assert _menu_links(client, reverse("home")) == archivist_links


def test_the_current_page_is_marked_on_every_page(client, world):
    client.force_login(world.archivist_a)
    for name in ("consultation:operation_list", "selection:list", "consultation:operation_list"):
        url = reverse(name, args=[world.tenant_a.pk])
        assert _current_links(client, url) == [url]
    assert _current_links(client, reverse("home")) == [reverse("home")]
    assert _current_links(client, reverse("profile")) == []


def test_the_user_menu_shows_a_new_notification_and_the_other_language(client, world):
    client.force_login(world.archivist_a)
    menu = _page(client, reverse("home")).xpath('//details[@class="user-menu"]')[0]
    assert not menu.xpath('.//*[contains(@class, "badge")]') and "Se déconnecter" in menu.text_content()
    Notification.objects.create(recipient=world.archivist_a, organisation=world.org_a,
                                kind=Notification.Kind.DECIDED, message="Visa donné")
    menu = _page(client, reverse("home")).xpath('//details[@class="user-menu"]')[0]
    assert menu.xpath('.//*[contains(@class, "badge")]')[0].text_content().startswith("1 ")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = _page(client, reverse("home"))
    assert "Log out" in english.xpath('//details[@class="user-menu"]')[0].text_content()
    assert english.xpath('//form[@class="language-switch"]//button/@value') == ["fr"]
