"""Sign-ins on the record, and a request id believed only from SAM's own reverse proxy."""

import ipaddress

from django.urls import reverse

from tenants.models import AuditEntry
from tests.factories import PASSWORD
from tests.tenants.helpers import page_text


def test_sign_in_and_failed_sign_in_are_recorded(world, client):
    response = client.post(reverse("login"), {"username": "archivist.a", "password": PASSWORD})
    assert response.status_code == 302
    signed_in = AuditEntry.objects.get(action="auth.login")
    assert signed_in.actor == world.archivist_a and signed_in.ip_address == "127.0.0.1"
    client.logout()
    client.post(reverse("login"), {"username": "archivist.a", "password": "wrong password"})
    client.post(reverse("login"), {"username": "nobody.at.all", "password": "wrong password"})
    known, unknown = AuditEntry.objects.filter(action="auth.login_failed").order_by("pk")
    assert known.actor is None and known.target_id == str(world.archivist_a.pk)
    assert known.after == {"username": "archivist.a"}
    assert unknown.target_id == "" and unknown.after == {"username": "nobody.at.all"}
    assert "wrong password" not in str(known.after) + str(unknown.after)


def test_audit_page_shows_french_labels(world, client):
    client.post(reverse("login"), {"username": "admin", "password": "wrong"})
    client.force_login(world.admin)
    page = page_text(client.get(reverse("tenants:audit_list"), {"action": "auth."}))
    assert "Échec de connexion" in page
    assert "<code>auth.login_failed</code>" not in page


def test_request_id_from_a_trusted_proxy_is_kept(world, client):
    client.force_login(world.archivist_a)
    response = client.get(reverse("profile"), HTTP_X_REQUEST_ID="proxy-id-0123456789")
    assert response["X-Request-Id"] == "proxy-id-0123456789"  # the test client comes from 127.0.0.1


def test_request_id_from_anyone_else_is_replaced(world, client, settings):
    client.force_login(world.archivist_a)
    response = client.get(reverse("profile"), HTTP_X_REQUEST_ID="forged-id-0123456789", REMOTE_ADDR="203.0.113.7")
    assert response["X-Request-Id"] != "forged-id-0123456789" and len(response["X-Request-Id"]) == 32
    settings.TRUSTED_PROXIES = (ipaddress.ip_network("10.0.0.0/8"),)
    response = client.post(reverse("profile"), {"first_name": "Arlette", "last_name": "", "email": "a@example.org",
                                                "language": "fr"}, HTTP_X_REQUEST_ID="forged-id-0123456789")
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action="user.profile_update").latest("pk")
    assert entry.request_id == response["X-Request-Id"] != "forged-id-0123456789"
    response = client.get(reverse("profile"), HTTP_X_REQUEST_ID="proxy-id-0123456789", REMOTE_ADDR="10.1.2.3")
    assert response["X-Request-Id"] == "proxy-id-0123456789"


def test_forwarded_address_is_believed_from_a_trusted_proxy_only(world, client, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client.post(reverse("login"), {"username": "nobody", "password": "x"}, HTTP_X_FORWARDED_FOR="198.51.100.9",
                REMOTE_ADDR="203.0.113.7")
    client.post(reverse("login"), {"username": "nobody", "password": "x"}, HTTP_X_FORWARDED_FOR="198.51.100.9")
    stranger, proxied = AuditEntry.objects.filter(action="auth.login_failed").order_by("pk")
    assert stranger.ip_address == "203.0.113.7" and proxied.ip_address == "198.51.100.9"
