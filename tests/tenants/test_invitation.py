"""The invitation link lands on the password-choice page; once chosen, the invited person can sign in."""

import re

from django.contrib.auth import authenticate
from django.test import RequestFactory

from tenants import services
from tenants.models import Role


def test_invited_user_chooses_a_password_and_signs_in(world, client, mailoutbox,
                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = services.user_invite(actor=world.referent_a, organisation=world.org_a, username="invitee",
                                    email="invitee@example.org", role=Role.ARCHIVIST)
    [message] = mailoutbox
    link = re.search(r"(/accounts/reset/[^/\s]+/[^/\s]+/)", message.body).group(1)
    landing = client.get(link, follow=True)
    assert landing.status_code == 200
    form_url = landing.redirect_chain[-1][0] if landing.redirect_chain else link
    response = client.post(form_url, {"new_password1": "Archives-2026-solides", "new_password2": "Archives-2026-solides"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.has_usable_password()
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="invitee", password="Archives-2026-solides") == user
    # The link is single-use: the password changed, the token no longer matches.
    assert client.get(link, follow=True).context.get("validlink") is False
